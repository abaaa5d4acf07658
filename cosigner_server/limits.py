"""Refusing cheaply before any work: Host allow-list, foreign Origins, token-bucket rate limits
(per client address, per bearer token, and a small bucket for failed logins), the body size
(413 before a handler runs), and per-route deadlines.

Everything here runs on the event loop and is O(1) per request, so a flood of refused requests
costs no crypto, no database and no audit I/O: the guard answers before the handler starts.

Rate limits are in memory and per process: a restart forgets them, and several server processes
behind one address each keep their own (acceptable: the bounded crypto queue is the last line).
Behind a reverse proxy every request comes from the proxy's address, so the per-IP buckets then
limit the proxy as a whole; put the proxy's own limits in front, or raise rate_per_ip."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from aiohttp import web

from app.protocol import routes as paths

from .config import ServerConfig
from .errors import ApiError
from .metrics import SIGN_PREFIXES
from .principal import bearer_token

LOGIN_PATHS = frozenset({paths.ENROLL, paths.EXCHANGE, paths.PROOF})
# Probes and the scraper must answer even while a client floods from the same address.
UNLIMITED_PATHS = frozenset({paths.HEALTH, paths.READY, paths.METRICS})
AUDIT_PATHS_SUFFIX = ("/audit", "/audit/verify")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Statuses that mean "that login did not work" (429 and 5xx are not the caller's failure).
LOGIN_FAILURE_STATUSES = frozenset({400, 401, 403, 404, 409})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Buckets:
    """Token buckets by key: `rate` tokens a second up to `burst`. Bounded memory: beyond
    max_keys, full buckets are dropped first (a full bucket is the same as no bucket), then the
    oldest keys (lenient for those keys; the per-IP bucket still applies to them)."""

    def __init__(self, rate: float, burst: float, max_keys: int = 50_000) -> None:
        self.rate = float(rate)
        self.burst = float(max(burst, 1))
        self.max_keys = max_keys
        self._state: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def __len__(self) -> int:
        return len(self._state)

    def _level(self, key: str, now: float) -> float:
        tokens, at = self._state.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - at) * self.rate)

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds until one token is there (0.0: there is one now). Takes nothing."""
        if not self.enabled:
            return 0.0
        now = time.monotonic() if now is None else now
        level = self._level(key, now)
        return 0.0 if level >= 1 else (1 - level) / self.rate

    def take(self, key: str, now: float | None = None) -> float:
        """Take a token: 0.0 when taken, else the seconds until one is there (nothing taken)."""
        if not self.enabled:
            return 0.0
        now = time.monotonic() if now is None else now
        level = self._level(key, now)
        if level >= 1:
            self._store(key, level - 1, now)
            return 0.0
        self._store(key, level, now)
        return (1 - level) / self.rate

    def drain(self, key: str, now: float | None = None) -> None:
        """Take a token if there is one (a failure to count, never refused itself)."""
        if self.enabled:
            now = time.monotonic() if now is None else now
            self._store(key, max(0.0, self._level(key, now) - 1), now)

    def _store(self, key: str, tokens: float, now: float) -> None:
        if key not in self._state and len(self._state) >= self.max_keys:
            self._prune(now)
        self._state[key] = (tokens, now)

    def _prune(self, now: float) -> None:
        full = [k for k, (t, at) in self._state.items() if t + (now - at) * self.rate >= self.burst]
        for key in full:
            del self._state[key]
        if len(self._state) >= self.max_keys:
            for key in list(self._state)[: len(self._state) // 2]:
                del self._state[key]


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def host_name(header: str) -> str:
    """The name in a Host header, without port, brackets or a trailing dot, lowercased."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


@dataclass(frozen=True)
class Deadlines:
    request: float
    sign: float
    audit: float

    def for_path(self, path: str) -> float:
        if path.startswith(SIGN_PREFIXES):
            return self.sign
        if path.endswith(AUDIT_PATHS_SUFFIX):
            return self.audit
        return self.request


class Guard:
    """The per-server state of the limits; one per application."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        hosts = set(LOOPBACK_HOSTS) | {host_name(h) for h in config.allowed_hosts}
        if config.host not in ("", "0.0.0.0", "::"):
            hosts.add(host_name(config.host))  # a specific bound address is its own name
        self.hosts = frozenset(hosts)
        self.origins = frozenset(o.strip().rstrip("/").lower() for o in config.allowed_origins)
        self.per_ip = Buckets(config.rate_per_ip, config.burst_per_ip)
        self.per_token = Buckets(config.rate_per_token, config.burst_per_token)
        self.login_failures = Buckets(
            config.login_failures_per_minute / 60.0, config.login_failure_burst
        )
        self.deadlines = Deadlines(
            config.request_deadline, config.sign_deadline, config.audit_deadline
        )
        self.metrics_networks = tuple(
            ipaddress.ip_network(n, strict=False) for n in config.metrics_networks
        )

    # -- checks that raise ApiError ---------------------------------------------------------------

    def check_host(self, request: web.Request) -> None:
        header = request.headers.get("Host")
        # HTTP/1.1 without Host is refused by the parser; HTTP/1.0 clients may omit it (probes).
        if header is not None and host_name(header) not in self.hosts:
            raise ApiError(
                421,
                "misdirected",
                "this server does not answer for that host name (set allowed_hosts)",
                rule="host",
            )

    def check_origin(self, request: web.Request) -> None:
        origin = request.headers.get("Origin")
        if origin is None:
            return
        value = origin.strip().rstrip("/").lower()
        own = f"{request.scheme}://{request.headers.get('Host', '')}".lower()
        if value in self.origins or value == own:
            return  # own: the Host already passed the allow-list, so this is our own page
        raise ApiError(
            403, "forbidden_origin", "requests from web pages are refused", rule="origin"
        )

    def check_rates(self, request: web.Request, client: str) -> None:
        if request.path in UNLIMITED_PATHS:
            return
        wait = self.per_ip.take(client)
        if wait:
            raise _too_many("too many requests from this address", wait, "rate_ip")
        token = bearer_token(request)
        if token:
            # Keyed by a digest: raw bearer tokens are secrets and are kept nowhere.
            key = hashlib.blake2b(token.encode(errors="replace"), digest_size=16).hexdigest()
            wait = self.per_token.take(key)
            if wait:
                raise _too_many("too many requests with this token", wait, "rate_token")
        if request.path in LOGIN_PATHS:
            wait = self.login_failures.wait(client)
            if wait:
                raise _too_many("too many failed sign-ins from this address", wait, "login")

    def metrics_allowed_without_token(self, request: web.Request) -> bool:
        try:
            address = ipaddress.ip_address(client_address(request))
        except ValueError:
            return False
        return any(address in network for network in self.metrics_networks)


def _too_many(message: str, wait: float, rule: str) -> ApiError:
    return ApiError(
        429, "rate_limited", message, rule=rule, headers={"Retry-After": retry_after(wait)}
    )


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"


GUARD: web.AppKey[Guard] = web.AppKey("guard", Guard)


@web.middleware
async def guard(request: web.Request, handler) -> web.StreamResponse:
    """Host, Origin, rate limits and the body size, all before the handler. Failed logins are
    counted after it."""
    limits = request.app[GUARD]
    client = client_address(request)
    limits.check_host(request)
    limits.check_origin(request)
    limits.check_rates(request, client)
    await _read_body(request, limits)
    if request.path not in LOGIN_PATHS:
        return await handler(request)
    try:
        response = await handler(request)
    except ApiError as exc:
        if exc.status in LOGIN_FAILURE_STATUSES:
            limits.login_failures.drain(client)
        raise
    if response.status in LOGIN_FAILURE_STATUSES:
        limits.login_failures.drain(client)
    return response


async def _read_body(request: web.Request, limits: Guard) -> None:
    """413 from the declared length at once; a body without one (chunked) is read here, against
    client_max_size, so the handler starts only with a body that fits (and is in memory)."""
    if request.method not in BODY_METHODS or not request.body_exists:
        return
    limit = limits.config.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    try:
        async with asyncio.timeout(limits.deadlines.request):
            await request.read()  # cached: the handler's read() gets the same bytes
    except TimeoutError:
        raise ApiError(
            408, "request_timeout", "the body arrived too slowly", rule="slow_body"
        ) from None


@web.middleware
async def deadline(request: web.Request, handler) -> web.StreamResponse:
    """The handler's whole run is bounded. On expiry the handler is cancelled (co-signing
    releases its reserved use on cancellation) and the client gets 503 with Retry-After."""
    timer = asyncio.timeout(request.app[GUARD].deadlines.for_path(request.path))
    try:
        async with timer:
            return await handler(request)
    except TimeoutError:
        if not timer.expired():
            raise  # a TimeoutError of the handler's own, not the deadline
        raise ApiError(
            503,
            "deadline_exceeded",
            "the request took longer than its deadline; retry shortly",
            rule="deadline",
            headers={"Retry-After": "1"},
        ) from None
