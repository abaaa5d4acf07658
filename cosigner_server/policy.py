"""The policy engine: may this split key co-sign this transaction or message?

Pure functions over the permission model (app/permissions.py): no I/O and no clock (`now` is a
parameter), so the same answer comes out on the server, in tests and in the desktop's preview.
Deny by default. A refusal names its rule (a stable machine name) and says why in words, with
the numbers, that a desktop can show as is.

A co-sign runs two checks:
- check_transaction / check_message: everything decidable from the request alone; run before
  any storage access.
- check_usage: the limits that depend on what the key already used; run as the `decide` step of
  Storage.consume, inside the storage transaction, so concurrent requests cannot both take the
  last unit.

The value a transaction moves is its transaction_value, for sends and smart-contract calls
alike (new_allocation_request, write_pool_lock, stake_pool_lock, burn... carry the tokens they
take there). The fee is not counted: it is not in the signed hash, so a signature does not bind
it. Methods are governed by their group; amounts named inside a call's input are not capped.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime

from app.permissions import DAY, GROUP_TITLES, GROUPS, ZCN, Permissions, group_of, method_of
from app.transaction import (
    FAUCET_SC_ADDRESS,
    MINER_SC_ADDRESS,
    STORAGE_SC_ADDRESS,
    ZCN_SC_ADDRESS,
    Transaction,
    TransactionType,
)
from cosigner_server.model import Refusal, UsageSummary

_CONTRACTS = {
    STORAGE_SC_ADDRESS: "the storage contract",
    MINER_SC_ADDRESS: "the miner contract",
    FAUCET_SC_ADDRESS: "the faucet contract",
    ZCN_SC_ADDRESS: "the ZCN bridge contract",
}
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

# A message whose sha3 is a transaction hash must never be co-signed as a "message": its
# signature would be a valid signature of that transaction. hash_data is
# "{creation_date}:{nonce}:{client_id}:{to_client_id}:{value}:{sha3(data)}", and before nonces
# existed "{creation_date}:{client_id}:{to_client_id}:{value}:{sha3(data)}". Matched loosely on
# purpose (a sign, either hex case, any hex length for the recipient): refusing a look-alike costs
# nothing, missing a real one costs the wallet.
_INT = r"-?[0-9]+"
_HEX = r"[0-9a-fA-F]"
_TRANSACTION_SHAPES = (
    re.compile(rf"{_INT}:{_INT}:{_HEX}{{64}}:{_HEX}*:{_INT}:{_HEX}{{64}}", re.ASCII),
    re.compile(rf"{_INT}:{_HEX}{{64}}:{_HEX}*:{_INT}:{_HEX}{{64}}", re.ASCII),
)
# A bare hash is refused too: 0Chain's own message endpoint signs hashes as given, so a client
# ported from it may send a transaction hash where a preimage belongs; and a bare hash says nothing
# a holder could check. (This also refuses blobbers' sha3(allocation id): those need their own
# route that knows the allocation.)
_BARE_HASH = re.compile(rf"{_HEX}{{64}}", re.ASCII)


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


def _quoted(text: str) -> str:
    # Method names come from the request: quote, escape and bound them before they reach a screen.
    return json.dumps(text if len(text) <= 64 else text[:64] + "…")


def _id_list(ids: frozenset[str]) -> str:
    if not ids:
        return "nobody"
    shown = ", ".join(short_id(i) for i in sorted(ids)[:5])
    return shown if len(ids) <= 5 else f"{shown} and {len(ids) - 5} more"


def _uses(n: int) -> str:
    return "use" if n == 1 else "uses"


# -- the checks -------------------------------------------------------------------------------


def transaction_value(tx: Transaction) -> int:
    """The SAS a transaction moves, as caps count it (see the module docstring)."""
    return tx.transaction_value


def check_transaction(
    permissions: Permissions,
    tx: Transaction,
    *,
    now: int,
    server_chain_id: str,
    max_clock_skew: int,
    client_hash: str | None,
) -> Refusal | None:
    """The checks that need no usage counts; None means "go on to check_usage".

    Hash, chain id, creation time and the validity window bind every key, unrestricted ones
    included: they are about which transaction and when, not about what the key may do.
    """
    if client_hash is not None and client_hash != tx.hash:
        return Refusal(
            "hash_mismatch",
            f"the hash sent ({short_id(client_hash)}) is not the hash of the transaction's "
            f"fields ({short_id(tx.hash)})",
            status=400,
        )
    chain = permissions.chain_id or server_chain_id
    if tx.chain_id != chain:
        signer = "this key is pinned to" if permissions.chain_id else "this server signs for"
        return Refusal(
            "chain_id",
            f"the transaction is for chain {short_id(tx.chain_id)}; "
            f"{signer} chain {short_id(chain)}",
        )
    skew = tx.creation_date - now
    if abs(skew) > max_clock_skew:
        side = "ahead of" if skew > 0 else "behind"
        return Refusal(
            "creation_time",
            f"the transaction's creation time {format_time(tx.creation_date)} is {abs(skew)} s "
            f"{side} the server's clock; at most {max_clock_skew} s either way is accepted",
        )
    refusal = _check_window(permissions, now)
    if refusal or permissions.unrestricted:
        return refusal

    group = group_of(tx)
    if group is None:
        return Refusal("method_not_allowed", _no_group_message(tx))
    if group not in permissions.groups:
        allowed = ", ".join(g for g in GROUPS if g in permissions.groups) or "none"
        return Refusal(
            "group_not_allowed", f"{group} is not allowed for this key (allowed: {allowed})"
        )
    # The allow-list is about who receives tokens from a send; a contract call's receiver is the
    # contract itself, and its group already says which calls are allowed.
    recipients = permissions.recipients
    if group == "token_transfers" and recipients is not None and tx.to_client_id not in recipients:
        return Refusal(
            "recipient_not_allowed",
            f"recipient {short_id(tx.to_client_id)} is not on this key's allow-list "
            f"(allowed: {_id_list(recipients)})",
        )
    value, cap = transaction_value(tx), permissions.max_per_transaction
    if cap is not None and value > cap:
        return Refusal(
            "per_transaction_cap",
            f"{format_zcn(value)} is over the {format_zcn(cap)} per-transaction cap",
        )
    return None


def _no_group_message(tx: Transaction) -> str:
    if tx.transaction_type == TransactionType.DATA:
        return (
            "data transactions (type 10) are in no permission group; "
            "only an unrestricted key signs them"
        )
    contract, method = method_of(tx)
    where = _CONTRACTS.get(contract, f"address {short_id(contract)}")
    return f"method {_quoted(method)} on {where} is in no permission group"


def _check_window(permissions: Permissions, now: int) -> Refusal | None:
    # Same boundaries as Split.status_at: valid from not_before, expired from expires_at on.
    if permissions.not_before is not None and now < permissions.not_before:
        return Refusal(
            "not_yet_valid", f"this key is not valid before {format_time(permissions.not_before)}"
        )
    if permissions.expires_at is not None and now >= permissions.expires_at:
        return Refusal("expired", f"this key expired at {format_time(permissions.expires_at)}")
    return None


def check_usage(permissions: Permissions, *, value: int, usage: UsageSummary) -> Refusal | None:
    """The limits that depend on past use; `value` is 0 for messages, which count as uses."""
    if permissions.unrestricted:
        return None
    p = permissions
    if p.max_uses is not None and usage.total_uses >= p.max_uses:
        if p.max_uses == 0:
            return Refusal("max_uses", "this key allows 0 uses")
        spent = (
            f"all {p.max_uses} uses of this key are"
            if p.max_uses > 1
            else "the 1 use of this key is"
        )
        return Refusal("max_uses", f"{spent} spent")
    period = format_period(p.period_seconds)
    cap = p.max_value_per_period
    if cap is not None and usage.period_value + value > cap:
        return Refusal(
            "period_value_cap",
            f"over the {period} cap: {format_amount(usage.period_value)} of {format_zcn(cap)} "
            f"used, this request needs {format_zcn(value)}",
        )
    count = p.max_count_per_period
    if count is not None and usage.period_count + 1 > count:
        return Refusal(
            "period_count_cap",
            f"over the {period} limit of {count} signatures: {usage.period_count} used",
        )
    return None


def looks_like_transaction(preimage: str, *, allow_bare_hash: bool = False) -> bool:
    """True for a transaction's hash_data (either layout) or, unless allowed, a bare 64-hex hash."""
    shapes = _TRANSACTION_SHAPES if allow_bare_hash else (*_TRANSACTION_SHAPES, _BARE_HASH)
    return any(shape.fullmatch(preimage) for shape in shapes)


