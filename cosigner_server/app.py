"""The aiohttp application factory: `create_app(config)` for serving and for tests."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from . import kek_rotation, retention, vault
from .admission import full_gate_first
from .bootstrap import close_state, load_state
from .config import ServerConfig
from .limits import GUARD, Guard, deadline, guard
from .middlewares import errors, observe, on_prepare, sealed
from .routes import (
    admin,
    audit,
    docs,
    health,
    identity,
    sign,
    splits,
    wallets,
    zauth,
    zvault,
)
from .state import STATE, ServerState

log = logging.getLogger("splitkey.cosigner")
ROLE_ROUTES = {
    "vault": (identity, wallets, splits, admin, audit, zvault),
    "auth": (identity, sign, zauth),
}
DELETION_SWEEP_SECONDS = 60


def create_app(config: ServerConfig, state: ServerState | None = None) -> web.Application:
    """The server for config.role. With `state`, use it as is (tests); else load on startup."""
    # Outermost first: observe counts what errors shaped; a signing request that meets a full
    # signing gate is refused first (the cheapest refusal, the one overload is made of); guard
    # refuses before any work; the deadline bounds the handler; sealed answers 503 for routes
    # that need the KEK.
    app = web.Application(
        middlewares=[observe, errors, full_gate_first, guard, deadline, sealed],
        client_max_size=config.max_body_bytes,
    )
    app[STATE] = state or ServerState(config=config)
    app[GUARD] = Guard(config)
    app.on_response_prepare.append(on_prepare)
    app.router.add_routes(health.routes)
    app.router.add_routes(docs.routes)
    modules: list = []
    for role in ("vault", "auth") if config.role == "all" else (config.role,):
        modules.extend(m for m in ROLE_ROUTES[role] if m not in modules)
    for module in modules:
        app.router.add_routes(module.routes)
    if state is None:
        app.cleanup_ctx.append(_lifecycle)
    app.cleanup_ctx.append(_deletion_sweeper)
    app.cleanup_ctx.append(_retention_sweeper)
    if config.database_url:
        app.cleanup_ctx.append(_replica_heartbeat)
    return app


async def _lifecycle(app: web.Application):
    loaded = await load_state(app[STATE].config)
    app[STATE].__dict__.update(loaded.__dict__)
    state = app[STATE]
    if state.sealed:
        log.warning("starting sealed: no key-encryption key found; only /health answers")
    elif state.config.database_url:
        # Replicas: record this ring, and seal under a new key only once every live one has it.
        await kek_rotation.settle(state)
    yield
    if not state.sealed and state.config.database_url:
        with contextlib.suppress(Exception):  # a clean stop no longer counts as live
            await state.storage.replica_gone(kek_rotation.replica_id(state))
    await close_state(state)


def _every(seconds: float, job, what: str, roles: tuple[str, ...]):
    """A cleanup context running job(state) now and then every `seconds` while the server is
    unsealed and has one of `roles`; a failure is logged and retried next time."""

    async def context(app: web.Application):
        async def loop() -> None:
            while True:
                state = app[STATE]
                if not state.sealed and state.config.role in roles:
                    try:
                        await job(state)
                    except Exception:
                        log.exception("%s failed; retrying later", what)
                await asyncio.sleep(seconds)

        task = asyncio.create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context


_deletion_sweeper = _every(
    DELETION_SWEEP_SECONDS, vault.delete_due_wallets, "deletion sweep", ("all", "vault")
)
_retention_sweeper = _every(
    retention.SWEEP_SECONDS, retention.sweep, "retention sweep", ("all", "auth")
)


_replica_heartbeat = _every(
    kek_rotation.REPLICA_HEARTBEAT,
    kek_rotation.settle,
    "replica heartbeat",
    ("all", "vault", "auth"),
)
