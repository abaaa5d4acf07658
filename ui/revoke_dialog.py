"""Revoke… : take a key back. Asks once, plainly; the co-signer refuses the key from the moment
it answers, and the dialog says so only after it did."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.protocol.bodies import SplitView
from ui.context import AppContext
from ui.errors import ErrorBanner
from ui.runner import Job
from ui.shares_model import holder_words, limit_words, permission_words
from ui.widgets import BusyStrip


class RevokeDialog(QDialog):
    revoked = Signal(object)  # the SplitView as the co-signer answered it (status "revoked")

    def __init__(
        self,
        ctx: AppContext,
        split: SplitView,
        *,
        me: str | None = None,
        here: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.split = split
        self.job: Job | None = None
        self.setWindowTitle("Revoke key")
        self.setModal(True)

        name = f"the key “{split.label}”" if split.label else "this key"
        if split.holder_id is None:
            question = f"Revoke {name}? Its share code has not been redeemed yet."
        else:
            question = f"Revoke {name}, held by {holder_words(split, me, here)}?"
        self.question = QLabel(question)
        self.question.setObjectName("heading")
        self.question.setWordWrap(True)
        details = QLabel(
            f"It may {permission_words(split)}; limits: {limit_words(split)}. "
            f"Used {split.uses} time{'s' if split.uses != 1 else ''}."
        )
        details.setWordWrap(True)
        consequence = (
            "From the moment you confirm, the co-signer refuses every signature with this key, "
            "including ones already on their way. This cannot be undone: to share again, make a "
            "new key."
        )
        if me is not None and split.holder_id == me:
            consequence += (
                " This is your own key" + (" on this computer" if here else "") + ": you will "
                "need another key of this wallet (or its recovery words) to sign with it."
            )
        self.consequence = QLabel(consequence)
        self.consequence.setWordWrap(True)

        self.banner = ErrorBanner()
        self.banner.retry.connect(self.confirm)
        self.busy = BusyStrip()
        self.buttons = QDialogButtonBox()
        self.revoke_button = self.buttons.addButton(
            "Revoke key", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        # Enter must not revoke by accident: Cancel is the default button.
        self.revoke_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        self.revoke_button.clicked.connect(self.confirm)
        self.cancel_button.clicked.connect(self.reject)

        column = QVBoxLayout(self)
        column.addWidget(self.question)
        column.addWidget(details)
        column.addWidget(self.consequence)
        column.addWidget(self.banner)
        column.addWidget(self.busy)
        column.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        # Focus would land on the first button, "Revoke key"; start on the harmless one.
        self.cancel_button.setFocus()
        self.cancel_button.setDefault(True)

    def confirm(self) -> Job:
        if self.job is not None and self.job.running:
            return self.job
        self.banner.clear()
        split_id = self.split.id

        async def revoke(api):
            return await api.revoke(split_id)

        self.revoke_button.setEnabled(False)
        job = self.ctx.cosigner(revoke, label="Revoking the key")
        job.finished.connect(self._revoked)
        job.failed.connect(self._failed)
        job.done.connect(lambda: self.revoke_button.setEnabled(True))
        # Revocation is one short request; cancelling it could leave the person unsure whether
        # it happened, so the strip has no Cancel (the answer decides).
        self.busy.track(job, "Revoking…", cancellable=False)
        self.job = job
        return job

    def _revoked(self, split: SplitView) -> None:
        self.split = split
        self.revoked.emit(split)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.banner.show_error(exc)

    def reject(self) -> None:
        if self.job is not None and self.job.running:
            return  # the answer is on its way; closing now would hide whether it worked
        super().reject()
