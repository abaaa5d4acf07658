"""Step 5 (new wallet): type three of the words back (proof they were written down), then the
app splits the key on this computer, registers the wallet with the co-signer (which gets only
its own share: keyless custody) and stores this computer's share in the keyring. Only after
that are the words dropped from memory."""

from __future__ import annotations

import asyncio
import secrets
import socket

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget, QWizard

from app.keys import secret_key_from_mnemonic
from app.wallets import new_device_key
from ui.runner import Job, report
from ui.widgets import FieldError, field_block, mark_field
from ui.wizard.base import AsyncPage

ASKED = 3


class ConfirmPage(AsyncPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout()
        self.inputs: list[tuple[int, QLineEdit, FieldError]] = []
        self._asked: dict[int, str] = {}
        self.layout_.addLayout(self.form)
        note = QLabel(self.tr("Wrong words are marked as you type. Nothing is sent anywhere."))
        note.setObjectName("hint")
        self.layout_.addWidget(note)
        self.finish_layout()

    def initializePage(self) -> None:  # noqa: N802
        super().initializePage()
        while self.form.rowCount():
            self.form.removeRow(0)
        self.inputs = []
        words = self.wizard().words()
        count = len(words)
        positions = sorted(secrets.SystemRandom().sample(range(count), min(ASKED, count)))
        # Only the asked words are kept here, and only until the key is made.
        self._asked = {position: words[position] for position in positions}
        for position in positions:
            edit = QLineEdit()
            edit.setAccessibleName(self.tr("Word {n}").format(n=position + 1))
            edit.setProperty("position", position)
            error = FieldError()
            edit.textEdited.connect(lambda _t, e=edit, r=error: self._check(e, r))
            self.form.addRow(self.tr("Word {n}").format(n=position + 1), field_block(edit, error))
            self.inputs.append((position, edit, error))
        if self.inputs:
            self.inputs[0][1].setFocus()

    def positions(self) -> list[int]:
        return [position for position, _edit, _error in self.inputs]

    def _expected(self, position: int) -> str:
        return self._asked.get(position, "")

    def _check(self, edit: QLineEdit, error: FieldError) -> None:
        typed = edit.text().strip().lower()
        expected = self._expected(edit.property("position"))
        problem = None
        if typed and not expected.startswith(typed):
            problem = self.tr("this is not the word in that position")
        elif typed and typed != expected and len(typed) >= len(expected):
            problem = self.tr("this is not the word in that position")
        error.set_error(problem)
        mark_field(edit, problem)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self._asked) and all(
            edit.text().strip().lower() == self._expected(position)
            for position, edit, _error in self.inputs
        )

    def start(self) -> Job | None:
        w = self.wizard()
        ctx = self.ctx
        if w.created is None:  # keyless: the words were drawn here
            mnemonic = " ".join(w.words())

            async def register(api):
                await asyncio.to_thread(ctx.store)  # before anything is registered
                report(self.tr("Splitting the key on this computer…"))
                master = await asyncio.to_thread(secret_key_from_mnemonic, mnemonic)
                created = await api.create_keyless_wallet(master)
                report(self.tr("Storing your share in the keyring…"))
                await asyncio.to_thread(ctx.save_share, created.share)
                return created

            return ctx.cosigner(register, label=self.tr("Registering your wallet"))
        client_id = w.created.wallet.client_id
        label = self.tr("{computer} (desktop)").format(computer=socket.gethostname()[:60])

        async def make(api):
            await asyncio.to_thread(ctx.store)  # before the share leaves the co-signer
            report(self.tr("Making this computer's key…"))
            share = await new_device_key(api, client_id, label)
            report(self.tr("Storing it in the keyring…"))
            await asyncio.to_thread(ctx.save_share, share)
            return share.client_id

        return ctx.cosigner(make, label=self.tr("Making this computer's key"))

    def _set_buttons(self, enabled: bool) -> None:
        # Registering the confirmed wallet is the point of no return: Cancel waits for it (the
        # wizard would otherwise close on a wallet the co-signer may already hold).
        super()._set_buttons(enabled)
        wizard = self.wizard()
        if wizard is not None and wizard.button(QWizard.WizardButton.CancelButton) is not None:
            wizard.button(QWizard.WizardButton.CancelButton).setEnabled(enabled)

    def done_with(self, result) -> None:
        w = self.wizard()
        if isinstance(result, str):
            w.client_id = result
        else:  # a keyless wallet, registered
            w.created, w.client_id = result, result.wallet.client_id
        self.ctx.sync_share_index()
        self._asked = {}
        w.forget_words()
        for _position, edit, _error in self.inputs:
            edit.blockSignals(True)
            edit.clear()
            edit.blockSignals(False)
