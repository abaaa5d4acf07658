"""Splits: create (for me, for a user, or behind a one-time share code), list, permissions,
revoke, retrieve the user share once, redeem a share code."""

from __future__ import annotations

from aiohttp import web

from app.protocol.bodies import DelegationRequest, RefreshRequest, permissions_from, require
from app.protocol.routes import API

from .. import keyless, vault
from ..principal import require_user
from ..state import STATE
from ..views import split_view
from .common import json_body, ok, parse

routes = web.RouteTableDef()


@routes.post(API + "/wallets/{client_id}/splits")
async def create_split(request: web.Request) -> web.Response:
    who = await require_user(request)
    body = await json_body(request)
    label = parse(lambda d: require(d, "label", str, optional=True), body) or ""
    holder = parse(lambda d: require(d, "holder", str, optional=True), body) or "me"
    raw = parse(lambda d: require(d, "permissions", dict, optional=True), body)
    permissions = None if raw is None else parse(permissions_from, raw)
    delegation = parse(lambda d: require(d, "delegation", dict, optional=True), body)
    if delegation is not None:  # a keyless wallet: cut from the owner's share
        split, code = await keyless.delegate(
            request.app[STATE],
            who,
            request.match_info["client_id"],
            label=label[:100],
            holder=holder,
            permissions=permissions,
            request=parse(DelegationRequest.from_dict, delegation),
        )
    else:
        split, code = await vault.create_split(
            request.app[STATE],
            who,
            request.match_info["client_id"],
            label=label[:100],
            holder=holder,
            permissions=permissions,
        )
    answer = {"split": split_view(split)}
    if code:
        answer["share_code"] = code
        answer["share_code_expires_in"] = request.app[STATE].config.share_code_ttl
    return ok(answer, status=201)


@routes.get(API + "/splits")
async def my_splits(request: web.Request) -> web.Response:
    who = await require_user(request)
    splits = await request.app[STATE].storage.list_splits(holder_id=who.user.id)
    return ok({"splits": [split_view(s) for s in splits]})


@routes.get(API + "/splits/{split_id}")
async def get_split(request: web.Request) -> web.Response:
    who = await require_user(request)
    split = await vault.split_for(
        request.app[STATE], who, request.match_info["split_id"], access=vault.VIEW
    )
    return ok({"split": split_view(split)})


@routes.put(API + "/splits/{split_id}/permissions")
async def set_permissions(request: web.Request) -> web.Response:
    who = await require_user(request)
    body = await json_body(request)
    permissions = parse(permissions_from, parse(lambda d: require(d, "permissions", dict), body))
    split = await vault.set_permissions(
        request.app[STATE], who, request.match_info["split_id"], permissions
    )
    return ok({"split": split_view(split)})


@routes.post(API + "/splits/{split_id}/revoke")
async def revoke(request: web.Request) -> web.Response:
    who = await require_user(request)
    split = await vault.revoke(request.app[STATE], who, request.match_info["split_id"])
    return ok({"split": split_view(split)})


@routes.post(API + "/splits/{split_id}/refresh")
async def refresh(request: web.Request) -> web.Response:
    # A token from proof of possession of this split's share may refresh it: the request is
    # signed by that share anyway.
    who = await require_user(request, scoped_ok=True)
    body = parse(RefreshRequest.from_dict, await json_body(request))
    split = await keyless.refresh(request.app[STATE], who, request.match_info["split_id"], body)
    return ok({"split": split_view(split)})


@routes.post(API + "/splits/{split_id}/key")
async def retrieve_key(request: web.Request) -> web.Response:
    who = await require_user(request)
    share = await vault.retrieve_share(request.app[STATE], who, request.match_info["split_id"])
    return ok(share)


@routes.post(API + "/share-codes/redeem")
async def redeem(request: web.Request) -> web.Response:
    who = await require_user(request)
    code = parse(lambda d: require(d, "code", str), await json_body(request))
    share = await vault.redeem_code(request.app[STATE], who, code)
    return ok(share)
