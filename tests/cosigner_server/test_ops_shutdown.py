"""SIGTERM with co-signs in flight, against a real `serve` subprocess: every request the server
had taken gets a complete answer (a co-signed signature that verifies), the process exits 0
within 30 s, new connections are refused while it drains, and the audit chain verifies with one
"signed" record per answer the client saw.

To be sure the requests are in flight when the signal goes out, the server runs the pure-Python
backend on one crypto worker (about 10 ms a co-sign, one at a time), and the test waits until
/metrics shows every request inside the server (being handled, or answered) before it sends
SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid

import httpx
import pytest

from app.crypto import PublicKey, Signature
from app.transaction import sha3_hex

from .ops_helpers import make_holder, metric, run_cli, start

IN_FLIGHT = 120
SHUTDOWN_LIMIT = 30.0

pytestmark = pytest.mark.slow


async def cosign_all(served, holder, count: int):
    headers = {"Authorization": "Bearer " + holder.token}
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    async with httpx.AsyncClient(
        base_url=served.url,
        verify=served.verify(),
        trust_env=False,
        timeout=60,
        headers=headers,
        limits=limits,
    ) as http:

        async def one(i: int):
            message = f"in flight {i} {uuid.uuid4().hex}"
            body = {
                "split_id": holder.split_id,
                "request_id": uuid.uuid4().hex,
                "message": message,
                "signature": holder.share.sign_hash(sha3_hex(message)).to_hex(),
            }
            try:
                return message, await http.post("/v1/sign/message", json=body)
            except httpx.HTTPError as exc:
                return message, exc

        return await asyncio.gather(*(one(i) for i in range(count)))


def inside_server(http: httpx.Client) -> tuple[float, float]:
    """(requests being handled, answered co-signs) from /metrics; the /metrics request itself
    is one of those being handled."""
    text = http.get("/metrics").text
    depth = metric(text, "splitkey_http_requests_in_flight") - 1
    answered = metric(
        text, "splitkey_http_requests_total", route="/v1/sign/message", method="POST", status="200"
    )
    return depth, answered


def test_sigterm_drains_in_flight_cosigns_and_exits_in_time(tmp_path):
    served = start(
        tmp_path,
        crypto_workers=1,
        crypto_queue=IN_FLIGHT + 8,  # all of them admitted: none gets 503 Overloaded
        rate_per_ip=0,
        rate_per_token=0,
        extra_env={"SPLITKEY_CRYPTO_BACKEND": "pure"},
    )
    try:
        holder = make_holder(served)

        async def scenario():
            task = asyncio.create_task(cosign_all(served, holder, IN_FLIGHT))
            seen = (0.0, 0.0)
            deadline = time.monotonic() + 30
            with served.http(timeout=5) as http:
                while time.monotonic() < deadline:
                    seen = await asyncio.to_thread(inside_server, http)
                    if seen[0] > 0 and seen[0] + seen[1] >= IN_FLIGHT:
                        break
                    await asyncio.sleep(0.002)
            signalled = time.monotonic()
            served.proc.send_signal(signal.SIGTERM)
            # While it drains, the listener is closed: nothing new gets in.
            await asyncio.sleep(0.2)
            refused = None
            if served.proc.poll() is None:
                try:
                    async with httpx.AsyncClient(verify=served.verify(), timeout=2) as probe:
                        await probe.get(served.url + "/health")
                    refused = False
                except httpx.HTTPError:
                    refused = True
            results = await task
            return seen, signalled, refused, results

        seen, signalled, refused, results = asyncio.run(scenario())
        exit_code = served.proc.wait(timeout=SHUTDOWN_LIMIT + 5)
        took = time.monotonic() - signalled
    finally:
        served.stop()

    print(
        json.dumps(
            {
                "figure": "sigterm",
                "in_flight_at_signal": seen[0],
                "answered_before_signal": seen[1],
                "exit_seconds": round(took, 2),
                "new_connection_refused_while_draining": refused,
            }
        )
    )
    assert seen[0] >= 5, "the requests were not in flight when the signal went out"
    assert exit_code == 0 and took < SHUTDOWN_LIMIT
    assert refused in (True, None)  # None: it had already exited
    wallet_key = PublicKey.from_hex(holder.wallet_public_key)
    seqs = set()
    for message, answer in results:
        assert isinstance(answer, httpx.Response), f"no complete answer: {answer!r}"
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["hash"] == sha3_hex(message)
        assert wallet_key.verify_hash(body["hash"], Signature.from_hex(body["signature"]))
        seqs.add(body["receipt"]["audit_seq"])
    stderr = served.stderr()
    assert "Traceback" not in stderr and "draining in-flight requests" in stderr

    code, out, err = run_cli("audit", "verify", "--data-dir", str(served.data), "--json")
    assert code == 0, out + err
    code, out, err = run_cli(
        "audit", "show", "--data-dir", str(served.data), "--json", "--limit", "100000"
    )
    assert code == 0, err
    signed = {
        r["seq"]
        for r in json.loads(out)["records"]
        if r["event"] == "cosign_message" and r["outcome"] == "signed"
    }
    # Every answer the client saw has its "signed" record, and no signature left without one.
    assert len(seqs) == IN_FLIGHT and seqs == signed
