"""Shares (owners): the wallet's split keys in a table, "Share…" to make one for someone else and
"Revoke…" to take one back. The table is reloaded from the co-signer after each change, so what
it shows is what the co-signer enforces."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QWidget,
)

from app.protocol.bodies import SplitView
from ui.context import AppContext
from ui.jobs import follow
from ui.owner_tab import OwnerTab
from ui.revoke_dialog import RevokeDialog
from ui.runner import Job
from ui.share_dialog import ShareDialog
from ui.shares_model import SplitsModel


class SharesTab(OwnerTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.dialog: ShareDialog | RevokeDialog | None = None

        self.model = SplitsModel(self)
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.setAccessibleName(self.tr("Keys of this wallet"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Every column as wide as its text (the table scrolls sideways when they do not fit):
        # a stretched Limits column was squeezed to "n…" in a small window.
        header.setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda _i: self.open_revoke())

        self.share_button = QPushButton(self.tr("Share…"))
        self.share_button.setToolTip(self.tr("Make a limited key of this wallet for someone else"))
        self.share_button.clicked.connect(self.open_share)
        self.revoke_button = QPushButton(self.tr("Revoke…"))
        self.revoke_button.setToolTip(self.tr("Take the selected key back, at once"))
        self.revoke_button.clicked.connect(self.open_revoke)
        buttons = QHBoxLayout()
        buttons.addWidget(self.share_button)
        buttons.addWidget(self.revoke_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        self.lay_out(self.tr("Keys of this wallet"), buttons)

    # -- which wallet -------------------------------------------------------------------------

    def notes(self) -> tuple[str, str, str]:
        return (
            self.tr("Choose a wallet."),
            self.tr("This wallet was shared with you: only its owner sees and manages its keys."),
            self.tr(
                "Everyone who can sign with this wallet, and what they may do. Revoking a key "
                "takes effect at once."
            ),
        )

    def clear_rows(self) -> None:
        self.model.set_splits([], None, lambda _id: False)

    def entry_changed(self) -> None:
        self._update_buttons()

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

    def load(self, client_id: str) -> Job:
        selected = self.selected()

        async def load(api):
            return await api.splits(client_id)

        job = self.ctx.cosigner(load, label=self.tr("Loading the keys of this wallet"))
        return follow(job, self, success=lambda splits: self._loaded(client_id, splits, selected))

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
