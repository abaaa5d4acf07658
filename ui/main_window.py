"""The main window: the wallet list on the left, the selected wallet's tabs on the right, and a
bar that says when the co-signer cannot be reached (with Retry). It only wires things together;
each tab and dialog lives in its own file."""

from __future__ import annotations

import importlib
import logging

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.version import __version__
from app.wallets import OWNED, WalletEntry
from ui.app_lock import AppLock
from ui.context import CONNECTING, LOCAL, OFFLINE, ONLINE, SIGNED_OUT, AppContext
from ui.lock_screen import LockScreen
from ui.messages_tab import MessagesTab
from ui.models import wallet_title
from ui.overview_tab import OverviewTab
from ui.sign_tab import SignTab
from ui.wallet_list import WalletList
from ui.widgets import Badge, IdLabel

log = logging.getLogger(__name__)

# Tabs that other files provide: (module, class, title, owners only). A tab whose module is not
# there yet is left out rather than breaking the window.
OPTIONAL_TABS = (
    ("ui.shares_tab", "SharesTab", QT_TRANSLATE_NOOP("MainWindow", "Shares"), True),
    ("ui.activity_tab", "ActivityTab", QT_TRANSLATE_NOOP("MainWindow", "Activity"), True),
    ("ui.history_tab", "HistoryTab", QT_TRANSLATE_NOOP("MainWindow", "History"), False),
)


