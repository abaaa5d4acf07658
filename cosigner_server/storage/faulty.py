"""A storage wrapper that fails a share of calls, to prove that failed operations leave nothing
behind.

Failures are injected at two points, never after a commit:
- before the call reaches the inner storage (the database is never touched);
- inside the inner storage's write transaction, just before COMMIT, through its `fault_hook`
  (SQLiteStorage has one): the reads and writes have happened and must all be rolled back.

A failure after a successful commit would be a lie (the caller would see "failed" for something
that happened, and a retry of a non-idempotent method would then misbehave for reasons the
storage cannot help). Real databases do have that window (the connection drops while COMMIT's
answer travels back); callers handle it with idempotency keys, which consume has.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

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
from .base import Storage, StorageUnavailable

T = TypeVar("T")


class InjectedFault(StorageUnavailable):
    """A failure FaultyStorage made up (tests tell it from a real one)."""


class FaultyStorage(Storage):
    def __init__(
        self,
        inner: Storage,
        failure_rate: float,
        seed: int = 0,
        *,
        inside_share: float = 0.5,
    ) -> None:
        """failure_rate: the share of calls that fail; inside_share of those failures happen
        inside the transaction (write methods of an inner storage with a fault_hook), the rest
        before the call."""
        if not 0.0 <= failure_rate < 1.0:
            raise ValueError("failure_rate is in [0, 1)")
        self.inner = inner
        self.failure_rate = failure_rate
        self.inside_share = inside_share if hasattr(inner, "fault_hook") else 0.0
        self.enabled = True
        self.injected_before = 0
        self.injected_inside = 0
        self._rng = random.Random(seed)
        # The hook runs on the storage's own thread: its own generator, under a lock.
        self._hook_rng = random.Random(seed ^ 0x5EED)
        self._hook_lock = threading.Lock()
        if hasattr(inner, "fault_hook"):
            inner.fault_hook = self._inside

    def _inside(self, op: str) -> None:
        if not self.enabled:
            return
        with self._hook_lock:
            fail = self._hook_rng.random() < self.failure_rate * self.inside_share
            if fail:
                self.injected_inside += 1
        if fail:
            raise InjectedFault(f"injected failure inside {op}, before COMMIT")

    async def _call(self, op: str, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        if self.enabled and self._rng.random() < self.failure_rate * (1 - self.inside_share):
            self.injected_before += 1
            raise InjectedFault(f"injected failure before {op}")
        return await fn(*args)

    # -- lifecycle: passed through, so a test can always open, close and check --------------------
    async def open(self) -> None:
        await self.inner.open()

    async def close(self) -> None:
        await self.inner.close()

    async def check(self) -> bool:
        return await self.inner.check()

    async def prune_cosigns(self, now: int, retention: int, limit: int = 500) -> int:
        return await self._call("prune_cosigns", self.inner.prune_cosigns, now, retention, limit)

    async def use_once(self, digest: str, expires_at: int, now: int) -> bool:
        return await self._call("use_once", self.inner.use_once, digest, expires_at, now)

    # -- users -----------------------------------------------------------------------------------
    async def add_user(self, user: User) -> None:
        await self._call("add_user", self.inner.add_user, user)

    async def get_user(self, user_id: str) -> User | None:
        return await self._call("get_user", self.inner.get_user, user_id)

    async def find_user(self, issuer: str, subject: str) -> User | None:
        return await self._call("find_user", self.inner.find_user, issuer, subject)

    async def list_users(self) -> list[User]:
        return await self._call("list_users", self.inner.list_users)

    async def set_user_enabled(self, user_id: str, enabled: bool, now: int) -> bool:
        return await self._call(
            "set_user_enabled", self.inner.set_user_enabled, user_id, enabled, now
        )

    # -- enrollment codes -------------------------------------------------------------------------
    async def add_enrollment_code(self, code: EnrollmentCode) -> None:
        await self._call("add_enrollment_code", self.inner.add_enrollment_code, code)

    async def use_enrollment_code(self, code_digest: str, now: int) -> EnrollmentCode | None:
        return await self._call(
            "use_enrollment_code", self.inner.use_enrollment_code, code_digest, now
        )

    # -- wallets ---------------------------------------------------------------------------------
    async def add_wallet(self, wallet: Wallet) -> None:
        await self._call("add_wallet", self.inner.add_wallet, wallet)

    async def get_wallet(self, client_id: str) -> Wallet | None:
        return await self._call("get_wallet", self.inner.get_wallet, client_id)

    async def list_wallets(self, owner_id: str | None = None) -> list[Wallet]:
        return await self._call("list_wallets", self.inner.list_wallets, owner_id)

    async def last_nonce(self, client_id: str) -> int | None:
        return await self._call("last_nonce", self.inner.last_nonce, client_id)

    async def set_wallet_frozen(self, client_id: str, frozen: bool) -> bool:
        return await self._call(
            "set_wallet_frozen", self.inner.set_wallet_frozen, client_id, frozen
        )

    async def schedule_wallet_deletion(self, client_id: str, delete_after: int | None) -> bool:
        return await self._call(
            "schedule_wallet_deletion", self.inner.schedule_wallet_deletion, client_id, delete_after
        )

    async def delete_wallet(self, client_id: str) -> bool:
        return await self._call("delete_wallet", self.inner.delete_wallet, client_id)

    # -- splits ----------------------------------------------------------------------------------
    async def add_split(self, split: Split) -> None:
        await self._call("add_split", self.inner.add_split, split)

    async def get_split(self, split_id: str) -> Split | None:
        return await self._call("get_split", self.inner.get_split, split_id)

    async def find_split(self, client_id: str, share_public_key: str) -> Split | None:
        return await self._call("find_split", self.inner.find_split, client_id, share_public_key)

    async def list_splits(
        self, client_id: str | None = None, holder_id: str | None = None
    ) -> list[Split]:
        return await self._call("list_splits", self.inner.list_splits, client_id, holder_id)

    async def set_permissions(self, split_id: str, permissions: Permissions) -> bool:
        return await self._call(
            "set_permissions", self.inner.set_permissions, split_id, permissions
        )

    async def revoke_split(self, split_id: str, now: int) -> bool:
        return await self._call("revoke_split", self.inner.revoke_split, split_id, now)

    async def take_user_share(self, split_id: str, holder_id: str) -> bytes | None:
        return await self._call("take_user_share", self.inner.take_user_share, split_id, holder_id)

    async def replace_split_share(
        self, split_id: str, old_public_key: str, new_public_key: str, sealed_server_share: bytes
    ) -> bool:
        return await self._call(
            "replace_split_share",
            self.inner.replace_split_share,
            split_id,
            old_public_key,
            new_public_key,
            sealed_server_share,
        )

    # -- share codes -----------------------------------------------------------------------------
    async def add_share_code(self, code: ShareCode) -> None:
        await self._call("add_share_code", self.inner.add_share_code, code)

    async def redeem_share_code(self, code_digest: str, user_id: str, now: int) -> str | None:
        return await self._call(
            "redeem_share_code", self.inner.redeem_share_code, code_digest, user_id, now
        )

    # -- co-signing accounting ------------------------------------------------------------------
    async def consume(
        self,
        split_id: str,
        request_key: str,
        nonce_key: str | None,
        value: int,
        now: int | None,
        decide: Callable[[ConsumeSnapshot], Refusal | None],
    ) -> ConsumeResult:
        return await self._call(
            "consume", self.inner.consume, split_id, request_key, nonce_key, value, now, decide
        )

    async def complete(self, request_key: str, answer: str) -> None:
        await self._call("complete", self.inner.complete, request_key, answer)

    async def release(self, request_key: str) -> None:
        await self._call("release", self.inner.release, request_key)
