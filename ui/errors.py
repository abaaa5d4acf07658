"""Failures in the user's words. Every screen passes an exception to `explain` and shows the
result: a refused co-sign says which rule and what is left (the co-signer's message carries the
numbers); an unreachable co-signer is a normal state with a Retry button; bad input names the
field. No stack trace and no bare HTTP status ever reaches the screen (they go to the log)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.client import (
    CertificateExpired,
    CosignerError,
    CosignerUnreachable,
    MalformedAnswer,
    PinMismatch,
    TamperedAnswer,
)
from app.compose import ComposeError
from app.crypto import CryptoError
from app.keys import KeysError
from app.local_cosigner import LocalCosignerError
from app.network.errors import (
    NetworkUnreachable,
    NoConsensus,
    TransactionRefused,
    UntrustedConfirmation,
)
from app.session import SignInNeeded
from app.share_store import PassphraseNeeded, ShareStoreError
from app.transaction import TransactionError

log = logging.getLogger(__name__)

# A refusal's rule (a stable name from the co-signer's policy) -> a headline a person reads.
RULE_TITLES = {
    "period_value_cap": "Over this key's limit for the period",
    "period_count_cap": "Too many signatures in this period",
    "per_transaction_cap": "Over this key's limit per transaction",
    "group_not_allowed": "This key may not sign this kind of transaction",
    "method_not_allowed": "This kind of transaction cannot be co-signed",
    "recipient_not_allowed": "This recipient is not on the key's list",
    "messages_not_allowed": "This key may not sign messages",
    "max_uses": "This key has been used up",
    "revoked": "This key was revoked",
    "expired": "This key has expired",
    "not_yet_valid": "This key is not valid yet",
    "frozen": "This wallet is frozen",
    "chain_id": "Wrong chain",
    "creation_time": "Your computer's clock is off",
    "hash_mismatch": "The transaction's hash does not match",
    "looks_like_transaction": "This message looks like a transaction",
    "partial_invalid": "Your key's signature was not accepted",
    "partial_malformed": "Your key's signature was not accepted",
    "request_key_reused": "This request was already used",
    "request_in_progress": "This request is already being signed",
    "nonce_window": "This nonce is too far ahead",
    "raw_hashes_not_allowed": "This key may not sign a bare hash",
    "data_read_differently": "The transaction's data could be read two ways",
    "also_a_contract_call": "This transaction is also a contract call",
    "host": "The request went to the wrong address",
    "origin": "Requests from web pages are refused",
    "slow_body": "The request arrived too slowly",
    "deadline": "The co-signer took too long",
    "body_size": "The request is too large",
    "rate_split": "This key is signing too often",
    "rate_ip": "Too many requests from this computer",
    "rate_token": "Too many requests with this sign-in",
    "login": "Too many failed sign-ins",
    "storage_unavailable": "The co-signer cannot reach its storage",
    "audit_unavailable": "The co-signer cannot write its audit log",
    "crypto_queue_full": "The co-signer is busy",
}

# What a person can do about a refusal, when there is something.
RULE_ADVICE = {
    "period_value_cap": "Wait until earlier transactions leave the period, or ask the owner.",
    "period_count_cap": "Wait until earlier signatures leave the period, or ask the owner.",
    "per_transaction_cap": "Send a smaller amount, or ask the wallet's owner to raise the cap.",
    "recipient_not_allowed": "Ask the wallet's owner to add this recipient.",
    "group_not_allowed": "Ask the wallet's owner for this permission.",
    "revoked": "Ask the wallet's owner for a new share if you still need one.",
    "expired": "Ask the wallet's owner for a new share if you still need one.",
    "creation_time": "Set your computer's clock (automatic time), then try again.",
    "nonce_window": "Use the wallet's next nonce, or ask the owner to sign this one.",
    "chain_id": "Check the chain id in Settings.",
}

# Wire field names -> the form fields that show them.
FIELD_NAMES = {
    "to_client_id": "recipient",
    "transaction_value": "amount",
    "transaction_fee": "fee",
    "transaction_nonce": "nonce",
    "transaction_data": "data",
    "code": "code",
    "mnemonic": "mnemonic",
    "private_key": "file",
}


@dataclass(frozen=True)
class Explanation:
    title: str
    text: str
    rule: str | None = None  # the co-signer's rule, shown small for support and for tests
    retry: bool = False  # worth offering "Try again" (unreachable, busy)
    field: str | None = None  # the form field at fault
    serious: bool = False  # something is wrong that the user must not shrug off

    def full_text(self) -> str:
        return f"{self.title}. {self.text}" if self.text else self.title


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _network_error(exc: Exception) -> Explanation:
    """The 0Chain network's answers in words (app/network/errors.py)."""
    if isinstance(exc, NoConsensus):
        return Explanation(
            "The network's sharders do not agree",
            "Splitkey asked several sharders and no answer had enough of them behind it, so "
            "none is shown. This is usually brief; try again.",
            retry=True,
        )
    if isinstance(exc, NetworkUnreachable):
        return Explanation(
            "The 0Chain network is not reachable",
            "Nothing was sent. Check the connection (or the network chosen in Settings) and "
            "try again.",
            retry=True,
        )
    if isinstance(exc, UntrustedConfirmation):
        return Explanation(
            "A confirmation did not verify",
            "A sharder answered with a confirmation whose proofs do not check out, so the "
            "transaction is not shown as confirmed. " + _sentence(str(exc)),
            serious=True,
        )
    # the node's "<code>: <message>" read as a sentence: the code is for logs
    reason = re.sub(r"^[a-z_]+: ", "", str(exc))
    return Explanation(
        "The network refused the transaction",
        f"The miners said: {_sentence(reason)} Nothing was sent and the nonce is still free.",
    )


