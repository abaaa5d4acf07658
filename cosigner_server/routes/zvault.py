"""0Chain's ZVault calls (what the web and mobile apps make through gosdk; 0chain-wire.md section
1.5), mapped onto Splitkey's vault with its permissions and audit. /revoke, /delete and
PUT /restrictions/{client_id} share their paths with ZAuth and live in zauth.py.

Where 0Chain's shape would weaken a guarantee, Splitkey's wins (docs/cosigner.md, "ZVault"):
every call needs a JWT (gosdk 1.18 sends /store without one); a split's user share leaves the
server once, in the answer that creates it, and is never listed again; /store refuses a
mnemonic and a private key that disagree instead of keeping one of them."""

from __future__ import annotations

from aiohttp import web

from app.crypto import DecodeError, SecretKey
from app.keys import KeysError, normalize_mnemonic
from app.protocol import zchain
from app.protocol.bodies import permissions_from

from .. import crypto_jobs, vault
from ..errors import bad_request, not_found
from ..model import SPLIT_ACTIVE, Split, Wallet
from ..services import unseal
from ..state import STATE, ServerState, now
from .common import json_body, ok, parse
from .zauth import SUCCESS, peer_key, zauth_statuses, zauth_user

routes = web.RouteTableDef()


def _wallet_entry(wallet: Wallet) -> dict:
    """A wallet as ZVault lists it (its SplitKey shape; no key material)."""
    return {
        "user_id": wallet.owner_id,
        "client_id": wallet.client_id,
        "client_key": wallet.public_key,
        "created_at": wallet.created_at,
        "is_revoked": False,
    }


def _key_entry(split: Split, wallet: Wallet | None) -> dict:
    """A split as ZVault's GET /keys lists it. private_key is always empty: a user share leaves
    the server once, when it is made."""
    return {
        "user_id": split.holder_id or "",
        "client_id": split.client_id,
        "client_key": wallet.public_key if wallet else "",
        "public_key": split.share_public_key,
        "private_key": "",
        "peer_public_key": "",
        "shared_to": split.holder_id or "",
        "is_revoked": split.status_at(now()) != SPLIT_ACTIVE,
        "created_at": split.created_at,
        "expires_at": split.permissions.expires_at or 0,
        "restrictions": sorted(split.permissions.groups),
    }


@routes.post("/wallet")
@zauth_statuses(not_found=400)
async def new_wallet(request: web.Request) -> web.Response:
    """A new wallet in the vault; its 24 words are in this answer only (for the owner's backup)."""
    who = await zauth_user(request)
    wallet, drawn = await vault.create_wallet(
        request.app[STATE], who, mnemonic=None, private_key=None
    )
    return ok(
        {
            "client_id": wallet.client_id,
            "client_key": wallet.public_key,
            "peer_public_key": "",
            "keys": [],
            "mnemonics": drawn or "",
            "version": "1.0",
            "date_created": str(wallet.created_at),
            "nonce": 0,
            "is_split": False,
        }
    )


@routes.post("/store")
@zauth_statuses(not_found=400)
async def store(request: web.Request) -> web.Response:
    """Import a wallet by private key or mnemonic (with a JWT, unlike gosdk 1.18's call)."""
    who = await zauth_user(request)
    body = await json_body(request)
    asked = parse(zchain.StoreRequest.from_dict, body)
    private_key, mnemonic = asked.private_key or None, asked.mnemonic or None
    state = request.app[STATE]
    if private_key and mnemonic:
        from_words, _ = await _material(state, mnemonic=mnemonic)
        from_key, _ = await _material(state, private_key=private_key)
        if from_words != from_key:
            raise bad_request("the mnemonic and the private key are different wallets")
        private_key = None  # the same wallet: keep the words, as /v1 does for a mnemonic
    wallet, _ = await vault.create_wallet(state, who, mnemonic=mnemonic, private_key=private_key)
    return ok({**SUCCESS, "client_id": wallet.client_id, "client_key": wallet.public_key})


