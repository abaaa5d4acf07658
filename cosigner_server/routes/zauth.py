"""0Chain-compatible ZAuth endpoints (what gosdk and zwallet call), with the same meaning but
stricter: a JWT is required (Authorization: Bearer or 0Chain's X-Jwt-Token), the split is found
by the X-Peer-Public-Key header and must be the caller's, permissions are checked on the parsed
transaction, and /sign/msg needs the message preimage ("message") besides its hash, because
Splitkey never co-signs an opaque hash."""

from __future__ import annotations

import hmac
import json

from aiohttp import web

from app.transaction import sha3_hex
from app.wire import permissions_from, require

from .. import crypto_jobs, signing, vault
from ..admission import gated
from ..errors import bad_request, conflict, forbidden, not_found
from ..model import Split, Wallet
from ..principal import Principal, require_user
from ..services import record, seal
from ..state import STATE, ServerState, now
from ..storage.base import Conflict
from ..views import split_view
from .common import json_body, ok, parse

routes = web.RouteTableDef()


async def _split_by_peer(
    request: web.Request, who: Principal, client_id: str, peer: str | None = None
) -> Split:
    peer = peer or request.headers.get("X-Peer-Public-Key", "")
    if not peer:
        raise bad_request("the X-Peer-Public-Key header is required", field="X-Peer-Public-Key")
    split = await request.app[STATE].storage.find_split(client_id, peer.strip().lower())
    if split is None:
        raise not_found("split for this peer public key")
    return split


def _zauth_request_id(hash_hex: str) -> str:
    # 0Chain clients send no request id: the same transaction or hash is the same request.
    return "zauth-" + hash_hex


@routes.post("/sign/txn")
@gated
async def sign_txn(request: web.Request) -> web.Response:
    who = await require_user(request, scoped_ok=True)
    body = await json_body(request)
    client_id = parse(lambda d: require(d, "client_id", str), body)
    split = await _split_by_peer(request, who, client_id)
    tx_hash = sha3_hex(json.dumps(body, sort_keys=True))
    answer = await signing.cosign_transaction(
        request.app[STATE], who, split.id, _zauth_request_id(tx_hash), body
    )
    return ok(answer.transaction)


@routes.post("/sign/msg")
@gated
async def sign_msg(request: web.Request) -> web.Response:
    who = await require_user(request, scoped_ok=True)
    body = await json_body(request)
    hash_hex = parse(lambda d: require(d, "hash", str), body)
    partial = parse(lambda d: require(d, "signature", str), body)
    client_id = parse(lambda d: require(d, "client_id", str), body)
    message = parse(lambda d: require(d, "message", str, optional=True), body)
    if message is None:
        raise bad_request(
            'Splitkey co-signs messages only from their preimage: add "message"', field="message"
        )
    # As bytes: compare_digest refuses non-ASCII str with a TypeError (a 500 schemathesis found).
    if not hmac.compare_digest(sha3_hex(message).encode(), hash_hex.lower().encode()):
        raise bad_request("hash is not sha3-256 of message", field="hash")
    split = await _split_by_peer(request, who, client_id)
    answer = await signing.cosign_message(
        request.app[STATE], who, split.id, _zauth_request_id(hash_hex), message, partial
    )
    return ok({"sig": answer.signature})


@routes.post("/setup")
async def setup(request: web.Request) -> web.Response:
    """A client that split its key itself hands over the server share."""
    who = await require_user(request)
    state = request.app[STATE]
    body = await json_body(request)
    fields = {
        name: parse(lambda d, n=name: require(d, n, str), body)
        for name in ("client_id", "client_key", "public_key", "private_key", "peer_public_key")
    }
    restrictions = parse(lambda d: require(d, "restrictions", list, optional=True), body) or []
    expired_at = parse(lambda d: require(d, "expired_at", int, optional=True), body) or None
    # permissions_from: a PermissionsError (e.g. a restriction that is not a group name) is a
    # 400 naming the field, not a 500 (schemathesis found [{}]).
    permissions = parse(
        lambda d: permissions_from({"groups": d, "expires_at": expired_at}, "restrictions"),
        restrictions,
    )
    ok_split = await state.pool.run(
        crypto_jobs.check_setup,
        fields["client_id"],
        fields["client_key"],
        fields["public_key"],
        fields["private_key"],
        fields["peer_public_key"],
    )
    if ok_split is not None:
        raise bad_request(ok_split)
    wallet = await _wallet_for_setup(state, who, fields["client_id"], fields["client_key"])
    split_id = vault.new_id("sp")
    split = Split(
        id=split_id,
        client_id=wallet.client_id,
        holder_id=who.user.id,
        label="0Chain setup",
        share_public_key=fields["peer_public_key"].lower(),
        permissions=permissions,
        created_at=now(),
        sealed_server_share=seal(
            state, bytes.fromhex(fields["private_key"]), f"split:{split_id}:server"
        ),
        sealed_user_share=None,
    )
    if await state.storage.find_split(wallet.client_id, split.share_public_key):
        raise conflict("this peer public key is already set up")
    await state.storage.add_split(split)
    await record(
        state,
        "split_setup",
        who,
        wallet=wallet.client_id,
        split=split_id,
        details={"permissions": permissions.to_dict()},
        undo=lambda: state.storage.revoke_split(split_id, now()),
    )
    return ok({"status": "ok", "split": split_view(split)})


async def _wallet_for_setup(
    state: ServerState, who: Principal, client_id: str, client_key: str
) -> Wallet:
    wallet = await state.storage.get_wallet(client_id)
    if wallet is None:
        wallet = Wallet(
            client_id=client_id,
            public_key=client_key.lower(),
            owner_id=who.user.id,
            created_at=now(),
            sealed_secret=b"",
            custody="external",
        )
        try:
            await state.storage.add_wallet(wallet)
        except Conflict:
            wallet = await state.storage.get_wallet(client_id)
    if wallet.owner_id != who.user.id:
        raise forbidden("this wallet belongs to someone else")
    return wallet


@routes.get("/key/{client_id}")
async def key_info(request: web.Request) -> web.Response:
    who = await require_user(request, scoped_ok=True)
    split = await _split_by_peer(request, who, request.match_info["client_id"])
    await vault.split_for(request.app[STATE], who, split.id, access=vault.VIEW)
    return ok({"last_used": split.last_used or 0, "status": split.status_at(now())})


@routes.put("/restrictions/{client_id}")
async def restrictions(request: web.Request) -> web.Response:
    who = await require_user(request)
    split = await _split_by_peer(request, who, request.match_info["client_id"])
    groups = parse(lambda d: require(d, "restrictions", list), await json_body(request))
    current = split.permissions.to_dict()
    current["groups"] = groups
    current["unrestricted"] = False
    permissions = parse(lambda d: permissions_from(d, "restrictions"), current)
    updated = await vault.set_permissions(request.app[STATE], who, split.id, permissions)
    return ok({"restrictions": sorted(updated.permissions.groups)})


@routes.post("/revoke/{client_id}")
async def revoke(request: web.Request) -> web.Response:
    who = await require_user(request)
    peer = request.query.get("peer_public_key")
    split = await _split_by_peer(request, who, request.match_info["client_id"], peer)
    await vault.revoke(request.app[STATE], who, split.id)
    return ok({"status": "revoked"})


@routes.post("/delete/{client_id}")
async def delete(request: web.Request) -> web.Response:
    who = await require_user(request)
    wallet = await vault.schedule_deletion(request.app[STATE], who, request.match_info["client_id"])
    return ok({"status": "deletion scheduled", "delete_after": wallet.delete_after}, status=202)
