"""The Share dialog's form -> Permissions (app/share_terms.py), and its worst-case words."""

from __future__ import annotations

import pytest

from app.compose import ComposeError
from app.permissions import DAY, ZCN, Permissions
from app.policy_words import worst_case
from app.share_terms import ShareForm, form_errors, parse_recipients, permissions_of

NOW = 1_790_000_000
A, B = "ab" * 32, "cd" * 32


def test_a_delegate_limited_to_transfers_and_a_24h_cap():
    form = ShareForm(
        label="Alice",
        per_transaction="1",
        per_period="5",
        recipients=f"{A}\n {B.upper()} ,{A}",
        expires_at=NOW + 30 * DAY,
        max_uses="10",
    )
    assert form_errors(form, NOW) == {}
    p = permissions_of(form, NOW)
    assert p == Permissions(
        groups=frozenset({"token_transfers"}),
        max_per_transaction=ZCN,
        max_value_per_period=5 * ZCN,
        period_seconds=DAY,
        recipients=frozenset({A, B}),
        expires_at=NOW + 30 * DAY,
        max_uses=10,
    )
    assert worst_case(p, now=NOW) == (
        "In the worst case this key can move 5 ZCN every 24 h until 21 Oct 2026, "
        "at most 10 ZCN in total."
    )


def test_empty_fields_mean_no_limit():
    p = permissions_of(ShareForm(groups=frozenset(), sign_messages=True), NOW)
    assert p.groups == frozenset() and p.sign_messages
    assert (p.max_per_transaction, p.max_value_per_period, p.recipients, p.max_uses) == (
        None,
        None,
        None,
        None,
    )
    assert p.expires_at is None and not p.unrestricted
    assert worst_case(p, now=NOW) == "This key cannot move tokens."


def test_every_wrong_field_is_named_at_once():
    form = ShareForm(
        label="x" * 101,
        groups=frozenset(),
        per_transaction="1.2.3",
        per_period="0.00000000001",
        period_seconds=10,
        recipients=f"{A} nothex",
        expires_at=NOW - 1,
        max_uses="0",
    )
    errors = form_errors(form, NOW)
    assert set(errors) == {
        "label",
        "groups",
        "per_transaction",
        "per_period",
        "period_seconds",
        "recipients",
        "expires_at",
        "max_uses",
    }
    assert "recipient 2" in errors["recipients"] and "decimals" in errors["per_period"]
    with pytest.raises(ComposeError) as first:
        permissions_of(form, NOW)
    assert first.value.field == "label"


def test_recipients_parsing():
    assert parse_recipients("  \n ,") is None
    assert parse_recipients(f"{A};{A}") == frozenset({A})
    with pytest.raises(ComposeError, match="recipient 1"):
        parse_recipients("12")