def check_message(
    permissions: Permissions, *, preimage: str, now: int, allow_bare_hash: bool = False
) -> Refusal | None:
    """Checks before co-signing sha3(preimage). Uses are then counted by check_usage(value=0).
    allow_bare_hash: for auth headers, where blobbers sign sha3(allocation id); signing sha3 of a
    64-hex string can never produce a transaction signature (that needs sha3(hash_data))."""
    if not (permissions.sign_messages or permissions.unrestricted):
        return Refusal("messages_not_allowed", "this key may not sign messages")
    refusal = _check_window(permissions, now)
    if refusal:
        return refusal
    # Even for an unrestricted key: the message route must never become a transaction route.
    if looks_like_transaction(preimage, allow_bare_hash=allow_bare_hash):
        return Refusal(
            "looks_like_transaction",
            "this message has the shape of a 0Chain transaction or of a bare hash; its "
            "signature could be used as a transaction's, so it is not signed as a message",
        )
    return None


# -- what a desktop shows ---------------------------------------------------------------------


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
                lines.append(f"Only to: {_id_list(p.recipients)}")
            else:
                lines.append("Cannot send to anyone: the recipient list is empty")
        if p.max_uses is not None:
            lines.append(f"At most {p.max_uses} {_uses(p.max_uses)} in total")
    if p.not_before is not None:
        lines.append(f"Valid from {format_time(p.not_before)}")
    lines.append(
        f"Expires {format_time(p.expires_at)}" if p.expires_at is not None else "Never expires"
    )
    if p.chain_id is not None:
        lines.append(f"Only on chain {short_id(p.chain_id)}")
    return lines


def worst_case_bounds(
    permissions: Permissions, *, now: int | None = None
) -> tuple[int | None, int | None]:
    """(most SAS per period, most SAS in total from now on); None where there is no bound.
    Unrestricted keys are (None, None). With `now` (or not_before) and an expiry, the total also
    counts the periods left: a rolling window lets one period's cap through every period."""
    p = permissions
    if p.unrestricted:
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
