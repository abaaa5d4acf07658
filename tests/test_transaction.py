"""The 0Chain transaction: hash layout, signing (whole and split keys), miner JSON, validation."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from app.crypto import SecretKey, aggregate_signatures, split_secret_key
from app.keys import client_id_of
from app.transaction import (
    FAUCET_SC_ADDRESS,
    MINER_SC_ADDRESS,
    STORAGE_SC_ADDRESS,
    ZCN_SC_ADDRESS,
    Transaction,
    TransactionError,
    TransactionType,
    sha3_hex,
    smart_contract_data,
)
from tests.backends import load_vectors

VECTOR_TX = load_vectors()["transaction_hash"]
KEY = SecretKey.from_hex(load_vectors()["public_keys"][0]["private_key"])
CHAIN_ID = "0afc093ffb509f059c55478bc1a60351cef7b4e9c008a53a6cc8241ca8617dfe"
RECIPIENT = "1f" * 32

MINER_FIELDS = [
    "hash",
    "version",
    "client_id",
    "public_key",
    "to_client_id",
    "chain_id",
    "transaction_data",
    "transaction_value",
    "signature",
    "creation_date",
    "transaction_fee",
    "transaction_nonce",
    "transaction_type",
]


def _send(**overrides) -> Transaction:
    fields = {
        "client_id": client_id_of(KEY.public_key()),
        "chain_id": CHAIN_ID,
        "creation_date": 1_700_000_000,
        "to_client_id": RECIPIENT,
        "transaction_value": 10_000_000_000,  # 1 ZCN in SAS
        "transaction_fee": 1000,
        "transaction_nonce": 7,
        "transaction_data": "rent",
    }
    fields.update(overrides)
    return Transaction(**fields)


def test_smart_contract_addresses():
    prefix = "6dba10422e368813802877a85039d3985d96760ed844092319743fb3a767"
    assert STORAGE_SC_ADDRESS == prefix + "12d7"
    assert MINER_SC_ADDRESS == prefix + "12d9"
    assert FAUCET_SC_ADDRESS == prefix + "12d3"
    assert ZCN_SC_ADDRESS == prefix + "12e0"


def test_hash_data_layout_and_hash():
    tx = _send()
    expected = f"1700000000:7:{tx.client_id}:{RECIPIENT}:10000000000:{sha3_hex('rent')}"
    assert tx.hash_data == expected
    assert tx.hash == sha3_hex(expected)


def test_smart_contract_data_is_compact_like_go():
    data = smart_contract_data(
        "new_allocation_request",
        {"data_shards": 3, "expiration_date": 1569363680, "parity_shards": 1, "size": 20480},
    )
    assert data == VECTOR_TX["transaction_data"]


def test_sign_fills_public_key_and_verifies():
    signed = _send().sign(KEY)
    assert signed.public_key == KEY.public_key().to_hex()
    assert signed.signature == KEY.sign_hash(signed.hash).to_hex()
    assert signed.verify()
    assert not _send().verify()  # unsigned


def test_signature_covers_the_hashed_fields_only():
    signed = _send().sign(KEY)
    assert not replace(signed, transaction_value=signed.transaction_value + 1).verify()
    assert not replace(signed, to_client_id="2e" * 32).verify()
    assert not replace(signed, transaction_nonce=8).verify()
    # Fee and chain_id are not hashed (0Chain's layout): a co-signer must check them by policy.
    assert replace(signed, transaction_fee=0).verify()
    assert replace(signed, chain_id="ab" * 32).verify()


def test_split_key_shares_sign_the_transaction_for_the_wallet():
    wallet_key = KEY.public_key()
    shares = split_secret_key(KEY, 2)
    unsigned = _send(public_key=wallet_key.to_hex())
    partials = [unsigned.sign(share) for share in shares]
    assert all(p.public_key == wallet_key.to_hex() for p in partials)
    assert not partials[0].verify()
    assert partials[0].is_signed_by(shares[0].public_key())
    combined = aggregate_signatures([s.sign_hash(unsigned.hash) for s in shares]).to_hex()
    assert replace(unsigned, signature=combined).verify()
    assert combined == KEY.sign_hash(unsigned.hash).to_hex()


def test_miner_json_has_0chains_field_names_and_round_trips():
    signed = _send(transaction_type=TransactionType.DATA).sign(KEY)
    data = json.loads(signed.to_json())
    assert list(data) == MINER_FIELDS
    assert data["version"] == "1.0"
    assert data["transaction_type"] == 10
    assert data["hash"] == signed.hash
    assert Transaction.from_dict(data) == signed


def test_parsed_hash_must_match_the_fields():
    data = _send().sign(KEY).to_dict()
    data["hash"] = sha3_hex("something else")
    with pytest.raises(TransactionError, match="hash: does not match") as caught:
        Transaction.from_dict(data)
    assert caught.value.field == "hash"


def test_smart_contract_call_round_trips():
    tx = _send(
        to_client_id=STORAGE_SC_ADDRESS,
        transaction_type=1000,
        transaction_value=0,
        transaction_data=smart_contract_data("read_pool_lock", {"tokens": 1}),
    )
    assert tx.transaction_type is TransactionType.SMART_CONTRACT
    assert Transaction.from_json(tx.to_json()) == tx


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_id", "ab" * 31),
        ("client_id", "AB" * 32),
        ("chain_id", ""),
        ("to_client_id", "xyz"),
        ("transaction_value", -1),
        ("transaction_value", 2**63),
        ("transaction_value", "100"),
        ("transaction_value", True),
        ("transaction_fee", 1.5),
        ("transaction_nonce", -3),
        ("creation_date", 0),
        ("transaction_type", 11),
        ("version", "2.0"),
        ("public_key", "00" * 64),
        ("public_key", "ab"),
        ("signature", "11" * 31),
        ("signature", "00" * 32),
    ],
)
def test_bad_field_is_named(field, value):
    with pytest.raises(TransactionError) as caught:
        _send(**{field: value})
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_public_key_must_belong_to_client_id():
    other = SecretKey.generate().public_key().to_hex()
    with pytest.raises(TransactionError, match="client_id: is not the address of public_key"):
        _send(public_key=other)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("not json", "is not JSON"),
        ('["name"]', "must be a JSON object"),
        ('{"input": {}}', 'needs "name"'),
        ('{"name": "lock"}', 'needs "input"'),
        ('{"name": "lock", "input": 5}', 'needs "input"'),
    ],
)
def test_smart_contract_data_is_checked(data, problem):
    with pytest.raises(TransactionError, match=problem) as caught:
        _send(to_client_id=MINER_SC_ADDRESS, transaction_type=1000, transaction_data=data)
    assert caught.value.field == "transaction_data"


def test_send_needs_a_recipient_but_data_does_not():
    with pytest.raises(TransactionError, match="to_client_id"):
        _send(to_client_id="")
    assert _send(to_client_id="", transaction_type=TransactionType.DATA).to_client_id == ""


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"client_id": "ab" * 32, "chain_id": CHAIN_ID}, "creation_date"),
        ({"chain_id": CHAIN_ID, "creation_date": 1}, "client_id"),
        ({"client_id": "ab" * 32, "chain_id": CHAIN_ID, "creation_date": 1, "fee": 1}, "fee"),
    ],
)
def test_parsing_names_missing_and_unknown_fields(payload, field):
    with pytest.raises(TransactionError) as caught:
        Transaction.from_dict(payload)
    assert caught.value.field == field


def test_parsing_rejects_what_is_not_a_json_object():
    with pytest.raises(TransactionError, match="not valid JSON"):
        Transaction.from_json('{"client_id": ')
    with pytest.raises(TransactionError, match="must be a JSON object"):
        Transaction.from_json("[1, 2]")
