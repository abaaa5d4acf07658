"""Item models for the desktop's lists and tables (Qt model/view: the views stay dumb)."""

from __future__ import annotations

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QStandardItem, QStandardItemModel

from app.policy_words import short_id
from app.wallets import OWNED, SHARED, WalletEntry

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 3
SECTION_ROLE = Qt.ItemDataRole.UserRole + 4

SECTIONS = (
    (OWNED, QT_TRANSLATE_NOOP("WalletListModel", "My wallets")),
    (SHARED, QT_TRANSLATE_NOOP("WalletListModel", "Shared with me")),
)


def wallet_title(entry: WalletEntry) -> str:
    return QCoreApplication.translate("WalletListModel", "Wallet {id}").format(
        id=short_id(entry.client_id)
    )


def wallet_subtitle(entry: WalletEntry) -> str:
    if entry.kind == SHARED:
        label = entry.split.label if entry.split and entry.split.label else ""
        return (
            QCoreApplication.translate("Models", "Shared key {label!r}").format(label=label)
            if label
            else QCoreApplication.translate("Models", "Shared key")
        )
    if entry.split is None or not entry.has_share:
        return QCoreApplication.translate("Models", "No key on this computer")
    return QCoreApplication.translate("Models", "Key on this computer")


class WalletListModel(QStandardItemModel):
    """Two sections ("My wallets", "Shared with me"), one row per wallet with its status."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._sections: dict[str, QStandardItem] = {}
        root = self.invisibleRootItem()
        for kind, title in SECTIONS:
            item = QStandardItem(self.tr(title))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading: not selectable
            item.setData(True, SECTION_ROLE)
            font = item.font()
            font.setBold(True)
            item.setFont(font)
            root.appendRow(item)
            self._sections[kind] = item

    def set_entries(self, entries: list[WalletEntry]) -> None:
        for kind, section in self._sections.items():
            section.removeRows(0, section.rowCount())
            mine = [e for e in entries if e.kind == kind]
            for entry in mine:
                item = QStandardItem(wallet_title(entry))
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setData(entry, ENTRY_ROLE)
                item.setData(entry.status, STATUS_ROLE)
                item.setData(wallet_subtitle(entry), SUBTITLE_ROLE)
                custody = entry.wallet.custody  # keyless: the co-signer never held its key
                item.setToolTip(
                    self.tr("{client_id}\nStatus: {status}\nCustody: {custody}").format(
                        client_id=entry.client_id, status=entry.status, custody=custody
                    )
                )
                item.setAccessibleText(f"{wallet_title(entry)}, {entry.status}")
                section.appendRow(item)
            if not mine:
                empty = QStandardItem(
                    self.tr("None yet") if kind == OWNED else self.tr("Nothing shared with you")
                )
                empty.setFlags(Qt.ItemFlag.NoItemFlags)
                section.appendRow(empty)

    def index_of(self, client_id: str) -> QModelIndex:
        for section in self._sections.values():
            for row in range(section.rowCount()):
                entry = section.child(row).data(ENTRY_ROLE)
                if entry is not None and entry.client_id == client_id:
                    return section.child(row).index()
        return QModelIndex()

    def first_wallet(self) -> QModelIndex:
        for section in self._sections.values():
            for row in range(section.rowCount()):
                if section.child(row).data(ENTRY_ROLE) is not None:
                    return section.child(row).index()
        return QModelIndex()

    @staticmethod
    def entry_at(index: QModelIndex | QPersistentModelIndex) -> WalletEntry | None:
        return index.data(ENTRY_ROLE) if index.isValid() else None
