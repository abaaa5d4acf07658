"""Splits: create (for me, for a user, or behind a one-time share code), list, permissions,
revoke, retrieve the user share once, redeem a share code."""

from __future__ import annotations

from aiohttp import web

from app.protocol import bodies
from app.protocol import routes as paths

from .. import keyless, vault
from ..principal import require_user
from ..state import STATE
from ..views import split_view
from .common import json_body, ok, parse

routes = web.RouteTableDef()


@routes.post(paths.WALLET_SPLITS)
async def create_split(request: web.Request) -> web.Response:
    who = await require_user(request)
    body = parse(bodies.CreateSplitRequest.from_dict, await json_body(request))
    state, client_id = request.app[STATE], request.match_info["client_id"]
    terms = {
        "label": body.label[: bodies.MAX_LABEL],
        "holder": body.holder or "me",
        "permissions": body.permissions,
    }
    if body.delegation is not None:  # a keyless wallet: cut from the owner's share
        made = keyless.delegate(state, who, client_id, request=body.delegation, **terms)
    else:
        made = vault.create_split(state, who, client_id, **terms)
    split, code = await made
    if not code:
        return ok(bodies.NewSplitAnswer(split_view(split)), status=201)
    ttl = state.config.share_code_ttl
    return ok(bodies.NewSplitAnswer(split_view(split), code, ttl), status=201)


@routes.get(paths.SPLITS)
async def my_splits(request: web.Request) -> web.Response:
    who = await require_user(request)
    splits = await request.app[STATE].storage.list_splits(holder_id=who.user.id)
    return ok(bodies.SplitList([split_view(s) for s in splits]))


@routes.get(paths.SPLIT)
async def get_split(request: web.Request) -> web.Response:
    who = await require_user(request)
    split = await vault.split_for(
        request.app[STATE], who, request.match_info["split_id"], access=vault.VIEW
    )
    return ok(bodies.SplitAnswer(split_view(split)))


@routes.put(paths.SPLIT_PERMISSIONS)
async def set_permissions(request: web.Request) -> web.Response:
    who = await require_user(request)
    body = parse(bodies.PermissionsRequest.from_dict, await json_body(request))
    split = await vault.set_permissions(
        request.app[STATE], who, request.match_info["split_id"], body.permissions
    )
    return ok(bodies.SplitAnswer(split_view(split)))


@routes.post(paths.SPLIT_REVOKE)
async def revoke(request: web.Request) -> web.Response:
    who = await require_user(request)
    split = await vault.revoke(request.app[STATE], who, request.match_info["split_id"])
    return ok(bodies.SplitAnswer(split_view(split)))


@routes.post(paths.SPLIT_REFRESH)
async def refresh(request: web.Request) -> web.Response:
    # A token from proof of possession of this split's share may refresh it: the request is
    # signed by that share anyway.
    who = await require_user(request, scoped_ok=True)
    body = parse(bodies.RefreshRequest.from_dict, await json_body(request))
    split = await keyless.refresh(request.app[STATE], who, request.match_info["split_id"], body)
    return ok(bodies.SplitAnswer(split_view(split)))


@routes.post(paths.SPLIT_KEY)
async def retrieve_key(request: web.Request) -> web.Response:
    who = await require_user(request)
    share = await vault.retrieve_share(request.app[STATE], who, request.match_info["split_id"])
    return ok(share)


@routes.post(paths.REDEEM)
async def redeem(request: web.Request) -> web.Response:
    who = await require_user(request)
    body = parse(bodies.CodeRequest.from_dict, await json_body(request))
    share = await vault.redeem_code(request.app[STATE], who, body.code)
    return ok(share)
