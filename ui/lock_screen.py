"""What the main window shows while the app is locked: the app's name, a password field and
Unlock. Nothing about wallets, keys, balances or history."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ui.widgets import FieldError


class LockScreen(QWidget):
    unlock_requested = Signal(str)  # the password typed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        title = QLabel(self.tr("Splitkey is locked"))
        title.setObjectName("walletTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        hint = QLabel(self.tr("Enter your password to see your wallets and sign."))
        hint.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.password.setPlaceholderText(self.tr("Password"))
        self.password.returnPressed.connect(self._unlock)
        self.error = FieldError()
        self.unlock_button = QPushButton(self.tr("Unlock"))
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._unlock)
        column = QVBoxLayout()
        column.addWidget(title)
        column.addWidget(hint)
        column.addWidget(self.password)
        column.addWidget(self.error)
        column.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignRight)
        box = QWidget()
        box.setLayout(column)
        # A fixed width: a wrapped label then gets the height its text needs (with only a
        # maximum width, the layout gave it one line and cut the second).
        box.setFixedWidth(400)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def _unlock(self) -> None:
        self.error.set_error(None)
        self.unlock_requested.emit(self.password.text())

    def refused(self, why: str) -> None:
        self.error.set_error(why)
        self.password.selectAll()
        self.password.setFocus()

    def reset(self) -> None:
        self.password.clear()
        self.error.set_error(None)
        self.password.setFocus()
