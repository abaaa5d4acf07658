"""How a key's permissions and a refusal's numbers are said in words: shared by the co-signer's
policy engine (cosigner_server/policy.py), which puts them in refusals, and the desktop, which
shows a key's limits and its worst case before the owner shares it. Pure functions."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

from app.permissions import DAY, GROUP_TITLES, GROUPS, ZCN, Permissions

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

# -- words and numbers ------------------------------------------------------------------------


def format_amount(sas: int) -> str:
    """SAS as a ZCN number, exact (integers only), trailing zeros trimmed: 15000000000 -> 1.5."""
    whole, fraction = divmod(abs(sas), ZCN)
    text = f"{whole}.{fraction:010d}".rstrip("0").rstrip(".")
    return f"-{text}" if sas < 0 else text


def format_zcn(sas: int) -> str:
    return f"{format_amount(sas)} ZCN"


def format_period(seconds: int) -> str:
    """A window in the largest whole unit, days only past one: "90 min", "24 h", "7 d"."""
    if seconds > DAY and seconds % DAY == 0:
        return f"{seconds // DAY} d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _utc(unix: int) -> datetime | None:
    # Permissions take any int64 time; past year 9999 datetime gives up, the words must not.
    try:
        return datetime.fromtimestamp(unix, UTC)
    except (OverflowError, ValueError, OSError):
        return None


def format_time(unix: int) -> str:
    """2026-12-01 12:00 UTC; seconds are shown only when not zero, never rounded away."""
    moment = _utc(unix)
    if moment is None:
        return f"unix time {unix}"
    return moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M") + " UTC"


def format_day(unix: int) -> str:
    """1 Dec 2026 (English month names whatever the machine's locale)."""
    moment = _utc(unix)
    if moment is None:
        return f"unix time {unix}"
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def short_id(hex_id: str) -> str:
    """First 8 and last 4 characters of a long id, enough to tell two apart on screen."""
    return hex_id if len(hex_id) <= 16 else f"{hex_id[:8]}…{hex_id[-4:]}"


def quoted(text: str) -> str:
    # Method names come from the request: quote, escape and bound them before they reach a screen.
    return json.dumps(text if len(text) <= 64 else text[:64] + "…")


def id_list(ids: frozenset[str]) -> str:
    if not ids:
        return "nobody"
    shown = ", ".join(short_id(i) for i in sorted(ids)[:5])
    return shown if len(ids) <= 5 else f"{shown} and {len(ids) - 5} more"


def also_a_call(method: str, where: str, why: str) -> str:
    """Rule also_a_contract_call: a send whose signature is also a valid contract call."""
    return (
        f"sent with this data, the same signature is also a valid call of {method} on {where} "
        f"(a transaction's type is not in its signed hash, so a node would run it as a "
        f"contract call): {why}"
    )


def read_differently(problem: str) -> str:
    """Rule data_read_differently: transaction data a 0Chain node could read differently."""
    return (
        f"{problem}; a 0Chain node could read it as another call than this server does, "
        "so a key with limits does not sign it"
    )


def nonce_too_far(nonce: int, last: int | None, window: int) -> str:
    """Rule nonce_window: a nonce too far above the wallet's last co-signed one."""
    since = f"this wallet's last co-signed nonce {last}" if last else "0 (no nonce co-signed yet)"
    return (
        f"nonce {nonce} is more than {window} above {since}; a key with limits may use at most "
        f"{(last or 0) + window}"
    )


def _uses(n: int) -> str:
    return "use" if n == 1 else "uses"


# -- what a desktop shows ---------------------------------------------------------------------


# A raw hash can be any transaction's hash: no group, cap or recipient limit can hold.
RAW_HASHES_LINE = "Can sign raw hashes: as powerful as an unrestricted key"


def describe(permissions: Permissions) -> list[str]:
    """The key's limits as short lines, in a fixed order."""
    p = permissions
    lines: list[str] = []
    if p.unrestricted:
        lines.append("Unrestricted: can sign any transaction and any message")
    else:
        granted = [g for g in GROUPS if g in p.groups]
        lines += [f"Can {GROUP_TITLES[g]}" for g in granted] or ["Cannot sign any transaction"]
        lines.append("Can sign messages" if p.sign_messages else "Cannot sign messages")
        period = format_period(p.period_seconds)
        if granted:
            cap = p.max_per_transaction
            lines.append(
                f"At most {format_zcn(cap)} per transaction"
                if cap is not None
                else "No limit per transaction"
            )
            cap = p.max_value_per_period
            lines.append(
                f"At most {format_zcn(cap)} per {period}"
                if cap is not None
                else f"No limit on the amount per {period}"
            )
        if p.max_count_per_period is not None:
            lines.append(f"At most {p.max_count_per_period} signatures per {period}")
        if "token_transfers" in p.groups:
            if p.recipients is None:
                lines.append("To any recipient")
            elif p.recipients:
                lines.append(f"Only to: {id_list(p.recipients)}")
            else:
                lines.append("Cannot send to anyone: the recipient list is empty")
        if p.max_uses is not None:
            lines.append(f"At most {p.max_uses} {_uses(p.max_uses)} in total")
    if p.sign_raw_hashes:
        lines.append(RAW_HASHES_LINE)
    if p.not_before is not None:
        lines.append(f"Valid from {format_time(p.not_before)}")
    lines.append(
        f"Expires {format_time(p.expires_at)}" if p.expires_at is not None else "Never expires"
    )
    if p.chain_id is not None:
        # chain_id is not in the signed hash: the pin decides what the co-signer signs, not
        # where a signature is valid (docs/cosigner.md)
        lines.append(
            f"Only on chain {short_id(p.chain_id)} (signed only for it; a signature is valid "
            "on every chain)"
        )
    return lines


def worst_case_bounds(
    permissions: Permissions, *, now: int | None = None
) -> tuple[int | None, int | None]:
    """(most SAS per period, most SAS in total from now on); None where there is no bound.
    Unrestricted keys are (None, None). With `now` (or not_before) and an expiry, the total also
    counts the periods left: a rolling window lets one period's cap through every period."""
    p = permissions
    if p.unrestricted or p.sign_raw_hashes:
        return None, None
    if not _can_move_tokens(p) or _expired(p, now):
        return 0, 0
    per_tx, count = p.max_per_transaction, p.max_count_per_period
    rates = [p.max_value_per_period]
    if per_tx is not None and count is not None:
        rates.append(per_tx * count)
    rate = min((r for r in rates if r is not None), default=None)
    totals = []
    if per_tx is not None and p.max_uses is not None:
        totals.append(per_tx * p.max_uses)
    starts = [t for t in (now, p.not_before) if t is not None]
    if rate is not None and p.expires_at is not None and starts:
        # uses at start, start + P, start + 2P, ... before expiry: ceil(remaining / P) windows
        periods = math.ceil(max(0, p.expires_at - max(starts)) / p.period_seconds)
        totals.append(rate * periods)
    return rate, min(totals, default=None)


def _can_move_tokens(p: Permissions) -> bool:
    groups = set(p.groups)
    if p.recipients is not None and not p.recipients:
        groups.discard("token_transfers")  # sends only; nobody to send to
    return bool(groups) and 0 not in (
        p.max_per_transaction,
        p.max_value_per_period,
        p.max_count_per_period,
        p.max_uses,
    )


def _expired(p: Permissions, now: int | None) -> bool:
    return now is not None and p.expires_at is not None and now >= p.expires_at


def worst_case(permissions: Permissions, *, now: int | None = None) -> str:
    """One sentence: the most this key can move, per period and in total, honest about "no
    limit". Pass `now` to bound the total by the periods left before expiry."""
    p = permissions
    if _expired(p, now):
        return "This key has expired: it can no longer move tokens."
    until = f" until {format_day(p.expires_at)}" if p.expires_at is not None else ""
    if p.unrestricted:
        return (
            f"In the worst case this key can move every token in the wallet{until}: "
            "it is unrestricted."
        )
    if p.sign_raw_hashes:
        return (
            f"In the worst case this key can move every token in the wallet{until}: it signs "
            "raw hashes, which is as powerful as an unrestricted key."
        )
    if not _can_move_tokens(p):
        return "This key cannot move tokens."
    rate, total = worst_case_bounds(p, now=now)
    if rate is not None:
        amount = f"{format_zcn(rate)} every {format_period(p.period_seconds)}"
    elif p.max_per_transaction is not None:
        amount = f"{format_zcn(p.max_per_transaction)} per transaction"
        if p.max_uses is None:
            amount += ", in any number of them"
    else:
        amount = "any amount (no limit per transaction or per period)"
    if total is not None:
        tail = f"{until or ', with no end date'}, at most {format_zcn(total)} in total"
    elif until:
        tail = until
    else:
        tail = ", with no end date and no limit in total"
    return f"In the worst case this key can move {amount}{tail}."
