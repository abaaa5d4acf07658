"""A wallet's audit trail as a person reads it: one row per co-signer record (time, who, what,
transaction hash, decision with the refusing rule), a filter, and CSV export.

The co-signer answers the records of a wallet's audit log (GET /v1/wallets/{id}/audit) as JSON
objects: seq, at (unix seconds), event, outcome, actor (a user id or "system"), wallet, split,
details. Unknown events and detail fields are shown as they are, never dropped: a trail that
hides what it does not understand is not a trail.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass, fields
from typing import Any

from app.policy_words import format_time, format_zcn, short_id
from app.protocol.enums import AuditEvent, Outcome

EVENTS = {
    AuditEvent.COSIGN_TRANSACTION: "Co-signed a transaction",
    AuditEvent.COSIGN_MESSAGE: "Co-signed a message",
    AuditEvent.COSIGN_AUTH_HEADERS: "Co-signed auth headers",
    AuditEvent.COSIGN_RAW_HASH: "Co-signed a raw hash (0Chain ZAuth)",
    AuditEvent.COSIGN_REFUSED: "Refused to co-sign",
    AuditEvent.WALLET_CREATED: "Created the wallet",
    AuditEvent.WALLET_IMPORTED: "Imported the wallet",
    AuditEvent.WALLET_FROZEN: "Froze the wallet",
    AuditEvent.WALLET_UNFROZEN: "Unfroze the wallet",
    AuditEvent.WALLET_DELETION_SCHEDULED: "Scheduled the wallet's deletion",
    AuditEvent.WALLET_DELETION_CANCELLED: "Cancelled the wallet's deletion",
    AuditEvent.WALLET_DELETED: "Deleted the wallet",
    AuditEvent.SPLIT_CREATED: "Made a key",
    AuditEvent.SPLIT_SETUP: "Set up a key through 0Chain ZAuth",
    AuditEvent.WALLET_RECORD_REMOVED: "An administrator removed the wallet's record",
    AuditEvent.SPLIT_REVOKED: "Revoked a key",
    AuditEvent.SPLIT_REFRESHED: "Refreshed a key (the old share stopped working)",
    AuditEvent.PERMISSIONS_CHANGED: "Changed a key's limits",
    AuditEvent.SHARE_RETRIEVED: "Took a key's share",
    AuditEvent.SHARE_CODE_REDEEMED: "Redeemed a share code",
    # events of the co-signer and its users (an administrator's trail shows them)
    AuditEvent.ENROLLMENT_CODE_ISSUED: "Issued an enrollment code",
    AuditEvent.ENROLLED: "Signed in with an enrollment code",
    AuditEvent.TOKEN_EXCHANGED: "Signed in with an organisation token",
    AuditEvent.PROOF_OF_POSSESSION: "Signed in with a key",
    AuditEvent.REENROLLMENT_REQUESTED: "Asked for a second person's approval to sign in again",
    AuditEvent.REENROLLMENT_BY_OPERATOR: "The operator issued a new enrollment code",
    AuditEvent.REENROLLMENT_APPROVED: "Approved a new sign-in",
    AuditEvent.USER_ENABLED: "Enabled a user",
    AuditEvent.USER_DISABLED: "Disabled a user",
    AuditEvent.ADMIN_RECOVERED: "Recovered administrator access",
    AuditEvent.KEK_RELOADED: "Reloaded the key-encryption keys",
    AuditEvent.KEK_REWRAPPED: "Re-sealed the stored secrets under the current key",
    AuditEvent.AUDIT_RECOVERED: "Repaired the audit log's torn end",
}

# Decisions as the filter offers them.
ALL, ALLOWED, REFUSED = "all", "allowed", "refused"


@dataclass(frozen=True)
class ActivityRow:
    seq: int
    at: int | None
    time: str
    who: str
    what: str
    split: str
    hash: str
    decision: str  # "signed", "refused: period_value_cap", "ok", ...
    details: str  # the rest of the record's details, short

    @property
    def refused(self) -> bool:
        return self.decision.startswith("refused")


CSV_HEADER = [f.name for f in fields(ActivityRow)]


def _who(actor: Any, me: str | None, names: Mapping[str, str]) -> str:
    if not isinstance(actor, str):
        return "?"
    if me is not None and actor == me:
        return "you"
    return names.get(actor) or actor


# Events about one key: the row says which (review: "Revoked a key" did not).
_KEY_EVENTS = {
    AuditEvent.SPLIT_REVOKED,
    AuditEvent.PERMISSIONS_CHANGED,
    AuditEvent.SHARE_RETRIEVED,
    AuditEvent.SHARE_CODE_REDEEMED,
}


def key_words(split_id: str, labels: Mapping[str, str]) -> str:
    """A key as a person knows it: its label, else its short id."""
    label = labels.get(split_id)
    return f"“{label}”" if label else short_id(split_id)


def _what(
    record: Mapping[str, Any], details: Mapping[str, Any], labels: Mapping[str, str] = {}  # noqa: B006
) -> str:
    event = str(record.get("event") or "?")
    words = EVENTS.get(event, event.replace("_", " "))
    split = record.get("split")
    if event in _KEY_EVENTS and isinstance(split, str) and split:
        words += f" ({key_words(split, labels)})"
    if event == AuditEvent.COSIGN_TRANSACTION or (
        event == AuditEvent.COSIGN_REFUSED and "value" in details
    ):
        value, to = details.get("value"), details.get("to")
        if isinstance(value, int) and value > 0:
            words += f": {format_zcn(value)}"
        if isinstance(to, str) and to:
            words += f" to {short_id(to)}"
    elif event == AuditEvent.SPLIT_CREATED:
        label = details.get("label")
        if isinstance(label, str) and label:
            words += f" {json.dumps(label)}"
    return words


_SHOWN = {"hash", "rule", "to", "value", "label"}


def row_of(
    record: Mapping[str, Any],
    *,
    me: str | None = None,
    names: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> ActivityRow:
    details = record.get("details") if isinstance(record.get("details"), dict) else {}
    at = record.get("at") if isinstance(record.get("at"), int) else None
    outcome = str(record.get("outcome") or "?")
    rule = details.get("rule")
    refused = outcome == Outcome.REFUSED and isinstance(rule, str)
    decision = f"{outcome}: {rule}" if refused else outcome
    rest = {k: v for k, v in sorted(details.items()) if k not in _SHOWN}
    return ActivityRow(
        seq=record.get("seq") if isinstance(record.get("seq"), int) else -1,
        at=at,
        time=format_time(at) if at is not None else "?",
        who=_who(record.get("actor"), me, names or {}),
        what=_what(record, details, labels or {}),
        split=str(record.get("split") or ""),
        hash=str(details.get("hash") or ""),
        decision=decision,
        details=json.dumps(rest, sort_keys=True, separators=(",", ":")) if rest else "",
    )


def rows_of(
    records: Iterable[Mapping[str, Any]],
    *,
    me: str | None = None,
    names: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[ActivityRow]:
    """Newest first: what a person looks for is what just happened. labels: split id -> the
    key's label, so that a row about a key names it."""
    rows = [
        row_of(r, me=me, names=names, labels=labels) for r in records if isinstance(r, Mapping)
    ]
    return sorted(rows, key=lambda row: row.seq, reverse=True)


def matches(row: ActivityRow, text: str = "", decision: str = ALL) -> bool:
    """The filter: every word of `text` somewhere in the row (any case), and the decision."""
    if decision == REFUSED and not row.refused:
        return False
    if decision == ALLOWED and row.refused:
        return False
    haystack = " ".join(str(v) for v in astuple(row)).lower()
    return all(word in haystack for word in text.lower().split())


def _cell(value: Any) -> Any:
    # A spreadsheet runs a cell that starts with = + - @ (or a tab or CR) as a formula; labels
    # and details come from other people, so such cells get a leading apostrophe.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(rows: Iterable[ActivityRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([_cell(v) if v is not None else "" for v in astuple(row)])
    return out.getvalue()
