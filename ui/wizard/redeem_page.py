"""Receive a share: the one-time code a wallet's owner sent. Redeeming it makes this person the
holder of that split and hands over its share, once; it goes straight to the keyring."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from app.protocol.formats import code_letters_only, group_code, looks_like_code, normalize_code
from ui.runner import Job, report
from ui.widgets import FieldError, field_block, mark_field, monospace
from ui.wizard.base import AsyncPage


class RedeemPage(AsyncPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = QLineEdit()
        self.code.setFont(monospace())
        self.code.setPlaceholderText(self.tr("XXXXX-XXXXX-XXXXX-XXXXX"))
        self.code.setAccessibleName(self.tr("Share code"))
        self.error = FieldError()
        self.code.textEdited.connect(self._edited)
        self.field_errors["code"] = (self.code, self.error)
        note = QLabel(
            self.tr(
                "What you may sign with it is set by the owner; you will see the limits "
                "in the wallet's overview."
            )
        )
        note.setObjectName("hint")
        note.setWordWrap(True)
        self.layout_.addWidget(field_block(self.code, self.error))
        self.layout_.addWidget(note)
        self.finish_layout()

    def _edited(self, _text: str) -> None:
        text = self.code.text()
        problem = None
        if len(normalize_code(text)) > 30 or not code_letters_only(text):
            problem = self.tr("a share code is 20 or 30 letters and digits (no 0, O, 1 or I)")
        self.error.set_error(problem)
        mark_field(self.code, problem)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return looks_like_code(self.code.text())

    def start(self) -> Job | None:
        code = group_code(normalize_code(self.code.text()))
        ctx = self.ctx

        async def run(api):
            await asyncio.to_thread(ctx.store)  # the share leaves the co-signer only once
            report(self.tr("Receiving the share…"))
            share = await api.redeem(code)
            await asyncio.to_thread(ctx.save_share, share)
            return share.client_id

        return ctx.cosigner(run, label=self.tr("Receiving the share"))

    def done_with(self, client_id: str) -> None:
        self.wizard().client_id = client_id
        self.ctx.sync_share_index()
        self.code.clear()
