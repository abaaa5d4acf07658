"""App lock settings: turn the password on or off, change it, and pick the idle time after which
the app locks itself. Changing or removing a password needs the current one."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.app_lock import IDLE_CHOICES, check_password, hash_password, password_problem
from ui.context import AppContext
from ui.jobs import follow
from ui.runner import Job
from ui.widgets import FieldError, field_block, mark_field


def idle_words(minutes: int) -> str:
    # Spelled out in full each time: lupdate reads only X.translate("Context", "text").
    if minutes == 0:
        return QCoreApplication.translate("LockSettingsDialog", "Never (only when I lock it)")
    if minutes == 1:
        return QCoreApplication.translate("LockSettingsDialog", "After 1 minute")
    return QCoreApplication.translate("LockSettingsDialog", "After {n} minutes").format(n=minutes)


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


class LockSettingsDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("App lock"))
        had = ctx.prefs.lock_hash is not None
        intro = QLabel(
            self.tr(
                "With a password, Splitkey asks for it when it opens and after you have been "
                "away; while locked it shows no wallet and signs nothing. (Your keys stay "
                "protected by the keyring either way.)"
            )
        )
        intro.setWordWrap(True)
        self.use_password = QCheckBox(self.tr("Ask for a password"))
        self.use_password.setChecked(had)
        self.use_password.toggled.connect(self._enable)
        self.current = _password_field(self.tr("Current password"))
        self.current_error = FieldError()
        self.new = _password_field(self.tr("New password"))
        self.again = _password_field(self.tr("New password again"))
        self.new_error = FieldError()
        self.idle = QComboBox()
        self.idle.setAccessibleName(self.tr("Lock after"))
        for minutes in IDLE_CHOICES:
            self.idle.addItem(idle_words(minutes), minutes)
        chosen = self.idle.findData(ctx.prefs.idle_minutes)
        self.idle.setCurrentIndex(max(chosen, 0))

        form = QFormLayout()
        form.addRow(self.use_password)
        if had:
            form.addRow(self.tr("Current password"), field_block(self.current, self.current_error))
        else:
            self.current.hide()
        keep = self.tr("Leave empty to keep the current one.") if had else None
        form.addRow(self.tr("New password"), field_block(self.new, self.new_error, keep))
        form.addRow(self.tr("Again"), self.again)
        form.addRow(self.tr("Lock"), self.idle)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._had = had
        self._enable(had)

    def _enable(self, on: bool) -> None:
        for field in (self.new, self.again, self.idle):
            field.setEnabled(on)

    def save(self) -> Job | None:
        """Check what was typed, hash off the GUI thread, then store; the job, or None when
        something typed is wrong (the field says what)."""
        on = self.use_password.isChecked()
        new, again, current = self.new.text(), self.again.text(), self.current.text()
        problem = None
        if on and (new or not self._had):
            problem = password_problem(new) or (None if new == again else self.tr("the two differ"))
        self.new_error.set_error(problem)
        mark_field(self.new, problem)
        if self._had and not current:
            self.current_error.set_error(self.tr("enter the current password"))
            return None
        if problem:
            return None
        stored, minutes = self.ctx.prefs.lock_hash, self.idle.currentData()

        def work() -> tuple[bool, str | None]:
            if stored is not None and not check_password(stored, current):
                return False, None
            if not on:
                return True, None
            return True, hash_password(new) if new else stored

        job = self.ctx.runner.call(work, label=self.tr("Saving the password"))
        success = lambda answer: self._saved(*answer, on=on, minutes=minutes)  # noqa: E731
        return follow(job, self, success=success, trigger=self.save_button)

    def _saved(self, allowed: bool, new_hash: str | None, *, on: bool, minutes: int) -> None:
        self.save_button.setEnabled(True)
        if not allowed:
            self.current_error.set_error(self.tr("that is not the current password"))
            mark_field(self.current, "wrong")
            return
        self.ctx.prefs.lock_hash = new_hash if on else None
        self.ctx.prefs.idle_minutes = minutes
        self.accept()
