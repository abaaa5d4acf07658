"""Liveness, readiness, metrics and the OpenAPI document: the routes that need no token
(/metrics needs one only from outside metrics_networks)."""

from __future__ import annotations

from aiohttp import web

from app.protocol import routes as paths
from app.protocol.bodies import Health, Readiness

from .. import metrics
from ..audit_access import audit_ready
from ..errors import unavailable
from ..kek_rotation import holds_shared_key
from ..limits import GUARD
from ..openapi import document
from ..principal import require_admin
from ..state import STATE
from .common import ok

routes = web.RouteTableDef()


@routes.get(paths.HEALTH)
async def health(request: web.Request) -> web.Response:
    return ok(Health(status="ok", sealed=request.app[STATE].sealed))


@routes.get(paths.READY)
async def ready(request: web.Request) -> web.Response:
    state = request.app[STATE]
    checks = {"unsealed": not state.sealed, "storage": False, "audit": False}
    if not state.sealed:
        try:
            checks["storage"] = await state.storage.check()
        except Exception:
            checks["storage"] = False
        checks["audit"] = await audit_ready(state.audit)
        if state.config.database_url:
            # replicas: this one must hold the KEK the shared secrets are sealed under now
            try:
                checks["kek"] = await holds_shared_key(state)
            except Exception:
                checks["kek"] = False
    ready = all(checks.values())
    return ok(Readiness(ready=ready, checks=checks), status=200 if ready else 503)


@routes.get(paths.OPENAPI)
async def openapi(request: web.Request) -> web.Response:
    return ok(document())


@routes.get(paths.METRICS)
async def metrics_text(request: web.Request) -> web.Response:
    """Prometheus text format. Counts are not secret but say how the server is used: open to
    metrics_networks (loopback by default, where a local scraper or agent runs), anyone else
    needs an admin token."""
    state = request.app[STATE]
    guard = request.app[GUARD]
    if not guard.metrics_allowed_without_token(request):
        if state.sealed:
            # No token can be checked without the KEK: say sealed, as every other route does.
            raise unavailable("the co-signer is sealed")
        await require_admin(request)
    text = metrics.render(state.metrics, state, guard)
    return web.Response(body=text.encode(), headers={"Content-Type": metrics.CONTENT_TYPE})
