"""/v1/wallets: create or import, list, read, freeze, delete with a waiting period."""

from __future__ import annotations

from aiohttp import web

from app.protocol.bodies import KeylessWalletRequest, require
from app.protocol.routes import API

from .. import keyless, vault
from ..model import SPLIT_ACTIVE
from ..principal import require_user
from ..state import STATE, now
from ..views import split_view, wallet_view
from .common import json_body, ok, parse

routes = web.RouteTableDef()


@routes.post(API + "/wallets")
async def create_wallet(request: web.Request) -> web.Response:
    who = await require_user(request)
    body = await json_body(request)
    split_locally = parse(lambda d: require(d, "keyless", dict, optional=True), body)
    if split_locally is not None:
        wallet, split = await keyless.create_wallet(
            request.app[STATE], who, parse(KeylessWalletRequest.from_dict, split_locally)
        )
        return ok({"wallet": wallet_view(wallet), "split": split_view(split)}, status=201)
    mnemonic = parse(lambda d: require(d, "mnemonic", str, optional=True), body)
    private_key = parse(lambda d: require(d, "private_key", str, optional=True), body)
    wallet, drawn = await vault.create_wallet(
        request.app[STATE], who, mnemonic=mnemonic, private_key=private_key
    )
    answer = {"wallet": wallet_view(wallet)}
    if drawn:
        answer["mnemonic"] = drawn  # shown once, for the owner's offline backup; never stored
    return ok(answer, status=201)


@routes.get(API + "/wallets")
async def list_wallets(request: web.Request) -> web.Response:
    who = await require_user(request)
    storage = request.app[STATE].storage
    owned = await storage.list_wallets(owner_id=who.user.id)
    owned_ids = {w.client_id for w in owned}
    shared: list = []
    for split in await storage.list_splits(holder_id=who.user.id):
        if split.status_at(now()) != SPLIT_ACTIVE:
            continue  # a revoked or expired share no longer opens the wallet
        if split.client_id in owned_ids or split.client_id in {w.client_id for w in shared}:
            continue
        wallet = await storage.get_wallet(split.client_id)
        if wallet is not None:
            shared.append(wallet)
    return ok(
        {
            "owned": [await signing_view(storage, w) for w in owned],
            "shared": [await signing_view(storage, w) for w in shared],
        }
    )


async def signing_view(storage, wallet) -> dict:
    """The wallet as its signers see it: with the last nonce co-signed, so that an owner and
    their delegates, each on their own device, do not propose the same nonce."""
    return wallet_view(wallet, await storage.last_nonce(wallet.client_id))


@routes.get(API + "/wallets/{client_id}")
async def get_wallet(request: web.Request) -> web.Response:
    who = await require_user(request)
    state = request.app[STATE]
    wallet = await vault.wallet_for(state, who, request.match_info["client_id"], access=vault.VIEW)
    return ok({"wallet": await signing_view(state.storage, wallet)})


@routes.post(API + "/wallets/{client_id}/freeze")
async def freeze(request: web.Request) -> web.Response:
    who = await require_user(request)
    body = await json_body(request)
    frozen = parse(lambda d: require(d, "frozen", bool), body)
    wallet = await vault.set_frozen(
        request.app[STATE], who, request.match_info["client_id"], frozen
    )
    return ok({"wallet": wallet_view(wallet)})


@routes.delete(API + "/wallets/{client_id}")
async def delete_wallet(request: web.Request) -> web.Response:
    who = await require_user(request)
    wallet = await vault.schedule_deletion(request.app[STATE], who, request.match_info["client_id"])
    return ok({"wallet": wallet_view(wallet)}, status=202)


@routes.post(API + "/wallets/{client_id}/cancel-deletion")
async def cancel_deletion(request: web.Request) -> web.Response:
    who = await require_user(request)
    wallet = await vault.cancel_deletion(request.app[STATE], who, request.match_info["client_id"])
    return ok({"wallet": wallet_view(wallet)})


@routes.get(API + "/wallets/{client_id}/splits")
async def wallet_splits(request: web.Request) -> web.Response:
    who = await require_user(request)
    state = request.app[STATE]
    wallet = await vault.wallet_for(
        state, who, request.match_info["client_id"], access=vault.OWNER_OR_ADMIN
    )
    splits = await state.storage.list_splits(client_id=wallet.client_id)
    return ok({"splits": [split_view(s) for s in splits]})