def explain(exc: BaseException) -> Explanation:
    if isinstance(exc, CosignerUnreachable):
        return Explanation(
            "The co-signer is not reachable",
            # Said while connecting too: "Nothing was signed" there read as a signing failure.
            "No answer came, so nothing was signed or changed. Check the connection (or that "
            "the co-signer is running) and try again.",
            retry=True,
        )
    if isinstance(exc, CertificateExpired):
        if exc.not_yet_valid:
            return Explanation(
                "The co-signer's certificate is not valid yet",
                "It is the certificate you pinned, but its validity starts later. Check this "
                "computer's date and time; Splitkey does not use it until then.",
            )
        return Explanation(
            "The co-signer's certificate has expired",
            "It is the certificate you pinned, but its validity has ended, so Splitkey does not "
            "use it. Ask your administrator to renew it, then pin the new one (Settings, "
            "Change co-signer).",
        )
    if isinstance(exc, PinMismatch):
        return Explanation(
            "The co-signer's certificate has changed",
            "It is not the certificate you pinned, so Splitkey did not talk to it. Ask your "
            "administrator whether the server's certificate was replaced; if not, someone may "
            "be intercepting the connection.",
            serious=True,
        )
    if isinstance(exc, TamperedAnswer):
        return Explanation(
            "The co-signer's answer did not verify",
            "Splitkey checked the answer against the wallet's public key and it is not a valid "
            "signature of what you reviewed. Nothing is shown as signed. "
            f"({exc})",
            serious=True,
        )
    if isinstance(exc, MalformedAnswer):
        return Explanation(
            "The co-signer gave an answer Splitkey does not understand",
            "Nothing was used from it. The co-signer may be a different version.",
            serious=True,
        )
    if isinstance(exc, SignInNeeded):
        if exc.revoked:
            return Explanation(
                "Your key is no longer accepted",
                "The co-signer refuses the keys kept on this computer: they were revoked or "
                "have expired. " + RULE_ADVICE["revoked"],
                rule="revoked",
            )
        return Explanation("Sign in again", _sentence(str(exc)))
    if isinstance(exc, CosignerError):
        return _cosigner_error(exc)
    if isinstance(exc, (NetworkUnreachable, TransactionRefused, UntrustedConfirmation)):
        return _network_error(exc)
    if isinstance(exc, ComposeError):
        return Explanation("Check this field", _sentence(exc.message), field=exc.field)
    if isinstance(exc, TransactionError):
        return Explanation(
            "Check this field", _sentence(str(exc)), field=FIELD_NAMES.get(exc.field, exc.field)
        )
    if isinstance(exc, (KeysError, CryptoError)):
        return Explanation("That does not work", _sentence(str(exc)))
    from ui.context import AppLocked  # ui.context shows its errors through this module

    if isinstance(exc, AppLocked):
        return Explanation("Splitkey is locked", "Unlock it with your password to continue.")
    if isinstance(exc, LocalCosignerError):
        return Explanation(
            "The co-signer on this computer could not start",
            _sentence(str(exc)) + " You can try again, or choose your organisation's co-signer.",
            retry=True,
        )
    if isinstance(exc, PassphraseNeeded):
        return Explanation(
            "Your keys are locked",
            "They are in the encrypted key file. Enter its passphrase when Splitkey asks, "
            "then try again.",
            retry=True,
        )
    if isinstance(exc, ShareStoreError):
        return Explanation("Your keys could not be stored or read", _sentence(str(exc)))
    if isinstance(exc, OSError):
        return Explanation("A file could not be used", _sentence(exc.strerror or str(exc)))
    log.error("unexpected error", exc_info=exc)
    return Explanation(
        "Something went wrong",
        f"Splitkey hit an unexpected problem ({type(exc).__name__}). Nothing was signed. The "
        "details are in the log.",
    )


