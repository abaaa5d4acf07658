"""A wizard page whose Next button starts work on the runner and moves on when it is done.

QWizard asks validatePage() whether it may go on. Here the first call starts the job and says
no; the job's success stores its result and presses Next again, which now says yes. A failure
is explained on the page (and marked at the field it names), and the buttons come back."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QVBoxLayout, QWidget, QWizard, QWizardPage

from app.share_store import PassphraseNeeded, UnsafeKeyring
from ui.errors import ErrorBanner
from ui.jobs import follow
from ui.runner import Job
from ui.widgets import BusyStrip, FieldError, mark_field


class AsyncPage(QWizardPage):
    busy_text = QT_TRANSLATE_NOOP("AsyncPage", "Working…")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = ErrorBanner()
        self.banner.retry.connect(self._retry)
        self.busy = BusyStrip()
        self.field_errors: dict[str, tuple[QWidget, FieldError]] = {}
        self._done = False
        self._job: Job | None = None
        self.layout_ = QVBoxLayout(self)

    def finish_layout(self) -> None:
        """Subclasses call this after adding their widgets: banner and progress go last."""
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.busy)
        self.layout_.addWidget(self.banner)

    @property
    def ctx(self):
        return self.wizard().ctx

    def initializePage(self) -> None:  # noqa: N802 (Qt's name)
        self._done = False
        self.banner.clear()

    def start(self) -> Job | None:
        """Start the page's work and return its job; None means there is nothing to wait for."""
        return None

    def done_with(self, result) -> None:
        """The job's result, on the GUI thread, before the wizard moves on."""

    def validatePage(self) -> bool:  # noqa: N802
        if self._done:
            return True
        if self._job is not None and self._job.running:
            return False
        self.banner.clear()
        for widget, error in self.field_errors.values():
            error.set_error(None)
            mark_field(widget, None)
        job = self.start()
        if job is None:
            return True
        self._job = job
        self._set_buttons(False)
        follow(
            job,
            self,
            success=self._finished,
            failure=self._failed,
            busy_text=self.tr(self.busy_text),
        )
        job.cancelled.connect(lambda: self._set_buttons(True))
        return False

    def _finished(self, result) -> None:
        self._set_buttons(True)
        try:
            self.done_with(result)
        except Exception as exc:  # a result the page cannot use is still explained
            self._failed(exc)
            return
        self._done = True
        self.wizard().next()

    def _failed(self, exc: BaseException) -> None:
        self._set_buttons(True)
        if self._needs_store_decision(exc):
            from ui.passphrase_dialog import ensure_store

            ensure_store(self.ctx, self, self._retry)
            return
        what = self.banner.show_error(exc)
        if what.field in self.field_errors:
            widget, error = self.field_errors[what.field]
            error.set_error(what.text)
            mark_field(widget, what.text)
            widget.setFocus()

    @staticmethod
    def _needs_store_decision(exc: BaseException) -> bool:
        return isinstance(exc, (UnsafeKeyring, PassphraseNeeded))

    def _retry(self) -> None:
        self.wizard().next()

    def _set_buttons(self, enabled: bool) -> None:
        wizard = self.wizard()
        if wizard is None:
            return
        for which in (
            QWizard.WizardButton.BackButton,
            QWizard.WizardButton.NextButton,
            QWizard.WizardButton.FinishButton,
        ):
            button = wizard.button(which)
            if button is not None:
                button.setEnabled(enabled)
