"""0Chain's ZAuth endpoints, as gosdk, zwallet and 0Chain's system tests call them
(docs/cosigner.md, "0Chain ZAuth"; ../shared/research/0chain-wire.md section 1).

On /sign/txn and /sign/msg possession is the credential, as in 0Chain: the split is named by
X-Peer-Public-Key and the request's partial signature must verify under that stored share key;
no JWT is needed, and one that is sent is still checked. Every policy rule of /v1/sign applies.
Cheap refusals come first: a missing or unknown peer key and the per-split rate limit are
answered before any pairing.

Status codes are 0Chain's (a refusal 400, an unknown split 500 on sign and key, 400 on revoke
and delete), with Splitkey's error body; "not yours" and "no such split" read the same."""

from __future__ import annotations

import functools
import hmac
import json
import re

from aiohttp import web

from app.protocol import zchain
from app.protocol.bodies import permissions_from, require
from app.transaction import sha3_hex

from .. import crypto_jobs, identity, setup_challenge, signing, vault
from ..admission import gated
from ..errors import ApiError, bad_request, conflict, forbidden, unauthorized
from ..limits import GUARD, retry_after
from ..model import Split, Wallet
from ..principal import Principal, bearer_token, require_user
from ..services import record, seal
from ..state import STATE, ServerState, now
from ..storage.base import Conflict
from ..tokens import Claims, TokenError
from ..views import split_view
from .common import json_body, ok, parse

routes = web.RouteTableDef()

NOT_FOUND = "no such wallet or split for this client id and peer public key"
# Fields Go's encoding/json always writes for gosdk's Transaction; not part of the signed hash.
GOSDK_IGNORED = ("txn_output_hash", "transaction_status", "transaction_output")
# Not hashed, so their case does not matter (a node decodes them with hex.DecodeString).
CASE_FREE = ("hash", "signature", "public_key")
_HASH = re.compile(r"[0-9a-fA-F]{64}")
MAX_KEY_CHARS = 300  # a G2 public key is 128 hex digits; anything longer is refused unread
SUCCESS = {"result": "success"}  # what gosdk/zwallet's first generation decodes and checks


def zauth_statuses(*, not_found: int):
    """Answer with 0Chain's status codes, keeping our error body: a policy refusal is 400, an
    unknown split `not_found` (500 or 400 as 0Chain's system tests expect), always with the
    same text whether the split does not exist or is someone else's."""

    def wrap(handler):
        @functools.wraps(handler)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except ApiError as exc:
                body = exc.body
                if exc.status == 404:
                    raise ApiError(not_found, "not_found", NOT_FOUND) from None
                if body.code == "refused" and exc.status == 403:
                    raise ApiError(400, body.code, body.message, rule=body.rule) from None
                raise

        return wrapper

    return wrap


def _not_found() -> ApiError:
    return ApiError(404, "not_found", NOT_FOUND)


def peer_key(request: web.Request, value: str | None = None) -> str:
    peer = (value if value is not None else request.headers.get("X-Peer-Public-Key", "")).strip()
    if not peer:
        raise bad_request("the X-Peer-Public-Key header is required", field="X-Peer-Public-Key")
    if len(peer) > MAX_KEY_CHARS:
        raise bad_request("X-Peer-Public-Key is not a public key", field="X-Peer-Public-Key")
    return peer.lower()


async def _split_by_peer(state: ServerState, client_id: str, peer: str) -> Split:
    if len(client_id) > MAX_KEY_CHARS:
        raise _not_found()
    split = await state.storage.find_split(client_id, peer)
    if split is None:
        raise _not_found()
    return split


async def zauth_user(request: web.Request, *, scoped_ok: bool = False) -> Principal:
    """The caller of a ZAuth/ZVault route: a server token, or a token of an enterprise issuer
    (0box's HMAC JWTs in X-Jwt-Token) used directly, as 0Chain's clients cannot exchange it."""
    state = request.app[STATE]
    token = bearer_token(request)
    if token:
        try:
            claims = state.verifier.verify(token)
        except TokenError as exc:
            raise unauthorized(f"token refused: {exc.reason}") from None
        if claims.issuer != state.config.issuer:
            user = await identity.enterprise_user(state, claims)
            return Principal(user=user, claims=claims)
    return await require_user(request, scoped_ok=scoped_ok)


