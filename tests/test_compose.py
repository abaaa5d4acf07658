"""Transactions from typed input (app/compose.py): exact amounts, fields named in errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.compose import (
    ComposeError,
    compose_call,
    compose_data,
    compose_send,
    parse_client_id,
    parse_input_json,
    parse_zcn,
)
from app.crypto import SecretKey
from app.keys import client_id_of
from app.permissions import ZCN
from app.policy_words import format_amount
from app.transaction import INT64_MAX, STORAGE_SC_ADDRESS, TransactionType, send_data

KEY = SecretKey.from_seed(b"\x07" * 32).public_key()
COMMON = {
    "client_id": client_id_of(KEY),
    "public_key": KEY.to_hex(),
    "chain_id": "ab" * 32,
    "nonce": "3",
    "fee": "0.01",
    "creation_date": 1_800_000_000,
}


@given(st.integers(0, INT64_MAX))
def test_amounts_round_trip_exactly_through_their_words(sas):
    assert parse_zcn(format_amount(sas)) == sas


@pytest.mark.parametrize(
    ("text", "sas"),
    [
        ("1", ZCN),
        ("1.5", 15 * ZCN // 10),
        (" 0.0000000001 ", 1),
        ("2 ZCN", 2 * ZCN),
        (".5", ZCN // 2),
    ],
)
def test_amounts(text, sas):
    assert parse_zcn(text) == sas


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "enter"), ("1e3", "not an amount"), ("-1", "not an amount"), ("1,5", "not an amount"),
     ("0.00000000001", "10 decimals"), ("922337203.6854775808", "too large"), (".", "not an")],
)  # fmt: skip
def test_bad_amounts_say_why(text, words):
    with pytest.raises(ComposeError) as caught:
        parse_zcn(text, "fee")
    assert caught.value.field == "fee" and words in caught.value.message


def test_a_send():
    tx = compose_send(**COMMON, recipient=" " + "CD" * 32, amount="1.25", note="rent")
    assert (tx.to_client_id, tx.transaction_value, tx.transaction_fee) == (
        "cd" * 32,
        12_500_000_000,
        10**8,
    )
    assert tx.transaction_type == TransactionType.SEND and tx.transaction_nonce == 3
    assert tx.public_key == KEY.to_hex() and tx.transaction_data == send_data("rent")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"recipient": "cd" * 31}, "recipient"), ({"amount": "0"}, "amount"),
     ({"nonce": "x"}, "nonce"), ({"recipient": client_id_of(KEY)}, "recipient")],
)  # fmt: skip
def test_send_errors_name_the_field(changes, field):
    fields = {**COMMON, "recipient": "cd" * 32, "amount": "1", **changes}
    with pytest.raises(ComposeError) as caught:
        compose_send(**fields)
    assert caught.value.field == field


def test_a_smart_contract_call():
    tx = compose_call(
        **COMMON, group="allocation_token_operations", method="read_pool_lock",
        input_json='{"allocation": "x"}', amount="",
    )  # fmt: skip
    assert tx.to_client_id == STORAGE_SC_ADDRESS and tx.transaction_value == 0
    assert json.loads(tx.transaction_data) == {
        "name": "read_pool_lock",
        "input": {"allocation": "x"},
    }
    with pytest.raises(ComposeError) as caught:
        compose_call(**COMMON, group="token_transfers", method="transfer", input_json="", amount="")
    assert caught.value.field == "group"
    with pytest.raises(ComposeError) as caught:
        compose_call(**COMMON, group="storage_rewards", method="mint", input_json="", amount="")
    assert caught.value.field == "method"


def test_json_input_and_data():
    assert parse_input_json("  ") == {}
    with pytest.raises(ComposeError, match="JSON object"):
        parse_input_json("[1]")
    with pytest.raises(ComposeError, match="line 1 column"):
        parse_input_json("{")
    assert compose_data(**COMMON, data="x").transaction_type == TransactionType.DATA
    with pytest.raises(ComposeError):
        compose_data(**COMMON, data="")
    with pytest.raises(ComposeError, match="64 hex"):
        parse_client_id("xyz")
