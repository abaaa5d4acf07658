"""The co-signer's wire format, written once for both sides: the server (cosigner_server/) builds
its answers with these classes and the client (app/client.py) and desktop parse them back.

Every `from_dict` checks types and names the offending field in a WireError, so a malformed
request gets a 400 that says what is wrong, and a malformed answer never reaches a user as data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from app.permissions import Permissions, PermissionsError

API = "/v1"


class WireError(ValueError):
    """A request or answer body does not have the expected shape; names the field."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name


def require(data: Any, name: str, kind: type | tuple[type, ...], optional: bool = False) -> Any:
    """data[name] checked against kind (bool is not an int here)."""
    if not isinstance(data, dict):
        raise WireError("body", "must be a JSON object")
    if name not in data or data[name] is None:
        if optional:
            return None
        raise WireError(name, "is required")
    value = data[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise WireError(name, f"must be {_kind_name(kinds)}")
    if not isinstance(value, kinds):
        raise WireError(name, f"must be {_kind_name(kinds)}")
    return value


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {
        str: "text",
        int: "a whole number",
        bool: "true or false",
        dict: "an object",
        list: "a list",
        float: "a number",
    }
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def permissions_from(data: Any, name: str = "permissions") -> Permissions:
    try:
        return Permissions.from_dict(data)
    except PermissionsError as exc:
        raise WireError(name, str(exc)) from None


# How a wallet is held. CUSTODIAL: the vault holds the master key (0Chain ZVault's model) and cuts
# splits itself. KEYLESS: the owner drew the key and split it on their own machine; the co-signer
# only ever holds server shares, and user shares reach delegates end-to-end encrypted.
CUSTODIAL = "custodial"
KEYLESS = "keyless"


# -- views the server returns -----------------------------------------------------------------


@dataclass(frozen=True)
class UserView:
    id: str
    subject: str
    issuer: str
    role: str
    enabled: bool

    @classmethod
    def from_dict(cls, data: Any) -> UserView:
        return cls(
            id=require(data, "id", str),
            subject=require(data, "subject", str),
            issuer=require(data, "issuer", str),
            role=require(data, "role", str),
            enabled=require(data, "enabled", bool),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class WalletView:
    client_id: str
    public_key: str
    owner_id: str
    created_at: int
    frozen: bool = False
    delete_after: int | None = None
    last_nonce: int | None = None  # highest nonce the co-signer signed for it: propose one more
    custody: str = "custodial"  # CUSTODIAL: the co-signer holds the master key; KEYLESS: never

    @classmethod
    def from_dict(cls, data: Any) -> WalletView:
        custody = require(data, "custody", str, optional=True) or CUSTODIAL
        if custody not in (CUSTODIAL, KEYLESS):
            raise WireError("custody", f"must be {CUSTODIAL} or {KEYLESS}")
        return cls(
            client_id=require(data, "client_id", str),
            public_key=require(data, "public_key", str),
            owner_id=require(data, "owner_id", str),
            created_at=require(data, "created_at", int),
            frozen=require(data, "frozen", bool),
            delete_after=require(data, "delete_after", int, optional=True),
            last_nonce=require(data, "last_nonce", int, optional=True),
            custody=custody,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SplitView:
    id: str
    client_id: str
    holder_id: str | None
    label: str
    share_public_key: str
    permissions: Permissions
    status: str  # active | revoked | expired
    uses: int
    last_used: int | None
    created_at: int
    revoked_at: int | None = None
    share_retrieved: bool = False

    @classmethod
    def from_dict(cls, data: Any) -> SplitView:
        return cls(
            id=require(data, "id", str),
            client_id=require(data, "client_id", str),
            holder_id=require(data, "holder_id", str, optional=True),
            label=require(data, "label", str),
            share_public_key=require(data, "share_public_key", str),
            permissions=permissions_from(require(data, "permissions", dict)),
            status=require(data, "status", str),
            uses=require(data, "uses", int),
            last_used=require(data, "last_used", int, optional=True),
            created_at=require(data, "created_at", int),
            revoked_at=require(data, "revoked_at", int, optional=True),
            share_retrieved=require(data, "share_retrieved", bool),
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["permissions"] = self.permissions.to_dict()
        return out


@dataclass(frozen=True)
class Receipt:
    """What the co-signer recorded: the audit sequence number and what the policy counted."""

    audit_seq: int
    uses: int
    period_value: int
    period_count: int

    @classmethod
    def from_dict(cls, data: Any) -> Receipt:
        return cls(
            **{
                k: require(data, k, int)
                for k in ("audit_seq", "uses", "period_value", "period_count")
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CosignAnswer:
    signature: str
    hash: str
    receipt: Receipt
    transaction: dict[str, Any] | None = None  # the miner JSON, for transactions
    headers: dict[str, str] | None = None  # X-App-Client-*, for auth headers

    @classmethod
    def from_dict(cls, data: Any) -> CosignAnswer:
        headers = require(data, "headers", dict, optional=True)
        if headers is not None and not all(isinstance(v, str) for v in headers.values()):
            raise WireError("headers", "must map names to text")
        return cls(
            signature=require(data, "signature", str),
            hash=require(data, "hash", str),
            receipt=Receipt.from_dict(require(data, "receipt", dict)),
            transaction=require(data, "transaction", dict, optional=True),
            headers=headers,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "signature": self.signature,
            "hash": self.hash,
            "receipt": self.receipt.to_dict(),
        }
        if self.transaction is not None:
            out["transaction"] = self.transaction
        if self.headers is not None:
            out["headers"] = self.headers
        return out


@dataclass(frozen=True)
class ApiErrorBody:
    """Every error answer: {"error": {"code", "message", "rule"?, "field"?}}."""

    code: str
    message: str
    rule: str | None = None
    field: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> ApiErrorBody:
        err = require(data, "error", dict)
        return cls(
            code=require(err, "code", str),
            message=require(err, "message", str),
            rule=require(err, "rule", str, optional=True),
            field=require(err, "field", str, optional=True),
        )

    def to_dict(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.rule:
            err["rule"] = self.rule
        if self.field:
            err["field"] = self.field
        return {"error": err}


# -- identity ---------------------------------------------------------------------------------

PROOF_PREFIX = b"splitkey-proof-of-possession:"


def proof_message(issuer: str, split_id: str, challenge: str) -> bytes:
    """What a split key's share signs to prove possession. Domain-separated: it can never be a
    transaction hash or a message a 0Chain service accepts."""
    return PROOF_PREFIX + f"{issuer}:{split_id}:{challenge}".encode()


SETUP_PROOF_PREFIX = b"splitkey-zauth-setup:"


def setup_proof_message(
    issuer: str, client_id: str, public_key: str, peer_public_key: str, challenge: str
) -> bytes:
    """What the WALLET key signs to register its split through 0Chain's /setup: proof that the
    caller holds the whole key, not only its public half. Binds both share keys, so the proof
    cannot be replayed for another split; never 32 bytes, so never a transaction hash."""
    text = f"{issuer}:{client_id}:{public_key.lower()}:{peer_public_key.lower()}:{challenge}"
    return SETUP_PROOF_PREFIX + text.encode()


@dataclass(frozen=True)
class TokenAnswer:
    """A server token, from enrollment, exchange or proof of possession."""

    token: str = field(repr=False)
    expires_in: int
    user_id: str
    role: str

    @classmethod
    def from_dict(cls, data: Any) -> TokenAnswer:
        return cls(
            token=require(data, "token", str),
            expires_in=require(data, "expires_in", int),
            user_id=require(data, "user_id", str),
            role=require(data, "role", str),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ChallengeAnswer:
    challenge: str
    expires_in: int
    message_hex: str  # proof_message(...) in hex: what the share signs

    @classmethod
    def from_dict(cls, data: Any) -> ChallengeAnswer:
        return cls(
            challenge=require(data, "challenge", str),
            expires_in=require(data, "expires_in", int),
            message_hex=require(data, "message_hex", str),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ShareDelivery:
    """A user share as the vault hands it out, once, to its holder."""

    split_id: str
    client_id: str
    wallet_public_key: str
    public_key: str
    private_key: str = field(repr=False)

    @classmethod
    def from_dict(cls, data: Any):
        return cls(**{name: require(data, name, str) for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


# -- requests the client sends ------------------------------------------------------------------


@dataclass(frozen=True)
class SignTransactionRequest:
    split_id: str
    request_id: str  # the client's idempotency key: a replay returns the first answer
    transaction: dict[str, Any]  # miner JSON; "signature" is the user's partial

    @classmethod
    def from_dict(cls, data: Any) -> SignTransactionRequest:
        return cls(
            split_id=require(data, "split_id", str),
            request_id=_request_id(data),
            transaction=require(data, "transaction", dict),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SignMessageRequest:
    """A message (or auth-header string) co-sign: the preimage and the partial over its sha3."""

    split_id: str
    request_id: str
    message: str
    signature: str

    @classmethod
    def from_dict(cls, data: Any) -> SignMessageRequest:
        return cls(
            split_id=require(data, "split_id", str),
            request_id=_request_id(data),
            message=require(data, "message", str),
            signature=require(data, "signature", str),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _request_id(data: Any) -> str:
    value = require(data, "request_id", str)
    if not 8 <= len(value) <= 128 or not value.isascii() or not value.isprintable():
        raise WireError("request_id", "must be 8 to 128 printable ASCII characters")
    return value


# -- keyless custody ----------------------------------------------------------------------------

KEYLESS_PREFIX = b"splitkey-keyless-authority:"
# A keyless share code: the locator the server draws (it finds the envelope), then the key part
# the owner's machine draws (it opens the envelope, and never reaches the server).
SHARE_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed
LOCATOR_CHARS = 10  # 50 bits: guessing one finds only ciphertext, within the code's lifetime
CODE_KEY_CHARS = 20  # 100 bits: the envelope's key


def keyless_message(action: str, *fields: str) -> bytes:
    """What an owner's share signs to authorise a keyless action ("wallet", "delegate",
    "refresh"). Domain-separated: never a transaction hash nor a proof_message."""
    return KEYLESS_PREFIX + ":".join((action, *fields)).encode()


def _fields(cls, data: Any, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        name: require(data, name, str, optional=name in optional)
        for name in cls.__dataclass_fields__
    }


@dataclass(frozen=True)
class KeylessWalletRequest:
    """A wallet split on the owner's machine: the co-signer gets its own share and public keys."""

    client_key: str  # the wallet's public key
    server_share: str = field(repr=False)  # hex: the co-signer's share b
    share_public_key: str  # the owner's share a: its public key
    proof: str  # a's signature of keyless_message("wallet", client_id, share_public_key)

    @classmethod
    def from_dict(cls, data: Any) -> KeylessWalletRequest:
        return cls(**_fields(cls, data))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DelegationRequest:
    """A new split cut from the owner's split without the master key: the owner draws a' and
    sends d = a - a'; the server's new share is b + d. Only the envelope carries a', sealed
    with a key the server never sees."""

    from_split: str
    d: str = field(repr=False)  # hex scalar
    share_public_key: str  # a': its public key
    proof: str  # a's signature of keyless_message("delegate", from_split, share_public_key)
    envelope: str | None = None  # base64: a' encrypted for a share code's holder

    @classmethod
    def from_dict(cls, data: Any) -> DelegationRequest:
        return cls(**_fields(cls, data, optional=("envelope",)))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.envelope is None:
            del out["envelope"]
        return out


@dataclass(frozen=True)
class RefreshRequest:
    """Move a split's pair (a, b) to (a + r, b - r): same wallet key, the old pair useless."""

    r: str = field(repr=False)  # hex scalar
    share_public_key: str  # a + r: its public key
    proof: str  # a's signature of keyless_message("refresh", split_id, share_public_key)

    @classmethod
    def from_dict(cls, data: Any) -> RefreshRequest:
        return cls(**_fields(cls, data))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EnvelopeDelivery:
    """A keyless split's user share as the co-signer hands it out: only its ciphertext."""

    split_id: str
    client_id: str
    wallet_public_key: str
    public_key: str
    envelope: str  # base64

    @classmethod
    def from_dict(cls, data: Any) -> EnvelopeDelivery:
        return cls(**_fields(cls, data))

    def to_dict(self) -> dict[str, str]:
        return asdict(self)
