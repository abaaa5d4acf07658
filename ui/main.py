"""Entry points: `splitkey` without arguments opens the window (`run`); with arguments it is the
headless command line (app/cli/), so scripts keep working and need no display.

    splitkey                      # the desktop
    splitkey keys new             # the same as python -m app.cli keys new

SPLITKEY_EXIT_WHEN_SHOWN=1 makes the app quit as soon as its first window is on screen and
print how long that took (from SPLITKEY_T0, a time.time() the caller took before starting the
process, else from this module's import): bench/gui_bench.py measures cold start with it.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Sequence

_IMPORTED_AT = time.time()
EXIT_WHEN_SHOWN = "SPLITKEY_EXIT_WHEN_SHOWN"
T0 = "SPLITKEY_T0"


def main(argv: Sequence[str] | None = None) -> int:
    """The `splitkey` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        _catch_early_quit()
    if argv:
        from app.cli import main as cli_main

        return cli_main(argv)
    try:
        import PySide6  # noqa: F401 (only: is the GUI installed?)
    except ImportError:
        from app.cli import main as cli_main

        print(
            "splitkey: the desktop needs Qt (pip install 'splitkey[desktop]'); "
            "the commands below work without it.\n",
            file=sys.stderr,
        )
        return cli_main(["--help"])
    return run()


class Desktop:
    """Owns the windows of one running app: the wizard on first run, then the main window."""

    def __init__(self, ctx) -> None:
        from ui.main_window import MainWindow
        from ui.refresh_key import RefreshSchedule

        self.ctx = ctx
        self.window = MainWindow(ctx)
        self.refresh_schedule = RefreshSchedule(ctx)  # keys refreshed when due (Settings)
        self.window.add_wallet_requested.connect(lambda: self.open_wizard(adding=True))
        self.window.change_cosigner_requested.connect(lambda: self.open_wizard(adding=False))
        self.window.settings_requested.connect(self.open_settings)
        self.window.sign_in_requested.connect(self.open_sign_in)
        self.wizard = None

    def start(self) -> None:
        if self.ctx.prefs.configured:
            self.window.show()
            self.ctx.connect_saved()
        else:
            self.open_wizard(adding=False)

    def open_sign_in(self) -> None:
        """Signed out of an organisation's co-signer: the wizard from its sign-in page."""
        from ui.wizard.wizard import SIGNIN

        if self.ctx.session is None:
            self.ctx.use_remote(self.ctx.prefs.url, self.ctx.prefs.pin)
        self.open_wizard(adding=False, start=SIGNIN)

    def open_wizard(self, adding: bool, start: int | None = None) -> None:
        from ui.wizard import FirstRunWizard
        from ui.wizard.wizard import COSIGNER, WALLET

        if start is None:
            start = WALLET if adding and self.ctx.session is not None else COSIGNER
        parent = self.window if self.window.isVisible() else None
        self.wizard = FirstRunWizard(self.ctx, start=start, parent=parent)
        self.wizard.finished.connect(self._wizard_closed)
        self.wizard.show()

    def _wizard_closed(self, result: int) -> None:
        wizard, self.wizard = self.wizard, None
        if not self.ctx.prefs.configured:
            # Cancelled before a co-signer was chosen: there is nothing to show yet.
            from PySide6.QtWidgets import QApplication

            if not self.window.isVisible():
                QApplication.instance().quit()
            return
        self.window.show()
        job = self.ctx.refresh_wallets()
        chosen = wizard.client_id if wizard is not None else None
        if chosen:
            job.finished.connect(lambda _entries: self.window.wallets.select(chosen))

    def open_settings(self) -> None:
        from ui.settings_dialog import SettingsDialog
        from ui.theme import apply_theme

        dialog = SettingsDialog(self.ctx, self.window)
        dialog.change_cosigner.connect(lambda: self.open_wizard(adding=False))
        dialog.theme_changed.connect(lambda theme: apply_theme(_application(), theme))
        dialog.accepted.connect(lambda: self.window.show_entry(self.window.entry))
        dialog.open()
        return dialog


def _application():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance()


def make_application(argv: Sequence[str] | None = None):
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("Splitkey")
    app.setApplicationDisplayName("Splitkey")
    app.setOrganizationName("Splitkey")
    app.setDesktopFileName("io.github.splitkey.Splitkey")  # its .desktop file
    app.setWindowIcon(application_icon())
    return app


def application_icon():
    """Splitkey's icon (resources/splitkey.svg): every window's, and the one the .desktop file
    names for launchers."""
    from PySide6.QtGui import QIcon

    from ui.theme import RESOURCES

    return QIcon(str(RESOURCES / "splitkey.svg"))
QUIT_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
_quit_requested = False


def _catch_early_quit() -> None:
    """From the first moment: a quit signal that arrives while Qt is still loading (a second
    or more on a busy machine) is remembered and honoured once the app runs, instead of
    killing it half-built or raising KeyboardInterrupt in the middle of an import."""
    import signal

    def remember(_sig, _frame) -> None:
        global _quit_requested
        _quit_requested = True

    for name in QUIT_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), remember)


def qt_messages_to_log() -> None:
    """Qt's own messages go to the log like ours, not raw to stderr: its warnings are platform
    remarks ("This plugin does not support propagateSizeHints()") a user cannot act on."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.DEBUG,
        QtMsgType.QtWarningMsg: logging.INFO,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handle(kind, _context, message: str) -> None:
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handle)


def quit_on_signals(app) -> None:
    """Ctrl-C, SIGTERM and SIGHUP (logout, a closed terminal) quit the app the normal way, so
    aboutToQuit stops the built-in co-signer. Qt's loop runs no Python while it waits, so the
    signal's byte on a wakeup socket wakes it; Python then runs the handler."""
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    wake_read, wake_write = socket.socketpair()
    for end in (wake_read, wake_write):
        end.setblocking(False)
    signal.set_wakeup_fd(wake_write.fileno())
    notifier = QSocketNotifier(wake_read.fileno(), QSocketNotifier.Type.Read, app)

    def woken() -> None:
        try:
            wake_read.recv(64)
        except OSError:
            pass

    notifier.activated.connect(woken)

    def quit_soon(_sig, _frame) -> None:
        # Through the event loop: quit() before exec() has started would be lost (Qt 6 quit()
        # does nothing without a running loop) and the app would hang on a later signal-less
        # exec(); a zero timer fires as soon as the loop runs.
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, app.quit)

    for name in QUIT_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), quit_soon)
    app._quit_signals = (wake_read, wake_write, notifier)  # kept alive with the app
    if _quit_requested:  # asked before the handlers above were there
        quit_soon(None, None)


def run(argv: Sequence[str] | None = None) -> int:
    """Open the desktop and run it until the last window closes; the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    qt_messages_to_log()
    app = make_application(argv)
    quit_on_signals(app)
    from ui.i18n import install_translators

    install_translators(app)
    from PySide6.QtCore import QTimer

    from ui.context import AppContext
    from ui.theme import apply_theme

    ctx = AppContext()
    apply_theme(app, ctx.prefs.theme)
    desktop = Desktop(ctx)
    app.aboutToQuit.connect(ctx.shutdown)
    desktop.start()
    if os.environ.get(EXIT_WHEN_SHOWN):
        started = float(os.environ.get(T0) or _IMPORTED_AT)

        def shown() -> None:
            print(f"shown {time.time() - started:.3f}", flush=True)
            app.quit()

        # A zero timer fires once the event loop has handled the show and first paint.
        QTimer.singleShot(0, shown)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
