"""The co-signer client's requests and answers, without any I/O (app/client.py sends them).

A `Call` is one request (method, path, JSON body) with the function that reads its answer;
`read_answer` turns a status and a body into that result or the error it carries. Co-sign calls
do the local half (the share's partial) when built and verify the co-signed answer when read.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from typing import Any

from app import keyless
from app.crypto import CryptoError, PublicKey, SecretKey, Signature
from app.keys import client_id_of
from app.permissions import Permissions
from app.protocol import routes as paths
from app.protocol.bodies import (
    ApiErrorBody,
    ChallengeAnswer,
    ChallengeRequest,
    CodeRequest,
    CosignAnswer,
    CreatedWalletAnswer,
    CreateSplitRequest,
    CreateWalletRequest,
    EnvelopeDelivery,
    NewSplitAnswer,
    ShareDelivery,
    SignMessageRequest,
    SignTransactionRequest,
    SplitAnswer,
    SplitView,
    TokenAnswer,
    WalletView,
    WireError,
)
from app.protocol.enums import ErrorCode
from app.protocol.formats import PROOF_PREFIX
from app.transaction import Transaction, TransactionError, sha3_hex

# -- errors ------------------------------------------------------------------------------------


class ClientError(Exception):
    """Base of everything this module raises about the co-signer."""


class CosignerError(ClientError):
    """The co-signer answered with an error (app/protocol ApiErrorBody)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        rule: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.rule, self.field = rule, field

    def __str__(self) -> str:
        name = f"{self.code} ({self.rule})" if self.rule else self.code
        where = f" [{self.field}]" if self.field and self.field not in self.message else ""
        return f"{name}: {self.message}{where}"


class CosignerUnreachable(ClientError):
    """No answer from the co-signer."""


class PinMismatch(ClientError):
    """The server presented a certificate other than the pinned one."""


class CertificateExpired(PinMismatch):
    """The pinned certificate was presented, but it has expired (or is not valid yet: then
    the clock may be wrong). Refused like a mismatch, told apart in words."""

    def __init__(self, message: str, not_yet_valid: bool = False) -> None:
        super().__init__(message)
        self.not_yet_valid = not_yet_valid


class MalformedAnswer(ClientError):
    """An answer without the documented shape."""


class TamperedAnswer(ClientError):
    """An answer that does not verify; never used as data."""


# -- results -----------------------------------------------------------------------------------


Session = TokenAnswer
Challenge = ChallengeAnswer


@dataclass(frozen=True)
class CreatedWallet:
    wallet: WalletView
    mnemonic: str | None = field(default=None, repr=False)  # only for a wallet the server drew
    split: SplitView | None = None  # a keyless wallet: the owner's split, made with it
    share: ShareInfo | None = field(default=None, repr=False)  # ... and the owner's share


@dataclass(frozen=True)
class NewSplit:
    split: SplitView
    share_code: str | None = field(default=None, repr=False)  # holder "code": for a delegate
    share_code_expires_in: int | None = None
    share: ShareInfo | None = field(default=None, repr=False)  # keyless, holder "me": a'


@dataclass(frozen=True)
class ShareInfo(ShareDelivery):
    """A delivered user share, checked: its key is `public_key` and the wallet is client_id."""

    @classmethod
    def from_dict(cls, data: Any) -> ShareInfo:
        info = super().from_dict(data)
        try:
            share_ok = info.secret_key().public_key() == PublicKey.from_hex(info.public_key)
            wallet_ok = client_id_of(PublicKey.from_hex(info.wallet_public_key)) == info.client_id
        except CryptoError as exc:
            raise TamperedAnswer(f"the delivered share does not decode: {exc}") from None
        if not share_ok:
            raise TamperedAnswer("the delivered share is not the key of its public key")
        if not wallet_ok:
            raise TamperedAnswer("the wallet public key is not the key of the wallet's client id")
        return info

    def secret_key(self) -> SecretKey:
        return SecretKey.from_hex(self.private_key)


# -- calls: a request and how to read its answer ----------------------------------------------


def _json(data: Any) -> Any:
    return data


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict[str, Any] | None = None
    parse: Callable[[Any], Any] = _json
    params: dict[str, Any] | None = None
    auth: bool = True
    token: str | None = None  # sent instead of the session's (an enterprise JWT to exchange)


Flow = Generator[Call, Any, Any]


def error_from(status: int, content: bytes) -> CosignerError:
    """The error an unsuccessful answer means; a body without the error shape (a proxy's page)
    still gives a CosignerError, named by its status."""
    try:
        body = ApiErrorBody.from_dict(json.loads(content))
    except (ValueError, UnicodeDecodeError):
        return CosignerError(status, ErrorCode.HTTP_ERROR, f"HTTP {status} without an error body")
    return CosignerError(status, body.code, body.message, body.rule, body.field)


