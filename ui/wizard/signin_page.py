"""Step 2 (organisation co-signer only): sign in with an enrollment code from the administrator
or with the organisation's token. The built-in co-signer signs its owner in by itself."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QLabel, QLineEdit, QPlainTextEdit, QRadioButton, QWidget

from ui.context import REMOTE
from ui.runner import Job
from ui.widgets import FieldError, field_block, monospace
from ui.wizard.base import AsyncPage


class SignInPage(AsyncPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.by_code = QRadioButton(self.tr("Enrollment code"))
        self.by_code.setChecked(True)
        self.code = QLineEdit()
        self.code.setPlaceholderText(self.tr("XXXXX-XXXXX-XXXXX-XXXXX"))
        self.code.setFont(monospace())
        self.code.setAccessibleName(self.tr("Enrollment code"))
        self.code_error = FieldError()
        self.by_token = QRadioButton(self.tr("Organisation token (JWT)"))
        self.token = QPlainTextEdit()
        self.token.setAccessibleName(self.tr("Organisation token"))
        self.token.setTabChangesFocus(True)
        self.token.setMaximumHeight(90)
        self.token_error = FieldError()
        group = QButtonGroup(self)
        group.addButton(self.by_code)
        group.addButton(self.by_token)
        group.buttonToggled.connect(lambda *_: self._mode_changed())
        self.code.textChanged.connect(self.completeChanged)
        self.token.textChanged.connect(self.completeChanged)
        self.field_errors["code"] = (self.code, self.code_error)
        note = QLabel(
            self.tr(
                "A code works once. Splitkey keeps no password: later it signs you in "
                "with the key it keeps in this computer's keyring."
            )
        )
        note.setObjectName("hint")
        note.setWordWrap(True)
        self.layout_.addWidget(self.by_code)
        self.layout_.addWidget(field_block(self.code, self.code_error))
        self.layout_.addWidget(self.by_token)
        self.layout_.addWidget(field_block(self.token, self.token_error))
        self.layout_.addWidget(note)
        self.finish_layout()
        self._mode_changed()

    def _mode_changed(self) -> None:
        self.code.setEnabled(self.by_code.isChecked())
        self.token.setEnabled(self.by_token.isChecked())
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        if self.by_code.isChecked():
            return len(self.code.text().strip()) >= 4
        return self.token.toPlainText().count(".") == 2

    def start(self) -> Job | None:
        session = self.ctx.session
        if self.by_code.isChecked():
            code = self.code.text().strip()
            return self.ctx.runner.submit(lambda: session.enroll(code), label=self.tr("Signing in"))
        token = self.token.toPlainText().strip()
        return self.ctx.runner.submit(lambda: session.exchange(token), label=self.tr("Signing in"))

    def done_with(self, _session) -> None:
        w = self.wizard()
        self.ctx.prefs.set_cosigner(REMOTE, w.url, w.pin)
        self.code.clear()
        self.token.clear()
