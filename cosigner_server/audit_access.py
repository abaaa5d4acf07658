"""Reading, verifying and checking the audit sink the server runs with, whichever it is: the file
(audit.py, one server) or the chain in PostgreSQL (audit_db.py, replicas)."""

from __future__ import annotations

import asyncio
from typing import Any

from . import audit as audit_log
from .audit_db import DatabaseAuditLog
from .audit_health import audit_writable


async def read_records(
    sink: Any, *, wallet: str | None = None, since: int | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    if isinstance(sink, DatabaseAuditLog):
        return await sink.read(wallet=wallet, since=since, limit=limit)
    return await asyncio.to_thread(
        audit_log.read, sink.path, wallet=wallet, since=since, limit=limit
    )


async def verify_chain(sink: Any, key: bytes) -> audit_log.VerifyReport:
    if isinstance(sink, DatabaseAuditLog):
        return await sink.verify()
    return await asyncio.to_thread(audit_log.verify, sink.path, key)


async def audit_ready(sink: Any) -> bool:
    if isinstance(sink, DatabaseAuditLog):
        return await sink.writable()
    return audit_writable(sink.path)
