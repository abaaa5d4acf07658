"""/v1/auth/*: enrollment codes, enterprise token exchange, proof of possession, whoami."""

from __future__ import annotations

from aiohttp import web

from app.protocol import bodies
from app.protocol import routes as paths

from .. import identity, reenrollment
from ..principal import bearer_token, require_user
from ..state import STATE
from ..views import user_view
from .common import json_body, ok, parse

routes = web.RouteTableDef()


@routes.post(paths.ENROLL)
async def enroll(request: web.Request) -> web.Response:
    body = parse(bodies.CodeRequest.from_dict, await json_body(request))
    return ok(await identity.enroll(request.app[STATE], body.code))


@routes.post(paths.ENROLLMENT_APPROVALS)
async def approve_enrollment(request: web.Request) -> web.Response:
    """The second half of a two-person enrollment code (reenrollment.py)."""
    who = await require_user(request)
    body = parse(bodies.ApprovalRequest.from_dict, await json_body(request))
    return ok(await reenrollment.approve(request.app[STATE], who, body.ref))


@routes.post(paths.EXCHANGE)
async def exchange(request: web.Request) -> web.Response:
    return ok(await identity.exchange(request.app[STATE], bearer_token(request)))


@routes.post(paths.CHALLENGE)
async def challenge(request: web.Request) -> web.Response:
    body = parse(bodies.ChallengeRequest.from_dict, await json_body(request))
    return ok(await identity.new_challenge(request.app[STATE], body.split_id))


@routes.post(paths.PROOF)
async def proof(request: web.Request) -> web.Response:
    body = parse(bodies.ProofRequest.from_dict, await json_body(request))
    return ok(
        await identity.prove(request.app[STATE], body.split_id, body.challenge, body.signature)
    )


@routes.get(paths.WHOAMI)
async def whoami(request: web.Request) -> web.Response:
    who = await require_user(request, scoped_ok=True)
    return ok(bodies.WhoAmI(user_view(who.user), who.scope_split))
