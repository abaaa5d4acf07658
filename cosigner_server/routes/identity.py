"""/v1/auth/*: enrollment codes, enterprise token exchange, proof of possession, whoami."""

from __future__ import annotations

from aiohttp import web

from app.protocol.bodies import require
from app.protocol.routes import API

from .. import identity, reenrollment
from ..principal import bearer_token, require_user
from ..state import STATE
from ..views import user_view
from .common import json_body, ok, parse

routes = web.RouteTableDef()


@routes.post(API + "/auth/enroll")
async def enroll(request: web.Request) -> web.Response:
    code = parse(lambda d: require(d, "code", str), await json_body(request))
    return ok(await identity.enroll(request.app[STATE], code))


@routes.post(API + "/auth/enrollment-approvals")
async def approve_enrollment(request: web.Request) -> web.Response:
    """The second half of a two-person enrollment code (reenrollment.py)."""
    who = await require_user(request)
    ref = parse(lambda d: require(d, "ref", str), await json_body(request))
    return ok(await reenrollment.approve(request.app[STATE], who, ref))


@routes.post(API + "/auth/exchange")
async def exchange(request: web.Request) -> web.Response:
    return ok(await identity.exchange(request.app[STATE], bearer_token(request)))


@routes.post(API + "/auth/challenge")
async def challenge(request: web.Request) -> web.Response:
    split_id = parse(lambda d: require(d, "split_id", str), await json_body(request))
    return ok(await identity.new_challenge(request.app[STATE], split_id))


@routes.post(API + "/auth/proof")
async def proof(request: web.Request) -> web.Response:
    body = await json_body(request)
    split_id = parse(lambda d: require(d, "split_id", str), body)
    challenge = parse(lambda d: require(d, "challenge", str), body)
    signature = parse(lambda d: require(d, "signature", str), body)
    return ok(await identity.prove(request.app[STATE], split_id, challenge, signature))


@routes.get(API + "/auth/whoami")
async def whoami(request: web.Request) -> web.Response:
    who = await require_user(request, scoped_ok=True)
    return ok({"user": user_view(who.user), "split": who.scope_split})