async def _signer(request: web.Request, split: Split) -> Principal:
    """Who signs: with a JWT, its user, who must hold the split; without, the split's holder,
    proven by the partial signature that signing.py verifies under the stored share key."""
    state = request.app[STATE]
    if bearer_token(request):
        who = await zauth_user(request, scoped_ok=True)
        if split.holder_id != who.user.id or who.scope_split not in (None, split.id):
            raise _not_found()
        return who
    user = await state.storage.get_user(split.holder_id) if split.holder_id else None
    if user is None or not user.enabled:
        raise _not_found()
    t = now()
    claims = Claims(
        issuer="possession",
        subject=user.id,
        audience=state.config.audience,
        issued_at=t,
        expires_at=t,
        not_before=t,
        jwt_id="",
        role=user.role,
        key_id=None,
        raw={},
    )
    return Principal(user=user, claims=claims, scope_split=split.id)


def _split_rate(request: web.Request, split: Split) -> None:
    """Per-split bucket (the per-token rate), before any crypto: a flood against one known peer
    key cannot buy pairings faster than its holder could."""
    wait = request.app[GUARD].per_token.take("split:" + split.id)
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            "too many requests for this key",
            rule="rate_split",
            headers={"Retry-After": retry_after(wait)},
        )


def _zauth_request_id(text: str) -> str:
    # 0Chain clients send no request id: the same request is the same request.
    return "zauth-" + sha3_hex(text)


def gosdk_transaction(body: dict) -> dict:
    """The transaction fields of a gosdk /sign/txn body: Go's always-written extras are read and
    dropped (never hashed), and the unhashed hex fields are taken in either case."""
    fields = {k: v for k, v in body.items() if k not in GOSDK_IGNORED}
    for name in CASE_FREE:
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].lower()
    return fields


@routes.post("/sign/txn")
@gated
@zauth_statuses(not_found=500)
async def sign_txn(request: web.Request) -> web.Response:
    state = request.app[STATE]
    peer = peer_key(request)
    body = await json_body(request)
    client_id = parse(lambda d: require(d, "client_id", str), body)
    split = await _split_by_peer(state, client_id, peer)
    who = await _signer(request, split)
    _split_rate(request, split)
    fields = gosdk_transaction(body)
    request_id = _zauth_request_id(json.dumps(fields, sort_keys=True))
    answer = await signing.cosign_transaction(state, who, split.id, request_id, fields)
    if state.config.zauth_txn_answer == "transaction":
        return ok(answer.transaction)
    return ok(answer.signature)


@routes.post("/sign/msg")
@gated
@zauth_statuses(not_found=500)
async def sign_msg(request: web.Request) -> web.Response:
    state = request.app[STATE]
    peer = peer_key(request)
    body = await json_body(request)
    asked = parse(zchain.SignMessage.from_dict, body)
    hash_hex, partial, client_id = asked.hash, asked.signature.lower(), asked.client_id
    message = asked.message
    if not _HASH.fullmatch(hash_hex):
        raise bad_request("hash must be 64 hex digits", field="hash")
    hash_hex = hash_hex.lower()
    # As bytes: compare_digest refuses non-ASCII str with a TypeError (a 500 schemathesis found).
    if message is not None and not hmac.compare_digest(
        sha3_hex(message).encode(), hash_hex.encode()
    ):
        raise bad_request("hash is not sha3-256 of message", field="hash")
    split = await _split_by_peer(state, client_id, peer)
    who = await _signer(request, split)
    _split_rate(request, split)
    request_id = _zauth_request_id(f"{hash_hex}:{partial}")
    if message is None:
        answer = await signing.cosign_raw_hash(state, who, split.id, request_id, hash_hex, partial)
    else:
        answer = await signing.cosign_message(state, who, split.id, request_id, message, partial)
    return ok({"sig": answer.signature})


@routes.post("/setup/challenge")
async def setup_challenge_route(request: web.Request) -> web.Response:
    """A challenge for /setup's proof that the caller holds the wallet key."""
    who = await zauth_user(request)
    asked = parse(zchain.SetupChallengeRequest.from_dict, await json_body(request))
    client_id = asked.client_id
    if len(client_id) > MAX_KEY_CHARS:
        raise bad_request("client_id is not a client id", field="client_id")
    return ok(setup_challenge.new_challenge(request.app[STATE], who.user.id, client_id))


