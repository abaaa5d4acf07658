"""Failed operations leave no partial state: thousands of random operations through
FaultyStorage (a quarter of them failing, before the call or inside the transaction just before
COMMIT), checked against a plain in-memory model that applies only the operations reported as
successful. After the run, and after a restart, the database equals the model exactly."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from app.permissions import Permissions
from cosigner_server.model import (
    SPLIT_ACTIVE,
    SPLIT_REVOKED,
    ConsumeResult,
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
from cosigner_server.storage.base import Conflict, StorageError, StorageUnavailable
from cosigner_server.storage.consume_steps import STALE_PENDING_SECONDS
from cosigner_server.storage.faulty import FaultyStorage, InjectedFault
from cosigner_server.storage.sqlite import SQLiteStorage

pytestmark = pytest.mark.asyncio

PERIOD = 600
MAX_PER_PERIOD = 3


def decide(snapshot: ConsumeSnapshot) -> Refusal | None:
    refusal = check_stored_state(snapshot)
    if refusal is not None:
        return refusal
    usage = snapshot.usage
    if usage.period_count >= MAX_PER_PERIOD:
        return Refusal("max_count_per_period", f"{usage.period_count} of {MAX_PER_PERIOD}")
    return None


class FK:
    """Expected: a StorageError that is neither Conflict nor StorageUnavailable."""


@dataclass
class Model:
    users: dict[str, User] = field(default_factory=dict)
    codes: dict[str, EnrollmentCode] = field(default_factory=dict)
    wallets: dict[str, Wallet] = field(default_factory=dict)
    splits: dict[str, Split] = field(default_factory=dict)
    share_codes: dict[str, ShareCode] = field(default_factory=dict)
    # request_key -> [split_id, at, value, nonce_key, answer]
    cosigns: dict[str, list[Any]] = field(default_factory=dict)

    def add_user(self, u: User) -> Any:
        if u.id in self.users or any(
            (x.issuer, x.subject) == (u.issuer, u.subject) for x in self.users.values()
        ):
            return Conflict
        self.users[u.id] = u

    def set_user_enabled(self, uid: str, enabled: bool, now: int) -> Any:
        u = self.users.get(uid)
        if u is None:
            return False
        admins = [x for x in self.users.values() if x.role == "admin" and x.enabled]
        if not enabled and [x.id for x in admins] == [uid]:
            return Conflict  # LastAdministrator: the last enabled administrator stays
        tva = u.tokens_valid_after if enabled else max(u.tokens_valid_after, now)
        self.users[uid] = replace(u, enabled=enabled, tokens_valid_after=tva)
        return True

    def add_enrollment_code(self, c: EnrollmentCode) -> Any:
        if c.code_digest in self.codes:
            return Conflict
        if c.user_id not in self.users:
            return FK
        self.codes[c.code_digest] = c

    def use_enrollment_code(self, digest: str, now: int) -> Any:
        c = self.codes.get(digest)
        if c is None or c.used_at is not None or now >= c.expires_at:
            return None
        self.codes[digest] = replace(c, used_at=now)
        return self.codes[digest]

    def add_wallet(self, w: Wallet) -> Any:
        if w.client_id in self.wallets:
            return Conflict
        if w.owner_id not in self.users:
            return FK
        self.wallets[w.client_id] = w

    def set_wallet_frozen(self, cid: str, frozen: bool) -> Any:
        if cid not in self.wallets:
            return False
        self.wallets[cid] = replace(self.wallets[cid], frozen=frozen)
        return True

    def schedule_wallet_deletion(self, cid: str, when: int | None) -> Any:
        if cid not in self.wallets:
            return False
        self.wallets[cid] = replace(self.wallets[cid], delete_after=when)
        return True

    def delete_wallet(self, cid: str) -> Any:
        if cid not in self.wallets:
            return False
        del self.wallets[cid]
        gone = {s for s, v in self.splits.items() if v.client_id == cid}
        for s in gone:
            del self.splits[s]
        self.share_codes = {k: v for k, v in self.share_codes.items() if v.split_id not in gone}
        self.cosigns = {k: v for k, v in self.cosigns.items() if v[0] not in gone}
        return True

    def add_split(self, s: Split) -> Any:
        if s.id in self.splits:
            return Conflict
        if any(
            x.client_id == s.client_id
            and x.share_public_key == s.share_public_key
            and x.status == SPLIT_ACTIVE
            for x in self.splits.values()
        ):
            return Conflict
        if s.client_id not in self.wallets or (
            s.holder_id is not None and s.holder_id not in self.users
        ):
            return FK
        self.splits[s.id] = s

    def set_permissions(self, sid: str, p: Permissions) -> Any:
        if sid not in self.splits:
            return False
        self.splits[sid] = replace(self.splits[sid], permissions=p)
        return True

    def revoke_split(self, sid: str, now: int) -> Any:
        s = self.splits.get(sid)
        if s is None:
            return False
        if s.status == SPLIT_ACTIVE:
            self.splits[sid] = replace(
                s, status=SPLIT_REVOKED, sealed_server_share=None, sealed_user_share=None,
                revoked_at=now,
            )  # fmt: skip
        return True

    def take_user_share(self, sid: str, holder: str) -> Any:
        s = self.splits.get(sid)
        if s is None or s.holder_id != holder or s.status != SPLIT_ACTIVE:
            return None
        if s.sealed_user_share is None:
            return None
        self.splits[sid] = replace(s, sealed_user_share=None)
        return s.sealed_user_share

    def add_share_code(self, c: ShareCode) -> Any:
        if c.code_digest in self.share_codes:
            return Conflict
        if c.split_id not in self.splits:
            return FK
        self.share_codes[c.code_digest] = c

    def redeem_share_code(self, digest: str, uid: str, now: int) -> Any:
        c = self.share_codes.get(digest)
        if c is None or c.redeemed_by is not None or now >= c.expires_at:
            return None
        s = self.splits[c.split_id]
        if s.status != SPLIT_ACTIVE:
            return None
        self.share_codes[digest] = replace(c, redeemed_by=uid)
        self.splits[s.id] = replace(s, holder_id=uid)
        return s.id

    def consume(self, sid: str, rk: str, nk: str | None, value: int, now: int) -> Any:
        seen = self.cosigns.get(rk)
        if seen is not None and seen[0] == sid and seen[4] is None and (
            now - seen[1] > STALE_PENDING_SECONDS
        ):
            # left pending by a dead server: released, then this request proceeds as new
            del self.cosigns[rk]
            self.splits[sid] = replace(self.splits[sid], uses=max(self.splits[sid].uses - 1, 0))
            seen = None
        if seen is not None:
            if seen[0] != sid:
                return ("refusal", "request_key_reused")
            if seen[4] is None:
                return ("refusal", "request_in_progress")
            return ConsumeResult(replay=seen[4])
        s = self.splits.get(sid)
        if s is None or s.status != SPLIT_ACTIVE or s.sealed_server_share is None:
            return ("refusal", "revoked")
        if s.permissions.expires_at is not None and now >= s.permissions.expires_at:
            return ("refusal", "expired")
        if self.wallets[s.client_id].frozen:
            return ("refusal", "frozen")
        # a nonce may be signed again; each signature counts (the nonce rule)
        signed_before = 0 if nk is None else sum(v[3] == nk for v in self.cosigns.values())
        window = [
            v for v in self.cosigns.values()
            if v[0] == sid and v[1] > now - s.permissions.period_seconds
        ]  # fmt: skip
        usage = UsageSummary(sum(v[2] for v in window), len(window), s.uses)
        refusal = decide(
            ConsumeSnapshot(now, True, s.status, s.permissions, True, False, signed_before, usage)
        )
        if refusal is not None:
            return ConsumeResult(refusal=refusal)
        self.cosigns[rk] = [sid, now, value, nk, None]
        self.splits[sid] = replace(
            s, uses=s.uses + 1, last_used=max(s.last_used if s.last_used is not None else now, now)
        )
        return ConsumeResult(
            sealed_server_share=s.sealed_server_share,
            usage_after=UsageSummary(usage.period_value + value, usage.period_count + 1,
                                     usage.total_uses + 1),
            nonce_signed_before=signed_before,
        )  # fmt: skip

    def complete(self, rk: str, answer: str) -> Any:
        if rk in self.cosigns and self.cosigns[rk][4] is None:
            self.cosigns[rk][4] = answer

    def release(self, rk: str) -> Any:
        v = self.cosigns.get(rk)
        if v is None or v[4] is not None:
            return None
        del self.cosigns[rk]
        s = self.splits[v[0]]
        self.splits[s.id] = replace(s, uses=max(s.uses - 1, 0))


class Driver:
    """Draws random operations, runs each on the storage and on a copy of the model, and keeps
    the copy only when the storage reported success."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.model = Model()
        self.now = 1_750_000_000
        self.split_seq = 0
        self.fresh = 0
        self.outcomes: dict[str, int] = {}

    def pick(self, pool: list[str], extra: list[str] = ()) -> str:  # type: ignore[assignment]
        return self.rng.choice(list(pool) + list(extra))

    def _fresh(self, prefix: str) -> str:
        self.fresh += 1
        return f"{prefix}-fresh-{self.fresh}"

    def draw(self) -> tuple[str, tuple]:
        r, m = self.rng, self.model
        self.now += r.choice([0, 1, 5, 30, 120, 400])
        now = self.now
        users = [f"u{i}" for i in range(6)]
        wallets = [f"w{i}" for i in range(5)]
        splits = list(m.splits) + ["s-missing"]
        requests = [f"r{i}" for i in range(80)]
        op = r.choices(
            ["add_user", "set_user_enabled", "add_enrollment_code", "use_enrollment_code",
             "add_wallet", "set_wallet_frozen", "schedule_wallet_deletion", "delete_wallet",
             "add_split", "set_permissions", "revoke_split", "take_user_share",
             "add_share_code", "redeem_share_code", "consume", "complete", "release"],
            weights=[3, 2, 3, 3, 3, 2, 1, 1, 6, 2, 2, 3, 3, 3, 25, 12, 4],
        )[0]  # fmt: skip
        if op == "add_user":
            i = r.randrange(6)
            sub = f"sub{i}" if r.random() < 0.8 else f"sub{r.randrange(6)}"
            return op, (User(f"u{i}", "local", sub, r.choice(["admin", "user"]), True, now),)
        if op == "set_user_enabled":
            return op, (self.pick(users, ["ghost"]), r.random() < 0.5, now)
        if op == "add_enrollment_code":
            owner = self.pick(users)
            digest = f"e{r.randrange(8)}" if owner in m.users else self._fresh("e")
            return op, (EnrollmentCode(digest, owner, now + r.choice([0, 60, 600])),)
        if op == "use_enrollment_code":
            return op, (f"e{r.randrange(9)}", now)
        if op == "add_wallet":
            owner = self.pick(users)
            cid = self.pick(wallets) if owner in m.users else self._fresh("w")
            return op, (Wallet(cid, f"pk-{cid}", owner, now, r.randbytes(40)),)
        if op == "set_wallet_frozen":
            return op, (self.pick(wallets), r.random() < 0.3)
        if op == "schedule_wallet_deletion":
            return op, (self.pick(wallets), r.choice([None, now + 86_400]))
        if op == "delete_wallet":
            return op, (self.pick(wallets),)
        if op == "add_split":
            if m.splits and r.random() < 0.05:
                sid = r.choice(list(m.splits))  # a duplicate id
            else:
                self.split_seq += 1
                sid = f"s{self.split_seq}"  # ids are never reused (journal semantics)
            holder = r.choice([None, *users, *users]) if r.random() < 0.97 else "ghost"
            permissions = Permissions(
                groups=frozenset({"token_transfers"}),
                period_seconds=PERIOD,
                expires_at=r.choice([None, None, now + r.choice([10, 300, 3000])]),
            )
            return op, (
                Split(sid, self.pick(wallets), holder, "label", f"k{r.randrange(4)}",
                      permissions, now, r.randbytes(32), r.choice([None, r.randbytes(32)])),
            )  # fmt: skip
        if op == "set_permissions":
            p = Permissions(
                groups=frozenset({"token_transfers", "storage_rewards"}),
                period_seconds=r.choice([PERIOD, 2 * PERIOD]),
                expires_at=r.choice([None, now + 1000]),
            )
            return op, (self.pick(splits), p)
        if op == "revoke_split":
            return op, (self.pick(splits), now)
        if op == "take_user_share":
            return op, (self.pick(splits), self.pick(users))
        if op == "add_share_code":
            sid = self.pick(splits)
            digest = f"c{r.randrange(8)}" if sid in m.splits else self._fresh("c")
            return op, (ShareCode(digest, sid, now + r.choice([0, 120, 600])),)
        if op == "redeem_share_code":
            existing = [u for u in users if u in m.users]
            if not existing:
                return "list_users", ()
            return op, (f"c{r.randrange(9)}", r.choice(existing), now)
        pending = [k for k, v in m.cosigns.items() if v[4] is None]
        if op == "consume":
            active = [k for k, v in m.splits.items() if v.status == SPLIT_ACTIVE]
            sid = r.choice(active) if active and r.random() < 0.85 else self.pick(splits)
            nonce = r.choice([None, f"n{r.randrange(80)}"])
            return op, (sid, self.pick(requests), nonce, r.randrange(10), now)
        key = r.choice(pending) if pending and r.random() < 0.8 else self.pick(requests)
        if op == "complete":
            return op, (key, f"answer-{r.randrange(1000)}")
        return op, (key,)

    async def step(self, storage: Any) -> None:
        op, args = self.draw()
        trial = _copy(self.model)
        expected = getattr(trial, op)(*args) if hasattr(trial, op) else None
        call = getattr(storage, op)
        try:
            if op == "consume":
                got = await call(*args, decide)
            else:
                got = await call(*args)
        except InjectedFault:
            self.outcomes["injected"] = self.outcomes.get("injected", 0) + 1
            return  # the model stays as it was: so must the database
        except Conflict:
            assert expected is Conflict, (op, args, expected)
            self.outcomes["conflict"] = self.outcomes.get("conflict", 0) + 1
            return
        except StorageUnavailable:
            raise
        except StorageError:
            assert expected is FK, (op, args, expected)
            self.outcomes["fk"] = self.outcomes.get("fk", 0) + 1
            return
        assert expected not in (Conflict, FK), (op, args, expected)
        if op == "list_users":
            expected = _users(self.model)
        if isinstance(expected, tuple) and expected[0] == "refusal":
            assert got.refusal is not None and got.refusal.rule == expected[1], (op, args, got)
            assert got.sealed_server_share is None and got.replay is None
        else:
            assert got == expected, (op, args, got, expected)
        self.model = trial
        self.outcomes[op] = self.outcomes.get(op, 0) + 1
        if op == "consume":
            kind = "refused" if got.refusal else "replayed" if got.replay else "accepted"
            self.outcomes[kind] = self.outcomes.get(kind, 0) + 1


