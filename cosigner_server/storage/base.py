"""The storage interface every implementation offers, and that the conformance suite
(tests/cosigner_server/storage_conformance.py) checks unchanged against each of them.

Every method is atomic: it either happens completely or not at all (a failure raises and leaves
no partial state). Methods that must be exact under concurrency (consume, revoke_split,
take_user_share, redeem_share_code, use_enrollment_code) do their check and their write in one
transaction.
"""

from __future__ import annotations

import abc
from collections.abc import Callable

from app.permissions import Permissions

from ..model import (
    ConsumeResult,
    ConsumeSnapshot,
    EnrollmentCode,
    Refusal,
    ShareCode,
    Split,
    User,
    Wallet,
)


class StorageError(Exception):
    """A storage operation failed for a reason that is not the caller's input."""


class StorageUnavailable(StorageError):
    """The database cannot be written or read now (disk full, I/O error, locked): answer 503."""


class Conflict(StorageError):
    """The record already exists (a unique key is taken)."""


class LastAdministrator(Conflict):
    """Disabling this user would leave no enabled administrator."""


class Storage(abc.ABC):
    # -- lifecycle -----------------------------------------------------------------------------
    @abc.abstractmethod
    async def open(self) -> None:
        """Connect, apply pending migrations."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def check(self) -> bool:
        """Reachable and consistent (integrity check): for /ready and after a crash."""

    # -- users -----------------------------------------------------------------------------------
    @abc.abstractmethod
    async def add_user(self, user: User) -> None:
        """Raise Conflict when id or (issuer, subject) is taken."""

    @abc.abstractmethod
    async def get_user(self, user_id: str) -> User | None: ...

    @abc.abstractmethod
    async def find_user(self, issuer: str, subject: str) -> User | None: ...

    @abc.abstractmethod
    async def list_users(self) -> list[User]: ...

    @abc.abstractmethod
    async def set_user_enabled(self, user_id: str, enabled: bool, now: int) -> bool:
        """Disabling also sets tokens_valid_after = now. False when no such user. Raise
        LastAdministrator, changing nothing, when disabling would leave no enabled administrator:
        checked in the same transaction as the change, so two administrators disabling each
        other at once cannot both succeed."""

    # -- enrollment codes -------------------------------------------------------------------------
    @abc.abstractmethod
    async def add_enrollment_code(self, code: EnrollmentCode) -> None: ...

    @abc.abstractmethod
    async def use_enrollment_code(self, code_digest: str, now: int) -> EnrollmentCode | None:
        """Mark used and return it, if it exists, is unused and unexpired; else None. Once."""

    # -- wallets ---------------------------------------------------------------------------------
    @abc.abstractmethod
    async def add_wallet(self, wallet: Wallet) -> None:
        """Raise Conflict when the client_id exists."""

    @abc.abstractmethod
    async def get_wallet(self, client_id: str) -> Wallet | None: ...

    @abc.abstractmethod
    async def list_wallets(self, owner_id: str | None = None) -> list[Wallet]:
        """All wallets (owner_id None) or one owner's, by creation time."""

    @abc.abstractmethod
    async def last_nonce(self, client_id: str) -> int | None:
        """The highest transaction nonce this server co-signed (or holds reserved) for the
        wallet, None when none: what a client needs to propose the next one."""

    @abc.abstractmethod
    async def set_wallet_frozen(self, client_id: str, frozen: bool) -> bool: ...

    @abc.abstractmethod
    async def schedule_wallet_deletion(self, client_id: str, delete_after: int | None) -> bool:
        """Set or (None) cancel a pending deletion."""

    @abc.abstractmethod
    async def delete_wallet(self, client_id: str) -> bool:
        """Remove the wallet, its sealed secret and all its splits (their shares with them)."""

    # -- splits ----------------------------------------------------------------------------------
    @abc.abstractmethod
    async def add_split(self, split: Split) -> None: ...

    @abc.abstractmethod
    async def get_split(self, split_id: str) -> Split | None: ...

    @abc.abstractmethod
    async def find_split(self, client_id: str, share_public_key: str) -> Split | None:
        """The split of a wallet whose user share has this public key (0Chain's peer key)."""

    @abc.abstractmethod
    async def list_splits(
        self, client_id: str | None = None, holder_id: str | None = None
    ) -> list[Split]: ...

    @abc.abstractmethod
    async def set_permissions(self, split_id: str, permissions: Permissions) -> bool: ...

    @abc.abstractmethod
    async def revoke_split(self, split_id: str, now: int) -> bool:
        """Status revoked, server share destroyed (and an unretrieved user share). Idempotent:
        True if the split exists (revoked now or before), False if it does not. Also appended to
        the revocation journal so that a restored older backup cannot bring it back."""

    @abc.abstractmethod
    async def take_user_share(self, split_id: str, holder_id: str) -> bytes | None:
        """Return the sealed user share and erase it, only for its holder, only once."""

    async def replace_split_share(
        self, split_id: str, old_public_key: str, new_public_key: str, sealed_server_share: bytes
    ) -> bool:
        """A refresh: if the split is active and its share key is still old_public_key, set the
        share key and the sealed server share together (the old server share destroyed); else
        change nothing and return False. Not abstract so that a storage written before keyless
        custody still loads; each storage must implement it for refresh to work."""
        raise NotImplementedError(f"{type(self).__name__} cannot refresh shares")

    # -- share codes -----------------------------------------------------------------------------
    @abc.abstractmethod
    async def add_share_code(self, code: ShareCode) -> None: ...

    @abc.abstractmethod
    async def redeem_share_code(self, code_digest: str, user_id: str, now: int) -> str | None:
        """If unexpired and unredeemed: mark redeemed, make user_id the split's holder, return
        the split id. Else None. Exactly once under concurrency."""

    # -- co-signing accounting ------------------------------------------------------------------
    @abc.abstractmethod
    async def consume(
        self,
        split_id: str,
        request_key: str,
        nonce_key: str | None,
        value: int,
        now: int | None,
        decide: Callable[[ConsumeSnapshot], Refusal | None],
    ) -> ConsumeResult:
        """One atomic step of a co-sign. Storage stores, the policy decides: storage reads the
        facts, `decide` (cosigner_server.policy.check_consume on the server) says yes or no, and
        storage writes what was decided, all in one transaction. In this order:
        1. request_key already answered -> ConsumeResult(replay=stored answer); consumed but not
           yet answered -> refusal "request_in_progress" (409), unless it was consumed more
           than consume_steps.STALE_PENDING_SECONDS before `now` (its server died): then that
           use is released and this request goes on as a new one; consumed for another split
           -> refusal "request_key_reused" (409). (Idempotency is the storage's own contract.)
        2. read a ConsumeSnapshot: the split's stored status, permissions, whether its server
           share exists, its wallet's frozen flag, how often nonce_key was co-signed before (by
           any split), and the usage over permissions.period_seconds ending at `now` (uses at
           times t with now - period < t count). now=None: the storage's own clock (for a
           shared database, the database's, so replicas agree on the window).
        3. decide(snapshot) -> refusal, returned as is (nothing recorded).
        4. else record the use (value, count, nonce, request_key pending), bump uses/last_used,
           return the sealed server share read in this same transaction and the usage after.
           A nonce may be recorded more than once (a refused transaction leaves it unused on
           chain); each record counts. If decide accepts a split without a server share,
           storage fails closed (StorageError): it has nothing to sign with.
        """

    @abc.abstractmethod
    async def complete(self, request_key: str, answer: str) -> None:
        """Store the answer of a consumed request, for idempotent replays (the first stands)."""

    @abc.abstractmethod
    async def release(self, request_key: str) -> None:
        """Undo a consumed request that produced no answer (crypto failed, audit unwritable):
        its use, nonce and request_key are free again. No-op once answered or unknown."""

    # -- retention: optional (the sweeper skips a storage without it) -------------------------
    async def prune_cosigns(self, now: int, retention: int, limit: int = 500) -> int:
        """Delete up to `limit` co-sign records (oldest first) older than BOTH `retention`
        seconds and their split's rolling period, so no cap ever misses a co-sign inside its
        period. The highest pruned nonce of each wallet is kept, so last_nonce never goes
        back. Returns how many went (fewer than
        `limit`: nothing older is left). Splits' `uses` and the audit log are not touched."""
        raise NotImplementedError("this storage does not prune co-sign records")

    async def use_once(self, digest: str, expires_at: int, now: int) -> bool:
        """Record that the single-use token with this digest (a redeemed proof challenge) is
        used: True the first time, False ever after until it expires (then it is forgotten; its
        own expiry refuses it). In the database, so every replica of one database agrees. Not
        abstract: a storage without it makes the caller keep the record in its own memory."""
        raise NotImplementedError(f"{type(self).__name__} keeps no single-use records")

    # -- key rotation: optional (SQLiteStorage has them; kek_rotation.py refuses without) ------
    async def sealed_blobs(self) -> list[tuple[str, str, bytes]]:
        """(column, row key, blob) of every non-empty sealed value."""
        raise NotImplementedError("this storage cannot list its sealed values")

    async def replace_sealed(self, column: str, row_key: str, old: bytes, new: bytes) -> bool:
        """Replace one sealed value by its re-sealed form if it is still `old`."""
        raise NotImplementedError("this storage cannot re-seal values")
