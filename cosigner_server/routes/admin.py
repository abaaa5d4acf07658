"""/v1/admin/*: users and enrollment codes, every wallet and split, revoke and freeze anything,
statistics. Administrators only."""

from __future__ import annotations

from aiohttp import web

from app.protocol import bodies
from app.protocol import routes as paths
from app.protocol.enums import AuditEvent, Role

from .. import identity, kek_rotation, reenrollment, vault
from ..errors import bad_request, conflict, not_found
from ..principal import require_admin
from ..services import record
from ..state import STATE, now
from ..storage.base import LastAdministrator
from ..views import split_view, user_view, wallet_view
from .common import json_body, ok, parse

routes = web.RouteTableDef()


@routes.get(paths.ADMIN_USERS)
async def users(request: web.Request) -> web.Response:
    await require_admin(request)
    return ok(
        bodies.UserList([user_view(u) for u in await request.app[STATE].storage.list_users()])
    )


@routes.post(paths.ADMIN_USERS)
async def create_user(request: web.Request) -> web.Response:
    who = await require_admin(request)
    body = parse(bodies.CreateUserRequest.from_dict, await json_body(request))
    user, code = await identity.create_user(
        request.app[STATE], who, body.subject, body.role or Role.USER
    )
    return ok(bodies.NewUser(user_view(user), code), status=201)


@routes.post(paths.ADMIN_USER_ENROLLMENT_CODE)
async def enrollment_code(request: web.Request) -> web.Response:
    who = await require_admin(request)
    state = request.app[STATE]
    user = await state.storage.get_user(request.match_info["user_id"])
    if user is None:
        raise not_found("user")
    owned = [w.client_id for w in await state.storage.list_wallets(owner_id=user.id)]
    if owned and not who.is_local_operator:  # an owner's powers need a second person
        return ok(await reenrollment.request(state, who, user, owned), status=202)
    code = await identity.issue_enrollment_code(state, who, user)
    await reenrollment.record_operator_code(state, who, user, owned)
    return ok(bodies.EnrollmentCodeAnswer(code))


@routes.post(paths.ADMIN_USER_ENABLED)
async def set_enabled(request: web.Request) -> web.Response:
    who = await require_admin(request)
    state = request.app[STATE]
    enabled = parse(bodies.EnabledRequest.from_dict, await json_body(request)).enabled
    user_id = request.match_info["user_id"]
    try:
        found = await state.storage.set_user_enabled(user_id, enabled, now())
    except LastAdministrator:
        raise conflict("this is the last enabled administrator; enable another one first") from None
    if not found:
        raise not_found("user")
    await record(
        state,
        AuditEvent.USER_ENABLED if enabled else AuditEvent.USER_DISABLED,
        who,
        details={"user": user_id},
    )
    return ok(bodies.UserAnswer(user_view(await state.storage.get_user(user_id))))


@routes.get(paths.ADMIN_WALLETS)
async def wallets(request: web.Request) -> web.Response:
    await require_admin(request)
    return ok(
        bodies.AllWallets([wallet_view(w) for w in await request.app[STATE].storage.list_wallets()])
    )


@routes.get(paths.ADMIN_SPLITS)
async def splits(request: web.Request) -> web.Response:
    await require_admin(request)
    return ok(
        bodies.SplitList([split_view(s) for s in await request.app[STATE].storage.list_splits()])
    )


@routes.post(paths.ADMIN_SPLIT_REVOKE)
async def revoke(request: web.Request) -> web.Response:
    who = await require_admin(request)
    split = await vault.revoke(request.app[STATE], who, request.match_info["split_id"])
    return ok(bodies.SplitAnswer(split_view(split)))


@routes.post(paths.ADMIN_WALLET_FREEZE)
async def freeze(request: web.Request) -> web.Response:
    who = await require_admin(request)
    frozen = parse(bodies.FreezeRequest.from_dict, await json_body(request)).frozen
    wallet = await vault.set_frozen(
        request.app[STATE], who, request.match_info["client_id"], frozen
    )
    return ok(bodies.WalletAnswer(wallet_view(wallet)))


@routes.post(paths.ADMIN_WALLET_REMOVE)
async def remove_record(request: web.Request) -> web.Response:
    """Remove a wallet record made by 0Chain's /setup (a squatted one): audited, with a reason."""
    who = await require_admin(request)
    reason = parse(bodies.RemoveRecordRequest.from_dict, await json_body(request)).reason.strip()
    if not reason or len(reason) > 500:
        raise bad_request("give a reason of 1 to 500 characters", field="reason")
    wallet = await vault.remove_external_record(
        request.app[STATE], who, request.match_info["client_id"], reason
    )
    return ok(bodies.RemovedRecord(wallet.client_id))


@routes.get(paths.ADMIN_STATS)
async def stats(request: web.Request) -> web.Response:
    await require_admin(request)
    state = request.app[STATE]
    splits_ = await state.storage.list_splits()
    by_status: dict[str, int] = {}
    for s in splits_:
        by_status[s.status_at(now())] = by_status.get(s.status_at(now()), 0) + 1
    return ok(
        bodies.Stats(
            users=len(await state.storage.list_users()),
            wallets=len(await state.storage.list_wallets()),
            splits=by_status,
            cosigns=sum(s.uses for s in splits_),
            crypto_queue=state.pool.pending if state.pool else 0,
        )
    )


# Key rotation (kek_rotation.py; driven by `splitkey-cosigner rotate-kek`).
@routes.get(paths.ADMIN_KEK)
async def kek_status(request: web.Request) -> web.Response:
    await require_admin(request)
    return ok(await kek_rotation.status(request.app[STATE]))


@routes.post(paths.ADMIN_KEK_RELOAD)
async def kek_reload(request: web.Request) -> web.Response:
    who = await require_admin(request)
    return ok(await kek_rotation.reload(request.app[STATE], who))
