"""Two co-signer replicas, each a process with its own PostgresStorage (own pool, own clock), on one
PostgreSQL database: the exactness one server has must hold across them. Every test runs with
the race hook off and on (a 5 ms pause between each check and its write, without which these
tests pass even with the row locks removed)."""

from __future__ import annotations

import io
import json
import multiprocessing
from collections import Counter

import psycopg
import pytest

from app.permissions import Permissions
from cosigner_server.audit import verify_stream
from cosigner_server.storage.postgres import JOURNAL_SCHEMA, SCHEMA, PostgresStorage
from tests.pg_cluster import Cluster, pg_cluster  # noqa: F401 (the fixture)

from . import pg_replica_worker as worker
from .storage_conformance import split, user, wallet

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CAPPED = Permissions(groups=frozenset({"token_transfers"}), period_seconds=3600,
                     max_value_per_period=60)  # fmt: skip


class Replicas:
    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.results = ctx.Queue()
        self.barrier = ctx.Barrier(2)
        self.commands = {name: ctx.Queue() for name in ("A", "B")}
        self.procs = [
            ctx.Process(
                target=worker.serve, args=(name, q, self.results, self.barrier), daemon=True
            )  # fmt: skip
            for name, q in self.commands.items()
        ]
        for p in self.procs:
            p.start()

    def run(self, url: str, race: bool, a: tuple[str, dict], b: tuple[str, dict]) -> dict:
        for name, (scenario, args) in (("A", a), ("B", b)):
            self.commands[name].put((scenario, url, race, args))
        out = {}
        for _ in range(2):
            name, result, error = self.results.get(timeout=120)
            assert error is None, f"replica {name}: {error}"
            out[name] = result
        return out

    def stop(self) -> None:
        for q in self.commands.values():
            q.put(None)
        for p in self.procs:
            p.join(10)
            if p.is_alive():
                p.kill()
                p.join()


@pytest.fixture(scope="module")
def replicas():
    r = Replicas()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture(params=[False, True], ids=["plain", "race-hook"])
def race(request) -> bool:
    return request.param


@pytest.fixture
async def db(pg_cluster: Cluster):  # noqa: F811
    """A new database with owner u1, wallet w1 and its splits s1..s4 (s1 capped at 60)."""
    url = pg_cluster.new_database()
    storage = PostgresStorage(url, pool_size=2)
    await storage.open()
    await storage.add_user(user(1))
    await storage.add_wallet(wallet(1))
    await storage.add_split(split(1, permissions=CAPPED))
    for n in (2, 3, 4, 5):
        await storage.add_split(split(n))
    try:
        yield url, storage
    finally:
        await storage.close()


def _chain(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            f"SELECT line FROM {JOURNAL_SCHEMA}.audit_records ORDER BY seq"
        ).fetchall()
    return [r[0] for r in rows]


def _verify(url: str):
    stream = io.BytesIO("".join(line + "\n" for line in _chain(url)).encode())
    return verify_stream(stream, worker.AUDIT_KEY)


async def test_cap_split_across_replicas_is_exact(replicas, db, race) -> None:
    url, storage = db
    got = replicas.run(url, race, ("cap", {"split_id": "s1", "n": 50}),
                       ("cap", {"split_id": "s1", "n": 50}))  # fmt: skip
    accepted = {name: sum(bool(r.get("accepted")) for r in rs) for name, rs in got.items()}
    refused = [r["rule"] for rs in got.values() for r in rs if not r.get("accepted")]
    assert accepted["A"] + accepted["B"] == 60, accepted
    assert set(refused) == {"period_value_cap"} and len(refused) == 40
    assert (await storage.get_split("s1")).uses == 60
    report = _verify(url)
    assert report.ok and report.records == 60, report