def read_answer(call: Call, status: int, content: bytes) -> Any:
    """The parsed answer to `call`, or the error it carries. Shared by both clients."""
    if not 200 <= status < 300:
        raise error_from(status, content)
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise MalformedAnswer(f"{call.method} {call.path}: the answer is not JSON") from None
    try:
        return call.parse(data)
    except (WireError, TransactionError) as exc:
        raise MalformedAnswer(f"{call.method} {call.path}: {exc}") from None


# -- verifying co-signed answers ----------------------------------------------------------------


def _public_key(value: PublicKey | str) -> PublicKey:
    return value if isinstance(value, PublicKey) else PublicKey.from_hex(value)


def _verified_signature(answer: CosignAnswer, hash_hex: str, wallet_key: PublicKey) -> Signature:
    if answer.hash != hash_hex:
        raise TamperedAnswer(
            f"the co-signer answered for hash {answer.hash[:16]}..., not {hash_hex[:16]}..."
        )
    try:
        signature = Signature.from_hex(answer.signature)
    except CryptoError as exc:
        raise TamperedAnswer(f"the co-signed signature does not decode: {exc}") from None
    if not wallet_key.verify_hash(hash_hex, signature):
        raise TamperedAnswer("the co-signed signature is not valid under the wallet's public key")
    return signature


def transaction_call(
    split_id: str,
    share: SecretKey,
    tx: Transaction,
    wallet_public_key: PublicKey | str,
    request_id: str | None = None,
) -> Call:
    """The co-sign request for tx, with the share's partial; its answer parses to
    (the transaction signed with the verified combined signature, CosignAnswer)."""
    wallet_key = _public_key(wallet_public_key)
    if tx.public_key and tx.public_key != wallet_key.to_hex():
        raise TransactionError("public_key", "is not the wallet's public key")
    tx = replace(tx, public_key=wallet_key.to_hex(), signature="")
    partial = share.sign_hash(tx.hash).to_hex()
    request = SignTransactionRequest(
        split_id=split_id,
        request_id=request_id or uuid.uuid4().hex,
        transaction={**tx.to_dict(), "signature": partial},
    )

    def parse(data: Any) -> tuple[Transaction, CosignAnswer]:
        answer = CosignAnswer.from_dict(data)
        signature = _verified_signature(answer, tx.hash, wallet_key)
        signed = replace(tx, signature=signature.to_hex())
        if answer.transaction is not None and answer.transaction != signed.to_dict():
            raise TamperedAnswer("the co-signer's transaction differs from the one sent")
        return signed, answer

    return Call("POST", paths.SIGN_TRANSACTION, request.to_dict(), parse)


def message_call(
    split_id: str,
    share: SecretKey,
    message: str,
    wallet_public_key: PublicKey | str,
    request_id: str | None = None,
    *,
    headers: bool = False,
) -> Call:
    """Co-sign sha3(message): the share's partial over its 32 bytes; the answer is verified (and
    with headers=True, the X-App-Client-ID / -Key / -Signature triple checked)."""
    wallet_key = _public_key(wallet_public_key)
    hash_hex = sha3_hex(message)
    request = SignMessageRequest(
        split_id=split_id,
        request_id=request_id or uuid.uuid4().hex,
        message=message,
        signature=share.sign_hash(hash_hex).to_hex(),
    )

    def parse(data: Any) -> CosignAnswer:
        answer = CosignAnswer.from_dict(data)
        _verified_signature(answer, hash_hex, wallet_key)
        if headers:
            expected = {
                "X-App-Client-ID": client_id_of(wallet_key),
                "X-App-Client-Key": wallet_key.to_hex(),
                "X-App-Client-Signature": answer.signature,
            }
            if answer.headers != expected:
                raise TamperedAnswer("the auth headers are not this wallet's verified triple")
        return answer

    path = paths.SIGN_AUTH_HEADERS if headers else paths.SIGN_MESSAGE
    return Call("POST", path, request.to_dict(), parse)


def proof_signature(split_id: str, challenge: Challenge, share: SecretKey) -> str:
    """The share's signature of a proof-of-possession challenge. Refuses to sign anything but
    the server's domain-separated proof message for this split and challenge: a partial over
    some other message (a transaction hash) would let the server complete that signature."""
    try:
        message = bytes.fromhex(challenge.message_hex)
    except ValueError:
        raise MalformedAnswer("message_hex is not hex") from None
    suffix = f":{split_id}:{challenge.challenge}".encode()
    if not (message.startswith(PROOF_PREFIX) and message.endswith(suffix)):
        raise TamperedAnswer("the challenge is not a proof-of-possession message; not signed")
    return share.sign(message).to_hex()


def challenge_call(split_id: str) -> Call:
    body = ChallengeRequest(split_id).to_dict()
    return Call("POST", paths.CHALLENGE, body, Challenge.from_dict, auth=False)


