"""A signature is judged by every meaning a node could give it (issue 16, findings 1 and 2).

0Chain's hash leaves out transaction_type, so one co-signature is valid for the same fields as a
send (0), a data transaction (10) and a contract call (1000); and nodes read a call's data with
Go's encoding/json. The generated test models what a node would do with each type, independently
of the policy code, and checks that whatever a limited key signs, every one of those meanings is
within its limits. The regression tests replay the review's attacks against a real server."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.gojson import GoJsonError, loads, read_call, variant_of
from app.permissions import GROUPS, ZCN, Permissions, method_group
from app.transaction import (
    SMART_CONTRACT_ADDRESSES,
    STORAGE_SC_ADDRESS,
    Transaction,
    TransactionError,
    TransactionType,
    may_be_contract,
    smart_contract_data,
)
from cosigner_server.policy import check_transaction

from .cosign_helpers import holder

CHAIN = "0afc093ffb509f059c55478bc1a60351cef7b4e9c008a53a6cc8241ca8617dfe"
CLIENT = "c1" * 32
NOW = 1_780_000_000
HEX64 = st.text("0123456789abcdef", min_size=64, max_size=64)
METHODS = sorted({m for _, methods in GROUPS.values() for m in methods})
# Spellings Go's encoding/json fills the "name" / "input" field with (case-insensitive match)
NAME_VARIANTS = ("Name", "NAME", "nAmE", "namE")
INPUT_VARIANTS = ("Input", "INPUT", "ınput", "İnput")  # dotless ı and dotted İ fold to i in Go


# -- the node, modelled from 0Chain's code (chaincore/chain/state.go, smartcontract/handler.go) -


def node_call(data: str) -> str | None:
    """The method a node runs for this data as a type-1000 transaction (plain JSON only: the
    generator marks the data Go could read differently, and those must be refused anyway)."""
    try:
        value = json.loads(data)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"]:
        return value["name"]
    return None


def meaning_allowed(p: Permissions, tx: Transaction, kind: int) -> bool:
    """Is what a node does with these fields as type `kind` within the key's limits?"""
    cap_ok = p.max_per_transaction is None or tx.transaction_value <= p.max_per_transaction
    if kind == TransactionType.DATA:
        return True  # recorded only: moves nothing, calls nothing
    method = node_call(tx.transaction_data)
    call_ok = method is not None and method_group(tx.to_client_id, method) in p.groups
    if kind == TransactionType.SMART_CONTRACT:
        # no method, or no contract can be at the address: every node's call fails
        return method is None or not may_be_contract(tx.to_client_id) or (call_ok and cap_ok)
    # a send: the value goes to to_client_id
    if tx.transaction_value == 0:
        return True
    send_ok = "token_transfers" in p.groups and (
        p.recipients is None or tx.to_client_id in p.recipients
    )
    # to a contract: the same tokens the allowed call pays into it (policy.py's rule)
    into_called_contract = tx.to_client_id in SMART_CONTRACT_ADDRESSES and call_ok
    return cap_ok and (send_ok or into_called_contract)


# -- generators --------------------------------------------------------------------------------


@st.composite
def call_data(draw) -> tuple[str, bool]:
    """(transaction_data, whether a Go parser could read it differently from Python)."""
    name = draw(st.sampled_from(METHODS) | st.text(min_size=0, max_size=8))
    kind = draw(
        st.sampled_from(
            ["call", "note", "empty", "text", "array", "variant", "duplicate", "surrogate",
             "deep", "bignum", "nan"]
        )
    )  # fmt: skip
    body = smart_contract_data(name, {"n": 1})
    if kind == "call":
        return body, False
    if kind == "note":
        return json.dumps({"note": draw(st.text(max_size=10))}), False
    if kind == "empty":
        return "", False
    if kind == "text":
        return draw(st.text(max_size=20).filter(lambda t: node_call(t) is None)), False
    if kind == "array":
        return json.dumps([{"name": name, "input": {}}]), False
    other = draw(st.sampled_from(METHODS))
    if kind == "variant":
        key = draw(st.sampled_from(NAME_VARIANTS + INPUT_VARIANTS))
        value = other if key in NAME_VARIANTS else {}
        items = [("name", name), ("input", {}), (key, value)]
        if draw(st.booleans()):
            items.reverse()
        return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in items) + "}", True
    if kind == "duplicate":
        return f'{{"name":{json.dumps(name)},"input":{{}},"name":{json.dumps(other)}}}', True
    if kind == "surrogate":
        return '{"name":"' + json.dumps(name)[1:-1] + '\\ud800","input":{}}', True
    if kind == "deep":
        return '{"name":"x","input":' + "[" * 200 + "]" * 200 + "}", True
    if kind == "bignum":
        return '{"name":"x","input":{"n":' + "9" * 5000 + "}}", True
    return '{"name":"x","input":{"n":NaN}}', True


