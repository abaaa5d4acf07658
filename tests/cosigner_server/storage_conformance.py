"""The storage conformance suite: what every Storage implementation must do, written only against
cosigner_server/storage/base.py so it runs unchanged on SQLite, PostgreSQL or anything else.

Use it by subclassing StorageConformance in a test module and providing two fixtures:

    open_storage  -> an async callable; each call returns a newly opened Storage on the SAME
                     database (first call: an empty one). Tests call it again to "restart".
    backups       -> (optional) an object with `async backup(storage) -> token` taken while the
                     storage runs, and `async restore(token)` called while it is closed, putting
                     the backup in place of the database. Without it those tests skip.

Every storage the suite opens is closed by the fixture or the test itself.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable

import pytest
import pytest_asyncio

from app.permissions import ZCN, Permissions
from cosigner_server.model import (
    SPLIT_ACTIVE,
    SPLIT_EXPIRED,
    SPLIT_REVOKED,
    ConsumeSnapshot,
    EnrollmentCode,
    Refusal,
    ShareCode,
    Split,
    UsageSummary,
    User,
    Wallet,
)
from cosigner_server.policy import check_stored_state
from cosigner_server.storage.base import (
    Conflict,
    LastAdministrator,
    Storage,
    StorageError,
    StorageUnavailable,
)
from cosigner_server.storage.consume_steps import STALE_PENDING_SECONDS

T0 = 1_750_000_000
_ids = itertools.count(1)


def user(n: int | str, *, role: str = "user", issuer: str = "local", created_at: int = T0) -> User:
    return User(id=f"u{n}", issuer=issuer, subject=f"sub-{n}", role=role, enabled=True,
                created_at=created_at)  # fmt: skip


def wallet(n: int | str, owner: str = "u1", *, created_at: int = T0) -> Wallet:
    return Wallet(
        client_id=f"w{n}",
        public_key=f"pk-w{n}",
        owner_id=owner,
        created_at=created_at,
        sealed_secret=b"\x00sealed-master\xff" + str(n).encode(),
    )


LIMITED = Permissions(
    groups=frozenset({"token_transfers", "storage_rewards"}),
    sign_messages=True,
    max_per_transaction=ZCN,
    period_seconds=3600,
    max_value_per_period=2 * ZCN,
    max_count_per_period=10,
    recipients=frozenset({"a" * 64, "b" * 64}),
    not_before=T0 - 10,
    expires_at=T0 + 86_400,
    max_uses=100,
    chain_id="0afc093ffb509f059c55478bc1a60351cef7b4e9c008a53a6cc8241ca8617dfe",
)


def split(
    n: int | str,
    client_id: str = "w1",
    holder: str | None = "u1",
    *,
    permissions: Permissions | None = None,
    created_at: int = T0,
    user_share: bytes | None = b"sealed-user-share",
) -> Split:
    return Split(
        id=f"s{n}",
        client_id=client_id,
        holder_id=holder,
        label=f"device {n}",
        share_public_key=f"spk-{n}",
        permissions=permissions or Permissions.unlimited(),
        created_at=created_at,
        sealed_server_share=b"sealed-server-share-" + str(n).encode(),
        sealed_user_share=user_share,
    )


Decide = Callable[[ConsumeSnapshot], Refusal | None]


def decided(usage_rule: Callable[[UsageSummary], Refusal | None]) -> Decide:
    """A consume decision as the server makes it: the policy's stored-state rules (revoked,
    expired, frozen), then the test's own rule over the usage. Storage only supplies facts."""

    def decide(snapshot: ConsumeSnapshot) -> Refusal | None:
        return check_stored_state(snapshot) or usage_rule(snapshot.usage)

    return decide


allow = decided(lambda _usage: None)


def max_uses(n: int) -> Decide:
    def rule(usage: UsageSummary) -> Refusal | None:
        if usage.total_uses >= n:
            return Refusal("max_uses", f"all {n} uses are spent")
        return None

    return decided(rule)


def fresh(prefix: str = "r") -> str:
    return f"{prefix}{next(_ids)}"


OpenStorage = Callable[[], Awaitable[Storage]]


