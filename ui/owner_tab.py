"""What Activity and Shares have in common: a tab about the selected wallet that only its owner
sees in full, with a table loaded from the co-signer while the tab is on screen (set_entry
reaches every tab at each selection; loading all of them then would be wasted requests)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLayout,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.wallets import OWNED, WalletEntry
from ui.context import AppContext
from ui.errors import ErrorBanner
from ui.runner import Job
from ui.widgets import BusyStrip, heading


class OwnerTab(QWidget):
    # True: reload every time the tab comes on screen (what happened meanwhile shows at once);
    # False: only when the wallet changed since the last load.
    reload_when_shown = False

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entry: WalletEntry | None = None
        self.job: Job | None = None
        self._stale = False
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.table = QTableView()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        self.banner = ErrorBanner()
        self.banner.retry.connect(self.refresh)
        self.busy = BusyStrip()

    def lay_out(self, title: str, tools: QLayout, *below: QWidget) -> None:
        """Heading, note, the tab's tools, the table, then what the tab adds, the error banner
        and the progress strip."""
        column = QVBoxLayout(self)
        column.addWidget(heading(title))
        column.addWidget(self.note)
        column.addLayout(tools)
        column.addWidget(self.table, 1)
        for widget in below:
            column.addWidget(widget)
        column.addWidget(self.banner)
        column.addWidget(self.busy)
        self.set_entry(None)

    @property
    def owner(self) -> bool:
        return self.entry is not None and self.entry.kind == OWNED

    # -- what the tabs fill in --

    def notes(self) -> tuple[str, str, str]:
        """The note for: no wallet, a wallet shared with me, a wallet I own."""
        raise NotImplementedError

    def clear_rows(self) -> None:
        raise NotImplementedError

    def entry_changed(self) -> None:
        """Show or enable what depends on the wallet (after self.entry was set)."""

    def load(self, client_id: str) -> Job:
        """Start loading the table (with its feedback: ui/jobs.py) and return the job."""
        raise NotImplementedError

    # -- the same for both --

    def set_entry(self, entry: WalletEntry | None) -> None:
        changed = entry is None or self.entry is None or entry.client_id != self.entry.client_id
        self.entry = entry
        if changed:
            self.clear_rows()
            self.banner.clear()
        none, shared, owned = self.notes()
        self.note.setText(none if entry is None else owned if self.owner else shared)
        self.table.setVisible(self.owner)
        self.refresh_button.setEnabled(self.owner)
        self.entry_changed()
        if self.owner and changed:
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale or self.reload_when_shown:
            self.refresh()

    def something_happened(self, *_args) -> None:
        """Something was signed, shared or revoked: reload now if on screen, else when shown."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def refresh(self) -> Job | None:
        if not self.owner:
            return None
        if self.job is not None and self.job.running:
            return self.job
        self._stale = False
        self.job = self.load(self.entry.client_id)
        return self.job
