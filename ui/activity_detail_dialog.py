"""One Activity record in full (review: double-click did nothing, no way to copy a hash): when,
who, what, which key, the transaction hash with a Copy button, the decision and the rest."""

from __future__ import annotations

import json

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.activity import ActivityRow
from app.policy_words import format_time
from ui.widgets import CopyButton, IdLabel


def _local_time(at: int | None) -> str:
    if at is None:
        return "unknown"
    import datetime as dt

    local = dt.datetime.fromtimestamp(at).astimezone()
    return f"{local:%d %b %Y %H:%M:%S %Z} ({format_time(at)})"


class ActivityDetailDialog(QDialog):
    def __init__(self, row: ActivityRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self.setWindowTitle(self.tr("Activity record"))
        form = QFormLayout()
        self.fields: dict[str, QWidget] = {}

        def add(title: str, widget: QWidget) -> None:
            widget.setAccessibleName(title)
            self.fields[title] = widget
            form.addRow(title, widget)

        def text(value: str) -> QLabel:
            label = QLabel(value)
            label.setWordWrap(True)
            return label

        add(self.tr("When"), text(_local_time(row.at)))
        add(self.tr("Who"), text(row.who))
        add(self.tr("What"), text(row.what))
        add(self.tr("Decision"), text(row.decision))
        if row.split:
            add(self.tr("Key"), IdLabel(row.split))
        if row.hash:
            add(self.tr("Transaction hash"), IdLabel(row.hash))
            form.addRow("", CopyButton(row.hash, self.tr("Copy hash")))
        if row.details:
            try:
                shown = json.dumps(json.loads(row.details), indent=1, sort_keys=True)
            except ValueError:
                shown = row.details
            add(self.tr("Details"), text(shown))
        add(self.tr("Record number"), text(str(row.seq)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
