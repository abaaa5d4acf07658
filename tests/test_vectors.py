"""Every known answer in ../shared/vectors/bls0chain.json, through the API and through the CLI,
on each backend."""

from __future__ import annotations

import hashlib
import json

import pytest

from app.crypto import (
    PublicKey,
    SecretKey,
    Signature,
    aggregate_public_keys,
    aggregate_signatures,
    params,
    text_form,
)
from app.keys import Wallet, client_id_of, secret_key_from_mnemonic
from app.transaction import STORAGE_SC_ADDRESS, Transaction, TransactionType, sha3_hex
from tests.backends import load_vectors
from tests.helpers import run_ok

VECTORS = load_vectors()
MNEMONICS = VECTORS["mnemonic_to_key"]
PUBLIC_KEYS = VECTORS["public_keys"]
SPLIT = VECTORS["split_key"]
TX = VECTORS["transaction_hash"]
CHAIN_ID = "0" * 63 + "1"  # not hashed, so any valid id reproduces the vector's hash


def _int(text: str) -> int:
    return int(text, 16)


# -- curve constants -----------------------------------------------------------------------------


def test_curve_parameters_are_herumis():
    curve = VECTORS["curve"]
    assert params.P == _int(curve["p"])
    assert params.R == _int(curve["r"])
    assert params.U == _int(curve["u"])
    q = curve["q_generator_g2"]
    assert params.Q_X == tuple(_int(c) for c in q["x"])
    assert params.Q_Y == tuple(_int(c) for c in q["y"])
    constants = curve["hash_to_g1_constants"]
    assert params.FT_C1 == _int(constants["c1_sqrt_minus_3"])
    assert params.FT_C2 == _int(constants["c2_c1_minus_1_over_2"])


def test_base_point_q_is_the_public_key_of_one(backend):
    serialized = VECTORS["curve"]["q_generator_g2"]["serialized"]
    assert SecretKey(1).public_key().to_hex() == serialized


# -- through the API ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", MNEMONICS, ids=lambda c: c["client_id"][:8])
def test_mnemonic_to_keys_api(backend, case):
    secret_key = secret_key_from_mnemonic(case["mnemonic"])
    assert secret_key.to_hex() == case["private_key"]
    public_key = secret_key.public_key()
    assert public_key.to_hex() == case["public_key"]
    assert client_id_of(public_key) == case["client_id"]
    wallet = Wallet.from_mnemonic(case["mnemonic"])
    assert (wallet.client_id, wallet.client_key.to_hex()) == (case["client_id"], case["public_key"])


@pytest.mark.parametrize("case", MNEMONICS, ids=lambda c: c["client_id"][:8])
def test_public_key_text_form_api(case):
    public_key = PublicKey.from_hex(case["public_key"])
    assert text_form.public_key_to_text(public_key) == case["public_key_get_hex_string"]
    assert text_form.public_key_from_text(case["public_key_get_hex_string"]) == public_key


@pytest.mark.parametrize("case", PUBLIC_KEYS, ids=lambda c: c["private_key"][:8])
def test_public_keys_api(backend, case):
    assert SecretKey.from_hex(case["private_key"]).public_key().to_hex() == case["public_key"]


def test_split_key_api(backend):
    shares = [SecretKey.from_hex(SPLIT[f"share{i}_private_key"]) for i in (0, 1)]
    share_keys = [PublicKey.from_hex(SPLIT[f"share{i}_public_key"]) for i in (0, 1)]
    assert [s.public_key() for s in shares] == share_keys
    assert SPLIT["hash"] == sha3_hex("TEST")

    partials = [s.sign_hash(SPLIT["hash"]) for s in shares]
    assert [p.to_hex() for p in partials] == [SPLIT["share0_signature"], SPLIT["share1_signature"]]
    combined = aggregate_signatures(partials)
    assert combined.to_hex() == SPLIT["combined_signature"]
    wallet_key = aggregate_public_keys(share_keys)
    assert wallet_key.to_hex() == SPLIT["combined_public_key"]

    assert wallet_key.verify_hash(SPLIT["hash"], combined)
    assert share_keys[0].verify_hash(SPLIT["hash"], partials[0])
    assert not share_keys[1].verify_hash(SPLIT["hash"], partials[0])
    assert not wallet_key.verify_hash(SPLIT["hash"], partials[0])
    # The chain cannot tell: the whole key signs the same bytes as the two shares together.
    whole = SecretKey((shares[0].value + shares[1].value) % params.R)
    assert whole.public_key() == wallet_key
    assert whole.sign_hash(SPLIT["hash"]) == Signature.from_hex(SPLIT["combined_signature"])


