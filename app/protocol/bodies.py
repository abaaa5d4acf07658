"""Every body the co-signer's API carries, written once for both sides: the server
(cosigner_server/) builds its answers with these classes and parses requests with them; the
client (app/client.py) and the desktop parse answers back with them; cosigner_server/openapi.py
generates the API's schemas from their fields.

Every `from_dict` checks types and names the offending field in a WireError, so a malformed
request gets a 400 that says what is wrong, and a malformed answer never reaches a user as data.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from app.permissions import Permissions, PermissionsError

from .enums import Custody, Role, SplitStatus


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


def schema(extra: dict[str, Any], **more: Any) -> dict[str, Any]:
    """Field metadata: a JSON schema the field's values meet beyond their type (OpenAPI)."""
    return {"schema": extra, **more}


def one_of(names: type[StrEnum]) -> dict[str, Any]:
    """Field metadata: the field holds a member of `names` (OpenAPI: an enum)."""
    return schema({"enum": [m.value for m in names]})


def permissions_from(data: Any, name: str = "permissions") -> Permissions:
    try:
        return Permissions.from_dict(data)
    except PermissionsError as exc:
        raise WireError(name, str(exc)) from None


# -- views the server returns -----------------------------------------------------------------


@dataclass(frozen=True)
class UserView:
    id: str
    subject: str
    issuer: str
    role: str = field(metadata=one_of(Role))
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
    custody: str = field(default=Custody.CUSTODIAL, metadata=one_of(Custody))

    @classmethod
    def from_dict(cls, data: Any) -> WalletView:
        custody = require(data, "custody", str, optional=True) or Custody.CUSTODIAL
        if custody not in set(Custody):
            raise WireError("custody", f"must be {Custody.CUSTODIAL} or {Custody.KEYLESS}")
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
    status: str = field(metadata=one_of(SplitStatus))
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


@dataclass(frozen=True)
class TokenAnswer:
    """A server token, from enrollment, exchange or proof of possession."""

    token: str = field(repr=False)
    expires_in: int
    user_id: str
    role: str = field(metadata=one_of(Role))

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


# What JSON schema can say of the fields below (the rest is checked in code, with a 400 that
# names the field): cosigner_server/openapi.py reads it from the fields' metadata.
REQUEST_ID_SCHEMA = {"pattern": "^[ -~]{8,128}$"}  # printable ASCII, as _request_id checks it
_HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_INT = {"type": "integer"}
_STR = {"type": "string"}
# A 0Chain transaction as the miners take it (app/transaction.py reads it).
TRANSACTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["chain_id", "client_id", "creation_date", "signature"],
    "properties": {
        "client_id": _HEX64,
        "chain_id": _HEX64,
        "creation_date": _INT,
        "signature": _STR,
        "to_client_id": _STR,
        "transaction_data": _STR,
        "transaction_value": _INT,
        "transaction_fee": _INT,
        "transaction_nonce": _INT,
        "transaction_type": _INT,
        "public_key": _STR,
        "version": _STR,
        "hash": _STR,
    },
}


@dataclass(frozen=True)
class SignTransactionRequest:
    split_id: str
    # the client's idempotency key: a replay returns the first answer
    request_id: str = field(metadata=schema(REQUEST_ID_SCHEMA))
    # miner JSON; "signature" is the user's partial
    transaction: dict[str, Any] = field(metadata=schema(TRANSACTION_SCHEMA))

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
    request_id: str = field(metadata=schema(REQUEST_ID_SCHEMA))
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


# -- bodies parsed from their field types ------------------------------------------------------
# The classes below declare their fields and nothing else: `Body` reads and writes them from the
# type hints (str, int, bool, dict, list[...], X | None, Permissions, another body), and
# cosigner_server/openapi.py turns the same hints into the API's schemas. A field with a default
# may be missing; an optional field that is None is left out of the JSON unless marked KEEP_NULL.

