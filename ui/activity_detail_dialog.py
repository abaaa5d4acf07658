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
        self.setWindowTitle("Activity record")
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

        add("When", text(_local_time(row.at)))
        add("Who", text(row.who))
        add("What", text(row.what))
        add("Decision", text(row.decision))
        if row.split:
            add("Key", IdLabel(row.split))
        if row.hash:
            add("Transaction hash", IdLabel(row.hash))
            form.addRow("", CopyButton(row.hash, "Copy hash"))
        if row.details:
            try:
                shown = json.dumps(json.loads(row.details), indent=1, sort_keys=True)
            except ValueError:
                shown = row.details
            add("Details", text(shown))
        add("Record number", text(str(row.seq)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
