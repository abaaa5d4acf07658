"""Messages: co-sign a message (sha3 of its UTF-8 text, as 0Chain signs), produce the 0Chain auth
headers (X-App-Client-ID / -Key / -Signature) for a string, and verify any signature under any
public key. Co-signed answers are verified by app/client.py before they are shown; verifying
runs a pairing, so it happens on a worker thread too."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.compose import ComposeError, verify_signature
from app.wallets import WalletEntry
from ui.context import AppContext
from ui.errors import ErrorBanner
from ui.jobs import follow
from ui.my_key import my_share
from ui.widgets import (
    BusyStrip,
    CopyButton,
    FieldError,
    IdLabel,
    field_block,
    mark_field,
    monospace,
    scrolling,
)


class MessagesTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entry: WalletEntry | None = None

        # -- sign a message --
        self.message = QPlainTextEdit()
        self.message.setAccessibleName(self.tr("Message to sign"))
        self.message.setTabChangesFocus(True)
        self.message.setMaximumHeight(100)
        self.sign_button = QPushButton(self.tr("Sign message"))
        self.sign_button.clicked.connect(self.sign_message)
        self.message_signature = IdLabel()
        self.message_signature.setAccessibleName(self.tr("Message signature"))
        self.message_hash = IdLabel()
        self.message_result = QWidget()
        result_form = QFormLayout(self.message_result)
        result_form.addRow(self.tr("Signature"), self.message_signature)
        result_form.addRow(self.tr("sha3 of the message"), self.message_hash)
        result_form.addRow(
            "", CopyButton(lambda: self.message_signature.value(), self.tr("Copy signature"))
        )
        self.message_result.hide()
        sign_box = QGroupBox(self.tr("Sign a message"))
        column = QVBoxLayout(sign_box)
        column.addWidget(self.message)
        column.addWidget(self.sign_button)
        column.addWidget(self.message_result)

        # -- auth headers --
        self.header_text = QLineEdit()
        self.header_text.setAccessibleName(self.tr("Text for the auth headers"))
        self.header_text.setPlaceholderText(self.tr("e.g. the allocation id a blobber asks for"))
        self.header_button = QPushButton(self.tr("Make headers"))
        self.header_button.clicked.connect(self.make_headers)
        self.headers = QPlainTextEdit()
        self.headers.setReadOnly(True)
        self.headers.setFont(monospace())
        self.headers.setMaximumHeight(110)
        self.headers.setAccessibleName(self.tr("Auth headers"))
        self.headers_copy = CopyButton(lambda: self.headers.toPlainText(), self.tr("Copy headers"))
        self.headers.hide()
        self.headers_copy.hide()
        headers_box = QGroupBox(self.tr("0Chain auth headers"))
        column = QVBoxLayout(headers_box)
        row = QHBoxLayout()
        row.addWidget(self.header_text, 1)
        row.addWidget(self.header_button)
        column.addLayout(row)
        column.addWidget(self.headers)
        column.addWidget(self.headers_copy)

        # -- verify --
        self.verify_key = QLineEdit()
        self.verify_key.setFont(monospace())
        self.verify_key.setAccessibleName(self.tr("Public key"))
        self.by_text = QRadioButton(self.tr("Message text"))
        self.by_hash = QRadioButton(self.tr("Hash (64 hex digits)"))
        self.by_text.setChecked(True)
        kinds = QButtonGroup(self)
        kinds.addButton(self.by_text)
        kinds.addButton(self.by_hash)
        self.verify_input = QPlainTextEdit()
        self.verify_input.setAccessibleName(self.tr("Message or hash to verify"))
        self.verify_input.setTabChangesFocus(True)
        self.verify_input.setMaximumHeight(80)
        self.verify_sig = QLineEdit()
        self.verify_sig.setFont(monospace())
        self.verify_sig.setAccessibleName(self.tr("Signature"))
        self.verify_button = QPushButton(self.tr("Verify"))
        self.verify_button.clicked.connect(self.verify)
        self.verdict = QLabel()
        self.verdict.setObjectName("verdict")
        self.errors = {name: FieldError() for name in ("public_key", "hash", "signature")}
        verify_box = QGroupBox(self.tr("Verify a signature"))
        form = QFormLayout(verify_box)
        form.addRow(self.tr("Public key"), field_block(self.verify_key, self.errors["public_key"]))
        pick = QHBoxLayout()
        pick.addWidget(self.by_text)
        pick.addWidget(self.by_hash)
        pick.addStretch(1)
        form.addRow(self.tr("Signed"), pick)
        form.addRow("", field_block(self.verify_input, self.errors["hash"]))
        form.addRow(self.tr("Signature"), field_block(self.verify_sig, self.errors["signature"]))
        verdict_row = QHBoxLayout()
        verdict_row.addWidget(self.verify_button)
        verdict_row.addWidget(self.verdict, 1)
        form.addRow("", verdict_row)
        for widget in (self.verify_key, self.verify_sig):
            widget.textEdited.connect(lambda _t: self.verdict.clear())
        self.verify_input.textChanged.connect(self.verdict.clear)

        self.busy = BusyStrip()
        self.banner = ErrorBanner()
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(self.busy)
        layout.addWidget(self.banner)
        layout.addWidget(sign_box)
        layout.addWidget(headers_box)
        layout.addWidget(verify_box)
        layout.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(inner))
        self.set_entry(None)

    def set_entry(self, entry: WalletEntry | None) -> None:
        changed = (entry and entry.client_id) != (self.entry and self.entry.client_id)
        self.entry = entry
        can = bool(entry and entry.can_sign)
        self.sign_button.setEnabled(can)
        self.header_button.setEnabled(can)
        if changed:
            self.banner.clear()
            self.message_result.hide()
            self.headers.hide()
            self.headers_copy.hide()
            self.verify_key.setText(entry.wallet.public_key if entry else "")

    # -- co-signing --

    def _cosign(self, text: str, headers: bool):
        entry = self.entry
        if entry is None or entry.split is None:
            return None
        split_id = entry.split.id

        async def run(api):
            share = await my_share(self.ctx, split_id)
            cosign = api.auth_headers if headers else api.cosign_message
            return await cosign(share.split_id, share.secret_key(), text, share.wallet_public_key)

        return follow(self.ctx.cosigner(run, label=self.tr("Signing"), split_id=split_id), self)

    def sign_message(self):
        text = self.message.toPlainText()
        self.message_result.hide()
        job = self._cosign(text, headers=False)
        if job is not None:
            job.finished.connect(self._message_signed)
        return job

    def _message_signed(self, answer) -> None:
        self.message_signature.setText(answer.signature)
        self.message_hash.setText(answer.hash)
        self.message_result.show()

    def make_headers(self):
        self.headers.hide()
        self.headers_copy.hide()
        job = self._cosign(self.header_text.text(), headers=True)
        if job is not None:
            job.finished.connect(self._headers_made)
        return job

    def _headers_made(self, answer) -> None:
        self.headers.setPlainText("\n".join(f"{k}: {v}" for k, v in answer.headers.items()))
        self.headers.show()
        self.headers_copy.show()

    # -- verifying --

    def verify(self):
        for error in self.errors.values():
            error.set_error(None)
        for widget in (self.verify_key, self.verify_sig, self.verify_input):
            mark_field(widget, None)
        by_hash = self.by_hash.isChecked()
        text = self.verify_input.toPlainText()
        key, sig = self.verify_key.text(), self.verify_sig.text()
        self.verdict.setText(self.tr("Checking…"))
        job = self.ctx.runner.call(
            lambda: verify_signature(
                key,
                sig,
                message=None if by_hash else text,
                hash_hex=text if by_hash else None,
            ),
            label=self.tr("Verifying"),
        )
        job.finished.connect(self._verdict)
        job.failed.connect(self._verify_failed)
        return job

    def _verdict(self, valid: bool) -> None:
        self.verdict.setProperty("valid", bool(valid))
        self.verdict.setText(
            self.tr("✓ Valid: this key signed exactly this.")
            if valid
            else self.tr("✗ Not valid for this key.")
        )
        self.verdict.style().unpolish(self.verdict)
        self.verdict.style().polish(self.verdict)

    def _verify_failed(self, exc: BaseException) -> None:
        self.verdict.clear()
        if isinstance(exc, ComposeError) and exc.field in self.errors:
            self.errors[exc.field].set_error(exc.message)
            widget = {
                "public_key": self.verify_key,
                "signature": self.verify_sig,
                "hash": self.verify_input,
            }[exc.field]
            mark_field(widget, exc.message)
        else:
            self.banner.show_error(exc)
