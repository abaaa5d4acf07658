"""Request parsing shared by the route modules."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app import gojson
from app.protocol.bodies import WireError

from ..errors import bad_request


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; 400 naming the problem otherwise (size is capped by the app's
    client_max_size, which answers 413 before this runs)."""
    # body_exists, not can_read_body: limits.guard has already read the body into memory (to
    # answer 413 before any handler work), which leaves the stream at its end.
    if not request.body_exists:
        return {}
    try:
        # gojson: deep nesting, 5000-digit numbers and lone surrogates are a 400 here, not a
        # RecursionError, ValueError or UnicodeEncodeError (500) further on; a repeated key is
        # refused rather than "last one wins" ({"frozen": true, "frozen": false}).
        data = gojson.loads(await request.read(), unique_keys=True)
    except gojson.GoJsonError as exc:
        raise bad_request(f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise bad_request("the body must be a JSON object")
    return data


def parse(fn, data: Any):
    """Run a wire parser, turning WireError into a 400 that names the field."""
    try:
        return fn(data)
    except WireError as exc:
        raise bad_request(str(exc), field=exc.field) from None


def ok(data: Any, status: int = 200) -> web.Response:
    """A JSON answer: a body of app/protocol/bodies.py, or (0Chain's own shapes) plain JSON."""
    return web.json_response(data.to_dict() if hasattr(data, "to_dict") else data, status=status)