KEEP_NULL = {"keep_null": True}
MAX_LABEL = 100  # characters of a split's label the co-signer keeps


@functools.cache
def hints(cls: type) -> dict[str, Any]:
    """A body class's fields and their types, resolved."""
    return typing.get_type_hints(cls)


def unoptional(hint: Any) -> tuple[Any, bool]:
    """(the type, whether None is allowed) of a hint like `X | None`."""
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return hint, False


def _wire_kind(hint: Any) -> type:
    origin = typing.get_origin(hint) or hint
    if origin in (list, dict, str, int, bool):
        return origin
    return dict  # a body or Permissions: a JSON object


def _read(hint: Any, value: Any, name: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        kind = _wire_kind(item)
        out = []
        for v in value:
            if not isinstance(v, kind) or (isinstance(v, bool) and kind is not bool):
                raise WireError(name, "has an item of the wrong type")
            out.append(_read(item, v, name))
        return out
    if hint is Permissions:
        return permissions_from(value, name)
    if isinstance(hint, type) and hasattr(hint, "from_dict"):
        return hint.from_dict(value)
    return value


def _write(value: Any) -> Any:
    if isinstance(value, list):
        return [_write(v) for v in value]
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


class Body:
    """from_dict / to_dict from the dataclass's fields (see above)."""

    @classmethod
    def from_dict(cls, data: Any):
        values = {}
        for f in fields(cls):  # type: ignore[arg-type]
            hint, _nullable = unoptional(hints(cls)[f.name])
            has_default = f.default is not MISSING or f.default_factory is not MISSING
            raw = require(data, f.name, _wire_kind(hint), optional=has_default)
            if raw is not None:
                values[f.name] = _read(hint, raw, f.name)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None and not f.metadata.get("keep_null"):
                continue
            out[f.name] = _write(value)
        return out


# -- request bodies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeRequest(Body):
    """POST /v1/auth/enroll (an enrollment code) and /v1/share-codes/redeem (a share code)."""

    code: str = field(repr=False)


@dataclass(frozen=True)
class ApprovalRequest(Body):
    ref: str  # the approval reference of a two-person enrollment code


@dataclass(frozen=True)
class ChallengeRequest(Body):
    split_id: str


@dataclass(frozen=True)
class ProofRequest(Body):
    split_id: str
    challenge: str
    signature: str  # the share's signature of the challenge's proof_message


@dataclass(frozen=True)
class CreateWalletRequest(Body):
    """Nothing: the vault draws a wallet; mnemonic or private_key: import one; keyless: a
    wallet split on the owner's machine (then the other two are not read)."""

    mnemonic: str | None = field(default=None, repr=False)
    private_key: str | None = field(
        default=None,
        repr=False,
        # 32 bytes in hex; "0x" and surrounding spaces are accepted; "" means "not given".
        metadata=schema({"pattern": "^(\\s*(0[xX])?[0-9a-fA-F]{64}\\s*)?$"}),
    )
    keyless: KeylessWalletRequest | None = None

    @classmethod
    def from_dict(cls, data: Any) -> CreateWalletRequest:
        split_locally = require(data, "keyless", dict, optional=True)
        if split_locally is not None:
            return cls(keyless=KeylessWalletRequest.from_dict(split_locally))
        return super().from_dict(data)


@dataclass(frozen=True)
class FreezeRequest(Body):
    frozen: bool


@dataclass(frozen=True)
class EnabledRequest(Body):
    enabled: bool


@dataclass(frozen=True)
class CreateSplitRequest(Body):
    """holder: "me", "code" (a one-time share code for a delegate) or a user id; permissions
    absent: the co-signer's defaults; delegation: a keyless wallet's split, cut by the owner."""

    label: str = ""
    holder: str = "me"
    permissions: Permissions | None = None
    delegation: DelegationRequest | None = None


@dataclass(frozen=True)
class PermissionsRequest(Body):
    permissions: Permissions


@dataclass(frozen=True)
class CreateUserRequest(Body):
    subject: str = field(metadata=schema({"minLength": 1, "maxLength": 200}))
    role: str = field(default=Role.USER, metadata=one_of(Role))


@dataclass(frozen=True)
class RemoveRecordRequest(Body):
    reason: str = field(metadata=schema({"minLength": 1}))


# -- answers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhoAmI(Body):
    user: UserView
    split: str | None = field(default=None, metadata=KEEP_NULL)  # a token scoped to this split


@dataclass(frozen=True)
class UserAnswer(Body):
    user: UserView


@dataclass(frozen=True)
class UserList(Body):
    users: list[UserView]


@dataclass(frozen=True)
class NewUser(Body):
    user: UserView
    enrollment_code: str = field(repr=False)  # shown once


@dataclass(frozen=True)
class EnrollmentCodeAnswer(Body):
    enrollment_code: str = field(repr=False)


@dataclass(frozen=True)
class EnrollmentHalf(Body):
    """202 to a new enrollment code for a wallet owner: half of the code now, the other half
    once the owner or another administrator approves `approval_ref`."""

    enrollment_code_half: str = field(repr=False)
    approval_ref: str
    expires_at: int
    message: str


@dataclass(frozen=True)
class ApprovedHalf(Body):
    enrollment_code_half: str = field(repr=False)


@dataclass(frozen=True)
class WalletAnswer(Body):
    wallet: WalletView


@dataclass(frozen=True)
class WalletList(Body):
    owned: list[WalletView]
    shared: list[WalletView]  # wallets the caller holds an active split of


@dataclass(frozen=True)
class AllWallets(Body):
    wallets: list[WalletView]


@dataclass(frozen=True)
class CreatedWalletAnswer(Body):
    wallet: WalletView
    mnemonic: str | None = field(default=None, repr=False)  # drawn by the vault: shown once
    split: SplitView | None = None  # keyless: the owner's split, made with the wallet


@dataclass(frozen=True)
class RemovedRecord(Body):
    removed: str  # the wallet's client id


@dataclass(frozen=True)
class SplitAnswer(Body):
    split: SplitView


@dataclass(frozen=True)
class SplitList(Body):
    splits: list[SplitView]


@dataclass(frozen=True)
class NewSplitAnswer(Body):
    split: SplitView
    share_code: str | None = field(default=None, repr=False)  # holder "code": for a delegate
    share_code_expires_in: int | None = None


@dataclass(frozen=True)
class AuditRecords(Body):
    """An audit trail: records {seq, at, event, actor, wallet, split, outcome, details}."""

    records: list[dict]


@dataclass(frozen=True)
class Stats(Body):
    users: int
    wallets: int
    splits: dict  # SplitStatus -> how many
    cosigns: int
    crypto_queue: int


@dataclass(frozen=True)
class AuditVerifyReport(Body):
    ok: bool
    records: int  # records that verified, in order, before the first problem
    first_bad_seq: int | None = field(default=None, metadata=KEEP_NULL)
    problem: str | None = field(default=None, metadata=KEEP_NULL)
    head: list | None = field(default=None, metadata=KEEP_NULL)  # [seq, mac] of the last good one


@dataclass(frozen=True)
class KekStatus(Body):
    """Key-encryption keys: the current key id, every key id of the ring, sealed values per key
    id, the background rewrap's progress and, with replicas, who still lacks the current key."""

    current: str
    keys: list[str]
    sealed: dict
    rewrap: dict
    loaded: str
    waiting_for: list[str]
    replicas: list[dict]


# -- operations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health(Body):
    status: str  # "ok": the process answers
    sealed: bool  # no key-encryption key loaded yet


@dataclass(frozen=True)
class Readiness(Body):
    ready: bool  # every check passed (else the answer is a 503 with this same body)
    checks: dict  # check name -> passed