def _cosigner_error(exc: CosignerError) -> Explanation:
    if exc.rule:
        advice = RULE_ADVICE.get(exc.rule, "")
        text = _sentence(exc.message) + (f" {advice}" if advice else "")
        return Explanation(
            RULE_TITLES.get(exc.rule, "The co-signer refused"),
            text,
            rule=exc.rule,
            field=FIELD_NAMES.get(exc.field or "", exc.field),
        )
    if exc.status == 401:  # a refused key carries its rule (above); this is the sign-in
        return Explanation("Sign in again", _sentence(exc.message))
    if exc.status == 404:
        return Explanation(
            "Not found",
            "The co-signer does not know this (or it is not yours). It may have been deleted.",
        )
    if exc.status == 410:
        return Explanation("No longer available", _sentence(exc.message))
    if exc.status == 429 or exc.status >= 500:
        return Explanation(
            "The co-signer is busy or having trouble",
            _sentence(exc.message) + " Nothing was signed; try again in a moment.",
            retry=True,
        )
    field = FIELD_NAMES.get(exc.field or "", exc.field)
    return Explanation("The co-signer did not accept this", _sentence(exc.message), field=field)


def show_error(parent: QWidget | None, exc: BaseException, title: str | None = None) -> None:
    """A modal message for failures that have no better place on screen."""
    what = explain(exc)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical if what.serious else QMessageBox.Icon.Warning)
    box.setWindowTitle(title or "Splitkey")
    box.setText(what.title)
    box.setInformativeText(what.text + (f"\n\nRule: {what.rule}" if what.rule else ""))
    box.open()


class ErrorBanner(QFrame):
    """An inline message with an optional Retry button; hidden while there is nothing to say."""

    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self._title = QLabel()
        self._title.setObjectName("bannerTitle")
        self._text = QLabel()
        self._text.setWordWrap(True)
        self._rule = QLabel()
        self._rule.setObjectName("hint")
        self._button = QPushButton("Try again")
        self._button.clicked.connect(self.retry)
        texts = QVBoxLayout()
        texts.addWidget(self._title)
        texts.addWidget(self._text)
        texts.addWidget(self._rule)
        row = QHBoxLayout(self)
        row.addLayout(texts, 1)
        row.addWidget(self._button)
        self.explanation: Explanation | None = None
        self.hide()

    def show_error(self, exc: BaseException) -> Explanation:
        what = explain(exc)
        self.show_explanation(what)
        return what

    def show_explanation(self, what: Explanation) -> None:
        self.explanation = what
        self._title.setText(what.title)
        self._text.setText(what.text)
        self._rule.setText(f"Rule: {what.rule}" if what.rule else "")
        self._rule.setVisible(bool(what.rule))
        self._button.setVisible(what.retry)
        self.setProperty("serious", what.serious)
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def clear(self) -> None:
        self.explanation = None
        self.hide()

    def text(self) -> str:
        return self._title.text() + "\n" + self._text.text() + "\n" + self._rule.text()
