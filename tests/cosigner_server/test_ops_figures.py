"""The service figures against a real `serve` subprocess (spec/reliability.md, Service):

* N unauthenticated or over-quota requests (no token, forged tokens, a token over its rate,
  failed proofs of possession, the 0Chain routes without a token, with unknown or over-quota
  peer keys): 0 pairing computations, read
  from the server's own /metrics (the crypto pool counts every verification it admits), and
  /health p99 < 50 ms while the flood runs. N = 2 000 in CI, 10 000 in `make soak`.
* /health p99 < 50 ms while signing runs (crypto in a worker process, as `serve` runs it).

The figures are printed (pytest -s) and the soak run writes them to docs/benchmarks.md."""

from __future__ import annotations

import asyncio
import json
import statistics
import threading
import time
import uuid

import httpx
import pytest

from app.crypto import SecretKey
from app.transaction import sha3_hex

from .ops_helpers import SOAK, Served, make_holder, metric, serving

FLOOD = 10_000 if SOAK else 2_000
SIGNING_SECONDS = 30.0 if SOAK else 4.0
CONCURRENCY = 16
HEALTH_P99_MS = 50.0

pytestmark = pytest.mark.slow


class HealthProbe:
    """GET /health every few milliseconds on its own connection, in its own thread."""

    def __init__(self, served: Served, interval: float = 0.005) -> None:
        self.served, self.interval = served, interval
        self.latencies: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self.served.http(timeout=10) as http:
            while not self._stop.is_set():
                started = time.perf_counter()
                answer = http.get("/health")
                took = (time.perf_counter() - started) * 1000
                if answer.status_code == 200:
                    self.latencies.append(took)
                else:
                    self.failures += 1
                time.sleep(self.interval)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(30)

    def p99(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def forged_token() -> str:
    header = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9"
    return f"{header}.{uuid.uuid4().hex}.{uuid.uuid4().hex}"


def flood_requests(holder, count: int):
    """(method, path, headers, body) of requests that must never reach a pairing."""
    partial = "ab" * 32
    message_body = {
        "split_id": holder.split_id,
        "request_id": uuid.uuid4().hex,
        "message": "flood",
        "signature": partial,
    }
    kinds = [
        ("POST", "/v1/sign/message", {}, message_body),  # no token
        ("POST", "/v1/sign/message", {"Authorization": "Bearer " + forged_token()}, message_body),
        # The holder's real token, far over its per-token rate: refused with 429. The few the
        # bucket's refill lets through (1/s) name a split that is not theirs and end in 404
        # before any crypto, so every pairing the server counts would be the flood's fault.
        (
            "POST",
            "/v1/sign/message",
            {"Authorization": "Bearer " + holder.token},
            {**message_body, "split_id": "s_" + "0" * 24},
        ),
        (
            "POST",
            "/v1/auth/proof",
            {},
            {"split_id": holder.split_id, "challenge": uuid.uuid4().hex, "signature": partial},
        ),
        ("POST", "/sign/msg", {"X-Jwt-Token": forged_token()}, {"hash": "00", "signature": "0"}),
        ("GET", "/v1/wallets", {"Authorization": "Bearer garbage"}, None),
        # ZAuth without a token (possession is the credential): an unknown peer key (0Chain's
        # 500 not_found, before any pairing); the holder's real peer key over its per-split
        # rate, or a raw hash its key may not sign (refused by policy before the crypto); a
        # transaction without a partial.
        ("POST", "/sign/txn", {"X-Peer-Public-Key": "ab" * 64}, {"client_id": holder.client_id}),
        (
            "POST",
            "/sign/msg",
            {"X-Peer-Public-Key": holder.share.public_key().to_hex()},
            {"hash": "cd" * 32, "signature": partial, "client_id": holder.client_id},
        ),
        (
            "POST",
            "/sign/txn",
            {"X-Peer-Public-Key": holder.share.public_key().to_hex()},
            {"client_id": holder.client_id, "chain_id": "00" * 32, "creation_date": 1},
        ),
    ]
    for i in range(count):
        yield kinds[i % len(kinds)]


async def flood(served: Served, holder, count: int) -> dict[int | str, int]:
    statuses: dict[int | str, int] = {}
    queue: asyncio.Queue = asyncio.Queue()
    for item in flood_requests(holder, count):
        queue.put_nowait(item)

    async def worker(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            method, path, headers, body = queue.get_nowait()
            answer = await http.request(method, path, headers=headers, json=body)
            key: int | str = answer.status_code
            if key == 500 and answer.json()["error"]["code"] == "not_found":
                key = "500 not_found"  # 0Chain's status for an unknown split, not a crash
            statuses[key] = statuses.get(key, 0) + 1

    async with httpx.AsyncClient(
        base_url=served.url, verify=served.verify(), trust_env=False, timeout=30
    ) as http:
        await asyncio.gather(*(worker(http) for _ in range(CONCURRENCY)))
    return statuses


def read_metrics(served: Served) -> str:
    with served.http() as http:
        answer = http.get("/metrics")
    assert answer.status_code == 200
    return answer.text


def test_unauthenticated_and_over_quota_floods_cause_no_pairing(tmp_path):
    with serving(
        tmp_path,
        # A tight per-token bucket makes the holder's token over quota at once; the per-IP
        # bucket is opened wide so the flood reaches the token checks instead of stopping there.
        rate_per_ip=100_000,
        burst_per_ip=100_000,
        rate_per_token=1,
        burst_per_token=6,
    ) as served:
        holder = make_holder(served)
        before = read_metrics(served)
        assert metric(before, "splitkey_pairing_checks_total") == 0
        started = time.perf_counter()
        with HealthProbe(served) as probe:
            statuses = asyncio.run(flood(served, holder, FLOOD))
        seconds = time.perf_counter() - started
        after = read_metrics(served)

    assert sum(statuses.values()) == FLOOD
    assert not any(isinstance(s, int) and s >= 500 for s in statuses), statuses
    assert statuses.get(429, 0) >= FLOOD // 6  # the over-quota third at least
    pairings = metric(after, "splitkey_pairing_checks_total")
    jobs = metric(after, "splitkey_crypto_jobs_total", job="cosign") + metric(
        after, "splitkey_crypto_jobs_total", job="verify"
    )
    p99 = probe.p99()
    print(
        json.dumps(
            {
                "figure": "flood",
                "requests": FLOOD,
                "seconds": round(seconds, 2),
                "statuses": statuses,
                "pairing_checks": pairings,
                "health_probes": len(probe.latencies),
                "health_p50_ms": round(statistics.median(probe.latencies), 2),
                "health_p99_ms": round(p99, 2),
            }
        )
    )
    assert pairings == 0 and jobs == 0
    assert probe.failures == 0 and len(probe.latencies) >= 50
    if SOAK:  # a figure, not a CI gate: make soak / bench report it (docs/benchmarks.md)
        assert p99 < HEALTH_P99_MS


async def sign_for(served: Served, holder, seconds: float, clients: int = 4) -> tuple[int, int]:
    share: SecretKey = holder.share
    stop = time.monotonic() + seconds
    counts = {"signed": 0, "other": 0}

    async def loop(http: httpx.AsyncClient) -> None:
        i = 0
        while time.monotonic() < stop:
            message = f"load {uuid.uuid4().hex} {i}"
            partial = share.sign_hash(sha3_hex(message)).to_hex()
            body = {
                "split_id": holder.split_id,
                "request_id": uuid.uuid4().hex,
                "message": message,
                "signature": partial,
            }
            answer = await http.post("/v1/sign/message", json=body)
            counts["signed" if answer.status_code == 200 else "other"] += 1
            i += 1

    headers = {"Authorization": "Bearer " + holder.token}
    async with httpx.AsyncClient(
        base_url=served.url, verify=served.verify(), trust_env=False, timeout=30, headers=headers
    ) as http:
        await asyncio.gather(*(loop(http) for _ in range(clients)))
    return counts["signed"], counts["other"]


def test_health_stays_fast_while_signing_runs(tmp_path):
    with serving(
        tmp_path,
        crypto_mode="process",  # as serve runs by default: pairings off the event loop
        crypto_workers=1,  # two cores: one for the worker, one for the loop and this test
        rate_per_ip=0,
        rate_per_token=0,
    ) as served:
        holder = make_holder(served)
        with HealthProbe(served) as probe:
            signed, other = asyncio.run(sign_for(served, holder, SIGNING_SECONDS))
        after = read_metrics(served)
    p99 = probe.p99()
    print(
        json.dumps(
            {
                "figure": "health while signing",
                "seconds": SIGNING_SECONDS,
                "signed": signed,
                "other": other,
                "signs_per_second": round(signed / SIGNING_SECONDS, 1),
                "health_probes": len(probe.latencies),
                "health_p50_ms": round(statistics.median(probe.latencies), 2),
                "health_p99_ms": round(p99, 2),
            }
        )
    )
    assert signed > 0 and other == 0
    assert metric(after, "splitkey_pairing_checks_total") >= 2 * signed
    assert probe.failures == 0
    if SOAK:  # a figure, not a CI gate: make soak / bench report it (docs/benchmarks.md)
        assert p99 < HEALTH_P99_MS
