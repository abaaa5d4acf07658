"""Revoke… : take a key back. Asks once, plainly; the co-signer refuses the key from the moment
it answers, and the dialog says so only after it did."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.protocol.bodies import SplitView
from ui.context import AppContext
from ui.errors import ErrorBanner
from ui.jobs import follow
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
        self.setWindowTitle(self.tr("Revoke key"))
        self.setModal(True)

        name = (
            self.tr("the key “{label}”").format(label=split.label)
            if split.label
            else self.tr("this key")
        )
        if split.holder_id is None:
            question = self.tr("Revoke {name}? Its share code has not been redeemed yet.").format(
                name=name
            )
        else:
            question = self.tr("Revoke {name}, held by {holder}?").format(
                name=name, holder=holder_words(split, me, here)
            )
        self.question = QLabel(question)
        self.question.setObjectName("heading")
        self.question.setWordWrap(True)
        details = QLabel(
            self.tr("It may {permissions}; limits: {limits}.").format(
                permissions=permission_words(split), limits=limit_words(split)
            )
            + " "
            + (
                self.tr("Used once.")
                if split.uses == 1
                else self.tr("Used {uses} times.").format(uses=split.uses)
            )
        )
        details.setWordWrap(True)
        consequence = self.tr(
            "From the moment you confirm, the co-signer refuses every signature with this key, "
            "including ones already on their way. This cannot be undone: to share again, make a "
            "new key."
        )
        if me is not None and split.holder_id == me:
            consequence += (
                self.tr(" This is your own key")
                + (self.tr(" on this computer") if here else "")
                + self.tr(
                    ": you will "
                    "need another key of this wallet (or its recovery words) to sign with it."
                )
            )
        self.consequence = QLabel(consequence)
        self.consequence.setWordWrap(True)

        self.banner = ErrorBanner()
        self.banner.retry.connect(self.confirm)
        self.busy = BusyStrip()
        self.buttons = QDialogButtonBox()
        self.revoke_button = self.buttons.addButton(
            self.tr("Revoke key"), QDialogButtonBox.ButtonRole.DestructiveRole
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
        split_id = self.split.id

        async def revoke(api):
            return await api.revoke(split_id)

        # Revocation is one short request; cancelling it could leave the person unsure whether
        # it happened, so the strip has no Cancel (the answer decides).
        job = self.ctx.cosigner(revoke, label=self.tr("Revoking the key"))
        follow(
            job,
            self,
            success=self._revoked,
            trigger=self.revoke_button,
            busy_text=self.tr("Revoking…"),
            cancellable=False,
        )
        self.job = job
        return job

    def _revoked(self, split: SplitView) -> None:
        self.split = split
        self.revoked.emit(split)
        self.accept()

    def reject(self) -> None:
        if self.job is not None and self.job.running:
            return  # the answer is on its way; closing now would hide whether it worked
        super().reject()
