"""Activity (owners): the wallet's audit trail as the co-signer recorded it — time, who, what,
transaction hash, decision with the refusing rule — filterable, and exportable to CSV."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.activity import ALL, ALLOWED, REFUSED, rows_of, to_csv
from app.policy_words import short_id
from app.protocol.bodies import SplitView
from app.wallets import OWNED, WalletEntry
from ui.context import AppContext
from ui.errors import ErrorBanner, show_error
from ui.runner import Job
from ui.shares_model import ROW_ROLE, ActivityModel
from ui.widgets import BusyStrip, heading

PAGE = 500  # records per request (the co-signer's default page)
MAX_RECORDS = 10_000  # enough for a person to read; the CLI's `audit show` has the rest


async def load_trail(api, client_id: str) -> list[dict]:
    """Every record of the wallet (up to MAX_RECORDS), oldest first, page by page."""
    records: list[dict] = []
    since = None
    while len(records) < MAX_RECORDS:
        page = await api.wallet_audit(client_id, since=since, limit=PAGE)
        records += page
        seqs = [r.get("seq") for r in page if isinstance(r.get("seq"), int)]
        if len(page) < PAGE or not seqs:
            break
        since = max(seqs)
    return records


def holder_names(splits: list[SplitView], me: str | None) -> dict[str, str]:
    """User ids -> words: the co-signer names people by id only; the owner knows them by the
    label they gave the key they shared."""
    names: dict[str, list[str]] = {}
    for split in sorted(splits, key=lambda s: s.created_at):
        if split.holder_id and split.holder_id != me:
            names.setdefault(split.holder_id, []).append(
                f"“{split.label}”" if split.label else f"key {short_id(split.id)}"
            )
    return {user: "holder of " + ", ".join(keys) for user, keys in names.items()}


class ActivityTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entry: WalletEntry | None = None
        self.job: Job | None = None
        self._stale = False

        self.note = QLabel()
        self.note.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: words, a hash, a rule…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter")
        self.decision = QComboBox()
        for words, value in (("All", ALL), ("Allowed", ALLOWED), ("Refused", REFUSED)):
            self.decision.addItem(words, value)
        self.decision.setAccessibleName("Decision")
        self.count = QLabel()
        self.refresh_button = QPushButton("Refresh")
        self.export_button = QPushButton("Export CSV…")
        self.filter.textChanged.connect(self._filter_changed)
        self.decision.currentIndexChanged.connect(self._filter_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export)

        self.model = ActivityModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Activity")
        self.table.doubleClicked.connect(self.open_detail)
        self.table.activated.connect(self.open_detail)  # Enter on a row, too
        ctx.shares_changed.connect(self._something_happened)
        ctx.wallets_changed.connect(self._something_happened)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        self.banner = ErrorBanner()
        self.banner.retry.connect(self.refresh)
        self.busy = BusyStrip()

        tools = QHBoxLayout()
        tools.addWidget(self.filter, 1)
        tools.addWidget(self.decision)
        tools.addWidget(self.refresh_button)
        tools.addWidget(self.export_button)
        column = QVBoxLayout(self)
        column.addWidget(heading("Activity"))
        column.addWidget(self.note)
        column.addLayout(tools)
        column.addWidget(self.table, 1)
        column.addWidget(self.count)
        column.addWidget(self.banner)
        column.addWidget(self.busy)
        self.set_entry(None)

    @property
    def owner(self) -> bool:
        return self.entry is not None and self.entry.kind == OWNED

    def set_entry(self, entry: WalletEntry | None) -> None:
        changed = entry is None or self.entry is None or entry.client_id != self.entry.client_id
        self.entry = entry
        if changed:
            self.model.set_rows([])
            self.banner.clear()
        if entry is None:
            self.note.setText("Choose a wallet.")
        elif not self.owner:
            self.note.setText("This wallet was shared with you: its owner sees its activity.")
        else:
            self.note.setText(
                "Everything the co-signer did with this wallet's keys, newest first, as "
                "recorded in its tamper-evident audit log."
            )
        for widget in (self.table, self.filter, self.decision, self.count):
            widget.setVisible(self.owner)
        self.refresh_button.setEnabled(self.owner)
        self._update_count()
        if self.owner and changed:
            # Load when the tab is on screen: set_entry reaches every tab at each selection.
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        # Every time it comes on screen: what was signed, shared or revoked meanwhile shows
        # (review: it kept the first three records until Refresh).
        self.refresh()

    def _something_happened(self, *_args) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def open_detail(self, index=None):
        """The selected row (or `index`) in full, in its own dialog."""
        from ui.activity_detail_dialog import ActivityDetailDialog

        index = index if index is not None else self.table.currentIndex()
        row = self.model.data(index, ROW_ROLE) if index is not None and index.isValid() else None
        if row is None:
            return None
        dialog = ActivityDetailDialog(row, self)
        dialog.open()
        self.detail = dialog
        return dialog

    def refresh(self) -> Job | None:
        if not self.owner:
            return None
        if self.job is not None and self.job.running:
            return self.job
        self._stale = False
        client_id = self.entry.client_id

        async def load(api):
            return await load_trail(api, client_id), await api.splits(client_id)

        self.banner.clear()
        job = self.ctx.cosigner(load, label="Loading the activity")
        job.finished.connect(lambda answer: self._loaded(client_id, *answer))
        job.failed.connect(self.banner.show_error)
        self.busy.track(job, "Loading the activity…")
        self.job = job
        return job

    def _loaded(self, client_id: str, records: list[dict], splits: list[SplitView]) -> None:
        if self.entry is None or self.entry.client_id != client_id:
            return
        me = self.ctx.session.user_id if self.ctx.session is not None else None
        labels = {split.id: split.label for split in splits if split.label}
        self.model.set_rows(
            rows_of(records, me=me, names=holder_names(splits, me), labels=labels)
        )
        self._update_count()

    def _filter_changed(self, *_args) -> None:
        self.model.set_filter(self.filter.text(), self.decision.currentData())
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total()
        self.count.setText(
            f"{total} record{'s' if total != 1 else ''}"
            if shown == total
            else f"{shown} of {total} records match"
        )
        self.export_button.setEnabled(self.owner and shown > 0)

    def export(self) -> None:
        name = f"splitkey-activity-{self.entry.client_id[:8]}.csv" if self.entry else "activity.csv"
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export activity", str(Path.home() / name), "CSV files (*.csv)"
        )
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> bool:
        """Write the rows shown (the filter applies) to path."""
        try:
            path.write_text(to_csv(self.model.shown()), encoding="utf-8")
        except OSError as exc:
            show_error(self, exc, "Export activity")
            return False
        return True
