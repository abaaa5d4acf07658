"""History: the wallet's sent transactions with their status (pending, confirmed, failed, in
words), amount, recipient, fee and time, and a copyable hash. Pending ones are followed by
ui/network_link.py (also after a restart); this tab shows what History holds and offers Retry
when following stopped because the network could not be reached."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.history import CONFIRMED, FAILED, HistoryEntry
from app.network import zcn_text
from app.policy_words import format_time, short_id
from app.wallets import WalletEntry
from ui.context import AppContext
from ui.network_link import network_link

COLUMNS = (
    QT_TRANSLATE_NOOP("HistoryTab", "Status"),
    QT_TRANSLATE_NOOP("HistoryTab", "Amount (ZCN)"),
    QT_TRANSLATE_NOOP("HistoryTab", "To"),
    QT_TRANSLATE_NOOP("HistoryTab", "Fee (ZCN)"),
    QT_TRANSLATE_NOOP("HistoryTab", "Time"),
    QT_TRANSLATE_NOOP("HistoryTab", "Hash"),
)


def status_words(entry: HistoryEntry) -> str:
    if entry.status == CONFIRMED:
        return QCoreApplication.translate("HistoryTab", "Confirmed (round {round})").format(
            round=entry.round
        )
    if entry.status == FAILED:
        return QCoreApplication.translate("HistoryTab", "Failed: {why}").format(
            why=entry.output or QCoreApplication.translate("HistoryTab", "no reason given")
        )
    return QCoreApplication.translate("HistoryTab", "Pending")


class HistoryTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.link = network_link(ctx)
        self.client_id: str | None = None
        self.shown: list[HistoryEntry] = []

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setAccessibleName(self.tr("Sent transactions"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.cellActivated.connect(self._copy_hash)
        self.empty = QLabel(self.tr("Nothing sent from this computer yet."))
        self.empty.setObjectName("hint")
        self.copy_button = QPushButton(self.tr("Copy hash"))
        self.copy_button.clicked.connect(lambda: self._copy_hash(self.table.currentRow(), 0))
        self.retry_button = QPushButton(self.tr("Check pending again"))
        self.retry_button.clicked.connect(self.link.follow_pending)
        buttons = QHBoxLayout()
        buttons.addWidget(self.empty, 1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.copy_button)
        column = QVBoxLayout(self)
        column.addWidget(self.table, 1)
        column.addLayout(buttons)
        self.link.history_changed.connect(self.reload)
        self.reload()

    def set_entry(self, entry: WalletEntry | None) -> None:
        self.client_id = entry.client_id if entry is not None else None
        self.reload()

    def reload(self) -> None:
        entries = self.link.history.for_wallet(self.client_id) if self.client_id else []
        self.shown = entries
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            cells = (
                status_words(entry),
                zcn_text(entry.amount),
                short_id(entry.to_client_id),
                zcn_text(entry.fee),
                format_time(entry.creation_date),
                entry.hash,
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setToolTip(entry.to_client_id)
                if col == 5:
                    item.setToolTip(self.tr("Double-click or Enter copies the hash"))
                    font = item.font()
                    font.setUnderline(True)  # link-like: it is the transaction's identity
                    item.setFont(font)
                    item.setForeground(Qt.GlobalColor.blue)
                self.table.setItem(row, col, item)
        self.empty.setVisible(not entries)
        self.copy_button.setEnabled(bool(entries))
        self.retry_button.setVisible(any(e.status == "pending" for e in entries))

    def _copy_hash(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.shown):
            QGuiApplication.clipboard().setText(self.shown[row].hash)
