"""Middlewares: one error shape for every failure, security headers on every answer, and the
sealed state (only health, readiness and the OpenAPI document answer without the KEK)."""

from __future__ import annotations

import logging

from aiohttp import web

from app.wire import ApiErrorBody

from .audit import AuditUnavailable
from .crypto_pool import Overloaded
from .envelope import SealedDataError
from .errors import ApiError
from .state import STATE
from .storage.base import StorageUnavailable

log = logging.getLogger("splitkey.cosigner")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
}
OPEN_WHEN_SEALED = frozenset({"/health", "/ready", "/openapi.json"})


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
        return _error(exc.status, "", "", exc.headers, exc.body)
    except web.HTTPException as exc:  # routing (404/405), size limits (413), aiohttp's own
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status, "http_error"
        )
        return _error(exc.status, code, exc.reason or "request refused")
    except (StorageUnavailable, AuditUnavailable, Overloaded) as exc:
        what = {
            StorageUnavailable: "storage",
            AuditUnavailable: "audit log",
            Overloaded: "signing queue",
        }[type(exc)]
        log.warning("503: %s unavailable", what)
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


async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """Runs for every answer, errors included: security headers, and no version banner."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    response.headers["Server"] = "splitkey-cosigner"  # no software or version banner
