"""Two real `serve` processes on one PostgreSQL (database_url), sharing the data directory's
config, KEK and TLS certificate (the sealed server secrets come from the database), as replicas
behind a load balancer would: a token from A works on B, a revocation on A holds on B at once,
both show one audit chain, and killing one with SIGKILL under load loses nothing acknowledged
(the fault suite's own checks, reading PostgreSQL instead of the SQLite file)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest

from tests.pg_cluster import Cluster, pg_cluster  # noqa: F401 (the fixture)

from .harness import Load, Server, check_acknowledged, run_cli
from .pg_replica_helpers import PgServer, _replica_of

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_two_replicas_on_one_postgresql(tmp_path: Path, pg_cluster: Cluster) -> None:  # noqa: F811
    url = pg_cluster.new_database()
    init = Server.init(tmp_path, name="A", database_url=url)
    a = PgServer(init.data, init.env)
    b = _replica_of(a, tmp_path, "B")
    assert not (a.data / "cosigner.db").exists()  # all state is in PostgreSQL
    a.start()
    b.start()
    # B took the sealed server secrets from the database (and keeps a copy for the offline CLI).
    assert (b.data / "secrets.sealed").read_bytes() == (a.data / "secrets.sealed").read_bytes()
    try:
        # Enrolled on A, the token works on B (same signing key, same database).
        load_a = Load(a, workers=2, seed=7)
        load_a.setup(splits_per_wallet=3)
        load_b = Load(b, workers=2, seed=8)
        for name in ("wallets", "active", "revoked", "acks", "lock", "violations", "unexpected",
                     "counts", "latencies"):  # fmt: skip
            setattr(load_b, name, getattr(load_a, name))  # one client's view of both
        wallet = load_a.wallets[0]
        with b.http() as http:
            listed = http.get(
                f"/v1/wallets/{wallet.client_id}/splits", headers=load_a._auth(wallet)
            )
            assert listed.status_code == 200 and len(listed.json()["splits"]) == 3

        # Revoke via A, then B refuses it as revoked.
        target = load_a.active.pop(0)
        with a.http() as http:
            load_a._revoke(http, target)
        assert target.revoked
        with b.http() as http:
            load_b._revoked_sign(http, target)
        assert load_a.counts["revoked_refused"] == 1

        # Co-signs through both replicas under one limit: max_uses 10 on one split, 2 x 10 tries.
        capped = next(s for s in load_a.active if s.wallet is wallet)
        with a.http() as http:
            tight = {"permissions": {"groups": ["token_transfers"], "max_uses": 10}}
            changed = http.put(f"/v1/splits/{capped.id}/permissions", json=tight,
                               headers=load_a._auth(wallet))  # fmt: skip
            assert changed.status_code == 200, changed.text
        load_a.active.remove(capped)
        outcomes: list[tuple[int, str | None]] = []

        def sign_ten(server: Server) -> None:
            with server.http() as http:
                for _ in range(10):
                    with load_a.lock:
                        wallet.nonce += 1
                        nonce = wallet.nonce
                    tx = load_a._tx(capped, nonce)
                    body = {
                        "split_id": capped.id,
                        "request_id": uuid.uuid4().hex,
                        "transaction": {
                            **tx.to_dict(),
                            "signature": capped.share.sign_hash(tx.hash).to_hex(),
                        },
                    }
                    got = http.post("/v1/sign/transaction", json=body, headers=load_a._auth(wallet))
                    rule = (
                        got.json().get("error", {}).get("rule") if got.status_code != 200 else None
                    )
                    outcomes.append((got.status_code, rule))  # fmt: skip

        threads = [threading.Thread(target=sign_ten, args=(s,)) for s in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(code == 200 for code, _ in outcomes) == 10, outcomes
        assert {rule for code, rule in outcomes if code != 200} == {"max_uses"}

        # A proof-of-possession challenge is redeemed once across replicas: made and redeemed
        # on A, the same proof replayed to B is refused (the used record is in the database).
        holder = load_a.active[0]
        with a.http() as http_a, b.http() as http_b:
            challenge = http_a.post("/v1/auth/challenge", json={"split_id": holder.id}).json()
            proof = {
                "split_id": holder.id,
                "challenge": challenge["challenge"],
                "signature": holder.share.sign(bytes.fromhex(challenge["message_hex"])).to_hex(),
            }
            assert http_a.post("/v1/auth/proof", json=proof).status_code == 200
            replayed = http_b.post("/v1/auth/proof", json=proof)
            assert replayed.status_code == 401, replayed.text
            assert "unknown, used or expired" in replayed.json()["error"]["message"]

        # Load through both; A dies by SIGKILL half-way, B keeps serving.
        load_a.run(40)
        thread_b = load_b.run_background()
        load_a.hooks[load_a.op_index + 20] = a.kill9
        load_a.run(40)
        load_b.stop_background(thread_b)
        assert a.proc.poll() == -9  # A really died mid-load
        cosigned_before = len(load_a.acks.cosigned)
        load_b._stop.clear()  # stop_background leaves it set; run() would do nothing
        load_b.run(40)  # still serving after A is gone
        assert len(load_a.acks.cosigned) > cosigned_before
        assert not load_a.violations and not load_a.unexpected, (
            load_a.violations, load_a.unexpected,
        )  # fmt: skip
        figures = check_acknowledged(b, load_a.acks)
        assert figures["cosigned"] > 0

        # `audit verify` on either replica's data directory: one chain, the same head.
        heads = []
        for server in (a, b):
            verified = run_cli("audit", "verify", "--data-dir", server.data, "--json")
            assert verified.code == 0, verified.out + verified.err
            heads.append(verified.json()["head"])
        assert heads[0] == heads[1]
        shown = run_cli("audit", "show", "--data-dir", b.data, "--limit", "100000", "--json")
        assert shown.code == 0, shown.err
        assert [r["seq"] for r in shown.json()["records"]] == list(range(1, heads[0][0] + 1))
        assert a.audit_verify().ok
        actors_on = {r["event"] for r in a.audit_records()}
        assert {"split_revoked", "cosign_transaction"} <= actors_on
    finally:
        b.stop()
        if a.proc is not None and a.proc.poll() is None:
            a.stop()
