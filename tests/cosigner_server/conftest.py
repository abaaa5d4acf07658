"""A real co-signer on 127.0.0.1 for tests: a fresh data directory (KEK file, sealed secrets,
SQLite, audit log), the aiohttp app on a real port, run by its own event loop in a thread so that
synchronous clients (httpx, the CLI in-process) and async tests can both talk to it. Also the
`server_log` fixture (the server's DEBUG log in a file) that the canary tests search."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from cosigner_server import identity
from cosigner_server.app import create_app
from cosigner_server.bootstrap import close_state, init_data_dir, load_state
from cosigner_server.config import ServerConfig, load_config
from cosigner_server.model import User
from cosigner_server.serving import make_runner
from cosigner_server.state import ServerState
from tests.log_capture import debug_log_to


@dataclass
class RunningServer:
    url: str
    config: ServerConfig
    state: ServerState
    loop: asyncio.AbstractEventLoop

    def call(self, coro):
        """Run a coroutine on the server's loop (to reach its state) and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def add_user(self, subject: str, role: str = "user") -> tuple[User, str]:
        """A user and a server token for them (what enrollment would give)."""
        user, _code = self.call(identity.create_user(self.state, None, subject, role))
        return user, identity.mint(self.state, user)["token"]

    def headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


def make_config(data_dir: Path, **overrides) -> ServerConfig:
    settings = {"crypto_mode": "thread", "crypto_workers": 2, "kek_source": "file", "port": 0}
    # Rate limits off: figure tests send hundreds of requests a second with one token from one
    # address. The limits have their own tests (test_ops_limits.py), which turn them on.
    settings.update(rate_per_ip=0, rate_per_token=0, login_failures_per_minute=0)
    settings.update(overrides)
    return load_config(data_dir, overrides=settings)


@pytest.fixture
def server_config(tmp_path: Path) -> ServerConfig:
    config = make_config(tmp_path / "cosigner")
    init_data_dir(config)
    return config


def run_server(config: ServerConfig) -> Iterator[RunningServer]:
    loop = asyncio.new_event_loop()
    started: dict = {}
    ready = threading.Event()

    async def start() -> None:
        state = await load_state(config)
        # The server's own runner: parser-level refusals (414/431) in the API's error shape.
        runner = make_runner(create_app(config, state), config, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        started.update(state=state, runner=runner, url=f"http://127.0.0.1:{port}")

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:  # surface start-up errors in the test, not in a thread
            started["error"] = exc
        ready.set()
        if "error" not in started:
            loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(60)
    if "error" in started:
        raise started["error"]
    server = RunningServer(url=started["url"], config=config, state=started["state"], loop=loop)
    try:
        yield server
    finally:

        async def stop() -> None:
            await started["runner"].cleanup()
            await close_state(started["state"])

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture
def cosigner(server_config: ServerConfig) -> Iterator[RunningServer]:
    yield from run_server(server_config)


class ClientLogFilter(logging.Filter):
    """The test's own HTTP client logs in this process too; only the server's logs count."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(("httpx", "httpcore"))


@pytest.fixture
def server_log(tmp_path: Path):
    with debug_log_to(tmp_path / "server-debug.log", ClientLogFilter()) as path:
        yield path
