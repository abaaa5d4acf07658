"""/v1/sign/*: co-sign a transaction, a message, or auth headers."""

from __future__ import annotations

from aiohttp import web

from app.protocol import routes as paths
from app.protocol.bodies import SignMessageRequest, SignTransactionRequest

from .. import signing
from ..admission import gated
from ..principal import require_user
from ..state import STATE
from .common import json_body, ok, parse

routes = web.RouteTableDef()


@routes.post(paths.SIGN_TRANSACTION)
@gated
async def sign_transaction(request: web.Request) -> web.Response:
    who = await require_user(request, scoped_ok=True)
    req = parse(SignTransactionRequest.from_dict, await json_body(request))
    answer = await signing.cosign_transaction(
        request.app[STATE], who, req.split_id, req.request_id, req.transaction
    )
    return ok(answer)


@routes.post(paths.SIGN_MESSAGE)
@gated
async def sign_message(request: web.Request) -> web.Response:
    return await _message(request, headers=False)


@routes.post(paths.SIGN_AUTH_HEADERS)
@gated
async def sign_auth_headers(request: web.Request) -> web.Response:
    return await _message(request, headers=True)


async def _message(request: web.Request, *, headers: bool) -> web.Response:
    who = await require_user(request, scoped_ok=True)
    req = parse(SignMessageRequest.from_dict, await json_body(request))
    answer = await signing.cosign_message(
        request.app[STATE],
        who,
        req.split_id,
        req.request_id,
        req.message,
        req.signature,
        headers=headers,
    )
    return ok(answer)