@st.composite
def limited_keys(draw) -> Permissions:
    return Permissions(
        groups=frozenset(draw(st.sets(st.sampled_from(sorted(GROUPS)), min_size=1))),
        max_per_transaction=draw(st.none() | st.integers(0, 100 * ZCN)),
        recipients=draw(st.none() | st.frozensets(HEX64, max_size=2)),
    )


def build(kind: int, to: str, value: int, data: str) -> Transaction | None:
    try:
        return Transaction(
            client_id=CLIENT,
            chain_id=CHAIN,
            creation_date=NOW,
            to_client_id=to,
            transaction_value=value,
            transaction_data=data,
            transaction_nonce=1,
            transaction_type=kind,
        )
    except TransactionError:
        return None  # not even well-formed as this type


def check(p: Permissions, tx: Transaction):
    return check_transaction(
        p, tx, now=NOW, server_chain_id=CHAIN, max_clock_skew=300, client_hash=None
    )


@settings(max_examples=600, deadline=None)
@given(
    p=limited_keys(),
    # the known contracts, an address with the contracts' prefix this code does not know, any
    to=st.sampled_from(sorted(SMART_CONTRACT_ADDRESSES) + [STORAGE_SC_ADDRESS[:-4] + "12d5"])
    | HEX64,
    value=st.integers(0, 200 * ZCN),
    data=call_data(),
    declared=st.sampled_from(list(TransactionType)),
)
def test_what_a_limited_key_signs_is_allowed_under_every_type(p, to, value, data, declared):
    text, differs = data
    if p.recipients is not None and to not in p.recipients and value % 3 == 0:
        p = replace(p, recipients=p.recipients | {to})  # reach the allowed paths more often
    tx = build(declared, to, value, text)
    if tx is None:
        return
    if check(p, tx) is not None:
        return
    # signed: then every type a node accepts for the same hash must be within the limits
    assert not differs, f"signed data that Go could read differently: {text[:80]!r}"
    for kind in TransactionType:
        assert meaning_allowed(p, tx, kind), (kind, text[:80], sorted(p.groups))
        same = build(kind, to, value, text)
        assert same is None or same.hash == tx.hash  # the premise: the type is not hashed


@given(data=call_data(), declared=st.sampled_from(list(TransactionType)))
@settings(max_examples=200, deadline=None)
def test_an_unrestricted_key_gets_an_answer_not_a_crash(data, declared):
    tx = build(declared, STORAGE_SC_ADDRESS, 0, data[0])
    if tx is not None:  # well-formed: unrestricted keys may sign it whatever it reads as
        assert check(Permissions.unlimited(), tx) is None


# -- gojson -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "field"),
    [("Name", "name"), ("NAME", "name"), ("Input", "input"), ("ınput", "input"),
     ("İnput", "input"), ("name", None), ("names", None), ("note", None)],
)  # fmt: skip
def test_keys_go_fills_the_call_fields_with(key, field):
    assert variant_of(key) == field


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 20_000 + "]" * 20_000, "nested 20000 levels deep"),
        ('{"n":' + "1" * 5000 + "}", "5000 digits"),
        ('{"n":1e999}', "out of range"),
        ('{"n":NaN}', "NaN is not a JSON number"),
        ('{"s":"\\udc00"}', "lone UTF-16 surrogate"),
        ('{"s":"\\uD8FF and more"}', "lone UTF-16 surrogate"),
        ('{"s":"\udc00"}', "lone UTF-16 surrogate"),  # in the text itself, not escaped
        ("[" * 65 + "]" * 65, "nested 65 levels deep"),
        ('[{"a":' * 33 + "1" + "}]" * 33, "nested 66 levels deep"),
        ("{", "is not JSON"),
    ],
)
def test_loads_names_what_it_refuses(text, words):
    with pytest.raises(GoJsonError, match=words):
        loads(text)


def test_loads_keeps_pairs_and_plain_json():
    assert loads('{"a":"\\ud83d\\ude00","b":[1,2.5,null]}') == {"a": "😀", "b": [1, 2.5, None]}
    assert loads('{"a":"\\\\ud800"}') == {"a": "\\ud800"}  # an escaped backslash, then text
    deepest: list = []
    for _ in range(63):
        deepest = [deepest]
    assert loads("[" * 64 + "]" * 64) == deepest  # the limit itself is read
    assert loads('{"brackets in a string":"' + "[{" * 100 + '"}') == {
        "brackets in a string": "[{" * 100
    }
    with pytest.raises(GoJsonError, match='"a" appears twice'):
        loads('{"a":1,"a":2}', unique_keys=True)


