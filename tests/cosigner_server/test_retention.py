"""Retention: old co-sign records are pruned, and pruning changes no answer the co-signer gives.

Storage-level tests run on a real SQLite file with chosen clocks (days pass in a call); the last
test runs a real server, co-signs over HTTP and prunes with the clock moved months ahead."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import pytest_asyncio

from app.permissions import ZCN, Permissions
from cosigner_server import audit, retention
from cosigner_server.config import (
    DEFAULT_COSIGN_RETENTION,
    IDEMPOTENCY_WINDOW,
    ConfigError,
    load_config,
)
from cosigner_server.model import ConsumeSnapshot, Refusal, UsageSummary
from cosigner_server.storage.sqlite import SQLiteStorage

from .cosign_helpers import holder
from .storage_conformance import T0, allow, split, user, wallet

DAY = 86_400
WEEK = 7 * DAY


@pytest_asyncio.fixture
async def db(tmp_path: Path):
    storage = SQLiteStorage(tmp_path / "cosigner.db")
    await storage.open()
    await storage.add_user(user(1))
    await storage.add_wallet(wallet(1))
    try:
        yield storage
    finally:
        await storage.close()


async def prune_all(storage: SQLiteStorage, now: int, retention_s: int) -> int:
    total = 0
    while (n := await storage.prune_cosigns(now, retention_s, limit=3)) > 0:
        total += n  # small batches: the loop over batches is part of what is tested
    return total


def seen_usage() -> tuple[list[UsageSummary], object]:
    seen: list[UsageSummary] = []

    def decide(snapshot: ConsumeSnapshot) -> Refusal | None:
        seen.append(snapshot.usage)
        return None

    return seen, decide


@pytest.mark.asyncio
async def test_replay_inside_the_idempotency_window_gets_its_first_answer(db) -> None:
    await db.add_split(split(1))
    first = await db.consume("s1", "s1:req", "w1:1", 5, T0, allow)
    assert first.sealed_server_share is not None
    await db.complete("s1:req", '{"signature": "first"}')
    # The shortest retention allowed, pruned on the window's last second: the answer stays.
    last = T0 + IDEMPOTENCY_WINDOW - 1
    assert await prune_all(db, last, IDEMPOTENCY_WINDOW) == 0
    replay = await db.consume("s1", "s1:req", "w1:1", 5, last, allow)
    assert replay.replay == '{"signature": "first"}'
    # Once the window is over it may go, and does.
    assert await prune_all(db, last + 1, IDEMPOTENCY_WINDOW) == 1


@pytest.mark.asyncio
async def test_every_cap_counts_every_cosign_inside_its_period(db) -> None:
    month = Permissions(groups=frozenset({"token_transfers"}), period_seconds=30 * DAY,
                        max_value_per_period=100 * ZCN, max_count_per_period=100)  # fmt: skip
    await db.add_split(split(1, permissions=month))  # period longer than the retention
    await db.add_split(split(2))  # one-day period: the retention decides
    for day in range(40):
        for split_id in ("s1", "s2"):
            result = await db.consume(split_id, f"{split_id}:{day}", None, day + 1, T0 + day * DAY,
                                      allow)  # fmt: skip
            assert result.sealed_server_share is not None
    now = T0 + 40 * DAY
    before: dict[str, UsageSummary] = {}
    for split_id in ("s1", "s2"):
        seen, decide = seen_usage()
        await db.consume(split_id, f"{split_id}:probe", None, 0, now, decide)
        await db.release(f"{split_id}:probe")
        before[split_id] = seen[0]
    assert before["s1"].period_count == 29  # days 11..39 are inside 30 days
    pruned = await prune_all(db, now, WEEK)
    # s1 keeps its 30 days (days 0..10 go), s2 keeps the week of retention (days 0..33 go).
    assert pruned == 11 + 34
    for split_id in ("s1", "s2"):
        seen, decide = seen_usage()
        await db.consume(split_id, f"{split_id}:probe2", None, 0, now, decide)
        assert seen[0] == before[split_id], split_id
    # Max uses counts the split's lifetime, not its records.
    assert (await db.get_split("s1")).uses == 41  # 40 and the probe still held


@pytest.mark.asyncio
async def test_nonce_rules_hold_after_pruning(db) -> None:
    await db.add_split(split(1))
    await db.add_split(split(2))  # another split of the same wallet shares its nonces
    for nonce in (3, 5):
        result = await db.consume("s1", f"s1:n{nonce}", f"w1:{nonce}", 0, T0, allow)
        assert result.sealed_server_share is not None
    assert await db.last_nonce("w1") == 5
    later = T0 + 2 * WEEK
    assert await prune_all(db, later, WEEK) == 2
    assert await db.last_nonce("w1") == 5  # never goes back
    # A nonce may be co-signed again (a refused transaction leaves it unused on chain; see
    # docs/cosigner.md), pruned record or not; the wallet's last nonce still never goes back.
    for nonce in (5, 3, 4):
        again = await db.consume("s2", f"s2:n{nonce}", f"w1:{nonce}", 0, later, allow)
        assert again.sealed_server_share is not None, nonce
        assert await db.last_nonce("w1") == 5
    fresh = await db.consume("s2", "s2:n6", "w1:6", 0, later, allow)
    assert fresh.sealed_server_share is not None
    assert await db.last_nonce("w1") == 6
    # Another wallet's nonces are its own.
    await db.add_wallet(wallet(2))
    await db.add_split(split(3, client_id="w2"))
    other = await db.consume("s3", "s3:n1", "w2:1", 0, later, allow)
    assert other.sealed_server_share is not None


def test_retention_setting_never_undercuts_the_idempotency_window(tmp_path, monkeypatch):
    assert load_config(tmp_path).cosign_retention == DEFAULT_COSIGN_RETENTION
    monkeypatch.setenv("SPLITKEY_COSIGNER_COSIGN_RETENTION", str(30 * DAY))
    assert load_config(tmp_path).cosign_retention == 30 * DAY
    monkeypatch.setenv("SPLITKEY_COSIGNER_COSIGN_RETENTION", str(DAY))
    with pytest.raises(ConfigError, match="cosign_retention must be at least"):
        load_config(tmp_path)


def test_pruning_keeps_the_audit_history_and_the_answers(cosigner):
    alice = holder(cosigner)
    request_ids, signed = [], []
    for nonce in (1, 2, 3):
        tx = alice.tx(nonce=nonce, value=ZCN)
        request_ids.append(uuid.uuid4().hex)
        answer = alice.cosign(tx, request_id=request_ids[-1])
        assert answer.status_code == 200, answer.text
        signed.append((tx, answer.json()))
    key = cosigner.state.audit_key
    path = cosigner.config.audit_path
    records_before = audit.read(path)
    soon = int(time.time()) + IDEMPOTENCY_WINDOW - 60
    assert cosigner.call(retention.prune(cosigner.state, soon)) == 0
    tx, first = signed[0]
    replay = alice.cosign(tx, request_id=request_ids[0])
    assert replay.status_code == 200 and replay.json() == first

    months = int(time.time()) + cosigner.config.cosign_retention + DAY
    assert cosigner.call(retention.prune(cosigner.state, months)) == 3
    report = audit.verify(path, key)
    assert report.ok and report.records == len(records_before)
    assert audit.read(path) == records_before  # every co-sign still in the history
    assert [r["event"] for r in records_before].count("cosign_transaction") == 3
    # The split's count of uses and the wallet's last nonce are what they were.
    assert alice.split()["uses"] == 3
    owned = alice.http.get("/v1/wallets").json()["owned"]
    assert [w["last_nonce"] for w in owned] == [3]
    # A signed nonce may be signed again once its record is gone, as before it went (counted
    # again); the wallet's last nonce does not go back.
    again = alice.cosign(alice.tx(nonce=2, value=ZCN))
    assert again.status_code == 200, again.text
    assert alice.split()["uses"] == 4
    owned = alice.http.get("/v1/wallets").json()["owned"]
    assert [w["last_nonce"] for w in owned] == [3]


@pytest.mark.asyncio
async def test_pruning_finds_old_records_by_index(db) -> None:
    # The sweep must not read the whole table: the oldest rows come from the time index.
    plan = await db._call(
        db._read,
        "EXPLAIN QUERY PLAN SELECT c.rowid FROM cosigns c JOIN splits s ON s.id = c.split_id "
        "WHERE c.at <= 5 AND c.at <= 9 - json_extract(s.permissions, '$.period_seconds') "
        "ORDER BY c.at LIMIT 3",
    )
    text = " ".join(str(r[-1]) for r in plan)
    assert "USING INDEX cosigns_by_time" in text and "SCAN" not in text, text
