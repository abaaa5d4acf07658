"""Import an existing 0Chain wallet: its 24 words, or a wallet file as zwallet writes it. The key
is split on this computer (keyless custody): the co-signer gets only its own share, this
computer keeps the other, as for a new wallet."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from app.crypto import SecretKey
from app.keys import KeysError, normalize_mnemonic, secret_key_from_mnemonic
from app.wallets import zwallet_secret
from ui.runner import Job, report
from ui.widgets import FieldError, field_block, mark_field
from ui.wizard.base import AsyncPage

MAX_WALLET_FILE = 64 * 1024  # a zwallet file is well under 2 KB; refuse to slurp anything big


class ImportPage(AsyncPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.by_words = QRadioButton(self.tr("The 24 recovery words"))
        self.by_words.setChecked(True)
        self.words = QPlainTextEdit()
        self.words.setAccessibleName(self.tr("Recovery words"))
        self.words.setTabChangesFocus(True)
        self.words.setMaximumHeight(90)
        self.words_error = FieldError()
        self.by_file = QRadioButton(self.tr("A wallet file (zwallet's wallet.json)"))
        self.file_label = QLabel(self.tr("No file chosen"))
        self.file_label.setWordWrap(True)
        self.browse = QPushButton(self.tr("Choose file…"))
        self.browse.clicked.connect(self._choose)
        self.file_error = FieldError()
        self._secret: dict[str, str] | None = None
        group = QButtonGroup(self)
        group.addButton(self.by_words)
        group.addButton(self.by_file)
        group.buttonToggled.connect(lambda *_: self._mode_changed())
        self.words.textChanged.connect(self._words_changed)
        self.field_errors["mnemonic"] = (self.words, self.words_error)
        self.field_errors["file"] = (self.browse, self.file_error)

        self.layout_.addWidget(self.by_words)
        self.layout_.addWidget(field_block(self.words, self.words_error))
        self.layout_.addWidget(self.by_file)
        row = QHBoxLayout()
        row.addWidget(self.file_label, 1)
        row.addWidget(self.browse)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.file_error)
        self.finish_layout()
        self._mode_changed()

    def _mode_changed(self) -> None:
        self.words.setEnabled(self.by_words.isChecked())
        self.browse.setEnabled(self.by_file.isChecked())
        self.completeChanged.emit()

    def _words_changed(self) -> None:
        text = self.words.toPlainText()
        problem = None
        if len(text.split()) >= 24 or text.endswith(("\n",)):
            try:
                normalize_mnemonic(text)
            except KeysError as exc:
                problem = str(exc)
        self.words_error.set_error(problem)
        mark_field(self.words, problem)
        self.completeChanged.emit()

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose the wallet file"),
            str(Path.home()),
            self.tr("Wallet (*.json);;All files (*)"),
        )
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        self._secret = None
        problem = None
        try:
            if path.stat().st_size > MAX_WALLET_FILE:
                raise KeysError("this file is too large to be a wallet file")
            self._secret = zwallet_secret(path.read_bytes())
        except OSError as exc:
            problem = self.tr("cannot read {name}: {strerror}").format(
                name=path.name, strerror=exc.strerror
            )
        except KeysError as exc:
            problem = str(exc)
        self.file_label.setText(str(path))
        self.file_error.set_error(problem)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        if self.by_words.isChecked():
            try:
                normalize_mnemonic(self.words.toPlainText())
            except KeysError:
                return False
            return True
        return self._secret is not None

    def start(self) -> Job | None:
        if self.by_words.isChecked():
            secret = {"mnemonic": normalize_mnemonic(self.words.toPlainText())}
        else:
            secret = dict(self._secret or {})
        ctx = self.ctx

        async def run(api):
            await asyncio.to_thread(ctx.store)
            report(self.tr("Splitting the key on this computer…"))
            created = await api.create_keyless_wallet(await asyncio.to_thread(_master, secret))
            await asyncio.to_thread(ctx.save_share, created.share)
            return created.wallet.client_id

        return ctx.cosigner(run, label=self.tr("Importing the wallet"))

    def done_with(self, client_id: str) -> None:
        self.wizard().client_id = client_id
        self.ctx.sync_share_index()
        self.words.clear()
        self._secret = None


def _master(secret: dict[str, str]) -> SecretKey:
    if "mnemonic" in secret:
        return secret_key_from_mnemonic(secret["mnemonic"])
    return SecretKey.from_hex(secret["private_key"])
