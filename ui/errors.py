"""Failures in the user's words. Every screen passes an exception to `explain` and shows the
result: a refused co-sign says which rule and what is left (the co-signer's message carries the
numbers); an unreachable co-signer is a normal state with a Retry button; bad input names the
field. No stack trace and no bare HTTP status ever reaches the screen (they go to the log)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.app_lock import AppLocked
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
    "period_value_cap": QT_TRANSLATE_NOOP("Errors", "Over this key's limit for the period"),
    "period_count_cap": QT_TRANSLATE_NOOP("Errors", "Too many signatures in this period"),
    "per_transaction_cap": QT_TRANSLATE_NOOP("Errors", "Over this key's limit per transaction"),
    "group_not_allowed": QT_TRANSLATE_NOOP(
        "Errors", "This key may not sign this kind of transaction"
    ),
    "method_not_allowed": QT_TRANSLATE_NOOP(
        "Errors", "This kind of transaction cannot be co-signed"
    ),
    "recipient_not_allowed": QT_TRANSLATE_NOOP("Errors", "This recipient is not on the key's list"),
    "messages_not_allowed": QT_TRANSLATE_NOOP("Errors", "This key may not sign messages"),
    "max_uses": QT_TRANSLATE_NOOP("Errors", "This key has been used up"),
    "revoked": QT_TRANSLATE_NOOP("Errors", "This key was revoked"),
    "expired": QT_TRANSLATE_NOOP("Errors", "This key has expired"),
    "not_yet_valid": QT_TRANSLATE_NOOP("Errors", "This key is not valid yet"),
    "frozen": QT_TRANSLATE_NOOP("Errors", "This wallet is frozen"),
    "chain_id": QT_TRANSLATE_NOOP("Errors", "Wrong chain"),
    "creation_time": QT_TRANSLATE_NOOP("Errors", "Your computer's clock is off"),
    "hash_mismatch": QT_TRANSLATE_NOOP("Errors", "The transaction's hash does not match"),
    "looks_like_transaction": QT_TRANSLATE_NOOP("Errors", "This message looks like a transaction"),
    "partial_invalid": QT_TRANSLATE_NOOP("Errors", "Your key's signature was not accepted"),
    "partial_malformed": QT_TRANSLATE_NOOP("Errors", "Your key's signature was not accepted"),
    "request_key_reused": QT_TRANSLATE_NOOP("Errors", "This request was already used"),
    "request_in_progress": QT_TRANSLATE_NOOP("Errors", "This request is already being signed"),
    "nonce_window": QT_TRANSLATE_NOOP("Errors", "This nonce is too far ahead"),
    "raw_hashes_not_allowed": QT_TRANSLATE_NOOP("Errors", "This key may not sign a bare hash"),
    "data_read_differently": QT_TRANSLATE_NOOP(
        "Errors", "The transaction's data could be read two ways"
    ),
    "also_a_contract_call": QT_TRANSLATE_NOOP("Errors", "This transaction is also a contract call"),
    "host": QT_TRANSLATE_NOOP("Errors", "The request went to the wrong address"),
    "origin": QT_TRANSLATE_NOOP("Errors", "Requests from web pages are refused"),
    "slow_body": QT_TRANSLATE_NOOP("Errors", "The request arrived too slowly"),
    "deadline": QT_TRANSLATE_NOOP("Errors", "The co-signer took too long"),
    "body_size": QT_TRANSLATE_NOOP("Errors", "The request is too large"),
    "rate_split": QT_TRANSLATE_NOOP("Errors", "This key is signing too often"),
    "rate_ip": QT_TRANSLATE_NOOP("Errors", "Too many requests from this computer"),
    "rate_token": QT_TRANSLATE_NOOP("Errors", "Too many requests with this sign-in"),
    "login": QT_TRANSLATE_NOOP("Errors", "Too many failed sign-ins"),
    "storage_unavailable": QT_TRANSLATE_NOOP("Errors", "The co-signer cannot reach its storage"),
    "audit_unavailable": QT_TRANSLATE_NOOP("Errors", "The co-signer cannot write its audit log"),
    "crypto_queue_full": QT_TRANSLATE_NOOP("Errors", "The co-signer is busy"),
}

# What a person can do about a refusal, when there is something.
RULE_ADVICE = {
    "period_value_cap": QT_TRANSLATE_NOOP(
        "Errors", "Wait until earlier transactions leave the period, or ask the owner."
    ),
    "period_count_cap": QT_TRANSLATE_NOOP(
        "Errors", "Wait until earlier signatures leave the period, or ask the owner."
    ),
    "per_transaction_cap": QT_TRANSLATE_NOOP(
        "Errors", "Send a smaller amount, or ask the wallet's owner to raise the cap."
    ),
    "recipient_not_allowed": QT_TRANSLATE_NOOP(
        "Errors", "Ask the wallet's owner to add this recipient."
    ),
    "group_not_allowed": QT_TRANSLATE_NOOP("Errors", "Ask the wallet's owner for this permission."),
    "revoked": QT_TRANSLATE_NOOP(
        "Errors", "Ask the wallet's owner for a new share if you still need one."
    ),
    "expired": QT_TRANSLATE_NOOP(
        "Errors", "Ask the wallet's owner for a new share if you still need one."
    ),
    "creation_time": QT_TRANSLATE_NOOP(
        "Errors", "Set your computer's clock (automatic time), then try again."
    ),
    "nonce_window": QT_TRANSLATE_NOOP(
        "Errors", "Use the wallet's next nonce, or ask the owner to sign this one."
    ),
    "chain_id": QT_TRANSLATE_NOOP("Errors", "Check the chain id in Settings."),
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

# Failures whose words do not depend on the details: (title, text, flags). "detail" adds the
# exception's own sentence (a verification failure says what did not check out).
RETRY, SERIOUS = {"retry": True}, {"serious": True}
FIXED: dict[type[BaseException], tuple[str, str, dict]] = {
    CosignerUnreachable: (
        QT_TRANSLATE_NOOP("Errors", "The co-signer is not reachable"),
        # Said while connecting too: "Nothing was signed" there read as a signing failure.
        QT_TRANSLATE_NOOP(
            "Errors",
            "No answer came, so nothing was signed or changed. Check the connection (or that "
            "the co-signer is running) and try again.",
        ),
        RETRY,
    ),
    PinMismatch: (
        QT_TRANSLATE_NOOP("Errors", "The co-signer's certificate has changed"),
        QT_TRANSLATE_NOOP(
            "Errors",
            "It is not the certificate you pinned, so Splitkey did not talk to it. Ask your "
            "administrator whether the server's certificate was replaced; if not, someone may "
            "be intercepting the connection.",
        ),
        SERIOUS,
    ),
    TamperedAnswer: (
        QT_TRANSLATE_NOOP("Errors", "The co-signer's answer did not verify"),
        QT_TRANSLATE_NOOP(
            "Errors",
            "Splitkey checked the answer against the wallet's public key and it is not a valid "
            "signature of what you reviewed. Nothing is shown as signed.",
        ),
        {"serious": True, "detail": True},
    ),
    MalformedAnswer: (
        QT_TRANSLATE_NOOP("Errors", "The co-signer gave an answer Splitkey does not understand"),
        QT_TRANSLATE_NOOP(
            "Errors", "Nothing was used from it. The co-signer may be a different version."
        ),
        SERIOUS,
    ),
    NoConsensus: (
        QT_TRANSLATE_NOOP("Errors", "The network's sharders do not agree"),
        QT_TRANSLATE_NOOP(
            "Errors",
            "Splitkey asked several sharders and no answer had enough of them behind it, so "
            "none is shown. This is usually brief; try again.",
        ),
        RETRY,
    ),
    NetworkUnreachable: (
        QT_TRANSLATE_NOOP("Errors", "The 0Chain network is not reachable"),
        QT_TRANSLATE_NOOP(
            "Errors",
            "Nothing was sent. Check the connection (or the network chosen in Settings) and try "
            "again.",
        ),
        RETRY,
    ),
    UntrustedConfirmation: (
        QT_TRANSLATE_NOOP("Errors", "A confirmation did not verify"),
        QT_TRANSLATE_NOOP(
            "Errors",
            "A sharder answered with a confirmation whose proofs do not check out, so the "
            "transaction is not shown as confirmed.",
        ),
        {"serious": True, "detail": True},
    ),
    PassphraseNeeded: (
        QT_TRANSLATE_NOOP("Errors", "Your keys are locked"),
        QT_TRANSLATE_NOOP(
            "Errors",
            "They are in the encrypted key file. Enter its passphrase when Splitkey asks, then "
            "try again.",
        ),
        RETRY,
    ),
}


def _tr(text: str) -> str:
    """A table's text (marked with QT_TRANSLATE_NOOP) in the user's language, when shown."""
    return QCoreApplication.translate("Errors", text)


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
    # the node's "<code>: <message>" read as a sentence: the code is for logs
    reason = re.sub(r"^[a-z_]+: ", "", str(exc))
    return Explanation(
        QCoreApplication.translate("Errors", "The network refused the transaction"),
        QCoreApplication.translate(
            "Errors", "The miners said: {reason} Nothing was sent and the nonce is still free."
        ).format(reason=_sentence(reason)),
    )


def explain(exc: BaseException) -> Explanation:
    # An expired pinned certificate is a PinMismatch too, but not an interception.
    if isinstance(exc, CertificateExpired):
        if exc.not_yet_valid:
            return Explanation(
                QCoreApplication.translate(
                    "Errors", "The co-signer's certificate is not valid yet"
                ),
                QCoreApplication.translate(
                    "Errors",
                    "It is the certificate you pinned, but its validity starts later. Check this "
                    "computer's date and time; Splitkey does not use it until then.",
                ),
            )
        return Explanation(
            QCoreApplication.translate("Errors", "The co-signer's certificate has expired"),
            QCoreApplication.translate(
                "Errors",
                "It is the certificate you pinned, but its validity has ended, so Splitkey does "
                "not use it. Ask your administrator to renew it, then pin the new one (Settings, "
                "Change co-signer).",
            ),
        )
    for kind, (title, text, flags) in FIXED.items():  # in order: a subclass first
        if isinstance(exc, kind):
            flags = dict(flags)
            detail = " " + _sentence(str(exc)) if flags.pop("detail", False) else ""
            return Explanation(_tr(title), _tr(text) + detail, **flags)
    if isinstance(exc, SignInNeeded):
        if exc.revoked:
            return Explanation(
                QCoreApplication.translate("Errors", "Your key is no longer accepted"),
                QCoreApplication.translate(
                    "Errors",
                    "The co-signer refuses the keys kept on this computer: they were revoked or "
                    "have expired. ",
                )
                + _tr(RULE_ADVICE["revoked"]),
                rule="revoked",
            )
        return Explanation(
            QCoreApplication.translate("Errors", "Sign in again"), _sentence(str(exc))
        )
    if isinstance(exc, CosignerError):
        return _cosigner_error(exc)
    if isinstance(exc, TransactionRefused):
        return _network_error(exc)
    if isinstance(exc, ComposeError):
        return Explanation(
            QCoreApplication.translate("Errors", "Check this field"),
            _sentence(exc.message),
            field=exc.field,
        )
    if isinstance(exc, TransactionError):
        return Explanation(
            QCoreApplication.translate("Errors", "Check this field"),
            _sentence(str(exc)),
            field=FIELD_NAMES.get(exc.field, exc.field),
        )
    if isinstance(exc, (KeysError, CryptoError)):
        return Explanation(
            QCoreApplication.translate("Errors", "That does not work"), _sentence(str(exc))
        )
    if isinstance(exc, AppLocked):
        return Explanation(
            QCoreApplication.translate("Errors", "Splitkey is locked"),
            QCoreApplication.translate("Errors", "Unlock it with your password to continue."),
        )
    if isinstance(exc, LocalCosignerError):
        return Explanation(
            QCoreApplication.translate("Errors", "The co-signer on this computer could not start"),
            _sentence(str(exc))
            + QCoreApplication.translate(
                "Errors", " You can try again, or choose your organisation's co-signer."
            ),
            retry=True,
        )
    if isinstance(exc, ShareStoreError):
        return Explanation(
            QCoreApplication.translate("Errors", "Your keys could not be stored or read"),
            _sentence(str(exc)),
        )
    if isinstance(exc, OSError):
        return Explanation(
            QCoreApplication.translate("Errors", "A file could not be used"),
            _sentence(exc.strerror or str(exc)),
        )
    log.error("unexpected error", exc_info=exc)
    return Explanation(
        QCoreApplication.translate("Errors", "Something went wrong"),
        QCoreApplication.translate(
            "Errors",
            "Splitkey hit an unexpected problem ({name}). Nothing was signed. The details are in "
            "the log.",
        ).format(name=type(exc).__name__),
    )


def local_cosigner_stopped(why: str | None, exit_code: int | None, delay: float) -> Explanation:
    """The built-in co-signer ended (why: what is known, else its exit code) and is restarted
    after `delay` seconds."""
    if why:
        reason = why
    elif exit_code is None:
        reason = QCoreApplication.translate("Errors", "It ended unexpectedly.")
    elif exit_code < 0:
        reason = QCoreApplication.translate(
            "Errors", "It ended unexpectedly (stopped by signal {signal})."
        ).format(signal=-exit_code)
    else:
        reason = QCoreApplication.translate(
            "Errors", "It ended unexpectedly (exit code {code})."
        ).format(code=exit_code)
    return Explanation(
        QCoreApplication.translate("Errors", "The co-signer on this computer stopped"),
        reason
        + " "
        + QCoreApplication.translate(
            "Errors",
            "Splitkey starts it again in {delay} s, or press Retry. Nothing is signed while it "
            "is stopped.",
        ).format(delay=delay),
        retry=True,
    )


def _cosigner_error(exc: CosignerError) -> Explanation:
    if exc.rule:
        advice = _tr(RULE_ADVICE[exc.rule]) if exc.rule in RULE_ADVICE else ""
        text = _sentence(exc.message) + (f" {advice}" if advice else "")
        return Explanation(
            _tr(RULE_TITLES[exc.rule])
            if exc.rule in RULE_TITLES
            else (QCoreApplication.translate("Errors", "The co-signer refused")),
            text,
            rule=exc.rule,
            field=FIELD_NAMES.get(exc.field or "", exc.field),
        )
    if exc.status == 401:  # a refused key carries its rule (above); this is the sign-in
        return Explanation(
            QCoreApplication.translate("Errors", "Sign in again"), _sentence(exc.message)
        )
    if exc.status == 404:
        return Explanation(
            QCoreApplication.translate("Errors", "Not found"),
            QCoreApplication.translate(
                "Errors",
                "The co-signer does not know this (or it is not yours). It may have been deleted.",
            ),
        )
    if exc.status == 410:
        return Explanation(
            QCoreApplication.translate("Errors", "No longer available"), _sentence(exc.message)
        )
    if exc.status == 429 or exc.status >= 500:
        return Explanation(
            QCoreApplication.translate("Errors", "The co-signer is busy or having trouble"),
            _sentence(exc.message)
            + QCoreApplication.translate("Errors", " Nothing was signed; try again in a moment."),
            retry=True,
        )
    field = FIELD_NAMES.get(exc.field or "", exc.field)
    return Explanation(
        QCoreApplication.translate("Errors", "The co-signer did not accept this"),
        _sentence(exc.message),
        field=field,
    )


def show_error(parent: QWidget | None, exc: BaseException, title: str | None = None) -> None:
    """A modal message for failures that have no better place on screen."""
    what = explain(exc)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical if what.serious else QMessageBox.Icon.Warning)
    box.setWindowTitle(title or QCoreApplication.translate("Errors", "Splitkey"))
    box.setText(what.title)
    box.setInformativeText(
        what.text
        + (
            QCoreApplication.translate("Errors", "\n\nRule: {rule}").format(rule=what.rule)
            if what.rule
            else ""
        )
    )
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
        self._button = QPushButton(self.tr("Try again"))
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
        self._rule.setText(self.tr("Rule: {rule}").format(rule=what.rule) if what.rule else "")
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
