"""kill -9 of the real server process at random moments while a client runs mixed issue,
revoke and co-sign operations (plus replays, signing with revoked splits and second share
retrievals). After every restart: SQLite's integrity check passes, the audit chain verifies and
still holds everything it held before (anchored at the previous head), every acknowledged issue,
share retrieval, revocation and co-sign is in the database with its audit record, no nonce was
signed twice, and the revoked splits stay unable to sign.

CI: >= 10 cycles x 200 operations; `make soak`: >= 50 x 1000."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter

from .harness import (
    Load,
    Server,
    check_acknowledged,
    percentile,
    record_figures,
    sizes,
)


def test_kill9_at_random_moments_loses_nothing_acknowledged(tmp_path):
    cycles, per_cycle = sizes((10, 200), (50, 1000))
    rng = random.Random(0x4B1119)
    server = Server.init(tmp_path)
    server.start()
    load = Load(server, workers=4, seed=rng.randrange(1 << 30))
    load.setup()
    killed = threading.Event()
    anchor = None
    restart_checks = []
    # Counted after every restart and written to the figures before anything is asserted, so a
    # bad run shows its numbers (FAIL) in docs/reliability.md.
    failed: Counter[str] = Counter()
    checks = 0
    try:
        for _cycle in range(cycles):
            # The kill lands at a random operation of this cycle, a random few ms into it, so
            # it hits requests at every stage (parsing, the database, crypto, the audit fsync).
            kill_at = load.op_index + rng.randrange(per_cycle // 10, per_cycle)
            delay = rng.uniform(0.0, 0.02)

            def kill(delay=delay) -> None:
                def fire() -> None:
                    load.up.clear()  # workers pause before their next operation
                    server.kill9()
                    killed.set()

                threading.Timer(delay, fire).start()

            load.hooks[kill_at] = kill
            runner = threading.Thread(target=load.run, args=(per_cycle,), daemon=True)
            runner.start()
            assert killed.wait(300), "the kill never fired"
            killed.clear()
            started = time.monotonic()
            server.start()
            # Before any new operation: the checks, on the database and log the crash left.
            failed["integrity"] += not server.integrity()
            report = server.audit_verify(anchor)
            failed["audit_chain"] += not report.ok
            anchor = report.head if report.ok else anchor
            figures = check_acknowledged(server, load.acks, strict=False)
            failed["lost"] += figures["lost"]
            failed["duplicate_nonces"] += figures["duplicate_nonces"]
            checks += 1
            with server.http() as http:
                assert http.get("/ready").status_code == 200
                for split in load.revoked[-5:]:
                    load._revoked_sign(http, split)
            restart_checks.append(time.monotonic() - started)
            load.refresh_tokens()
            load.up.set()
            runner.join(600)
            assert not runner.is_alive()

        # Replays across all those restarts: the same request (the same answer, no second audit
        # record) and the same nonce under new request ids (refused), 200 times.
        replayed = _replay_after_restarts(server, load)
        final = check_acknowledged(server, load.acks, strict=False)
        failed["lost"] += final["lost"]
        failed["duplicate_nonces"] += final["duplicate_nonces"]
        report = server.audit_verify(anchor)
        failed["audit_chain"] += not report.ok
    finally:
        load.up.set()
        server.stop()
    record_figures(
        "kill9",
        {
            "cycles": cycles,
            "operations_per_cycle": per_cycle,
            "kills": cycles,
            "operations": dict(load.counts),
            "acknowledged": final,
            "acknowledged_checks": checks,
            "lost": failed["lost"],
            "integrity_failures": failed["integrity"],
            "audit_chain_failures": failed["audit_chain"],
            "audit_records_verified": report.records,
            "duplicate_nonces_accepted": failed["duplicate_nonces"],
            "violations": len(load.violations),
            "unexpected_answers": len(load.unexpected),
            "replays_after_restarts": replayed,
            "restart_and_check_seconds_max": round(max(restart_checks), 3),
            "server_start_seconds_median": round(percentile(server.start_seconds, 50), 3),
            "op_latency_p95_ms": round(percentile(load.latencies, 95) * 1000, 1),
            "last_cycle_figures": figures,
        },
    )
    problems = {k: n for k, n in failed.items() if n}
    assert not problems, f"after {checks} restarts: {problems}; {final['lost_examples']}"
    assert not load.violations, load.violations[:5]
    assert not load.unexpected, load.unexpected[:5]
    assert report.ok, report.problem
    assert replayed == 200, f"{200 - replayed} of 200 replays were answered wrongly"


def _replay_after_restarts(server: Server, load: Load) -> int:
    """How many of 200 replays were answered right: the same request gets the same answer, the
    same nonce under a new request id is refused, and none adds a record or a use."""
    # The latest one: a transaction older than max_clock_skew is refused for its creation time
    # before its nonce is even looked at.
    earlier = next(c for _t, c in reversed(load.acks.cosigned) if not c.split.revoking)
    before = [r for r in server.audit_records() if r["split"] == earlier.split.id]
    with server.http() as http:
        auth = load._auth(earlier.split.wallet)
        uses = http.get(f"/v1/splits/{earlier.split.id}", headers=auth).json()["split"]["uses"]
        right = 0
        for _ in range(200):
            answer = http.post("/v1/sign/transaction", json=earlier.body, headers=auth)
            right += (answer.status_code == 200
                      and answer.json()["signature"] == earlier.signature)  # fmt: skip
        replayed = http.get(f"/v1/splits/{earlier.split.id}", headers=auth).json()["split"]
        # The same nonce under a new request id is a new signature (a refused transaction leaves
        # its nonce unused on chain), counted once more; its record says the nonce was signed.
        again = {**earlier.body, "request_id": uuid.uuid4().hex}
        resigned = http.post("/v1/sign/transaction", json=again, headers=auth)
        split = http.get(f"/v1/splits/{earlier.split.id}", headers=auth).json()["split"]
    after = [r for r in server.audit_records() if r["split"] == earlier.split.id]
    signed = [r for r in after if r["outcome"] == "signed" and r not in before]
    # A replay that counted or made a second record, or a re-signature of the nonce that was not
    # counted, makes every replay count as wrong.
    counted_right = (
        replayed["uses"] == uses
        and resigned.status_code == 200
        and len(signed) == 1
        and signed[0]["details"].get("nonce_signed_before", 0) >= 1
        and split["uses"] == uses + 1
    )
    return right if counted_right else 0