class MainWindow(QMainWindow):
    add_wallet_requested = Signal()
    change_cosigner_requested = Signal()
    settings_requested = Signal()
    sign_in_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entry: WalletEntry | None = None
        self.setWindowTitle(self.tr("Splitkey"))
        self.resize(1100, 720)

        # -- the connection bar --
        self.offline_bar = QFrame()
        self.offline_bar.setObjectName("offlineBar")
        self.offline_text = QLabel()
        self.offline_text.setWordWrap(True)
        self.retry_button = QPushButton(self.tr("Retry"))
        self.retry_button.clicked.connect(self.retry)
        bar = QHBoxLayout(self.offline_bar)
        bar.addWidget(self.offline_text, 1)
        bar.addWidget(self.retry_button)
        self.offline_bar.hide()

        # -- left: wallets --
        self.wallets = WalletList()
        self.wallets.selected.connect(self.show_entry)

        # -- right: the selected wallet --
        self.title = QLabel(self.tr("No wallet selected"))
        self.title.setObjectName("walletTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.badge = Badge()
        self.address = IdLabel()
        self.address.setAccessibleName(self.tr("Selected wallet's client id"))
        header = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.badge)
        top.addStretch(1)
        header.addLayout(top)
        header.addWidget(self.address)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.overview = OverviewTab(ctx)
        self.sign = SignTab(ctx)
        self.messages = MessagesTab(ctx)
        self.tabs.addTab(self.overview, self.tr("Overview"))
        self.tabs.addTab(self.sign, self.tr("Send / Sign"))
        self.tabs.addTab(self.messages, self.tr("Messages"))
        self.owner_tabs: list[QWidget] = []
        for module_name, class_name, title, owners_only in OPTIONAL_TABS:
            tab = _optional_tab(module_name, class_name, ctx)
            if tab is not None:
                self.tabs.addTab(tab, self.tr(title))
                if owners_only:
                    self.owner_tabs.append(tab)

        right = QWidget()
        column = QVBoxLayout(right)
        column.addLayout(header)
        column.addWidget(self.tabs, 1)
        splitter = QSplitter()
        splitter.addWidget(self.wallets)
        splitter.addWidget(right)
        # The list gives up a quarter of any width taken away, so a small window keeps room
        # for the wallet (review item 15: the sidebar kept its full width at 640 px).
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([280, 820])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.offline_bar)
        layout.addWidget(splitter, 1)
        # The lock screen replaces everything above while the app is locked (ui/app_lock.py).
        self.content = central
        self.lock_screen = LockScreen()
        self.pages = QStackedWidget()
        self.pages.addWidget(central)
        self.pages.addWidget(self.lock_screen)
        self.setCentralWidget(self.pages)
        self.app_lock = AppLock(ctx, self)
        self.lock_screen.unlock_requested.connect(self.app_lock.unlock)
        self.app_lock.unlock_failed.connect(self.lock_screen.refused)
        ctx.lock_changed.connect(self._show_lock)
        ctx.store_needs_passphrase.connect(self.ask_store_passphrase)

        self._menus()
        self.connection = QLabel()
        self.statusBar().addPermanentWidget(self.connection)
        ctx.wallets_changed.connect(self.wallets.set_entries)
        ctx.connection_changed.connect(self.show_connection)
        self.show_connection(ctx.state)
        self.show_entry(None)
        geometry = ctx.prefs.window_geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        if self.app_lock.enabled:
            self.app_lock.lock()  # a password is set: asked when the app opens
        self._show_lock(ctx.locked)

    def _show_lock(self, locked: bool) -> None:
        self.pages.setCurrentWidget(self.lock_screen if locked else self.content)
        for action in self.lockable_actions:
            action.setEnabled(not locked)
        if locked:
            self.lock_screen.reset()
        elif self.ctx.session is not None:
            self.ctx.refresh_wallets()  # what was refused while locked

    def ask_store_passphrase(self, _why: str = "") -> None:
        """The keys are in the encrypted file: ask for its passphrase, then load again."""
        from ui.passphrase_dialog import unlock_store

        unlock_store(self.ctx, self, self.ctx.refresh_wallets)

    def lock_now(self) -> None:
        if not self.app_lock.lock():
            self.open_lock_settings()  # no password yet: set one first

    def open_lock_settings(self):
        from ui.lock_settings_dialog import LockSettingsDialog

        dialog = LockSettingsDialog(self.ctx, self)
        dialog.accepted.connect(self.app_lock.apply_settings)
        dialog.open()
        return dialog

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.ctx.prefs.window_geometry = self.saveGeometry()
        super().closeEvent(event)

    def _menus(self) -> None:
        wallet = self.menuBar().addMenu(self.tr("&Wallet"))
        add = QAction(self.tr("&Add wallet…"), self)
        add.setShortcut(QKeySequence.StandardKey.New)
        add.triggered.connect(self.add_wallet_requested)
        refresh = QAction(self.tr("&Refresh"), self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.retry)
        settings = QAction(self.tr("&Settings…"), self)
        settings.setShortcut(QKeySequence("Ctrl+,"))
        settings.setMenuRole(QAction.MenuRole.PreferencesRole)
        settings.triggered.connect(self.settings_requested)
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.lock_action = QAction(self.tr("&Lock now"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock_now)
        lock_settings = QAction(self.tr("App loc&k…"), self)
        lock_settings.triggered.connect(self.open_lock_settings)
        for action in (add, refresh, settings, self.lock_action, lock_settings):
            wallet.addAction(action)
        # Nothing but Quit while locked: a wizard or the settings would show what the lock hides.
        self.lockable_actions = (add, refresh, settings, self.lock_action, lock_settings)
        wallet.addSeparator()
        wallet.addAction(quit_action)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        about = QAction(self.tr("&About Splitkey"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    # -- the selected wallet --

    def show_entry(self, entry: WalletEntry | None) -> None:
        self.entry = entry
        if entry is None:
            self.title.setText(self.tr("No wallet selected"))
            self.badge.hide()
            self.address.setText("")
        else:
            self.title.setText(wallet_title(entry))
            self.badge.set_status(entry.status)
            self.badge.show()
            self.address.setText(entry.client_id)
        for index in range(self.tabs.count()):
            tab = self.tabs.widget(index)
            if hasattr(tab, "set_entry"):
                tab.set_entry(entry)
            if tab in self.owner_tabs:
                self.tabs.setTabVisible(index, entry is not None and entry.kind == OWNED)

    # -- the connection --

    def show_connection(self, state: str) -> None:
        # From what is running, not from the saved choice: the wizard connects before it saves
        # the choice, which left "Connected to" with nothing after it (review item 9).
        local = self.ctx.local is not None or self.ctx.prefs.mode == LOCAL
        session = self.ctx.session
        remote = (session.url if session is not None else None) or self.ctx.prefs.url
        here = self.tr("the co-signer on this computer")
        where = here if local else (remote or self.tr("the co-signer"))
        problem = self.ctx.last_problem
        words = {
            CONNECTING: self.tr("Connecting to {where}…").format(where=where),
            ONLINE: self.tr("Connected to {where}").format(where=where),
            OFFLINE: (
                problem.title
                if problem is not None
                else self.tr("Not connected to {where}").format(where=where)
            ),
            SIGNED_OUT: self.tr("Signed out"),
        }
        self.connection.setText(words.get(state, ""))
        if state in (OFFLINE, SIGNED_OUT) and problem is not None:
            self.offline_text.setText(f"<b>{_html(problem.title)}.</b> {_html(problem.text)}")
            # Signed out of an organisation's co-signer: only the person can sign in again
            # (the built-in one signs its owner in by itself, so Retry does it).
            signing_in = state == SIGNED_OUT and self.ctx.prefs.mode != LOCAL
            self.retry_button.setText(self.tr("Sign in…") if signing_in else self.tr("Retry"))
            self.offline_bar.show()
        else:
            self.offline_bar.hide()

    def retry(self) -> None:
        if self.ctx.state == SIGNED_OUT and self.ctx.prefs.mode != LOCAL:
            self.sign_in_requested.emit()
            return
        if self.ctx.prefs.mode == LOCAL and self.ctx.local_down:
            self.ctx.restart_local()  # a crashed built-in co-signer: start it again now
        elif self.ctx.session is None or (self.ctx.prefs.mode == LOCAL and self.ctx.local is None):
            self.ctx.connect_saved()
        else:
            self.ctx.refresh_wallets()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About Splitkey"),
            self.tr(
                "Splitkey {version}: a wallet for 0Chain split keys.\n\nYour half of each key "
                "stays in this computer's keyring; the co-signer signs only what the key's rules "
                "allow."
            ).format(version=__version__),
        )


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _optional_tab(module_name: str, class_name: str, ctx: AppContext) -> QWidget | None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # the module exists but something it imports does not: a real bug
        return None
    return getattr(module, class_name)(ctx)
