"""Shares (owners): the wallet's split keys in a table, "Share…" to make one for someone else and
"Revoke…" to take one back. The table is reloaded from the co-signer after each change, so what
it shows is what the co-signer enforces."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.protocol.bodies import SplitView
from app.wallets import OWNED, WalletEntry
from ui.context import AppContext
from ui.errors import ErrorBanner
from ui.revoke_dialog import RevokeDialog
from ui.runner import Job
from ui.share_dialog import ShareDialog
from ui.shares_model import SplitsModel
from ui.widgets import BusyStrip, heading


class SharesTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entry: WalletEntry | None = None
        self.job: Job | None = None
        self._stale = False
        self.dialog: ShareDialog | RevokeDialog | None = None

        self.note = QLabel()
        self.note.setWordWrap(True)
        self.model = SplitsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Keys of this wallet")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Every column as wide as its text (the table scrolls sideways when they do not fit):
        # a stretched Limits column was squeezed to "n…" in a small window.
        header.setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda _i: self.open_revoke())

        self.share_button = QPushButton("Share…")
        self.share_button.setToolTip("Make a limited key of this wallet for someone else")
        self.share_button.clicked.connect(self.open_share)
        self.revoke_button = QPushButton("Revoke…")
        self.revoke_button.setToolTip("Take the selected key back, at once")
        self.revoke_button.clicked.connect(self.open_revoke)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        buttons.addWidget(self.share_button)
        buttons.addWidget(self.revoke_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)

        self.banner = ErrorBanner()
        self.banner.retry.connect(self.refresh)
        self.busy = BusyStrip()

        column = QVBoxLayout(self)
        column.addWidget(heading("Keys of this wallet"))
        column.addWidget(self.note)
        column.addLayout(buttons)
        column.addWidget(self.table, 1)
        column.addWidget(self.banner)
        column.addWidget(self.busy)
        self.set_entry(None)

    # -- which wallet -------------------------------------------------------------------------

    @property
    def owner(self) -> bool:
        return self.entry is not None and self.entry.kind == OWNED

    def set_entry(self, entry: WalletEntry | None) -> None:
        changed = entry is None or self.entry is None or entry.client_id != self.entry.client_id
        self.entry = entry
        if changed:
            self.model.set_splits([], None, lambda _id: False)
            self.banner.clear()
        if entry is None:
            self.note.setText("Choose a wallet.")
        elif not self.owner:
            self.note.setText(
                "This wallet was shared with you: only its owner sees and manages its keys."
            )
        else:
            self.note.setText(
                "Everyone who can sign with this wallet, and what they may do. Revoking a key "
                "takes effect at once."
            )
        self.table.setVisible(self.owner)
        self.refresh_button.setEnabled(self.owner)
        self._update_buttons()
        if self.owner and changed:
            # Load when the tab is on screen: set_entry reaches every tab at each selection.
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def selected(self) -> SplitView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.split_at(rows[0].row()) if rows else None

    def select(self, split_id: str) -> None:
        row = self.model.row_of(split_id)
        if row >= 0:
            self.table.selectRow(row)

    def _update_buttons(self) -> None:
        frozen = self.entry is not None and self.entry.wallet.frozen
        self.share_button.setEnabled(self.owner and not frozen)
        split = self.selected()
        self.revoke_button.setEnabled(
            self.owner and split is not None and split.status not in ("revoked",)
        )

    # -- loading ------------------------------------------------------------------------------

    def refresh(self) -> Job | None:
        if not self.owner:
            return None
        if self.job is not None and self.job.running:
            return self.job
        self._stale = False
        client_id = self.entry.client_id
        selected = self.selected()

        async def load(api):
            return await api.splits(client_id)

        self.banner.clear()
        job = self.ctx.cosigner(load, label="Loading the keys")
        job.finished.connect(lambda splits: self._loaded(client_id, splits, selected))
        job.failed.connect(self.banner.show_error)
        self.busy.track(job, "Loading the keys of this wallet…")
        self.job = job
        return job

    def _loaded(self, client_id: str, splits: list[SplitView], selected: SplitView | None):
        if self.entry is None or self.entry.client_id != client_id:
            return  # another wallet was chosen meanwhile
        me = self.ctx.session.user_id if self.ctx.session is not None else None
        self.model.set_splits(splits, me, self.ctx.has_share)
        if selected is not None:
            self.select(selected.id)
        self._update_buttons()

    # -- dialogs ------------------------------------------------------------------------------

    def open_share(self) -> ShareDialog | None:
        if not self.owner:
            return None
        dialog = ShareDialog(self.ctx, self.entry, self)
        dialog.shared.connect(lambda _made: self.refresh())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_revoke(self) -> RevokeDialog | None:
        split = self.selected()
        if not self.owner or split is None or split.status == "revoked":
            return None
        me = self.ctx.session.user_id if self.ctx.session is not None else None
        dialog = RevokeDialog(
            self.ctx, split, me=me, here=self.ctx.has_share(split.id), parent=self
        )
        dialog.revoked.connect(self._revoked)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _revoked(self, split: SplitView) -> None:
        # Show the co-signer's answer at once, then reload the whole table from it.
        me = self.ctx.session.user_id if self.ctx.session is not None else None
        splits = [split if s.id == split.id else s for s in self.model.splits()]
        self.model.set_splits(splits, me, self.ctx.has_share)
        self.select(split.id)
        self._update_buttons()
        if self.job is not None and self.job.running:
            self.job.cancel()  # a load started before the revocation would show it active
        self.refresh()
        if me is not None and split.holder_id == me:
            self.ctx.refresh_wallets()  # my own key: the wallet's badge changes too