def test_read_call_reads_what_a_node_runs():
    assert read_call(smart_contract_data("cancel_allocation", {})).name == "cancel_allocation"
    assert not read_call('{"note":"hi"}').is_call
    assert not read_call("plain words").is_call
    review = '{"name":"read_pool_unlock","input":{},"Name":"cancel_allocation"}'
    assert '"Name" is read as "name"' in read_call(review).problem


# -- the review's attacks, against a real server ------------------------------------------------


def _signed_as_call(h, tx: Transaction, answer: httpx.Response) -> bool:
    """Would the co-signature also be a valid type-1000 transaction? (what the attacker wants)"""
    retyped = Transaction.from_dict(
        {**answer.json()["transaction"], "transaction_type": TransactionType.SMART_CONTRACT}
    )
    return retyped.hash == tx.hash and retyped.verify()


def test_a_send_carrying_a_contract_call_is_refused(cosigner):
    bob = holder(cosigner, "bob", {"groups": ["token_transfers"], "max_per_transaction": 10 * ZCN})
    data = smart_contract_data("cancel_allocation", {"allocation_id": "ab" * 32})
    swap = bob.tx(nonce=1, value=0, to=STORAGE_SC_ADDRESS, transaction_data=data)
    answer = bob.cosign(swap)
    assert answer.status_code == 403, answer.text
    error = answer.json()["error"]
    assert error["rule"] == "also_a_contract_call"
    assert '"cancel_allocation" on the storage contract' in error["message"]
    assert "allocation_storage_operations is not allowed" in error["message"]
    # control: a plain send with gosdk's note is still signed, and its retyped form runs nothing
    note = bob.tx(nonce=2, value=ZCN, transaction_data=json.dumps({"note": "rent"}))
    signed = bob.cosign(note)
    assert signed.status_code == 200, signed.text
    assert read_call(note.transaction_data).is_call is False
    audit = bob.http.get(f"/v1/wallets/{bob.wallet['client_id']}/audit").json()
    rules = [r["details"].get("rule") for r in audit["records"] if r["outcome"] == "refused"]
    assert "also_a_contract_call" in rules


def test_the_type_swap_through_zauth_sign_txn_is_refused(cosigner):
    bob = holder(cosigner, "bob", {"groups": ["token_transfers"]})
    peer = {"X-Peer-Public-Key": bob.share.public_key().to_hex()}
    data = smart_contract_data("finalize_allocation", {"allocation_id": "cd" * 32})
    swap = bob.tx(nonce=1, value=0, to=STORAGE_SC_ADDRESS, transaction_data=data)
    body = {**swap.to_dict(), "signature": bob.share.sign_hash(swap.hash).to_hex()}
    answer = bob.http.post("/sign/txn", headers=peer, json=body)
    # 400: the status 0Chain's ZAuth gives a refused restriction (its system tests), our rule inside
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["rule"] == "also_a_contract_call"
    # the same key still co-signs an ordinary send through the ZAuth route
    send = bob.tx(nonce=2)
    plain = {**send.to_dict(), "signature": bob.share.sign_hash(send.hash).to_hex()}
    assert bob.http.post("/sign/txn", headers=peer, json=plain).status_code == 200


def test_a_case_variant_name_key_is_refused(cosigner):
    carol = holder(cosigner, "carol", {"groups": ["allocation_token_operations"]})
    data = '{"name":"read_pool_unlock","input":{},"Name":"cancel_allocation"}'
    call = carol.tx(
        nonce=1,
        value=0,
        to=STORAGE_SC_ADDRESS,
        transaction_type=TransactionType.SMART_CONTRACT,
        transaction_data=data,
    )
    answer = carol.cosign(call)
    assert answer.status_code == 403, answer.text
    error = answer.json()["error"]
    assert error["rule"] == "data_read_differently"
    assert '"Name" is read as "name"' in error["message"]
    # control: the honest call of an allowed method is signed
    honest = replace(call, transaction_data=smart_contract_data("read_pool_unlock", {}))
    assert carol.cosign(honest).status_code == 200


def test_the_owners_unrestricted_key_still_signs_a_send_to_a_contract(cosigner):
    owner = holder(cosigner, "olga")
    data = smart_contract_data("cancel_allocation", {"allocation_id": "ab" * 32})
    tx = owner.tx(nonce=1, value=0, to=STORAGE_SC_ADDRESS, transaction_data=data)
    answer = owner.cosign(tx)
    assert answer.status_code == 200, answer.text
    assert _signed_as_call(owner, tx, answer)  # what the attack relied on, for the owner's key
