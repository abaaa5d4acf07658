"""Activity (owners): the wallet's audit trail as the co-signer recorded it — time, who, what,
transaction hash, decision with the refusing rule — filterable, and exportable to CSV."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.activity import ALL, ALLOWED, REFUSED, rows_of, to_csv
from app.policy_words import short_id
from app.protocol.bodies import SplitView
from ui.context import AppContext
from ui.errors import show_error
from ui.jobs import follow
from ui.owner_tab import OwnerTab
from ui.runner import Job
from ui.shares_model import ROW_ROLE, ActivityModel

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
                f"“{split.label}”"
                if split.label
                else QCoreApplication.translate("ActivityTab", "key {key}").format(
                    key=short_id(split.id)
                )
            )
    return {
        user: QCoreApplication.translate("ActivityTab", "holder of {keys}").format(
            keys=", ".join(keys)
        )
        for user, keys in names.items()
    }


class ActivityTab(OwnerTab):
    reload_when_shown = True  # review: it kept the first three records until Refresh

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter: words, a hash, a rule…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName(self.tr("Filter"))
        self.decision = QComboBox()
        self.decision.addItem(self.tr("All"), ALL)
        self.decision.addItem(self.tr("Allowed"), ALLOWED)
        self.decision.addItem(self.tr("Refused"), REFUSED)
        self.decision.setAccessibleName(self.tr("Decision"))
        self.count = QLabel()
        self.export_button = QPushButton(self.tr("Export CSV…"))
        self.filter.textChanged.connect(self._filter_changed)
        self.decision.currentIndexChanged.connect(self._filter_changed)
        self.export_button.clicked.connect(self.export)

        self.model = ActivityModel(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Activity"))
        self.table.doubleClicked.connect(self.open_detail)
        self.table.activated.connect(self.open_detail)  # Enter on a row, too
        ctx.shares_changed.connect(self.something_happened)
        ctx.wallets_changed.connect(self.something_happened)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        tools = QHBoxLayout()
        tools.addWidget(self.filter, 1)
        tools.addWidget(self.decision)
        tools.addWidget(self.refresh_button)
        tools.addWidget(self.export_button)
        self.lay_out(self.tr("Activity"), tools, self.count)

    def notes(self) -> tuple[str, str, str]:
        return (
            self.tr("Choose a wallet."),
            self.tr("This wallet was shared with you: its owner sees its activity."),
            self.tr(
                "Everything the co-signer did with this wallet's keys, newest first, as "
                "recorded in its tamper-evident audit log."
            ),
        )

    def clear_rows(self) -> None:
        self.model.set_rows([])

    def entry_changed(self) -> None:
        for widget in (self.filter, self.decision, self.count):
            widget.setVisible(self.owner)
        self._update_count()

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

    def load(self, client_id: str) -> Job:
        async def load(api):
            return await load_trail(api, client_id), await api.splits(client_id)

        job = self.ctx.cosigner(load, label=self.tr("Loading the activity"))
        return follow(job, self, success=lambda answer: self._loaded(client_id, *answer))

    def _loaded(self, client_id: str, records: list[dict], splits: list[SplitView]) -> None:
        if self.entry is None or self.entry.client_id != client_id:
            return
        me = self.ctx.session.user_id if self.ctx.session is not None else None
        labels = {split.id: split.label for split in splits if split.label}
        self.model.set_rows(rows_of(records, me=me, names=holder_names(splits, me), labels=labels))
        self._update_count()

    def _filter_changed(self, *_args) -> None:
        self.model.set_filter(self.filter.text(), self.decision.currentData())
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total()
        self.count.setText(
            (self.tr("1 record") if total == 1 else self.tr("{total} records").format(total=total))
            if shown == total
            else self.tr("{shown} of {total} records match").format(shown=shown, total=total)
        )
        self.export_button.setEnabled(self.owner and shown > 0)

    def export(self) -> None:
        name = f"splitkey-activity-{self.entry.client_id[:8]}.csv" if self.entry else "activity.csv"
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export activity"), str(Path.home() / name), self.tr("CSV files (*.csv)")
        )
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> bool:
        """Write the rows shown (the filter applies) to path."""
        try:
            path.write_text(to_csv(self.model.shown()), encoding="utf-8")
        except OSError as exc:
            show_error(self, exc, self.tr("Export activity"))
            return False
        return True