def _copy(model: Model) -> Model:
    return Model(
        dict(model.users), dict(model.codes), dict(model.wallets), dict(model.splits),
        dict(model.share_codes), {k: list(v) for k, v in model.cosigns.items()},
    )  # fmt: skip


def _users(model: Model) -> list[User]:
    return sorted(model.users.values(), key=lambda u: (u.created_at, u.id))


async def assert_state_equals(storage: SQLiteStorage, model: Model) -> None:
    assert await storage.list_users() == _users(model)
    assert await storage.list_wallets() == sorted(
        model.wallets.values(), key=lambda w: (w.created_at, w.client_id)
    )
    assert await storage.list_splits() == sorted(
        model.splits.values(), key=lambda s: (s.created_at, s.id)
    )
    # What the interface cannot list, read straight from the tables.
    codes = await storage._call(
        storage._read, "SELECT code_digest, user_id, expires_at, used_at FROM enrollment_codes"
    )
    assert sorted(codes) == sorted(dataclasses.astuple(c) for c in model.codes.values())
    shares = await storage._call(
        storage._read, "SELECT code_digest, split_id, expires_at, redeemed_by FROM share_codes"
    )
    assert sorted(shares, key=str) == sorted(
        (dataclasses.astuple(c) for c in model.share_codes.values()), key=str
    )
    cosigns = await storage._call(
        storage._read, "SELECT request_key, split_id, at, value, nonce_key, answer FROM cosigns"
    )
    assert sorted(cosigns, key=str) == sorted(((k, *v) for k, v in model.cosigns.items()), key=str)
    assert await storage.check(full=True)


