"""Liveness, readiness and the OpenAPI document: the only routes that need no token."""

from __future__ import annotations

from aiohttp import web

from ..audit_health import audit_writable
from ..openapi import document
from ..state import STATE
from .common import ok

routes = web.RouteTableDef()


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    return ok({"status": "ok", "sealed": request.app[STATE].sealed})


@routes.get("/ready")
async def ready(request: web.Request) -> web.Response:
    state = request.app[STATE]
    checks = {"unsealed": not state.sealed, "storage": False, "audit": False}
    if not state.sealed:
        try:
            checks["storage"] = await state.storage.check()
        except Exception:
            checks["storage"] = False
        checks["audit"] = audit_writable(state.audit.path)
    return ok(
        {"ready": all(checks.values()), "checks": checks},
        status=200 if all(checks.values()) else 503,
    )


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return ok(document())
