"""Move to another co-signer… : the exit that always works. From the wallet's 24 words the key is
split again on this computer and the new server share is registered with another co-signer
(keyless), this computer keeps the new share, the old co-signer's keys of the wallet are revoked,
and Splitkey then talks to the new co-signer. The words are used in memory and dropped."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.keys import KeysError, Wallet, normalize_mnemonic
from app.session import CosignerSession
from app.wallets import ACTIVE, WalletEntry
from ui.context import REMOTE, AppContext
from ui.errors import ErrorBanner
from ui.jobs import follow
from ui.runner import Job, report
from ui.widgets import BusyStrip, FieldError, field_block, mark_field


class NotThisWallet(KeysError):
    """The words are another wallet's."""


class MoveDialog(QDialog):
    moved = Signal(str)  # the new co-signer's URL

    def __init__(self, ctx: AppContext, entry: WalletEntry, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.entry = entry
        self.job: Job | None = None
        self.setWindowTitle(self.tr("Move to another co-signer"))
        self.setModal(True)
        intro = QLabel(
            self.tr(
                "Splitkey splits this wallet's key again from its 24 words, registers the new "
                "share with the other co-signer (which never sees the words), keeps your new key "
                "here and revokes your keys at the current co-signer. Then Splitkey uses the new "
                "co-signer; other wallets of the current one stay there."
            )
        )
        intro.setWordWrap(True)
        self.words = QPlainTextEdit()
        self.words.setAccessibleName(self.tr("Recovery words"))
        self.words.setTabChangesFocus(True)
        self.words.setMaximumHeight(80)
        self.words_error = FieldError()
        self.url = QLineEdit()
        self.url.setPlaceholderText(self.tr("https://cosigner.example.org:8787"))
        self.pin = QLineEdit()
        self.pin.setPlaceholderText(self.tr("SHA-256 of its certificate (for https)"))
        self.code = QLineEdit()
        self.code.setAccessibleName(self.tr("Enrollment code"))
        self.revoke_old = QCheckBox(self.tr("Revoke this wallet's keys at the current co-signer"))
        self.revoke_old.setChecked(True)
        form = QFormLayout()
        form.addRow(self.tr("Recovery words"), field_block(self.words, self.words_error))
        form.addRow(self.tr("New co-signer"), self.url)
        form.addRow(self.tr("Its fingerprint"), self.pin)
        form.addRow(self.tr("Enrollment code"), self.code)
        self.banner = ErrorBanner()
        self.busy = BusyStrip()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.move_button = self.buttons.addButton(
            self.tr("Move"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.revoke_old)
        layout.addWidget(self.busy)
        layout.addWidget(self.banner)
        layout.addWidget(self.buttons)

    def _words(self) -> str | None:
        try:
            mnemonic = normalize_mnemonic(self.words.toPlainText())
            if Wallet.from_mnemonic(mnemonic).client_id != self.entry.client_id:
                raise NotThisWallet("these words are another wallet's")
        except KeysError as exc:
            self.words_error.set_error(str(exc))
            mark_field(self.words, str(exc))
            return None
        self.words_error.set_error(None)
        mark_field(self.words, None)
        return mnemonic

    def start(self) -> Job | None:
        if self.job is not None and self.job.running:
            return self.job
        self.banner.clear()
        mnemonic = self._words()
        url, code = self.url.text().strip(), self.code.text().strip()
        pin = self.pin.text().strip() or None
        if mnemonic is None or not url or not code:
            if mnemonic is not None:
                self.banner.show_error(
                    ValueError(self.tr("give the new co-signer and its enrollment code"))
                )
            return None
        ctx, client_id, revoke_old = self.ctx, self.entry.client_id, self.revoke_old.isChecked()
        new = CosignerSession(url, tls_fingerprint=pin, shares=ctx.stored_shares)

        async def move(api):
            master = Wallet.from_mnemonic(mnemonic).keys[0].private_key
            report(self.tr("Registering the wallet with the new co-signer…"))
            await new.enroll(code)
            created = await new.run(lambda other: other.create_keyless_wallet(master))
            await asyncio.to_thread(ctx.save_share, created.share)
            revoked = []
            if revoke_old:
                report(self.tr("Revoking the keys at the current co-signer…"))
                for split in await api.splits(client_id):
                    if split.status == ACTIVE:
                        await api.revoke(split.id)
                        revoked.append(split.id)
            return created, revoked

        job = ctx.cosigner(move, label=self.tr("Moving the wallet"))
        follow(
            job,
            self,
            success=lambda result: self._moved(new, pin, result),
            trigger=self.move_button,
            cancellable=False,
        )
        self.job = job
        return job

    def _moved(self, new: CosignerSession, pin: str | None, result) -> None:
        _created, revoked = result
        self.words.clear()
        self.ctx.prefs.set_cosigner(REMOTE, new.url, pin)
        self.ctx.sync_share_index()
        for split_id in revoked:
            self.ctx.forget_share(split_id)
        self.ctx.use_remote(new.url, pin, session=new)
        self.ctx.refresh_wallets()
        self.moved.emit(new.url)
        self.accept()

    def done(self, result: int) -> None:
        self.words.clear()
        super().done(result)