def _vector_transaction() -> Transaction:
    creation_date, client_id, to_client_id, value, _ = TX["hash_data"].split(":")
    return Transaction(
        client_id=client_id,
        chain_id=CHAIN_ID,
        creation_date=int(creation_date),
        to_client_id=to_client_id,
        transaction_value=int(value),
        transaction_data=TX["transaction_data"],
        transaction_type=TransactionType.SMART_CONTRACT,
    )


def _without_nonce(hash_data: str) -> str:
    """The pre-nonce layout of the vector: drop the second field."""
    fields = hash_data.split(":")
    return ":".join(fields[:1] + fields[2:])


def test_transaction_hash_api():
    tx = _vector_transaction()
    assert tx.to_client_id == STORAGE_SC_ADDRESS
    data_hash = sha3_hex(TX["transaction_data"])
    legacy = TX["hash_data"].replace("<sha3hex(transaction_data)>", data_hash)
    assert sha3_hex(legacy) == TX["hash"]
    # Our hash_data is that layout with the nonce inserted after creation_date.
    assert _without_nonce(tx.hash_data) == legacy
    assert tx.hash_data.split(":")[1] == "0"
    # Today's layout has the nonce, so the same fields hash differently.
    assert tx.hash != TX["hash"]


# -- through the CLI ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", MNEMONICS, ids=lambda c: c["client_id"][:8])
def test_mnemonic_to_keys_cli(backend, case):
    recovered = run_ok("--backend", backend.name, "keys", "recover", "--mnemonic", case["mnemonic"])
    assert recovered == {
        "mnemonic": case["mnemonic"],
        "private_key": case["private_key"],
        "public_key": case["public_key"],
        "client_id": case["client_id"],
    }
    public = run_ok(
        "--backend", backend.name, "keys", "public", "--private-key", case["private_key"]
    )  # fmt: skip
    assert public == {"public_key": case["public_key"], "client_id": case["client_id"]}


@pytest.mark.parametrize("case", MNEMONICS, ids=lambda c: c["client_id"][:8])
def test_text_form_accepted_by_cli(backend, case):
    text = case["public_key_get_hex_string"]
    out = run_ok("--backend", backend.name, "combine-keys", "--public-key", text)
    assert out == {"public_key": case["public_key"]}


@pytest.mark.parametrize("case", PUBLIC_KEYS, ids=lambda c: c["private_key"][:8])
def test_public_keys_cli(backend, case):
    out = run_ok("--backend", backend.name, "keys", "public", "--private-key", case["private_key"])
    assert out["public_key"] == case["public_key"]
    assert out["client_id"] == hashlib.sha3_256(bytes.fromhex(case["public_key"])).hexdigest()


def test_split_key_cli(backend):
    use = ("--backend", backend.name)
    partials = []
    for i in (0, 1):
        key = SPLIT[f"share{i}_private_key"]
        out = run_ok(*use, "sign", "--private-key", key, "--hash", SPLIT["hash"])
        assert out == {"signature": SPLIT[f"share{i}_signature"]}
        partials.append(out["signature"])
    combined = run_ok(*use, "combine", "--signature", *partials)
    assert combined == {"signature": SPLIT["combined_signature"]}
    share_keys = [SPLIT["share0_public_key"], SPLIT["share1_public_key"]]
    wallet_key = run_ok(*use, "combine-keys", "--public-key", *share_keys)
    assert wallet_key == {"public_key": SPLIT["combined_public_key"]}
    verdict = run_ok(
        *use, "verify", "--public-key", SPLIT["combined_public_key"],
        "--hash", SPLIT["hash"], "--signature", SPLIT["combined_signature"],
    )  # fmt: skip
    assert verdict == {"valid": True}


def test_transaction_hash_cli(tmp_path):
    path = tmp_path / "tx.json"
    path.write_text(json.dumps(_vector_transaction().to_dict()))
    out = run_ok("tx", "hash", "--file", str(path))
    assert sha3_hex(_without_nonce(out["hash_data"])) == TX["hash"]
    assert out["hash"] == sha3_hex(out["hash_data"])
