"""/v1/wallets: create or import, list, read, freeze, delete with a waiting period."""

from __future__ import annotations

from aiohttp import web

from app.protocol import bodies
from app.protocol import routes as paths
from app.protocol.enums import SplitStatus

from .. import keyless, vault
from ..principal import require_user
from ..state import STATE, now
from ..views import split_view, wallet_view
from .common import json_body, ok, parse

routes = web.RouteTableDef()


@routes.post(paths.WALLETS)
async def create_wallet(request: web.Request) -> web.Response:
    who = await require_user(request)
    body = parse(bodies.CreateWalletRequest.from_dict, await json_body(request))
    if body.keyless is not None:
        wallet, split = await keyless.create_wallet(request.app[STATE], who, body.keyless)
        return ok(
            bodies.CreatedWalletAnswer(wallet_view(wallet), split=split_view(split)), status=201
        )
    wallet, drawn = await vault.create_wallet(
        request.app[STATE], who, mnemonic=body.mnemonic, private_key=body.private_key
    )
    # drawn: shown once, for the owner's offline backup; never stored
    return ok(bodies.CreatedWalletAnswer(wallet_view(wallet), mnemonic=drawn or None), status=201)


@routes.get(paths.WALLETS)
async def list_wallets(request: web.Request) -> web.Response:
    who = await require_user(request)
    storage = request.app[STATE].storage
    owned = await storage.list_wallets(owner_id=who.user.id)
    owned_ids = {w.client_id for w in owned}
    shared: list = []
    for split in await storage.list_splits(holder_id=who.user.id):
        if split.status_at(now()) != SplitStatus.ACTIVE:
            continue  # a revoked or expired share no longer opens the wallet
        if split.client_id in owned_ids or split.client_id in {w.client_id for w in shared}:
            continue
        wallet = await storage.get_wallet(split.client_id)
        if wallet is not None:
            shared.append(wallet)
    return ok(
        bodies.WalletList(
            owned=[await signing_view(storage, w) for w in owned],
            shared=[await signing_view(storage, w) for w in shared],
        )
    )


async def signing_view(storage, wallet) -> bodies.WalletView:
    """The wallet as its signers see it: with the last nonce co-signed, so that an owner and
    their delegates, each on their own device, do not propose the same nonce."""
    return wallet_view(wallet, await storage.last_nonce(wallet.client_id))


@routes.get(paths.WALLET)
async def get_wallet(request: web.Request) -> web.Response:
    who = await require_user(request)
    state = request.app[STATE]
    wallet = await vault.wallet_for(state, who, request.match_info["client_id"], access=vault.VIEW)
    return ok(bodies.WalletAnswer(await signing_view(state.storage, wallet)))


@routes.post(paths.WALLET_FREEZE)
async def freeze(request: web.Request) -> web.Response:
    who = await require_user(request)
    body = parse(bodies.FreezeRequest.from_dict, await json_body(request))
    wallet = await vault.set_frozen(
        request.app[STATE], who, request.match_info["client_id"], body.frozen
    )
    return ok(bodies.WalletAnswer(wallet_view(wallet)))


@routes.delete(paths.WALLET)
async def delete_wallet(request: web.Request) -> web.Response:
    who = await require_user(request)
    wallet = await vault.schedule_deletion(request.app[STATE], who, request.match_info["client_id"])
    return ok(bodies.WalletAnswer(wallet_view(wallet)), status=202)


@routes.post(paths.WALLET_CANCEL_DELETION)
async def cancel_deletion(request: web.Request) -> web.Response:
    who = await require_user(request)
    wallet = await vault.cancel_deletion(request.app[STATE], who, request.match_info["client_id"])
    return ok(bodies.WalletAnswer(wallet_view(wallet)))


@routes.get(paths.WALLET_SPLITS)
async def wallet_splits(request: web.Request) -> web.Response:
    who = await require_user(request)
    state = request.app[STATE]
    wallet = await vault.wallet_for(
        state, who, request.match_info["client_id"], access=vault.OWNER_OR_ADMIN
    )
    splits = await state.storage.list_splits(client_id=wallet.client_id)
    return ok(bodies.SplitList([split_view(s) for s in splits]))
