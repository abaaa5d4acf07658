"""`splitkey` options that the co-signer and network commands share: ZCN amounts, hours, times
and the split permission options."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.cli._common import InputError, value
from app.compose import ComposeError, parse_zcn
from app.permissions import Permissions


def zcn_to_sas(text: str, option: str) -> int:
    """The desktop's rule (app/compose.parse_zcn): digits and a dot, at most 10 decimals, within
    0Chain's int64; no exponent ("1e3"), no sign."""
    try:
        return parse_zcn(text, option)
    except ComposeError as exc:
        raise InputError(f"{option}: {exc.message}") from None


def hours_to_seconds(text: str, option: str) -> int:
    try:
        seconds = Decimal(text) * 3600
    except InvalidOperation:
        raise InputError(f"{option}: {text!r} is not a number of hours") from None
    if not seconds.is_finite() or seconds != seconds.to_integral_value():
        raise InputError(f"{option}: a whole number of seconds, got {text!r} h")
    return int(seconds)


def unix_time(text: str, option: str) -> int:
    """Unix seconds, or ISO 8601 (a time without an offset is UTC)."""
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{option}: {text!r} is not ISO 8601 or unix seconds") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [n.strip() for n in text.split(",") if n.strip()]


PERMISSION_OPTIONS = (
    "groups",
    "messages",
    "raw_hashes",
    "max_per_tx",
    "period_cap",
    "period_count",
    "period",
    "recipients",
    "not_before",
    "expires",
    "max_uses",
    "unrestricted",
    "chain_id",
)


def permissions_from_args(args: argparse.Namespace) -> Permissions | None:
    """--permissions-json, or the permission options; None when neither is given."""
    given = [n for n in PERMISSION_OPTIONS if getattr(args, n) not in (None, False)]
    if args.permissions_json is not None:
        if given:
            raise InputError(f"--permissions-json excludes --{given[0].replace('_', '-')}")
        try:
            return Permissions.from_dict(json.loads(value(args.permissions_json)))
        except ValueError as exc:
            raise InputError(f"--permissions-json: {exc}") from None
    if not given:
        return None
    data: dict[str, Any] = {
        "groups": _names(args.groups) or [],
        "sign_messages": args.messages,
        "sign_raw_hashes": args.raw_hashes,
        "unrestricted": args.unrestricted,
        "recipients": _names(args.recipients),
        "max_count_per_period": args.period_count,
        "max_uses": args.max_uses,
        "chain_id": args.chain_id,
    }
    if args.max_per_tx is not None:
        data["max_per_transaction"] = zcn_to_sas(args.max_per_tx, "--max-per-tx")
    if args.period_cap is not None:
        data["max_value_per_period"] = zcn_to_sas(args.period_cap, "--period-cap")
    if args.period is not None:
        data["period_seconds"] = hours_to_seconds(args.period, "--period")
    if args.not_before is not None:
        data["not_before"] = unix_time(args.not_before, "--not-before")
    if args.expires is not None:
        data["expires_at"] = unix_time(args.expires, "--expires")
    try:
        return Permissions.from_dict(data)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def permission_options(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--permissions-json", metavar="J", help='a permissions object as JSON, or "-"')
    add("--groups", metavar="G1,G2", help="0Chain permission groups, e.g. token_transfers")
    add("--messages", action="store_true", help="may sign messages")
    add(
        "--raw-hashes",
        action="store_true",
        help="may sign raw hashes (0Chain ZAuth /sign/msg): as powerful as an unrestricted key",
    )
    add("--max-per-tx", metavar="ZCN", help="cap per transaction")
    add("--period-cap", metavar="ZCN", help="cap per rolling period")
    add("--period-count", type=int, metavar="N", help="signatures per rolling period")
    add("--period", metavar="HOURS", help="the rolling period (default 24)")
    add("--recipients", metavar="ID1,ID2", help="allowed recipients of sends")
    add("--not-before", metavar="TIME", help="ISO 8601 (UTC unless an offset) or unix seconds")
    add("--expires", metavar="TIME", help="ISO 8601 (UTC unless an offset) or unix seconds")
    add("--max-uses", type=int, metavar="N")
    add("--unrestricted", action="store_true", help="no limits (only your own split)")
    add("--chain-id", metavar="ID", help="pin a chain (a signature is valid on every chain)")


def page_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=int, metavar="SEQ", help="records after this one")
    parser.add_argument("--limit", type=int, metavar="N", help="at most N records")