async def test_same_nonces_through_two_replicas_follow_the_nonce_rule(replicas, db, race) -> None:
    # Two splits of one wallet sign nonces 0..29 at once, one through each replica. A nonce may
    # be signed again; each signature counts, and each knows how many came before it.
    url, storage = db
    got = replicas.run(url, race, ("nonces", {"split_id": "s2", "wallet": "w1", "n": 30}),
                       ("nonces", {"split_id": "s3", "wallet": "w1", "n": 30}))  # fmt: skip
    results = got["A"] + got["B"]
    assert all(r.get("accepted") for r in results)
    by_nonce: dict[str, list[int]] = {}
    for r in results:
        by_nonce.setdefault(r["key"].split("-n")[1], []).append(r["signed_before"])
    assert all(sorted(v) == [0, 1] for v in by_nonce.values()), by_nonce
    assert (await storage.get_split("s2")).uses == 30 and (await storage.get_split("s3")).uses == 30
    assert await storage.last_nonce("w1") == 29


async def test_replayed_request_ids_are_answered_once(replicas, db, race) -> None:
    url, storage = db
    keys = [f"req-{i}" for i in range(20)]
    got = replicas.run(url, race, ("replays", {"split_id": "s2", "keys": keys, "rounds": 3}),
                       ("replays", {"split_id": "s2", "keys": keys, "rounds": 3}))  # fmt: skip
    results = got["A"] + got["B"]
    signed = Counter(r["key"] for r in results if r.get("accepted"))
    assert signed == Counter(keys)  # each request signed exactly once, whichever replica won
    others = [r for r in results if not r.get("accepted")]
    assert all(r["replay"] == f"answer-{r['key']}" or r["rule"] == "request_in_progress"
               for r in others)  # fmt: skip
    assert any(r["replay"] for r in others)
    assert (await storage.get_split("s2")).uses == 20
    assert _verify(url).records == 20


async def test_revoke_on_a_then_b_refuses_and_commits_nothing_after(
    replicas,
    db,
    race,
    pg_cluster: Cluster,  # noqa: F811
) -> None:
    url, storage = db
    got = replicas.run(url, race, ("revoke_after", {"split_id": "s4", "delay": 0.3}),
                       ("sign_until_refused", {"split_id": "s4", "workers": 6}))  # fmt: skip
    acked = got["A"]["revoke_acked"]
    signs = got["B"]
    accepted = [r for r in signs if r.get("accepted")]
    assert accepted, "B signed nothing before the revocation: the test proves nothing"
    late = [r for r in accepted if r["started"] > acked]
    assert not late, f"{len(late)} co-signs that started after the revocation was acknowledged"
    assert all(r["rule"] == "revoked" for r in signs if not r.get("accepted"))
    assert (await storage.get_split("s4")).uses == len(accepted)
    # No use committed after the revocation (commit timestamps, from the database itself).
    with psycopg.connect(url) as conn:
        (after,) = conn.execute(
            f"SELECT count(*) FROM {SCHEMA}.cosigns c, {JOURNAL_SCHEMA}.revocations r "
            "WHERE c.split_id = 's4' AND r.split_id = 's4' "
            "AND pg_xact_commit_timestamp(c.xmin) > pg_xact_commit_timestamp(r.xmin)"
        ).fetchone()
    assert after == 0


async def test_a_user_share_is_delivered_once_out_of_2x30(replicas, db, race) -> None:
    url, _ = db
    args = {"split_id": "s5", "holder": "u1", "n": 30}
    got = replicas.run(url, race, ("take_share", args), ("take_share", args))
    assert got["A"] + got["B"] == 1


async def test_one_audit_chain_of_2x200_verifies(replicas, db, race) -> None:
    url, _ = db
    args = {"n": 200, "in_flight": 8}
    got = replicas.run(url, race, ("appends", args), ("appends", args))
    assert sorted(got["A"] + got["B"]) == list(range(1, 401))
    report = _verify(url)
    assert report.ok and report.records == 400, report
    actors = Counter(json.loads(line)["actor"] for line in _chain(url))
    assert actors == {"A": 200, "B": 200}
