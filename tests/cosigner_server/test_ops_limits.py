"""The limits of cosigner_server/limits.py and serving.py against a real server (in-process): every
refusal comes before handler work, in the one error shape, with the security headers and the
plain Server header; rate limits answer 429 with Retry-After; a foreign Host or Origin is refused;
no answer carries a CORS header."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from cosigner_server import identity
from cosigner_server.bootstrap import init_data_dir
from cosigner_server.middlewares import SECURITY_HEADERS

from .conftest import RunningServer, make_config, run_server

LIMITS_ON = {
    "rate_per_ip": 1000,
    "burst_per_ip": 1000,
    "rate_per_token": 1000,
    "burst_per_token": 1000,
    "login_failures_per_minute": 10,
    "login_failure_burst": 10,
}


def server_with(tmp_path, **settings) -> Iterator[RunningServer]:
    config = make_config(tmp_path / "cosigner", **{**LIMITS_ON, **settings})
    init_data_dir(config)
    yield from run_server(config)


@pytest.fixture
def limited(tmp_path) -> Iterator[RunningServer]:
    yield from server_with(tmp_path)


def assert_shaped(answer: httpx.Response, status: int, code: str | None = None) -> dict:
    """The error shape, the security headers, no CORS, no version banner."""
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    error = answer.json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value, name
    assert answer.headers["Server"] == "splitkey-cosigner"
    assert not any(h.lower().startswith("access-control-") for h in answer.headers)
    return error


class HandlerWork:
    """Counts what a handler does first on authenticated routes: token verification."""

    def __init__(self, server: RunningServer, monkeypatch) -> None:
        self.calls = 0
        verifier = server.state.verifier
        original = verifier.verify

        def counting(token):
            self.calls += 1
            return original(token)

        monkeypatch.setattr(verifier, "verify", counting)


# -- body and header sizes ---------------------------------------------------------------------


def test_oversized_bodies_get_413_before_any_handler_work(limited, monkeypatch):
    _, token = limited.add_user("alice")
    work = HandlerWork(limited, monkeypatch)
    limit = limited.config.max_body_bytes
    headers = limited.headers(token)
    with httpx.Client(base_url=limited.url, headers=headers, timeout=30) as http:
        declared = http.post("/v1/sign/transaction", content=b"x" * (limit + 1))
        assert_shaped(declared, 413, "too_large")

        def chunks():  # no Content-Length: the guard reads it against the limit
            for _ in range(limit // 1024 + 2):
                yield b"y" * 1024

        chunked = http.post("/v1/sign/message", content=chunks())
        assert_shaped(chunked, 413, "too_large")
        assert work.calls == 0  # the token was never even looked at
        fits = http.post("/v1/sign/message", json={"split_id": "s"})
        assert fits.status_code == 400 and work.calls == 1


def raw_request(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    return status, headers, body


@pytest.mark.parametrize(
    ("what", "status", "code"),
    [
        ("long header", 431, "headers_too_large"),
        ("many headers", 431, "headers_too_large"),
        ("long url", 414, "url_too_long"),
        ("garbage", 400, "bad_request"),
    ],
)
def test_parser_refusals_are_shaped_with_headers_and_no_banner(limited, what, status, code):
    config = limited.config
    path = "/health"
    extra = ""
    if what == "long header":
        extra = "X-Big: " + "b" * (config.max_header_bytes + 10) + "\r\n"
    elif what == "many headers":
        extra = "".join(f"X-H{i}: v\r\n" for i in range(config.max_headers + 5))
    elif what == "long url":
        path = "/health?" + "q" * (config.max_url_bytes + 10)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n"
    if what == "garbage":
        request = "GET /health HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n"  # a header without ':'
    got, headers, body = raw_request(limited.url, request.encode())
    assert got == status
    import json

    assert json.loads(body)["error"]["code"] == code
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value
    assert headers["Server"] == "splitkey-cosigner"  # not "Python/3.x aiohttp/3.x"


def test_the_default_header_limit_still_takes_a_long_token(limited):
    # An enterprise JWT with many claims can be a few kB: well inside max_header_bytes.
    with httpx.Client(base_url=limited.url) as http:
        answer = http.get("/v1/auth/whoami", headers={"Authorization": "Bearer " + "a" * 6000})
    assert_shaped(answer, 401, "unauthorized")


# -- deadlines ---------------------------------------------------------------------------------


def test_a_handler_past_its_deadline_answers_503(tmp_path, monkeypatch):
    servers = server_with(tmp_path, request_deadline=1)
    server = next(servers)
    try:

        async def stuck(state, code):
            await asyncio.sleep(30)

        monkeypatch.setattr(identity, "enroll", stuck)
        with httpx.Client(base_url=server.url, timeout=30) as http:
            started = time.monotonic()
            answer = http.post("/v1/auth/enroll", json={"code": "ABCDE-FGHIJ"})
            took = time.monotonic() - started
            error = assert_shaped(answer, 503, "deadline_exceeded")
            assert error["rule"] == "deadline" and answer.headers["Retry-After"] == "1"
            assert 0.9 < took < 5
            assert http.get("/health").status_code == 200  # the server is fine
    finally:
        servers.close()


# -- rate limits -------------------------------------------------------------------------------


def test_per_ip_bucket_answers_429_with_retry_after_and_spares_health(tmp_path):
    servers = server_with(tmp_path, rate_per_ip=1, burst_per_ip=5)
    server = next(servers)
    try:
        with httpx.Client(base_url=server.url) as http:
            statuses = [http.get("/v1/wallets").status_code for _ in range(5)]
            assert statuses == [401] * 5
            limited = http.get("/v1/wallets")
            error = assert_shaped(limited, 429, "rate_limited")
            assert error["rule"] == "rate_ip"
            assert int(limited.headers["Retry-After"]) >= 1
            # Probes are never throttled, even from the same address.
            assert all(http.get("/health").status_code == 200 for _ in range(20))
            time.sleep(1.1)  # a token refills
            assert http.get("/v1/wallets").status_code == 401
    finally:
        servers.close()


def test_per_token_bucket_limits_one_token_not_the_others(tmp_path):
    servers = server_with(tmp_path, rate_per_token=1, burst_per_token=3)
    server = next(servers)
    try:
        _, alice = server.add_user("alice")
        _, bob = server.add_user("bob")
        with httpx.Client(base_url=server.url) as http:
            for _ in range(3):
                assert http.get("/v1/wallets", headers=server.headers(alice)).status_code == 200
            over = http.get("/v1/wallets", headers=server.headers(alice))
            assert assert_shaped(over, 429, "rate_limited")["rule"] == "rate_token"
            assert http.get("/v1/wallets", headers=server.headers(bob)).status_code == 200
    finally:
        servers.close()


def test_failed_logins_have_a_stricter_bucket(tmp_path):
    servers = server_with(tmp_path, login_failures_per_minute=1, login_failure_burst=3)
    server = next(servers)
    try:
        user, _ = server.add_user("carol")
        code = server.call(identity.issue_enrollment_code(server.state, None, user))
        with httpx.Client(base_url=server.url) as http:
            for _ in range(3):
                bad = http.post("/v1/auth/enroll", json={"code": "WRONG-WRONG-WRONG"})
                assert bad.status_code == 401
            # Locked out now, even with the right code: guessing is what the bucket stops.
            locked = http.post("/v1/auth/enroll", json={"code": code})
            assert assert_shaped(locked, 429, "rate_limited")["rule"] == "login"
            assert http.post("/v1/auth/proof", json={}).status_code == 429
            assert http.post("/v1/auth/exchange").status_code == 429
            # Other routes are not affected by failed logins.
            assert http.get("/v1/wallets").status_code == 401
    finally:
        servers.close()


def test_successful_logins_do_not_drain_the_failure_bucket(tmp_path):
    servers = server_with(tmp_path, login_failures_per_minute=1, login_failure_burst=2)
    server = next(servers)
    try:
        with httpx.Client(base_url=server.url) as http:
            for i in range(5):
                user, _ = server.add_user(f"user{i}")
                code = server.call(identity.issue_enrollment_code(server.state, None, user))
                assert http.post("/v1/auth/enroll", json={"code": code}).status_code == 200
    finally:
        servers.close()


# -- Host, Origin, CORS ------------------------------------------------------------------------


def test_foreign_host_is_misdirected_and_allowed_hosts_are_taken(tmp_path):
    servers = server_with(tmp_path, allowed_hosts="cosigner.example")
    server = next(servers)
    port = server.url.rsplit(":", 1)[1]
    try:
        with httpx.Client(base_url=server.url) as http:
            for host in ("evil.example", f"evil.example:{port}", "127.0.0.2", "[::2]"):
                answer = http.get("/health", headers={"Host": host})
                assert assert_shaped(answer, 421, "misdirected")["rule"] == "host"
            for host in (
                f"127.0.0.1:{port}",
                "localhost",
                f"LOCALHOST.:{port}",
                "[::1]:1",
                "cosigner.example",
            ):
                assert http.get("/health", headers={"Host": host}).status_code == 200, host
    finally:
        servers.close()


def test_foreign_origins_are_refused_and_no_cors_header_is_ever_sent(tmp_path):
    servers = server_with(tmp_path, allowed_origins="https://wallet.example")
    server = next(servers)
    _, token = server.add_user("dave")
    try:
        with httpx.Client(base_url=server.url, headers=server.headers(token)) as http:
            for origin in ("https://evil.example", "null", "http://localhost:1"):
                answer = http.get("/v1/wallets", headers={"Origin": origin})
                assert assert_shaped(answer, 403, "forbidden_origin")["rule"] == "origin"
            ok = http.get("/v1/wallets", headers={"Origin": "https://wallet.example"})
            assert ok.status_code == 200
            own = http.get("/v1/wallets", headers={"Origin": server.url})
            assert own.status_code == 200  # the server's own pages (/docs)
            preflight = http.options(
                "/v1/wallets",
                headers={
                    "Origin": "https://wallet.example",
                    "Access-Control-Request-Method": "POST",
                },
            )
            assert_shaped(preflight, 405, "method_not_allowed")
            for answer in (ok, own, preflight):
                assert not any(h.lower().startswith("access-control-") for h in answer.headers)
    finally:
        servers.close()


def test_security_headers_on_every_kind_of_answer(tmp_path):
    servers = server_with(tmp_path, rate_per_ip=1, burst_per_ip=8)
    server = next(servers)
    try:
        with httpx.Client(base_url=server.url) as http:
            assert_shaped(http.get("/nope"), 404, "not_found")
            assert_shaped(http.delete("/health"), 405, "method_not_allowed")
            assert_shaped(http.post("/v1/auth/enroll", content=b"x" * 70_000), 413)
            assert_shaped(http.post("/v1/auth/enroll", content=b"{"), 400, "bad_request")
            assert_shaped(http.get("/v1/wallets"), 401, "unauthorized")
            assert_shaped(http.get("/health", headers={"Host": "evil.example"}), 421)
            assert_shaped(http.get("/health", headers={"Origin": "https://evil.example"}), 403)
            for _ in range(8):
                http.get("/nope")
            assert_shaped(http.get("/nope"), 429, "rate_limited")
            ok = http.get("/health")
            assert ok.status_code == 200 and ok.headers["Server"] == "splitkey-cosigner"
            for name, value in SECURITY_HEADERS.items():
                assert ok.headers[name] == value
    finally:
        servers.close()