@pytest.mark.asyncio
class StorageConformance:
    """The contract of cosigner_server.storage.base.Storage. Subclass it; see the module doc."""

    @pytest.fixture
    def open_storage(self) -> OpenStorage:
        raise NotImplementedError("a conformance test module provides open_storage")

    @pytest.fixture
    def backups(self):
        pytest.skip("this storage offers no backup/restore hook")

    @pytest_asyncio.fixture
    async def storage(self, open_storage: OpenStorage):
        storage = await open_storage()
        try:
            yield storage
        finally:
            await storage.close()

    @pytest_asyncio.fixture
    async def base(self, storage: Storage) -> Storage:
        """Owner u1, delegate u2, admin u3; wallet w1 of u1 with split s1 held by u1."""
        await storage.add_user(user(1))
        await storage.add_user(user(2))
        await storage.add_user(user(3, role="admin"))
        await storage.add_wallet(wallet(1))
        await storage.add_split(split(1))
        return storage

    # -- lifecycle ---------------------------------------------------------------------------------
    async def test_check_and_reopen_keeps_everything(
        self, storage: Storage, open_storage: OpenStorage
    ) -> None:
        assert await storage.check() is True
        await storage.add_user(user(1))
        await storage.add_wallet(wallet(1))
        await storage.add_split(split(1, permissions=LIMITED))
        await storage.close()
        await storage.close()  # closing twice is harmless
        with pytest.raises(StorageUnavailable):
            await storage.get_user("u1")
        again = await open_storage()
        try:
            assert await again.check() is True
            assert await again.get_user("u1") == user(1)
            assert await again.get_wallet("w1") == wallet(1)
            assert await again.get_split("s1") == split(1, permissions=LIMITED)
        finally:
            await again.close()

    # -- users -------------------------------------------------------------------------------------
    async def test_users(self, storage: Storage) -> None:
        assert await storage.get_user("u1") is None
        assert await storage.list_users() == []
        await storage.add_user(user(2, created_at=T0 + 5))
        await storage.add_user(user(1, role="admin"))
        enterprise = User("u9", "https://idp.example", "alice", "user", True, T0 + 9, 77)
        await storage.add_user(enterprise)
        assert await storage.get_user("u1") == user(1, role="admin")
        assert await storage.find_user("https://idp.example", "alice") == enterprise
        assert await storage.find_user("local", "alice") is None
        assert [u.id for u in await storage.list_users()] == ["u1", "u2", "u9"]

    async def test_user_conflicts(self, storage: Storage) -> None:
        await storage.add_user(user(1))
        with pytest.raises(Conflict):
            await storage.add_user(user(1))  # same id
        with pytest.raises(Conflict):
            await storage.add_user(User("other", "local", "sub-1", "user", True, T0))
        # the same subject at another issuer is another person
        await storage.add_user(User("other", "https://idp.example", "sub-1", "user", True, T0))
        assert len(await storage.list_users()) == 2

    async def test_disable_and_enable(self, storage: Storage) -> None:
        await storage.add_user(user(1))
        assert await storage.set_user_enabled("u1", False, T0 + 100) is True
        got = await storage.get_user("u1")
        assert got.enabled is False and got.tokens_valid_after == T0 + 100
        assert await storage.set_user_enabled("u1", True, T0 + 200) is True
        got = await storage.get_user("u1")
        assert got.enabled is True and got.tokens_valid_after == T0 + 100
        assert await storage.set_user_enabled("nobody", False, T0) is False

    async def test_the_last_enabled_administrator_stays(self, storage: Storage) -> None:
        for n in range(6):
            await storage.add_user(user(f"a{n}", role="admin"))
        await storage.add_user(user("plain"))

        async def disable_all_others(me: str) -> None:
            for n in range(6):
                if f"ua{n}" != me:
                    try:
                        await storage.set_user_enabled(f"ua{n}", False, T0 + 1)
                    except LastAdministrator:
                        pass

        # six administrators disabling each other at the same moment (issue 16, F5)
        await asyncio.gather(*(disable_all_others(f"ua{n}") for n in range(6)))
        left = [u.id for u in await storage.list_users() if u.role == "admin" and u.enabled]
        assert len(left) == 1
        with pytest.raises(LastAdministrator):
            await storage.set_user_enabled(left[0], False, T0 + 2)
        assert (await storage.get_user(left[0])).enabled  # nothing changed
        assert await storage.set_user_enabled("uplain", False, T0 + 2) is True  # users: as ever

    # -- enrollment codes --------------------------------------------------------------------------
    async def test_enrollment_code_once(self, storage: Storage) -> None:
        await storage.add_user(user(1))
        await storage.add_enrollment_code(EnrollmentCode("d1", "u1", T0 + 600))
        used = await storage.use_enrollment_code("d1", T0)
        assert used == EnrollmentCode("d1", "u1", T0 + 600, used_at=T0)
        assert await storage.use_enrollment_code("d1", T0 + 1) is None
        assert await storage.use_enrollment_code("unknown", T0) is None
        with pytest.raises(Conflict):
            await storage.add_enrollment_code(EnrollmentCode("d1", "u1", T0 + 600))

    async def test_enrollment_code_expiry(self, storage: Storage) -> None:
        await storage.add_user(user(1))
        await storage.add_enrollment_code(EnrollmentCode("d1", "u1", T0 + 600))
        assert await storage.use_enrollment_code("d1", T0 + 600) is None  # at expiry: expired
        await storage.add_enrollment_code(EnrollmentCode("d2", "u1", T0 + 600))
        assert await storage.use_enrollment_code("d2", T0 + 599) is not None

    async def test_enrollment_code_once_under_concurrency(self, storage: Storage) -> None:
        await storage.add_user(user(1))
        await storage.add_enrollment_code(EnrollmentCode("d1", "u1", T0 + 600))
        results = await asyncio.gather(*(storage.use_enrollment_code("d1", T0) for _ in range(30)))
        assert sum(r is not None for r in results) == 1

    async def test_references_must_exist(self, storage: Storage) -> None:
        # Not a Conflict and not "unavailable": the caller referred to nothing.
        await storage.add_user(user(1))
        with pytest.raises(StorageError) as info:
            await storage.add_enrollment_code(EnrollmentCode("d1", "ghost", T0 + 600))
        assert not isinstance(info.value, Conflict | StorageUnavailable)
        with pytest.raises(StorageError) as info:
            await storage.add_wallet(wallet(1, owner="ghost"))
        assert not isinstance(info.value, Conflict | StorageUnavailable)
        with pytest.raises(StorageError) as info:
            await storage.add_split(split(1, client_id="no-wallet"))
        assert not isinstance(info.value, Conflict | StorageUnavailable)
        with pytest.raises(StorageError) as info:
            await storage.add_share_code(ShareCode("c1", "no-split", T0 + 600))
        assert not isinstance(info.value, Conflict | StorageUnavailable)
        assert await storage.list_wallets() == [] and await storage.list_splits() == []

    # -- wallets ---------------------------------------------------------------------------------
    async def test_wallets(self, storage: Storage) -> None:
        await storage.add_user(user(1))
        await storage.add_user(user(2))
        assert await storage.get_wallet("w1") is None
        w3 = wallet(3, owner="u2", created_at=T0 + 3)
        w1 = wallet(1, created_at=T0 + 1)
        w2 = Wallet("w2", "pk", "u1", T0 + 2, bytes(range(256)), "vault", True, T0 + 999)
        for w in (w3, w1, w2):
            await storage.add_wallet(w)
        assert await storage.get_wallet("w2") == w2  # every byte of the sealed secret kept
        assert [w.client_id for w in await storage.list_wallets()] == ["w1", "w2", "w3"]
        assert [w.client_id for w in await storage.list_wallets("u1")] == ["w1", "w2"]
        assert await storage.list_wallets("u3") == []
        with pytest.raises(Conflict):
            await storage.add_wallet(wallet(1))

    async def test_freeze_and_schedule_deletion(self, base: Storage) -> None:
        assert await base.set_wallet_frozen("w1", True) is True
        assert (await base.get_wallet("w1")).frozen is True
        assert await base.set_wallet_frozen("w1", False) is True
        assert (await base.get_wallet("w1")).frozen is False
        assert await base.set_wallet_frozen("nope", True) is False
        assert await base.schedule_wallet_deletion("w1", T0 + 7 * 86_400) is True
        assert (await base.get_wallet("w1")).delete_after == T0 + 7 * 86_400
        assert await base.schedule_wallet_deletion("w1", None) is True  # cancelled
        assert (await base.get_wallet("w1")).delete_after is None
        assert await base.schedule_wallet_deletion("nope", T0) is False

    async def test_delete_wallet_removes_its_splits(self, base: Storage) -> None:
        await base.add_wallet(wallet(2))
        await base.add_split(split(2, holder=None))
        await base.add_split(split(3, client_id="w2"))
        await base.add_share_code(ShareCode("c2", "s2", T0 + 600))
        consumed = await base.consume("s1", "r-del", "nonce-del", 5, T0, allow)
        assert consumed.sealed_server_share is not None
        assert await base.delete_wallet("w1") is True
        assert await base.get_wallet("w1") is None
        assert await base.get_split("s1") is None and await base.get_split("s2") is None
        assert await base.list_splits(client_id="w1") == []
        assert await base.find_split("w1", "spk-1") is None
        assert await base.redeem_share_code("c2", "u2", T0) is None
        refused = await base.consume("s1", fresh(), None, 0, T0, allow)
        assert refused.refusal is not None and refused.refusal.rule == "revoked"
        # the other wallet is untouched
        assert (await base.get_split("s3")).status == SPLIT_ACTIVE
        assert await base.delete_wallet("w1") is False

    # -- splits ----------------------------------------------------------------------------------
    async def test_splits_round_trip_and_lists(self, base: Storage) -> None:
        s2 = split(2, holder="u2", permissions=LIMITED, created_at=T0 + 2)
        s3 = split(3, holder=None, created_at=T0 + 3, user_share=None)
        await base.add_wallet(wallet(2))
        s4 = split(4, client_id="w2", holder="u2", created_at=T0 + 1)
        for s in (s2, s3, s4):
            await base.add_split(s)
        assert await base.get_split("s2") == s2
        assert (await base.get_split("s2")).permissions == LIMITED
        assert await base.get_split("s3") == s3
        assert await base.get_split("nope") is None
        assert await base.find_split("w1", "spk-2") == s2
        assert await base.find_split("w2", "spk-2") is None
        assert [s.id for s in await base.list_splits()] == ["s1", "s4", "s2", "s3"]
        assert [s.id for s in await base.list_splits(client_id="w1")] == ["s1", "s2", "s3"]
        assert [s.id for s in await base.list_splits(holder_id="u2")] == ["s4", "s2"]
        assert [s.id for s in await base.list_splits("w1", "u2")] == ["s2"]
        with pytest.raises(Conflict):
            await base.add_split(split(2))

    async def test_active_share_key_names_one_split(self, base: Storage) -> None:
        clash = Split("s9", "w1", "u1", "again", "spk-1", Permissions(), T0, b"x", None)
        with pytest.raises(Conflict):
            await base.add_split(clash)

    async def test_set_permissions(self, base: Storage) -> None:
        tighter = Permissions(groups=frozenset({"token_transfers"}), max_per_transaction=ZCN)
        assert await base.set_permissions("s1", tighter) is True
        assert (await base.get_split("s1")).permissions == tighter
        assert await base.set_permissions("nope", tighter) is False

    async def test_expiry_is_computed(self, base: Storage) -> None:
        expiring = Permissions(groups=frozenset({"token_transfers"}), expires_at=T0 + 60)
        await base.add_split(split(2, permissions=expiring))
        got = await base.get_split("s2")
        assert got.status == SPLIT_ACTIVE  # stored status never says expired
        assert got.status_at(T0) == SPLIT_ACTIVE and got.status_at(T0 + 60) == SPLIT_EXPIRED
        result = await base.consume("s2", fresh(), None, 0, T0 + 60, allow)
        assert result.refusal is not None and result.refusal.rule == "expired"
        assert (await base.consume("s2", fresh(), None, 0, T0 + 59, allow)).refusal is None

    # -- revocation ------------------------------------------------------------------------------
    async def test_revoke_destroys_and_is_idempotent(self, base: Storage) -> None:
        await base.add_split(split(2, holder=None))
        assert await base.revoke_split("s2", T0 + 10) is True
        got = await base.get_split("s2")
        assert got.status == SPLIT_REVOKED and got.revoked_at == T0 + 10
        assert got.sealed_server_share is None and got.sealed_user_share is None
        assert await base.revoke_split("s2", T0 + 20) is True
        assert (await base.get_split("s2")).revoked_at == T0 + 10  # the first revocation stands
        assert await base.revoke_split("nope", T0) is False
        # the wallet's other split is untouched
        s1 = await base.get_split("s1")
        assert s1.status == SPLIT_ACTIVE and s1.sealed_server_share is not None

    # -- single-use records (redeemed proof challenges) ------------------------------------------
    async def test_a_single_use_record_is_used_once_until_expiry(self, storage: Storage) -> None:
        assert await storage.use_once("d1", T0 + 120, T0) is True
        assert await storage.use_once("d1", T0 + 120, T0 + 60) is False  # used
        assert await storage.use_once("d2", T0 + 120, T0 + 60) is True  # another one
        racing = await asyncio.gather(*(storage.use_once("d3", T0 + 120, T0) for _ in range(10)))
        assert racing.count(True) == 1
        # Past its expiry a record is forgotten (the token's own expiry refuses it by then).
        assert await storage.use_once("d1", T0 + 400, T0 + 300) is True

    # -- refresh (keyless custody) ----------------------------------------------------------------
    async def test_replace_split_share_is_compare_and_set(self, base: Storage) -> None:
        assert await base.replace_split_share("s1", "spk-1", "spk-new", b"sealed-new") is True
        got = await base.get_split("s1")
        assert got.share_public_key == "spk-new" and got.sealed_server_share == b"sealed-new"
        assert await base.find_split("w1", "spk-new") is not None
        assert await base.find_split("w1", "spk-1") is None
        # a stale expectation changes nothing (a concurrent refresh won)
        assert await base.replace_split_share("s1", "spk-1", "spk-other", b"other") is False
        assert (await base.get_split("s1")).sealed_server_share == b"sealed-new"
        # the server share co-signs as before, now the new one
        result = await base.consume("s1", fresh(), None, 0, T0, allow)
        assert result.sealed_server_share == b"sealed-new"
        await base.revoke_split("s1", T0 + 1)
        assert await base.replace_split_share("s1", "spk-new", "spk-3", b"x") is False
        assert (await base.get_split("s1")).sealed_server_share is None
        assert await base.replace_split_share("ghost", "a", "b", b"x") is False

    async def test_revoked_split_refuses_consume(self, base: Storage) -> None:
        assert (await base.consume("s1", fresh(), None, 0, T0, allow)).refusal is None
        await base.revoke_split("s1", T0 + 1)
        result = await base.consume("s1", fresh(), None, 0, T0 + 2, allow)
        assert result.refusal is not None and result.refusal.rule == "revoked"
        assert result.sealed_server_share is None
        missing = await base.consume("ghost", fresh(), None, 0, T0, allow)
        assert missing.refusal is not None and missing.refusal.rule == "revoked"

    async def test_revocation_is_linearizable(self, base: Storage) -> None:
        # Consumes racing a revoke: whatever was accepted was accepted before the revoke
        # answered; nothing that starts after it is.
        racing = [base.consume("s1", fresh(), None, 1, T0, allow) for _ in range(20)]
        revoke = base.revoke_split("s1", T0)
        results = await asyncio.gather(*racing[:10], revoke, *racing[10:])
        accepted = sum(getattr(r, "sealed_server_share", None) is not None for r in results)
        assert (await base.get_split("s1")).uses == accepted
        after = await asyncio.gather(
            *(base.consume("s1", fresh(), None, 1, T0, allow) for _ in range(20))
        )
        assert all(r.refusal is not None and r.refusal.rule == "revoked" for r in after)

    async def test_revoked_id_survives_restart(
        self, base: Storage, open_storage: OpenStorage
    ) -> None:
        await base.revoke_split("s1", T0)
        await base.close()
        again = await open_storage()
        try:
            assert (await again.get_split("s1")).status == SPLIT_REVOKED
        finally:
            await again.close()

    async def test_restored_backup_cannot_revive_a_revoked_split(
        self, base: Storage, open_storage: OpenStorage, backups
    ) -> None:
        await base.add_wallet(wallet(2))
        await base.add_split(split(2))
        await base.add_split(split(3, client_id="w2"))
        await base.add_split(split(4, client_id="w2"))
        token = await backups.backup(base)  # all four active in the backup
        await base.revoke_split("s1", T0 + 5)
        await base.delete_wallet("w2")
        await base.close()
        await backups.restore(token)
        restored = await open_storage()
        try:
            s1 = await restored.get_split("s1")
            assert s1.status == SPLIT_REVOKED and s1.sealed_server_share is None
            refused = await restored.consume("s1", fresh(), None, 0, T0 + 6, allow)
            assert refused.refusal is not None and refused.refusal.rule == "revoked"
            # the deleted wallet came back with the backup, its splits did not come back alive
            for sid in ("s3", "s4"):
                got = await restored.get_split(sid)
                assert got is None or got.status == SPLIT_REVOKED
                refused = await restored.consume(sid, fresh(), None, 0, T0 + 6, allow)
                assert refused.refusal is not None
            # what was not revoked is as it was
            s2 = await restored.get_split("s2")
            assert s2.status == SPLIT_ACTIVE
            assert (await restored.consume("s2", fresh(), None, 0, T0 + 6, allow)).refusal is None
            assert await restored.check() is True
        finally:
            await restored.close()

    # -- user share and share codes --------------------------------------------------------------
    async def test_take_user_share_once_and_only_for_holder(self, base: Storage) -> None:
        assert await base.take_user_share("s1", "u2") is None  # not the holder
        assert await base.take_user_share("s1", "u1") == b"sealed-user-share"
        assert await base.take_user_share("s1", "u1") is None  # erased
        assert (await base.get_split("s1")).sealed_user_share is None
        assert await base.take_user_share("nope", "u1") is None

    async def test_take_user_share_once_under_concurrency(self, base: Storage) -> None:
        results = await asyncio.gather(*(base.take_user_share("s1", "u1") for _ in range(30)))
        assert [r for r in results if r is not None] == [b"sealed-user-share"]

    async def test_no_user_share_from_a_revoked_split(self, base: Storage) -> None:
        await base.revoke_split("s1", T0)
        assert await base.take_user_share("s1", "u1") is None

    async def test_share_code_redeemed_once(self, base: Storage) -> None:
        await base.add_split(split(2, holder=None))
        await base.add_share_code(ShareCode("c1", "s2", T0 + 300))
        assert await base.redeem_share_code("c1", "u2", T0) == "s2"
        assert (await base.get_split("s2")).holder_id == "u2"
        assert await base.redeem_share_code("c1", "u3", T0) is None
        assert (await base.get_split("s2")).holder_id == "u2"
        assert await base.take_user_share("s2", "u2") == b"sealed-user-share"
        assert await base.redeem_share_code("unknown", "u2", T0) is None
        with pytest.raises(Conflict):
            await base.add_share_code(ShareCode("c1", "s2", T0 + 300))

    async def test_share_code_expiry(self, base: Storage) -> None:
        await base.add_split(split(2, holder=None))
        await base.add_share_code(ShareCode("c1", "s2", T0 + 300))
        assert await base.redeem_share_code("c1", "u2", T0 + 300) is None
        assert (await base.get_split("s2")).holder_id is None

    async def test_share_code_of_revoked_split_is_dead(self, base: Storage) -> None:
        await base.add_split(split(2, holder=None))
        await base.add_share_code(ShareCode("c1", "s2", T0 + 300))
        await base.revoke_split("s2", T0)
        assert await base.redeem_share_code("c1", "u2", T0 + 1) is None

    async def test_share_code_once_under_concurrency(self, base: Storage) -> None:
        await base.add_split(split(2, holder=None))
        await base.add_share_code(ShareCode("c1", "s2", T0 + 300))
        results = await asyncio.gather(
            *(base.redeem_share_code("c1", user_id, T0) for user_id in ["u2", "u3"] * 15)
        )
        winners = [r for r in results if r is not None]
        assert winners == ["s2"]
        holder = (await base.get_split("s2")).holder_id
        assert holder in ("u2", "u3")

    # -- consume -----------------------------------------------------------------------------------
    async def test_consume_accepts_and_counts(self, base: Storage) -> None:
        seen: list[UsageSummary] = []

        def decide(usage: UsageSummary) -> Refusal | None:
            seen.append(usage)
            return None

        first = await base.consume("s1", "r1", "w1:1", 3 * ZCN, T0, decided(decide))
        assert first.replay is None and first.refusal is None
        assert first.sealed_server_share == b"sealed-server-share-1"
        assert first.usage_after == UsageSummary(3 * ZCN, 1, 1)
        assert seen == [UsageSummary(0, 0, 0)]
        second = await base.consume("s1", "r2", "w1:2", ZCN, T0 + 5, decided(decide))
        assert second.usage_after == UsageSummary(4 * ZCN, 2, 2)
        assert seen[-1] == UsageSummary(3 * ZCN, 1, 1)
        s1 = await base.get_split("s1")
        assert s1.uses == 2 and s1.last_used == T0 + 5

    async def test_refusal_by_decide_records_nothing(self, base: Storage) -> None:
        no = Refusal("max_value_per_period", "over the 1 h cap: 3 of 2 ZCN", 403)
        result = await base.consume("s1", "r1", "w1:1", ZCN, T0, decided(lambda usage: no))
        assert result.refusal == no and result.sealed_server_share is None
        assert (await base.get_split("s1")).uses == 0
        # neither the request key nor the nonce was taken
        again = await base.consume("s1", "r1", "w1:1", ZCN, T0, allow)
        assert again.refusal is None and again.sealed_server_share is not None

    async def test_idempotent_replay(self, base: Storage) -> None:
        first = await base.consume("s1", "r1", "w1:1", ZCN, T0, allow)
        assert first.sealed_server_share is not None
        await base.complete("r1", '{"signature": "abc"}')
        for _ in range(25):
            replay = await base.consume("s1", "r1", "w1:1", ZCN, T0 + 1, allow)
            assert replay.replay == '{"signature": "abc"}'
            assert replay.sealed_server_share is None and replay.refusal is None
        s1 = await base.get_split("s1")
        assert s1.uses == 1
        await base.complete("r1", "something else")  # the first answer stands
        assert (await base.consume("s1", "r1", None, 0, T0, allow)).replay == '{"signature": "abc"}'

    async def test_replay_survives_restart(self, base: Storage, open_storage: OpenStorage) -> None:
        await base.consume("s1", "r1", "w1:1", ZCN, T0, allow)
        await base.complete("r1", "answer-1")
        await base.close()
        again = await open_storage()
        try:
            assert (await again.consume("s1", "r1", "w1:1", ZCN, T0, allow)).replay == "answer-1"
            assert (await again.get_split("s1")).uses == 1
        finally:
            await again.close()

    async def test_replay_wins_over_revocation(self, base: Storage) -> None:
        # The signature already left; handing back the same answer gives nothing new.
        await base.consume("s1", "r1", None, 0, T0, allow)
        await base.complete("r1", "answer-1")
        await base.revoke_split("s1", T0 + 1)
        assert (await base.consume("s1", "r1", None, 0, T0 + 2, allow)).replay == "answer-1"

    async def test_pending_request_is_not_consumed_twice(self, base: Storage) -> None:
        await base.consume("s1", "r1", None, ZCN, T0, allow)
        again = await base.consume("s1", "r1", None, ZCN, T0, allow)
        assert again.refusal is not None and again.refusal.rule == "request_in_progress"
        assert again.refusal.status == 409 and again.sealed_server_share is None
        assert (await base.get_split("s1")).uses == 1

    async def test_a_request_left_pending_by_a_dead_server_is_taken_over(
        self, base: Storage
    ) -> None:
        # Consumed, never answered nor released: its server died (kill -9, a replica gone).
        await base.consume("s1", "r1", "w1:1", ZCN, T0, allow)
        soon = await base.consume("s1", "r1", "w1:1", ZCN, T0 + STALE_PENDING_SECONDS, allow)
        assert soon.refusal is not None and soon.refusal.rule == "request_in_progress"
        # The client's retry with the same request id, once it cannot be alive any more: signed,
        # and counted once (the dead server's use is released), the nonce's count unchanged.
        later = T0 + STALE_PENDING_SECONDS + 1
        retried = await base.consume("s1", "r1", "w1:1", ZCN, later, allow)
        assert retried.sealed_server_share is not None and retried.nonce_signed_before == 0
        assert retried.usage_after == UsageSummary(ZCN, 1, 1)
        assert (await base.get_split("s1")).uses == 1
        # an answered request is never taken over, however old
        await base.complete("r1", "answer-1")
        assert (await base.consume("s1", "r1", None, 0, later + 10_000, allow)).replay == "answer-1"

    async def test_request_key_of_another_split(self, base: Storage) -> None:
        await base.add_split(split(2))
        await base.consume("s1", "r1", None, 0, T0, allow)
        await base.complete("r1", "answer-of-s1")
        other = await base.consume("s2", "r1", None, 0, T0, allow)
        assert other.replay is None and other.refusal is not None
        assert other.refusal.rule == "request_key_reused"

    async def test_a_nonce_may_be_signed_again_and_counts_again(self, base: Storage) -> None:
        # A transaction the network refused leaves its nonce unused on chain: the wallet signs
        # that nonce again. Each signature is a use (caps see it); the snapshot says how many
        # signatures of this nonce came before, on any split of the wallet.
        await base.add_split(split(2))
        seen: list[int] = []

        def count_nonce(snapshot: ConsumeSnapshot) -> Refusal | None:
            seen.append(snapshot.nonce_signed_before)
            return allow(snapshot)

        first = await base.consume("s1", "r1", "w1:7", ZCN, T0, count_nonce)
        again = await base.consume("s1", "r2", "w1:7", ZCN, T0 + 1, count_nonce)
        other = await base.consume("s2", "r3", "w1:7", ZCN, T0 + 1, count_nonce)
        assert [first.nonce_signed_before, again.nonce_signed_before] == [0, 1]
        assert other.sealed_server_share is not None and other.nonce_signed_before == 2
        assert seen == [0, 1, 2]
        assert again.usage_after == UsageSummary(2 * ZCN, 2, 2)
        assert (await base.get_split("s1")).uses == 2
        # a refused attempt records nothing, so it does not count as a signature of the nonce
        await base.consume("s1", "r4", "w1:7", ZCN, T0, max_uses(0))
        assert (await base.consume("s1", "r5", "w1:7", 0, T0, count_nonce)).nonce_signed_before == 3
        # the replay of a request id still gets its first answer, whatever the nonce rule
        await base.complete("r1", "answer-1")
        assert (await base.consume("s1", "r1", "w1:7", ZCN, T0 + 2, count_nonce)).replay == (
            "answer-1"
        )
        assert await base.last_nonce("w1") == 7

    async def test_policy_accepting_a_split_without_share_fails_closed(self, base: Storage) -> None:
        await base.revoke_split("s1", T0)
        with pytest.raises(StorageError):
            await base.consume("s1", fresh(), None, 0, T0, lambda _snapshot: None)
        with pytest.raises(StorageError):
            await base.consume("ghost", fresh(), None, 0, T0, lambda _snapshot: None)

    async def test_snapshot_carries_the_stored_facts(self, base: Storage) -> None:
        got: list[ConsumeSnapshot] = []
        await base.set_permissions("s1", LIMITED)
        await base.set_wallet_frozen("w1", True)
        await base.consume("s1", fresh(), None, 0, T0 + 3, lambda s: got.append(s) or allow(s))
        snap = got[-1]
        assert (snap.exists, snap.status, snap.has_server_share, snap.frozen) == (
            True, SPLIT_ACTIVE, True, True
        )  # fmt: skip
        assert snap.permissions == LIMITED and snap.now == T0 + 3
        await base.revoke_split("s1", T0 + 4)
        await base.consume("s1", fresh(), None, 0, T0 + 5, lambda s: got.append(s) or allow(s))
        assert (got[-1].status, got[-1].has_server_share) == (SPLIT_REVOKED, False)

    async def test_last_nonce_per_wallet(self, base: Storage) -> None:
        await base.add_split(split(2))
        assert await base.last_nonce("w1") is None
        for nonce in (9, 10, 2):
            assert (await base.consume("s1", fresh(), f"w1:{nonce}", 1, T0, allow)).refusal is None
        await base.consume("s1", fresh(), None, 0, T0, allow)  # messages carry no nonce
        assert await base.last_nonce("w1") == 10  # numeric, not text order ("9" > "10")
        assert await base.last_nonce("w") is None  # a prefix of another wallet's id

    async def test_rolling_window(self, base: Storage) -> None:
        hourly = Permissions(groups=frozenset({"token_transfers"}), period_seconds=3600)
        await base.add_split(split(2, permissions=hourly))
        seen: list[UsageSummary] = []

        def record(usage: UsageSummary) -> Refusal | None:
            seen.append(usage)
            return None

        counted = decided(record)
        await base.consume("s2", "a", None, 5, T0, counted)
        await base.consume("s2", "b", None, 7, T0 + 1000, counted)
        await base.consume("s2", "c", None, 0, T0 + 3599, counted)
        assert seen[-1] == UsageSummary(12, 2, 2)
        await base.consume("s2", "d", None, 0, T0 + 3600, counted)  # "a" just left the window
        assert seen[-1] == UsageSummary(7, 2, 3)
        result = await base.consume("s2", "e", None, 1, T0 + 4600, counted)
        assert seen[-1] == UsageSummary(0, 2, 4)  # "b" left too; "c" and "d" remain
        assert result.usage_after == UsageSummary(1, 3, 5)

    async def test_max_uses_exact_under_concurrency(self, base: Storage) -> None:
        n = 7
        results = await asyncio.gather(
            *(base.consume("s1", fresh(), f"w1:{i}", 1, T0, max_uses(n)) for i in range(50))
        )
        accepted = [r for r in results if r.sealed_server_share is not None]
        refused = [r for r in results if r.refusal is not None]
        assert len(accepted) == n and len(refused) == 50 - n
        assert all(r.refusal.rule == "max_uses" for r in refused)
        assert sorted(r.usage_after.total_uses for r in accepted) == list(range(1, n + 1))
        assert (await base.get_split("s1")).uses == n

    async def test_period_count_exact_under_concurrency(self, base: Storage) -> None:
        def cap(usage: UsageSummary) -> Refusal | None:
            return Refusal("max_count_per_period", "cap") if usage.period_count >= 5 else None

        results = await asyncio.gather(
            *(base.consume("s1", fresh(), None, 1, T0, decided(cap)) for _ in range(40))
        )
        assert sum(r.sealed_server_share is not None for r in results) == 5

    async def test_frozen_wallet_refuses(self, base: Storage) -> None:
        await base.set_wallet_frozen("w1", True)
        result = await base.consume("s1", fresh(), None, 0, T0, allow)
        assert result.refusal is not None and result.refusal.rule == "frozen"
        await base.set_wallet_frozen("w1", False)
        assert (await base.consume("s1", fresh(), None, 0, T0, allow)).refusal is None

    async def test_release_gives_everything_back(self, base: Storage) -> None:
        await base.consume("s1", "r1", "w1:1", 2 * ZCN, T0, allow)
        assert (await base.get_split("s1")).uses == 1
        await base.release("r1")
        assert (await base.get_split("s1")).uses == 0
        seen: list[UsageSummary] = []
        watch = decided(lambda u: seen.append(u))
        again = await base.consume("s1", "r1", "w1:1", 2 * ZCN, T0, watch)
        assert again.sealed_server_share is not None  # key and nonce are free again
        assert seen == [UsageSummary(0, 0, 0)]
        await base.release("unknown")  # no-op

    async def test_release_after_answer_keeps_the_use(self, base: Storage) -> None:
        await base.consume("s1", "r1", "w1:1", ZCN, T0, allow)
        await base.complete("r1", "answer")
        await base.release("r1")
        assert (await base.get_split("s1")).uses == 1
        assert (await base.consume("s1", "r1", "w1:1", ZCN, T0, allow)).replay == "answer"

    async def test_decide_errors_roll_back(self, base: Storage) -> None:
        def broken(_: UsageSummary) -> Refusal | None:
            raise RuntimeError("policy bug")

        with pytest.raises(RuntimeError):
            await base.consume("s1", "r1", "w1:1", ZCN, T0, decided(broken))
        assert (await base.get_split("s1")).uses == 0
        assert (await base.consume("s1", "r1", "w1:1", ZCN, T0, allow)).refusal is None

