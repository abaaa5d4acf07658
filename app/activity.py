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

EVENTS = {
    "cosign_transaction": "Co-signed a transaction",
    "cosign_message": "Co-signed a message",
    "cosign_auth_headers": "Co-signed auth headers",
    "cosign_raw_hash": "Co-signed a raw hash (0Chain ZAuth)",
    "cosign_refused": "Refused to co-sign",
    "wallet_created": "Created the wallet",
    "wallet_imported": "Imported the wallet",
    "wallet_frozen": "Froze the wallet",
    "wallet_unfrozen": "Unfroze the wallet",
    "wallet_deletion_scheduled": "Scheduled the wallet's deletion",
    "wallet_deletion_cancelled": "Cancelled the wallet's deletion",
    "wallet_deleted": "Deleted the wallet",
    "split_created": "Made a key",
    "split_setup": "Set up a key through 0Chain ZAuth",
    "wallet_record_removed": "An administrator removed the wallet's record",
    "split_revoked": "Revoked a key",
    "split_refreshed": "Refreshed a key (the old share stopped working)",
    "permissions_changed": "Changed a key's limits",
    "share_retrieved": "Took a key's share",
    "share_code_redeemed": "Redeemed a share code",
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
_KEY_EVENTS = {"split_revoked", "permissions_changed", "share_retrieved", "share_code_redeemed"}


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
    if event == "cosign_transaction" or (event == "cosign_refused" and "value" in details):
        value, to = details.get("value"), details.get("to")
        if isinstance(value, int) and value > 0:
            words += f": {format_zcn(value)}"
        if isinstance(to, str) and to:
            words += f" to {short_id(to)}"
    elif event == "split_created":
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
    decision = f"{outcome}: {rule}" if outcome == "refused" and isinstance(rule, str) else outcome
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
