"""Audit trail: owners read their wallets' records, administrators the whole chain and its
verification."""

from __future__ import annotations

from aiohttp import web

from app.protocol import routes as paths
from app.protocol.bodies import AuditRecords, AuditVerifyReport

from .. import vault
from ..audit_access import read_records, verify_chain
from ..errors import bad_request
from ..principal import require_admin, require_user
from ..state import STATE
from .common import ok

routes = web.RouteTableDef()


def _int_query(request: web.Request, name: str, default: int | None) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return default
    # "²".isdigit() is True and int("²") fails; int() of 5000 digits fails too
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise bad_request(f"{name} must be a whole number", field=name)
    return int(raw)


@routes.get(paths.WALLET_AUDIT)
async def wallet_audit(request: web.Request) -> web.Response:
    who = await require_user(request)
    state = request.app[STATE]
    wallet = await vault.wallet_for(
        state, who, request.match_info["client_id"], access=vault.OWNER_OR_ADMIN
    )
    records = await read_records(
        state.audit,
        wallet=wallet.client_id,
        since=_int_query(request, "since", None),
        limit=_int_query(request, "limit", 500),
    )
    return ok(AuditRecords(records))


@routes.get(paths.ADMIN_AUDIT)
async def all_audit(request: web.Request) -> web.Response:
    await require_admin(request)
    state = request.app[STATE]
    records = await read_records(
        state.audit,
        since=_int_query(request, "since", None),
        limit=_int_query(request, "limit", 500),
    )
    return ok(AuditRecords(records))


@routes.get(paths.ADMIN_AUDIT_VERIFY)
async def verify(request: web.Request) -> web.Response:
    await require_admin(request)
    state = request.app[STATE]
    report = await verify_chain(state.audit, state.audit_key)
    head = None if report.head is None else list(report.head)
    return ok(
        AuditVerifyReport(report.ok, report.records, report.first_bad_seq, report.problem, head)
    )
