"""Middlewares: one error shape for every failure, security headers on every answer, metrics of
every answer, and the sealed state (only health, readiness, metrics and the API documents answer
without the KEK).

Order (outermost first, see app.py): observe -> errors -> full_gate_first (admission.py) ->
guard -> deadline -> sealed -> handler.
observe counts the answer errors shaped; guard (limits.py) refuses before any handler work."""

from __future__ import annotations

import logging
import time

from aiohttp import web

from app.protocol import routes as paths
from app.protocol.bodies import ApiErrorBody

from .audit import AuditUnavailable
from .crypto_pool import Overloaded
from .envelope import SealedDataError
from .errors import ApiError
from .logs import Throttled
from .metrics import RULE_KEY, route_label
from .state import STATE
from .storage.base import StorageUnavailable

log = logging.getLogger("splitkey.cosigner")
# 503s come in floods under overload: one line, then a count at most every 10 s
unavailable_log = Throttled(log)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
}
OPEN_WHEN_SEALED = frozenset(
    {
        paths.HEALTH,
        paths.READY,
        paths.METRICS,
        paths.OPENAPI,
        paths.DOCS,
        paths.DOCS_SCRIPT,
        paths.DOCS_STYLE,
    }
)
# Rules for refusals that are not policy rules, so /metrics can count them by rule too.
_UNAVAILABLE_RULES = {
    StorageUnavailable: "storage_unavailable",
    AuditUnavailable: "audit_unavailable",
    Overloaded: "crypto_queue_full",
}


def _error(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    body: ApiErrorBody | None = None,
) -> web.Response:
    body = body or ApiErrorBody(code=code, message=message)
    return web.json_response(body.to_dict(), status=status, headers=headers)


@web.middleware
async def errors(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        if exc.body.rule:
            request[RULE_KEY] = exc.body.rule
        return _error(exc.status, "", "", exc.headers, exc.body)
    except web.HTTPException as exc:  # routing (404/405), size limits (413), aiohttp's own
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status, "http_error"
        )
        if exc.status == 413:
            request[RULE_KEY] = "body_size"
        # 405 keeps its Allow header: it tells a client which methods the path has.
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return _error(exc.status, code, exc.reason or "request refused", headers)
    except (StorageUnavailable, AuditUnavailable, Overloaded) as exc:
        request[RULE_KEY] = _UNAVAILABLE_RULES[type(exc)]
        if isinstance(exc, AuditUnavailable):
            request.app[STATE].metrics.audit_failures += 1
        what = {
            StorageUnavailable: "storage",
            AuditUnavailable: "audit log",
            Overloaded: "signing queue",
        }[type(exc)]
        unavailable_log.warning(f"503: {what} unavailable")
        return _error(
            503,
            "unavailable",
            f"the {what} is unavailable now; retry shortly",
            {"Retry-After": "1"},
        )
    except SealedDataError:
        log.error("a sealed record failed to open (damaged or moved)")
        return _error(500, "damaged_record", "a stored record is damaged and was not used")
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _error(500, "internal", "internal error")


@web.middleware
async def sealed(request: web.Request, handler) -> web.StreamResponse:
    if request.app[STATE].sealed and request.path not in OPEN_WHEN_SEALED:
        return _error(
            503,
            "sealed",
            "the co-signer is sealed: its key-encryption key is missing",
            {"Retry-After": "30"},
        )
    return await handler(request)


@web.middleware
async def observe(request: web.Request, handler) -> web.StreamResponse:
    """Outermost: counts every answer (by route template, method, status and refusal rule) after
    the error middleware has shaped it, and times co-signs."""
    started = time.perf_counter()
    status = "cancelled"  # cancelled by the shutdown timeout: no answer went out
    metrics = request.app[STATE].metrics
    metrics.in_flight += 1
    try:
        response = await handler(request)
        status = str(response.status)
        return response
    except web.HTTPException as exc:  # only what bypassed the error middleware
        status = str(exc.status)
        raise
    finally:
        metrics.in_flight -= 1
        metrics.observe_answer(
            route_label(request),
            request.method,
            status,
            time.perf_counter() - started,
            request.get(RULE_KEY),
        )


async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """Runs for every answer, errors included: security headers, no CORS, no version banner.
    (Answers to requests the HTTP parser refused never reach the app: serving.py's protocol
    gives those the same headers.)"""
    apply_headers(response.headers, secure=request.secure)


def apply_headers(headers, *, secure: bool) -> None:
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    # No CORS, ever: the API is not for pages of other sites. Whatever set such a header, it
    # does not leave.
    for name in {n.lower() for n in headers if n.lower().startswith("access-control-")}:
        headers.popall(name, None)
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    headers["Server"] = "splitkey-cosigner"  # no software or version banner