@pytest.mark.parametrize("seed", [1, 2])
async def test_faults_leave_no_partial_state(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "cosigner.db"
    rng = random.Random(seed)
    driver = Driver(rng)
    for _restart in range(3):
        inner = SQLiteStorage(path)
        faulty = FaultyStorage(inner, failure_rate=0.25, seed=rng.randrange(2**32))
        await faulty.open()
        try:
            for _ in range(1000):
                await driver.step(faulty)
            faulty.enabled = False
            await assert_state_equals(inner, driver.model)
            assert faulty.injected_before > 50 and faulty.injected_inside > 50
        finally:
            await faulty.close()
        # A restart re-applies the revocation journal: it must not change anything either
        # (in particular, revocations that failed after their journal write were taken back).
        check = SQLiteStorage(path)
        await check.open()
        try:
            await assert_state_equals(check, driver.model)
        finally:
            await check.close()
    out = driver.outcomes
    # The random walk really exercised the interesting paths.
    for name in ("consume", "complete", "release", "revoke_split", "redeem_share_code",
                 "take_user_share", "delete_wallet", "use_enrollment_code", "conflict",
                 "fk"):  # fmt: skip
        assert out.get(name, 0) > 5, (name, out)
    assert out["accepted"] > 100 and out["replayed"] > 5 and out["refused"] > 100, out


async def test_faulty_rates_and_passthrough(tmp_path: Path) -> None:
    inner = SQLiteStorage(tmp_path / "cosigner.db")
    faulty = FaultyStorage(inner, failure_rate=0.3, seed=5)
    await faulty.open()
    try:
        ok = failed = 0
        for i in range(400):
            try:
                await faulty.add_user(User(f"u{i}", "local", f"s{i}", "user", True, 1))
                ok += 1
            except InjectedFault:
                failed += 1
        assert 0.2 < failed / 400 < 0.4
        assert len(await inner.list_users()) == ok
        assert faulty.injected_before + faulty.injected_inside == failed
        assert await faulty.check()
        with pytest.raises(ValueError):
            FaultyStorage(inner, 1.0)
    finally:
        await faulty.close()
