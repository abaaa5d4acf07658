"""The records the co-signer keeps. Secrets appear here only sealed (envelope-encrypted bytes,
see envelope.py); identifiers of secrets (enrollment and share codes) only as HMAC digests."""

from __future__ import annotations

from dataclasses import dataclass

from app.permissions import Permissions
from app.protocol.enums import SplitStatus


@dataclass(frozen=True)
class User:
    id: str  # server-made, stable
    issuer: str  # "local" for users made by the server itself, else the enterprise issuer
    subject: str  # JWT `sub` at that issuer
    role: str  # a Role (app/protocol/enums.py)
    enabled: bool
    created_at: int
    tokens_valid_after: int = 0  # tokens issued (iat) before this are refused


@dataclass(frozen=True)
class EnrollmentCode:
    code_digest: str  # HMAC of the code; the code itself is shown once and never stored
    user_id: str  # the user it signs in
    expires_at: int
    used_at: int | None = None


@dataclass(frozen=True)
class Wallet:
    client_id: str
    public_key: str  # hex, herumi serialization
    owner_id: str
    created_at: int
    sealed_secret: bytes  # master key (+ mnemonic) as JSON, sealed with record id client_id
    custody: str = "vault"
    frozen: bool = False
    delete_after: int | None = None  # deletion scheduled; cancellable until then


# The stored and computed statuses, as plain strings (what storage writes and compares).
SPLIT_ACTIVE = SplitStatus.ACTIVE.value
SPLIT_REVOKED = SplitStatus.REVOKED.value
SPLIT_EXPIRED = SplitStatus.EXPIRED.value  # computed from permissions.expires_at, never stored


@dataclass(frozen=True)
class Split:
    id: str
    client_id: str
    holder_id: str | None  # None while a share code waits to be redeemed
    label: str
    share_public_key: str  # the USER share's public key (hex): partials verify under this
    permissions: Permissions
    created_at: int
    sealed_server_share: bytes | None  # None once revoked (destroyed)
    sealed_user_share: bytes | None  # None once retrieved (delivered exactly once)
    status: str = SPLIT_ACTIVE
    uses: int = 0
    last_used: int | None = None
    revoked_at: int | None = None

    def status_at(self, now: int) -> str:
        if self.status != SPLIT_ACTIVE:
            return self.status
        expires = self.permissions.expires_at
        return SPLIT_EXPIRED if expires is not None and now >= expires else SPLIT_ACTIVE


@dataclass(frozen=True)
class ShareCode:
    code_digest: str
    split_id: str
    expires_at: int
    redeemed_by: str | None = None


@dataclass(frozen=True)
class UsageSummary:
    """What a split has used, as the policy engine needs it, read inside the consuming
    transaction so concurrent requests cannot both take the last unit."""

    period_value: int  # SAS signed within the rolling period ending now
    period_count: int  # co-signs within that period
    total_uses: int  # co-signs ever


@dataclass(frozen=True)
class ConsumeSnapshot:
    """What storage knows about a split at the moment of a co-sign, read inside the consuming
    transaction and handed to the policy's `decide`: storage stores, the policy decides."""

    now: int  # the clock the window was taken at (the database's, for a shared database)
    exists: bool  # False: no such split (deleted, or never made)
    status: str  # the stored status (SPLIT_ACTIVE / SPLIT_REVOKED); "" when it does not exist
    permissions: Permissions | None  # as stored now (a change made a moment ago counts)
    has_server_share: bool  # False once revoked (the share is destroyed)
    frozen: bool  # the wallet is frozen
    nonce_signed_before: int  # co-signatures of this nonce already recorded (any split)
    usage: UsageSummary


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused: `rule` is a stable machine name, `message` says it in words
    with the numbers ("over the 24 h cap: 3.2 of 5 ZCN used")."""

    rule: str
    message: str
    status: int = 403


@dataclass(frozen=True)
class ConsumeResult:
    """Outcome of Storage.consume: exactly one of replay / refusal / accepted (sealed share)."""

    replay: str | None = None  # the stored answer of an earlier identical request
    refusal: Refusal | None = None
    sealed_server_share: bytes | None = None
    usage_after: UsageSummary | None = None
    nonce_signed_before: int = 0  # accepted: how often this nonce was co-signed before