def created_wallet(data: Any) -> CreatedWallet:
    answer = CreatedWalletAnswer.from_dict(data)
    return CreatedWallet(wallet=answer.wallet, mnemonic=answer.mnemonic)


def new_split(data: Any) -> NewSplit:
    answer = NewSplitAnswer.from_dict(data)
    return NewSplit(answer.split, answer.share_code, answer.share_code_expires_in)


# -- keyless custody: the owner's machine splits, the co-signer gets its share only -------------


def share_info(split: SplitView, wallet_public_key: str, share: SecretKey) -> ShareInfo:
    """A share this machine made, in the shape of a delivered one (checked the same way)."""
    return ShareInfo.from_dict(
        {
            "split_id": split.id,
            "client_id": split.client_id,
            "wallet_public_key": wallet_public_key,
            "public_key": share.public_key().to_hex(),
            "private_key": share.to_hex(),
        }
    )


def _same_share(split: SplitView, share: SecretKey) -> SplitView:
    if split.share_public_key.lower() != share.public_key().to_hex():
        raise TamperedAnswer("the co-signer's split does not carry this machine's share key")
    return split


def keyless_wallet_call(master_key: SecretKey) -> Call:
    """Register a wallet split here; parses to a CreatedWallet with the owner's split and share.
    The master key stays in this process: only the server share and public keys are sent."""
    request, mine = keyless.keyless_wallet(master_key)
    wallet_key = master_key.public_key().to_hex()

    def parse(data: Any) -> CreatedWallet:
        answer = CreatedWalletAnswer.from_dict(data)
        if answer.split is None:
            raise WireError("split", "is required")
        wallet, split = answer.wallet, _same_share(answer.split, mine)
        if wallet.public_key.lower() != wallet_key or split.client_id != wallet.client_id:
            raise TamperedAnswer("the co-signer registered another wallet than the one sent")
        return CreatedWallet(wallet, split=split, share=share_info(split, wallet_key, mine))

    return Call("POST", paths.WALLETS, CreateWalletRequest(keyless=request).to_dict(), parse)


def delegation_call(
    share: ShareInfo,
    label: str,
    holder: str,
    permissions: Permissions | None,
) -> Call:
    """A new split of a keyless wallet cut from `share` (the owner's): holder "code" gives a
    share code whose key part is drawn here; "me" gives the new share itself."""
    if holder not in ("me", "code"):
        raise ValueError('a keyless wallet is shared through a share code: holder "me" or "code"')
    request, fresh, key_part = keyless.delegation(
        share.split_id, share.secret_key(), share.client_id, sealed=holder == "code"
    )
    body = CreateSplitRequest(label, holder, permissions, delegation=request).to_dict()

    def parse(data: Any) -> NewSplit:
        made = new_split(data)
        _same_share(made.split, fresh)
        if key_part is None:
            return replace(made, share=share_info(made.split, share.wallet_public_key, fresh))
        code = keyless.compose_code(made.share_code or "", key_part)
        if not keyless.is_keyless_code(code):
            raise MalformedAnswer("the share code locator in the answer is not one")
        return replace(made, share_code=code)

    return Call("POST", paths.WALLET_SPLITS.format(client_id=share.client_id), body, parse)


def refresh_call(share: ShareInfo, refreshed: SecretKey | None = None) -> Call:
    """(a, b) -> (a + r, b - r); parses to (the split, the refreshed ShareInfo). Give the
    `refreshed` share of an attempt whose answer was lost to repeat it."""
    request, new = keyless.refresh(share.split_id, share.secret_key(), refreshed)

    def parse(data: Any) -> tuple[SplitView, ShareInfo]:
        split = _same_share(SplitAnswer.from_dict(data).split, new)
        return split, share_info(split, share.wallet_public_key, new)

    path = paths.SPLIT_REFRESH.format(split_id=share.split_id)
    return Call("POST", path, request.to_dict(), parse)


def redeem_call(code: str) -> Call:
    """Redeem a share code. A keyless code sends only its locator; the envelope that comes back
    is opened here with the key part."""
    if not keyless.looks_keyless(code):
        return Call("POST", paths.REDEEM, CodeRequest(code).to_dict(), ShareInfo.from_dict)
    # Never sent whole, even mistyped: the key part must not reach the co-signer.
    locator, _key_part = keyless.split_code(code)

    def parse(data: Any) -> ShareInfo:
        delivery = EnvelopeDelivery.from_dict(data)
        try:
            opened = keyless.open_envelope(code, delivery)
        except keyless.KeylessError as exc:
            raise TamperedAnswer(str(exc)) from None
        return ShareInfo.from_dict({**delivery.to_dict(), "private_key": opened.to_hex()})

    return Call("POST", paths.REDEEM, CodeRequest(locator).to_dict(), parse)
