"""Table models of the Shares and Activity tabs: split keys of a wallet, and its audit rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QGuiApplication, QPalette

from app.activity import ALL, ActivityRow, matches
from app.permissions import GROUP_TITLES, GROUPS
from app.policy_words import format_period, format_time, format_zcn, short_id
from app.protocol.bodies import SplitView
from app.wallets import status_rank

SPLIT_ROLE = Qt.ItemDataRole.UserRole + 11
ROW_ROLE = Qt.ItemDataRole.UserRole + 12

Index = QModelIndex | QPersistentModelIndex


def holder_words(split: SplitView, me: str | None, here: bool) -> str:
    if split.holder_id is None:
        if split.status == "revoked":  # was "nobody", which read like an active key
            return QCoreApplication.translate(
                "SharesModel", "nobody (revoked before anyone took it)"
            )
        return (
            QCoreApplication.translate("SharesModel", "share code, not redeemed yet")
            if not split.share_retrieved
            else "nobody"
        )
    if me is not None and split.holder_id == me:
        return QCoreApplication.translate("SharesModel", "you, on this computer") if here else "you"
    return short_id(split.holder_id)


def permission_words(split: SplitView) -> str:
    p = split.permissions
    if p.unrestricted:
        return "everything (unrestricted)"
    granted = [GROUP_TITLES[g] for g in GROUPS if g in p.groups]
    if p.sign_messages:
        granted.append(QCoreApplication.translate("SharesModel", "sign messages"))
    if p.sign_raw_hashes:
        granted.append(
            QCoreApplication.translate(
                "SharesModel", "sign raw hashes (as powerful as unrestricted)"
            )
        )
    return ", ".join(granted) or "nothing"


def limit_words(split: SplitView) -> str:
    p = split.permissions
    if p.unrestricted:
        return "none"
    parts = []
    if p.max_per_transaction is not None:
        parts.append(
            QCoreApplication.translate("SharesModel", "{amount} per transaction").format(
                amount=format_zcn(p.max_per_transaction)
            )
        )
    if p.max_value_per_period is not None:
        parts.append(
            QCoreApplication.translate("SharesModel", "{amount} per {period}").format(
                amount=format_zcn(p.max_value_per_period), period=format_period(p.period_seconds)
            )
        )
    if p.max_count_per_period is not None:
        parts.append(
            QCoreApplication.translate("SharesModel", "{count} signatures per {period}").format(
                count=p.max_count_per_period, period=format_period(p.period_seconds)
            )
        )
    if p.recipients is not None:
        n = len(p.recipients)
        parts.append(
            (
                QCoreApplication.translate("SharesModel", "1 recipient only")
                if n == 1
                else QCoreApplication.translate("SharesModel", "{n} recipients only").format(n=n)
            )
            if n
            else QCoreApplication.translate("SharesModel", "no recipient")
        )
    return "; ".join(parts) or QCoreApplication.translate("SharesModel", "no amount limits")


def uses_words(split: SplitView) -> str:
    cap = split.permissions.max_uses
    return (
        QCoreApplication.translate("SharesModel", "{uses} of {cap}").format(
            uses=split.uses, cap=cap
        )
        if cap is not None
        else str(split.uses)
    )


def status_words(split: SplitView) -> str:
    if split.status == "active" and split.holder_id is None and not split.share_retrieved:
        return QCoreApplication.translate("SharesModel", "waiting for the code")
    return split.status.replace("_", " ")


def _never() -> str:
    return QCoreApplication.translate("SplitsModel", "never")


# Status first: at the default width the last columns are off-screen, and a revoked key must
# not look active there (review item 7).
SPLIT_COLUMNS: tuple[tuple[str, Callable[[SplitView, str | None, bool], str]], ...] = (
    (QT_TRANSLATE_NOOP("SplitsModel", "Status"), lambda s, _me, _here: status_words(s)),
    (QT_TRANSLATE_NOOP("SplitsModel", "Holder"), holder_words),
    (QT_TRANSLATE_NOOP("SplitsModel", "Label"), lambda s, _me, _here: s.label or "—"),
    (QT_TRANSLATE_NOOP("SplitsModel", "Permissions"), lambda s, _me, _here: permission_words(s)),
    (QT_TRANSLATE_NOOP("SplitsModel", "Limits"), lambda s, _me, _here: limit_words(s)),
    (QT_TRANSLATE_NOOP("SplitsModel", "Uses"), lambda s, _me, _here: uses_words(s)),
    (
        QT_TRANSLATE_NOOP("SplitsModel", "Last used"),
        lambda s, _me, _here: format_time(s.last_used) if s.last_used else _never(),
    ),
    (
        QT_TRANSLATE_NOOP("SplitsModel", "Expiry"),
        lambda s, _me, _here: (
            format_time(s.permissions.expires_at) if s.permissions.expires_at else _never()
        ),
    ),
)
STATUS_COLUMN = 0
ENDED = ("revoked", "expired")  # keys that will never sign again


class SplitsModel(QAbstractTableModel):
    """The wallet's split keys, newest first, active before revoked."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._splits: list[SplitView] = []
        self._me: str | None = None
        self._here: Callable[[str], bool] = lambda _id: False

    def set_splits(
        self, splits: list[SplitView], me: str | None, here: Callable[[str], bool]
    ) -> None:
        self.beginResetModel()
        self._splits = sorted(splits, key=lambda s: (status_rank(s.status), -s.created_at))
        self._me, self._here = me, here
        self.endResetModel()

    def splits(self) -> list[SplitView]:
        return list(self._splits)

    def split_at(self, row: int) -> SplitView | None:
        return self._splits[row] if 0 <= row < len(self._splits) else None

    def row_of(self, split_id: str) -> int:
        return next((i for i, s in enumerate(self._splits) if s.id == split_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt's API)
        return 0 if parent.isValid() else len(self._splits)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(SPLIT_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("SplitsModel", SPLIT_COLUMNS[section][0])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        split = self.split_at(index.row()) if index.isValid() else None
        if split is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = SPLIT_COLUMNS[index.column()][1](split, self._me, self._here(split.id))
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.tr("{text}\nKey {id}").format(text=text, id=split.id)
            return text
        if role == SPLIT_ROLE:
            return split
        if role == Qt.ItemDataRole.ForegroundRole and split.status != "active":
            # Keys that no longer sign are greyed, in the theme's own disabled colour.
            palette = QGuiApplication.palette()
            return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.FontRole and split.status in ENDED:
            # ... and struck through, which survives any theme and any colour blindness.
            font = QGuiApplication.font()
            font.setStrikeOut(index.column() != STATUS_COLUMN)
            font.setBold(index.column() == STATUS_COLUMN)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = SPLIT_COLUMNS[index.column()][1](split, self._me, self._here(split.id))
            return (
                self.tr("{text} (key {status})").format(text=text, status=split.status)
                if split.status in ENDED
                else text
            )
        return None


class ActivityModel(QAbstractTableModel):
    """Audit rows (app/activity.py), filtered by words and decision; newest first."""

    COLUMNS = (
        (QT_TRANSLATE_NOOP("ActivityModel", "Time"), "time"),
        (QT_TRANSLATE_NOOP("ActivityModel", "Who"), "who"),
        (QT_TRANSLATE_NOOP("ActivityModel", "What"), "what"),
        (QT_TRANSLATE_NOOP("ActivityModel", "Transaction hash"), "hash"),
        (QT_TRANSLATE_NOOP("ActivityModel", "Decision"), "decision"),
    )

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._all: list[ActivityRow] = []
        self._shown: list[ActivityRow] = []
        self._text, self._decision = "", ALL

    def set_rows(self, rows: list[ActivityRow]) -> None:
        self._all = list(rows)
        self._apply()

    def set_filter(self, text: str, decision: str = ALL) -> None:
        self._text, self._decision = text, decision
        self._apply()

    def _apply(self) -> None:
        self.beginResetModel()
        self._shown = [r for r in self._all if matches(r, self._text, self._decision)]
        self.endResetModel()

    def shown(self) -> list[ActivityRow]:
        return list(self._shown)

    def total(self) -> int:
        return len(self._all)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.COLUMNS[section][0])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        row = self._shown[index.row()]
        name = self.COLUMNS[index.column()][1]
        if role == Qt.ItemDataRole.DisplayRole:
            value = getattr(row, name)
            return short_id(value) if name == "hash" and value else value
        if role == Qt.ItemDataRole.ToolTipRole:
            extra = f"\n{row.details}" if row.details else ""
            split = self.tr("\nKey {split}").format(split=row.split) if row.split else ""
            return f"{getattr(row, name)}{split}{extra}"
        if role == ROW_ROLE:
            return row
        return None
