"""The wallet list on the left of the main window: sections, wallets, status badges."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTreeView

from app.wallets import WalletEntry
from ui.models import ENTRY_ROLE, SECTION_ROLE, STATUS_ROLE, SUBTITLE_ROLE, WalletListModel

# Badge colours (background, text): the same in light and dark themes, readable on both.
BADGE_COLOURS = {
    "active": ("#1e7e34", "#ffffff"),
    "frozen": ("#1f5fa8", "#ffffff"),
    "expired": ("#8a6d00", "#ffffff"),
    "revoked": ("#b02a37", "#ffffff"),
    "deleting": ("#6c757d", "#ffffff"),
}


class WalletDelegate(QStyledItemDelegate):
    """Two lines (name, what key is here) and the status badge on the right."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        base = super().sizeHint(option, index)
        if index.data(ENTRY_ROLE) is None:
            return QSize(base.width(), base.height() + 8)
        line = QFontMetrics(option.font).height()
        return QSize(base.width(), 2 * line + 14)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        entry = index.data(ENTRY_ROLE)
        if entry is None:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        option_text = option.text
        option.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        option.text = option_text
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Active
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_colour = option.palette.color(group, text_role)

        painter.save()
        metrics = QFontMetrics(option.font)
        status = index.data(STATUS_ROLE) or ""
        badge_font = option.font
        badge_font.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.85))
        badge_metrics = QFontMetrics(badge_font)
        badge_w = badge_metrics.horizontalAdvance(status) + 14
        badge_h = badge_metrics.height() + 4
        rect = option.rect.adjusted(6, 5, -6, -5)
        badge = QRect(rect.right() - badge_w, rect.top() + 1, badge_w, badge_h)
        background, foreground = BADGE_COLOURS.get(status, ("#6c757d", "#ffffff"))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(background))
        painter.drawRoundedRect(badge, badge_h / 2, badge_h / 2)
        painter.setFont(badge_font)
        painter.setPen(QColor(foreground))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, status)

        painter.setFont(option.font)
        painter.setPen(text_colour)
        title_rect = QRect(rect.left(), rect.top(), rect.width() - badge_w - 8, metrics.height())
        title = metrics.elidedText(option_text, Qt.TextElideMode.ElideRight, title_rect.width())
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title
        )
        sub_colour = QColor(text_colour)
        sub_colour.setAlphaF(0.7)
        painter.setPen(sub_colour)
        sub_rect = QRect(
            rect.left(), rect.top() + metrics.height() + 3, rect.width(), metrics.height()
        )
        subtitle = metrics.elidedText(
            index.data(SUBTITLE_ROLE) or "", Qt.TextElideMode.ElideRight, sub_rect.width()
        )
        painter.drawText(
            sub_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, subtitle
        )
        painter.restore()


class WalletList(QTreeView):
    """Emits `selected(entry)` when the user picks a wallet (None when nothing is picked)."""

    selected = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model_ = WalletListModel(self)
        self.setModel(self.model_)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setItemsExpandable(False)
        self.setIndentation(8)
        self.setUniformRowHeights(False)
        self.setItemDelegate(WalletDelegate(self))
        self.setAccessibleName(self.tr("Wallets"))
        self.setMinimumWidth(240)
        self.expandAll()
        self.selectionModel().currentChanged.connect(self._current_changed)
        self._current: str | None = None
        self._quiet = False

    def set_entries(self, entries: list[WalletEntry]) -> None:
        keep = self._current
        self.model_.set_entries(entries)
        self.expandAll()
        index = self.model_.index_of(keep) if keep else self.model_.first_wallet()
        if not index.isValid():
            index = self.model_.first_wallet()
        if index.isValid():
            # Emitted once, here, whether or not the current row changed: the tabs need the
            # refreshed entry (new status, new uses) even when the same wallet stays selected.
            self._quiet = True
            try:
                self.setCurrentIndex(index)
            finally:
                self._quiet = False
            entry = self.model_.entry_at(index)
            self._current = entry.client_id
            self.selected.emit(entry)
        else:
            self._current = None
            self.selected.emit(None)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._quiet or current.data(SECTION_ROLE):
            return
        entry = self.model_.entry_at(current)
        if entry is None:
            return
        self._current = entry.client_id
        self.selected.emit(entry)

    def select(self, client_id: str) -> None:
        index = self.model_.index_of(client_id)
        if index.isValid():
            self.setCurrentIndex(index)

    def current_entry(self) -> WalletEntry | None:
        return self.model_.entry_at(self.currentIndex())
