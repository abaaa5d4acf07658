"""Small helpers every role uses: sealing secrets with the record's identity, HMAC digests of
secret identifiers, and the audit step that fails closed."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from .audit import AuditUnavailable
from .errors import unavailable
from .principal import Principal
from .state import ServerState

log = logging.getLogger("splitkey.cosigner")


def seal(state: ServerState, plaintext: bytes, record_id: str) -> bytes:
    return state.kek.seal(plaintext, record_id)


def unseal(state: ServerState, blob: bytes, record_id: str) -> bytes:
    return state.kek.open(blob, record_id)


def code_digest(state: ServerState, code: str) -> str:
    """Codes are stored and audited only as HMACs: a database leak does not reveal them."""
    return hmac.new(state.hmac_key, code.encode(), hashlib.sha256).hexdigest()


async def record(
    state: ServerState,
    event: str,
    who: Principal | None,
    *,
    wallet: str | None = None,
    split: str | None = None,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
    undo: Callable[[], Awaitable[Any]] | None = None,
) -> int:
    """Append the audit record of something just done. If it cannot be written, undo what can be
    undone and answer 503: nothing is acknowledged that the audit log does not show."""
    try:
        return await state.audit.append_async(
            event,
            actor=who.user.id if who else "system",
            wallet=wallet,
            split=split,
            outcome=outcome,
            details=details or {},
        )
    except AuditUnavailable:
        state.metrics.audit_failures += 1
        log.error("audit log unwritable; refusing %s", event)
        if undo is not None:
            try:
                await undo()
            except Exception:  # the 503 below is what matters; the storage error is logged
                log.exception("could not undo %s after an audit failure", event)
        raise unavailable("the audit log cannot be written; nothing was done") from None
