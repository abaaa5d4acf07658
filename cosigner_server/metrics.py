"""Prometheus metrics in the text exposition format (version 0.0.4), written here: the format is
a few lines of text, and a client library would bring a process-global registry that tests
running several servers in one process would share.

What is counted: answers by route, method and status; refusals by rule (policy rules and the
limits of limits.py); co-sign latency; crypto queue depth and jobs; pairing checks; audit write
failures. Label values are bounded: routes are the router's templates (never raw paths), methods
outside the known set become "other"."""

from __future__ import annotations

import bisect
import time
from collections import Counter
from typing import Any

from aiohttp import web

from app.protocol.routes import API

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
# Set on the request by the error middleware, read by the observe middleware.
RULE_KEY: web.RequestKey[str] = web.RequestKey("refusal_rule", str)
SIGN_PREFIXES = (API + "/sign/", "/sign/")  # routes whose latency the co-sign histogram keeps


class Histogram:
    def __init__(self, buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.buckets = buckets
        self.counts = [0] * len(buckets)  # per bucket, not cumulative (cumulated on render)
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self.buckets, value)
        if index < len(self.buckets):
            self.counts[index] += 1
        self.sum += value
        self.count += 1


class Metrics:
    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, str]] = Counter()
        self.refusals: Counter[str] = Counter()
        self.cosign: dict[tuple[str, str], Histogram] = {}
        self.audit_failures = 0
        self.in_flight = 0  # requests inside the app now (SIGTERM drains these)
        self.started_at = time.time()

    def observe_answer(
        self, route: str, method: str, status: str, seconds: float, rule: str | None
    ) -> None:
        method = method if method in KNOWN_METHODS else "other"
        self.requests[(route, method, status)] += 1
        if rule:
            self.refusals[rule] += 1
        if route.startswith(SIGN_PREFIXES):
            result = "signed" if status.startswith("2") else "refused"
            self.cosign.setdefault((route, result), Histogram()).observe(seconds)

    def refusal(self, rule: str) -> None:
        self.refusals[rule] += 1


def route_label(request: web.Request) -> str:
    """The route's template (/v1/wallets/{client_id}), never the raw path: bounded labels."""
    match_info = request.match_info
    route = getattr(match_info, "route", None)
    resource = getattr(route, "resource", None)
    if resource is None:
        return "unmatched"
    return resource.canonical


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    return repr(float(value)) if isinstance(value, float) else str(value)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, value: float, **labels: str) -> None:
        self.lines.append(f"{name}{_labels(**labels)} {_number(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def render(metrics: Metrics, state: Any, guard: Any = None) -> str:
    w = _Writer()
    w.family("splitkey_http_requests_total", "counter", "Answers by route, method and status.")
    for (route, method, status), n in sorted(metrics.requests.items()):
        w.sample("splitkey_http_requests_total", n, route=route, method=method, status=status)

    w.family("splitkey_refusals_total", "counter", "Refused requests by rule (policy and limits).")
    for rule, n in sorted(metrics.refusals.items()):
        w.sample("splitkey_refusals_total", n, rule=rule)

    name = "splitkey_cosign_duration_seconds"
    w.family(name, "histogram", "Co-sign request latency, signed or refused.")
    for (route, result), hist in sorted(metrics.cosign.items()):
        cumulative = 0
        for bound, count in zip(hist.buckets, hist.counts, strict=True):
            cumulative += count
            w.sample(name + "_bucket", cumulative, route=route, result=result, le=_number(bound))
        w.sample(name + "_bucket", hist.count, route=route, result=result, le="+Inf")
        w.sample(name + "_sum", hist.sum, route=route, result=result)
        w.sample(name + "_count", hist.count, route=route, result=result)

    w.family("splitkey_http_requests_in_flight", "gauge", "Requests being handled now.")
    w.sample("splitkey_http_requests_in_flight", metrics.in_flight)

    pool = getattr(state, "pool", None)
    w.family("splitkey_crypto_queue_depth", "gauge", "Crypto jobs queued or running.")
    w.sample("splitkey_crypto_queue_depth", pool.pending if pool else 0)
    w.family("splitkey_crypto_queue_capacity", "gauge", "Crypto jobs admitted at most at once.")
    w.sample("splitkey_crypto_queue_capacity", pool.max_queue if pool else 0)
    w.family("splitkey_crypto_jobs_total", "counter", "Crypto jobs admitted, by job.")
    for job, n in sorted((pool.jobs if pool else {}).items()):
        w.sample("splitkey_crypto_jobs_total", n, job=job)
    w.family("splitkey_crypto_rejected_total", "counter", "Crypto jobs refused: queue full.")
    w.sample("splitkey_crypto_rejected_total", pool.rejected if pool else 0)
    w.family(
        "splitkey_pairing_checks_total",
        "counter",
        "BLS signature verifications (pairing products) admitted to the crypto pool.",
    )
    w.sample("splitkey_pairing_checks_total", pool.pairing_checks if pool else 0)

    w.family("splitkey_audit_failures_total", "counter", "Audit records that could not be written.")
    w.sample("splitkey_audit_failures_total", metrics.audit_failures)

    w.family("splitkey_sealed", "gauge", "1 while the server has no key-encryption key.")
    w.sample("splitkey_sealed", 1 if getattr(state, "sealed", True) else 0)
    if guard is not None:
        w.family("splitkey_rate_limit_keys", "gauge", "Clients tracked by each rate limit.")
        for bucket in ("per_ip", "per_token", "login_failures"):
            w.sample("splitkey_rate_limit_keys", len(getattr(guard, bucket)), bucket=bucket)
    w.family("splitkey_start_time_seconds", "gauge", "When the server started (Unix time).")
    w.sample("splitkey_start_time_seconds", metrics.started_at)
    return w.text()
