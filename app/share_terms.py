"""What an owner fills in to share a wallet, turned into the Permissions the co-signer enforces.

The Share dialog (ui/share_dialog.py) is a form over `ShareForm`; this module decides what the
form means, so the rule is written once and tested without Qt: empty caps mean "no limit", an
empty recipient list means "anyone", expiry is a moment in the future. Every problem is a
ComposeError naming the form field (app/compose.py), all of them at once through `form_errors`
so the dialog can mark every wrong field before anything is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from app.compose import ComposeError, parse_client_id, parse_count, parse_zcn
from app.permissions import DAY, GROUPS, Permissions, PermissionsError

MAX_LABEL = 100  # the co-signer keeps the first 100 characters

PERIODS: tuple[tuple[int, str], ...] = (
    (3600, "hour"),
    (DAY, "24 hours"),
    (7 * DAY, "7 days"),
    (30 * DAY, "30 days"),
)

CUSTOM = "custom"
# (words, seconds from now | None for never | CUSTOM for the date picker)
EXPIRY_PRESETS: tuple[tuple[str, int | str | None], ...] = (
    ("1 day", DAY),
    ("7 days", 7 * DAY),
    ("30 days", 30 * DAY),
    ("90 days", 90 * DAY),
    ("Never", None),
    ("On a date…", CUSTOM),
)

_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class ShareForm:
    label: str = ""
    groups: frozenset[str] = frozenset({"token_transfers"})
    sign_messages: bool = False
    sign_raw_hashes: bool = False  # as powerful as an unrestricted key (policy_words says so)
    per_transaction: str = ""  # ZCN; empty: no limit per transaction
    per_period: str = ""  # ZCN; empty: no limit per period
    period_seconds: int = DAY
    recipients: str = ""  # client ids separated by lines, spaces or commas; empty: anyone
    expires_at: int | None = None  # unix seconds; None: never
    max_uses: str = ""  # empty: no limit


# The fields form_errors can name, in the form's order (a yes/no box cannot be wrong).
FIELDS = tuple(f.name for f in fields(ShareForm) if f.type != "bool")


def parse_recipients(text: str) -> frozenset[str] | None:
    words = [w for w in _SEPARATORS.split(text) if w]
    if not words:
        return None
    out = set()
    for number, word in enumerate(words, 1):
        try:
            out.add(parse_client_id(word, "recipients"))
        except ComposeError as exc:
            raise ComposeError("recipients", f"recipient {number}: {exc.message}") from None
    return frozenset(out)


def _checks(form: ShareForm, now: int):
    """(field, thunk) pairs; each thunk returns its part of the permissions or raises."""

    def label() -> dict:
        if len(form.label.strip()) > MAX_LABEL:
            raise ComposeError("label", f"at most {MAX_LABEL} characters")
        return {}

    def groups() -> dict:
        unknown = set(form.groups) - GROUPS.keys()
        if unknown:
            raise ComposeError("groups", f"unknown permission: {', '.join(sorted(unknown))}")
        if not form.groups and not form.sign_messages and not form.sign_raw_hashes:
            raise ComposeError("groups", "choose at least one thing this person may do")
        return {
            "groups": frozenset(form.groups),
            "sign_messages": form.sign_messages,
            "sign_raw_hashes": form.sign_raw_hashes,
        }

    def cap(name: str, key: str):
        def check() -> dict:
            text = getattr(form, name).strip()
            return {key: parse_zcn(text, name) if text else None}

        return check

    def period() -> dict:
        if form.period_seconds < 60:
            raise ComposeError("period_seconds", "a period is at least a minute")
        return {"period_seconds": form.period_seconds}

    def recipients() -> dict:
        return {"recipients": parse_recipients(form.recipients)}

    def expiry() -> dict:
        if form.expires_at is not None and form.expires_at <= now + 60:
            raise ComposeError("expires_at", "the expiry must be in the future")
        return {"expires_at": form.expires_at}

    def uses() -> dict:
        text = form.max_uses.strip()
        return {"max_uses": parse_count(text, "max_uses", minimum=1) if text else None}

    return [
        ("label", label),
        ("groups", groups),
        ("per_transaction", cap("per_transaction", "max_per_transaction")),
        ("per_period", cap("per_period", "max_value_per_period")),
        ("period_seconds", period),
        ("recipients", recipients),
        ("expires_at", expiry),
        ("max_uses", uses),
    ]


def form_errors(form: ShareForm, now: int) -> dict[str, str]:
    """Every wrong field with its message ({} when the form is good)."""
    errors = {}
    for name, check in _checks(form, now):
        try:
            check()
        except ComposeError as exc:
            errors[exc.field or name] = exc.message
    return errors


def permissions_of(form: ShareForm, now: int) -> Permissions:
    """The permissions the form describes; the first ComposeError otherwise."""
    values: dict = {}
    for _name, check in _checks(form, now):
        values.update(check())
    try:
        return Permissions(**values)
    except PermissionsError as exc:  # the checks above should catch everything first
        raise ComposeError("groups", str(exc)) from None
