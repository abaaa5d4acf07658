"""Errors a handler raises to answer the client; the error middleware turns them into the one
JSON error shape of app/protocol (ApiErrorBody). Messages are for people and never carry secrets."""

from __future__ import annotations

from app.protocol.bodies import ApiErrorBody
from app.protocol.enums import ErrorCode

from .model import Refusal


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        rule: str | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ApiErrorBody(code=code, message=message, rule=rule, field=field)
        self.headers = headers or {}


def bad_request(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, "bad_request", message, field=field)


def unauthorized(
    message: str = "a valid bearer token is required", rule: str | None = None
) -> ApiError:
    # rule: Rule.REVOKED when the key itself is refused, so clients need not read the message
    return ApiError(
        401, ErrorCode.UNAUTHORIZED, message, rule=rule, headers={"WWW-Authenticate": "Bearer"}
    )


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def not_found(what: str) -> ApiError:
    # Same answer whether the thing does not exist or is not yours: no probing for ids.
    return ApiError(404, "not_found", f"no such {what}")


def conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message)


def unavailable(message: str) -> ApiError:
    return ApiError(503, "unavailable", message, headers={"Retry-After": "1"})


def refused(refusal: Refusal) -> ApiError:
    return ApiError(refusal.status, "refused", refusal.message, rule=refusal.rule)
