"""Transactions as a 0Chain node takes them: Go's JSON bytes for smart-contract data, gosdk's
extra fields read and ignored, and what a miner refuses refused before sending."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from app.crypto import SecretKey
from app.gojson_encode import go_marshal
from app.keys import client_id_of
from app.transaction import (
    NODE_CLOCK_TOLERANCE,
    NetworkRuleError,
    Transaction,
    TransactionType,
    check_for_network,
    send_data,
    smart_contract_data,
)

KEY = SecretKey.generate()
ME = client_id_of(KEY.public_key())
CHAIN = "0afc093ffb509f059c55478bc1a60351cef7b4e9c008a53a6cc8241ca8617dfe"


def test_go_escapes_html_characters_and_keeps_other_text_raw():
    # the bytes Go's encoding/json wrote for this call (research note §3, observed)
    data = smart_contract_data("transfer", {"note": "a<b & é"})
    assert data == '{"name":"transfer","input":{"note":"a\\u003cb \\u0026 é"}}'
    assert json.loads(data)["input"]["note"] == "a<b & é"
    assert go_marshal({"b": 1, "a": [True, None, "\u2028>"]}, sort_keys=True) == (
        '{"a":[true,null,"\\u2028\\u003e"],"b":1}'
    )
    with pytest.raises(TypeError):
        go_marshal({"x": 1.5})


def test_a_send_is_built_as_gosdk_builds_it():
    assert send_data("june") == '{"name":"transfer","input":{"note":"june"}}'
    assert send_data() == '{"name":"transfer","input":{}}'


def _send(**fields) -> Transaction:
    base = {
        "client_id": ME,
        "chain_id": CHAIN,
        "creation_date": int(time.time()),
        "to_client_id": "ab" * 32,
        "transaction_value": 5,
        "transaction_fee": 1,
        "transaction_nonce": 1,
        "transaction_type": TransactionType.SEND,
        "transaction_data": send_data(),
    }
    return Transaction(**{**base, **fields}).sign(KEY)


def test_gosdks_always_sent_fields_are_read_and_ignored_never_hashed():
    tx = _send()
    body = {**tx.to_dict(), "txn_output_hash": "", "transaction_status": 0}
    assert Transaction.from_dict(body).hash == tx.hash
    confirmed = {
        **body,
        "txn_output_hash": "ab" * 32,
        "transaction_status": 1,
        "transaction_output": "done",
    }
    assert Transaction.from_dict(confirmed) == tx
    with pytest.raises(ValueError, match="not a transaction field"):
        Transaction.from_dict({**body, "surprise": 1})


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"transaction_nonce": 0}, "at least 1"),
        ({"to_client_id": ME}, "own sender"),
        ({"creation_date": -NODE_CLOCK_TOLERANCE - 5}, "30 s"),  # seconds from now
        ({"creation_date": NODE_CLOCK_TOLERANCE + 5}, "30 s"),
    ],
)
def test_what_a_node_refuses_is_refused_before_sending(fields, problem):
    now = int(time.time())
    if "creation_date" in fields:
        fields = {"creation_date": now + fields["creation_date"]}
    with pytest.raises(NetworkRuleError, match=problem):
        check_for_network(_send(**fields), now)


def test_a_data_transaction_without_recipient_and_an_unsigned_one_are_refused():
    data = Transaction(
        client_id=ME,
        chain_id=CHAIN,
        creation_date=int(time.time()),
        transaction_type=TransactionType.DATA,
        transaction_data="x",
        transaction_nonce=1,
    ).sign(KEY)
    with pytest.raises(NetworkRuleError, match="without a recipient"):
        check_for_network(data, int(time.time()))
    with pytest.raises(NetworkRuleError, match="not signed"):
        check_for_network(replace(_send(), signature=""), int(time.time()))
    check_for_network(_send(), int(time.time()))  # a good one passes