async def _material(state: ServerState, **source: str) -> tuple[str, str]:
    """(client_id, public key) of a mnemonic or a private key, 400 if it is not one."""
    try:
        if "mnemonic" in source:
            material = await state.pool.run(
                crypto_jobs.key_from_mnemonic, normalize_mnemonic(source["mnemonic"])
            )
        else:
            secret = SecretKey.from_hex(source["private_key"]).to_bytes()
            material = await state.pool.run(crypto_jobs.key_from_secret, secret)
    except DecodeError as exc:
        raise bad_request(f"private key refused: {exc}", field="private_key") from None
    except KeysError as exc:
        raise bad_request(f"mnemonic refused: {exc}", field="mnemonic") from None
    return material.client_id, material.public_key


@routes.post("/key/{client_id}")
@zauth_statuses(not_found=400)
async def new_key(request: web.Request) -> web.Response:
    """A new split of the caller's wallet, held by the caller, with `restrictions` as its
    groups (none given: the owner's own unrestricted split, as /v1 makes it). The user share is
    in this answer and then erased from the server."""
    who = await zauth_user(request)
    state = request.app[STATE]
    body = await json_body(request)
    groups = parse(zchain.NewKeyRequest.from_dict, body).restrictions
    permissions = None
    if groups is not None:
        permissions = parse(lambda g: permissions_from({"groups": g}, "restrictions"), groups)
    client_id = request.match_info["client_id"]
    split, _ = await vault.create_split(
        state, who, client_id, label="ZVault key", holder="me", permissions=permissions
    )
    share = await vault.retrieve_share(state, who, split.id)
    server_share = unseal(state, split.sealed_server_share, f"split:{split.id}:server")
    server_key = await state.pool.run(crypto_jobs.key_from_secret, server_share)
    return ok(
        {
            **SUCCESS,
            "client_id": split.client_id,
            "client_key": share["wallet_public_key"],
            "public_key": share["public_key"],
            "private_key": share["private_key"],
            "peer_public_key": server_key.public_key,
            "restrictions": sorted(split.permissions.groups),
            "is_split": True,
        }
    )


@routes.get("/keys/{client_id}")
@zauth_statuses(not_found=400)
async def keys(request: web.Request) -> web.Response:
    who = await zauth_user(request)
    state = request.app[STATE]
    client_id = request.match_info["client_id"]
    wallet = await state.storage.get_wallet(client_id)
    if wallet is None or wallet.owner_id != who.user.id:
        # Not the owner: the caller's own splits of it, if any (ZVault answers an empty list).
        splits = await state.storage.list_splits(client_id=client_id, holder_id=who.user.id)
    else:
        splits = await state.storage.list_splits(client_id=client_id)
    return ok({"keys": [_key_entry(s, wallet) for s in splits]})


@routes.get("/wallets")
async def wallets(request: web.Request) -> web.Response:
    who = await zauth_user(request)
    owned = await request.app[STATE].storage.list_wallets(owner_id=who.user.id)
    return ok([_wallet_entry(w) for w in owned])


@routes.get("/wallets/shared")
async def shared_wallets(request: web.Request) -> web.Response:
    """Wallets of others of which the caller holds an active split."""
    who = await zauth_user(request)
    storage = request.app[STATE].storage
    out: dict[str, dict] = {}
    for split in await storage.list_splits(holder_id=who.user.id):
        wallet = await storage.get_wallet(split.client_id)
        if wallet is None or wallet.owner_id == who.user.id:
            continue
        if split.status_at(now()) == SPLIT_ACTIVE:
            out.setdefault(wallet.client_id, _wallet_entry(wallet))
    return ok(list(out.values()))


@routes.get("/restrictions")
@zauth_statuses(not_found=400)
async def restrictions_of(request: web.Request) -> web.Response:
    """The groups of the caller's split named by X-Peer-Public-Key (a JSON list, as ZVault)."""
    who = await zauth_user(request, scoped_ok=True)
    peer = peer_key(request)
    for split in await request.app[STATE].storage.list_splits(holder_id=who.user.id):
        if split.share_public_key == peer and who.scope_split in (None, split.id):
            return ok(sorted(split.permissions.groups))
    raise not_found("split")