@routes.post("/setup")
@zauth_statuses(not_found=400)
async def setup(request: web.Request) -> web.Response:
    """A client that split its key itself hands over the server share, with proof that it
    holds the wallet key (a signature under client_key over a /setup/challenge)."""
    who = await zauth_user(request)
    state = request.app[STATE]
    body = await json_body(request)
    asked = parse(zchain.SetupRequest.from_dict, body)
    fields = {
        name: getattr(asked, name)
        for name in ("client_id", "client_key", "public_key", "private_key", "peer_public_key")
    }
    challenge, proof = asked.challenge, asked.proof
    restrictions = asked.restrictions or []
    expired_at = asked.expired_at or None
    # permissions_from: a PermissionsError (e.g. a restriction that is not a group name) is a
    # 400 naming the field, not a 500 (schemathesis found [{}]).
    permissions = parse(
        lambda d: permissions_from({"groups": d, "expires_at": expired_at}, "restrictions"),
        restrictions,
    )
    problem = await state.pool.run(
        crypto_jobs.check_setup,
        fields["client_id"],
        fields["client_key"],
        fields["public_key"],
        fields["private_key"],
        fields["peer_public_key"],
    )
    if problem is not None:
        raise bad_request(problem)
    await setup_challenge.check_proof(state, who.user.id, fields, challenge, proof)
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
    return ok({**SUCCESS, "split": split_view(split).to_dict()})


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
@zauth_statuses(not_found=500)
async def key_info(request: web.Request) -> web.Response:
    state = request.app[STATE]
    who = await zauth_user(request, scoped_ok=True)
    split = await _split_by_peer(state, request.match_info["client_id"], peer_key(request))
    # A device (proof-of-possession) token sees its own split only.
    if who.scope_split not in (None, split.id):
        raise _not_found()
    await vault.split_for(state, who, split.id, access=vault.VIEW)
    return ok({"last_used": split.last_used or 0, "status": split.status_at(now())})


@routes.put("/restrictions/{client_id}")
@zauth_statuses(not_found=400)
async def restrictions(request: web.Request) -> web.Response:
    state = request.app[STATE]
    who = await zauth_user(request)
    split = await _split_by_peer(state, request.match_info["client_id"], peer_key(request))
    groups = parse(zchain.RestrictionsRequest.from_dict, await json_body(request)).restrictions
    current = split.permissions.to_dict()
    current["groups"] = groups
    current["unrestricted"] = False
    permissions = parse(lambda d: permissions_from(d, "restrictions"), current)
    updated = await vault.set_permissions(state, who, split.id, permissions)
    return ok({**SUCCESS, "restrictions": sorted(updated.permissions.groups)})


async def _revoke_peer(request: web.Request) -> str:
    """gosdk: ?peer_public_key=; ZVault: ?public_key= or a form field; system tests: a form
    field and the header."""
    for name in ("peer_public_key", "public_key"):
        if request.query.get(name):
            return peer_key(request, request.query[name])
    # Go's resty sends FormData url-encoded; nothing else is read as a form.
    if request.content_type == "application/x-www-form-urlencoded":
        try:
            form = await request.post()
        except ValueError:
            raise bad_request("the form is not valid url-encoded text") from None
        for name in ("peer_public_key", "public_key"):
            value = form.get(name)
            if isinstance(value, str) and value:
                return peer_key(request, value)
    return peer_key(request)


@routes.post("/revoke/{client_id}")
@zauth_statuses(not_found=400)
async def revoke(request: web.Request) -> web.Response:
    state = request.app[STATE]
    who = await zauth_user(request)
    peer = await _revoke_peer(request)
    split = await _split_by_peer(state, request.match_info["client_id"], peer)
    await vault.revoke(state, who, split.id)
    return ok({**SUCCESS, "status": "revoked"})


@routes.post("/delete/{client_id}")
@zauth_statuses(not_found=400)
async def delete(request: web.Request) -> web.Response:
    """200 at once, as every 0Chain client expects; the wallet is frozen-in-waiting: deleted by
    the sweeper after deletion_wait, cancellable by the owner until then (POST
    /v1/wallets/{client_id}/deletion/cancel)."""
    state = request.app[STATE]
    who = await zauth_user(request)
    wallet = await vault.schedule_deletion(state, who, request.match_info["client_id"])
    return ok({**SUCCESS, "status": "deletion scheduled", "delete_after": wallet.delete_after})
