"""Mnemonics, 0Chain key derivation and zwallet's wallet JSON."""

from __future__ import annotations

import copy
import json

import pytest

from app.crypto import PublicKey, SecretKey, aggregate_signatures, params
from app.keys import (
    MnemonicChecksumError,
    MnemonicLengthError,
    MnemonicWordError,
    Wallet,
    WalletError,
    client_id_of,
    generate_mnemonic,
    normalize_mnemonic,
    secret_key_from_mnemonic,
)
from tests.backends import load_vectors

VECTOR = load_vectors()["mnemonic_to_key"][0]
MNEMONIC = VECTOR["mnemonic"]
WORDS = MNEMONIC.split()
OTHER_KEY = load_vectors()["public_keys"][0]


def _secrets_of(wallet: Wallet) -> list[str]:
    return [pair.private_key.to_hex() for pair in wallet.keys] + (
        wallet.mnemonic.split() if wallet.mnemonic else []
    )


# -- mnemonics ----------------------------------------------------------------------------------


def test_generated_mnemonic_has_24_valid_words_and_is_fresh():
    first, second = generate_mnemonic(), generate_mnemonic()
    assert len(first.split()) == 24
    assert normalize_mnemonic(first) == first
    assert first != second


def test_recovery_ignores_case_and_spacing():
    typed = "  " + "   ".join(w.upper() for w in WORDS) + "\n"
    assert normalize_mnemonic(typed) == MNEMONIC
    assert secret_key_from_mnemonic(typed).to_hex() == VECTOR["private_key"]


@pytest.mark.parametrize("count", [12, 23, 25])
def test_wrong_word_count_is_named(count):
    words = (WORDS * 2)[:count]
    with pytest.raises(MnemonicLengthError, match=f"24 words, got {count}"):
        normalize_mnemonic(" ".join(words))


def test_unknown_word_is_named_by_position_not_by_content():
    words = list(WORDS)
    words[6] = "zzzsecretzzz"
    with pytest.raises(MnemonicWordError) as caught:
        normalize_mnemonic(" ".join(words))
    assert "word 7 " in str(caught.value)
    assert "zzzsecretzzz" not in str(caught.value)
    assert WORDS[0] not in str(caught.value)


def test_bad_checksum_is_named():
    # Two swapped words: all are known, only the checksum can tell.
    swapped = [WORDS[1], WORDS[0], *WORDS[2:]]
    with pytest.raises(MnemonicChecksumError, match="checksum does not match"):
        normalize_mnemonic(" ".join(swapped))


def test_seed_derivation_matches_the_spec_independently():
    # Spelled out from spec/crypto.md with hashlib alone, as a second opinion to the vector.
    import hashlib

    mnemonic = generate_mnemonic()
    seed = hashlib.pbkdf2_hmac(
        "sha512", mnemonic.encode(), b"mnemonic0chain-client-split-key", 2048, 64
    )
    value = int.from_bytes(seed[:32], "little") & ((1 << 254) - 1)
    if value >= params.R:
        value &= (1 << 253) - 1
    assert secret_key_from_mnemonic(mnemonic).value == value


def test_client_id_hashes_the_public_key_bytes_not_the_hex():
    public_key = PublicKey.from_hex(VECTOR["public_key"])
    assert client_id_of(public_key) == VECTOR["client_id"]


# -- wallets ------------------------------------------------------------------------------------


def _gosdk_wallet_dict() -> dict:
    """A wallet as gosdk's zcncrypto.Wallet marshals it (the vector's keys)."""
    return {
        "client_id": VECTOR["client_id"],
        "client_key": VECTOR["public_key"],
        "peer_public_key": "",
        "keys": [{"public_key": VECTOR["public_key"], "private_key": VECTOR["private_key"]}],
        "mnemonics": MNEMONIC,
        "version": "1.0",
        "date_created": "2019-06-26T15:21:20-07:00",
        "nonce": 0,
        "is_split": False,
    }


def test_zwallet_json_imports_and_exports_unchanged():
    text = json.dumps(_gosdk_wallet_dict())
    wallet = Wallet.from_json(text)
    assert wallet.client_id == VECTOR["client_id"]
    assert wallet.keys[0].private_key.to_hex() == VECTOR["private_key"]
    assert wallet.to_dict() == _gosdk_wallet_dict()
    assert Wallet.from_json(wallet.to_json()) == wallet


def test_minimal_zwallet_json_without_optional_fields():
    data = _gosdk_wallet_dict()
    for name in ("peer_public_key", "mnemonics", "version", "date_created", "nonce", "is_split"):
        del data[name]
    wallet = Wallet.from_dict(data)
    assert (wallet.is_split, wallet.mnemonic, wallet.version) == (False, "", "1.0")


def test_new_wallet_round_trips_and_recovers_from_its_mnemonic():
    wallet = Wallet.create()
    again = Wallet.from_json(wallet.to_json())
    assert again == wallet
    assert Wallet.from_mnemonic(wallet.mnemonic).client_key == wallet.client_key


def test_secrets_stay_out_of_repr_and_str():
    wallet = Wallet.from_mnemonic(MNEMONIC)
    for text in (repr(wallet), str(wallet), repr(wallet.keys[0]), repr(wallet.keys[0].private_key)):
        for secret in _secrets_of(wallet):
            assert secret not in text
    assert VECTOR["client_id"] in repr(wallet)  # the public part is still there to recognise it


def _broken(**changes) -> dict:
    data = copy.deepcopy(_gosdk_wallet_dict())
    for path, value in changes.items():
        if path == "key0_private":
            data["keys"][0]["private_key"] = value
        elif path == "key0_public":
            data["keys"][0]["public_key"] = value
        elif value is None:
            del data[path]
        else:
            data[path] = value
    return data


R_HEX = params.R.to_bytes(32, "little").hex()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"client_key": None}, "wallet has no client_key"),
        ({"keys": []}, "keys must be a non-empty list"),
        ({"client_id": "00" * 32}, "client_id does not match client_key"),
        ({"client_key": "zz"}, "client_key: public key is not valid hex"),
        ({"key0_public": "00" * 64}, r"keys\[0\].public_key: public key is the point at infinity"),
        ({"key0_private": "00" * 31}, r"keys\[0\].private_key: secret key must be 32 bytes"),
        ({"key0_private": R_HEX}, r"keys\[0\].private_key: .*group order"),
        (
            {"key0_private": OTHER_KEY["private_key"]},
            r"keys\[0\].private_key does not match keys\[0\].public_key",
        ),
        ({"mnemonics": " ".join(WORDS[:12])}, "mnemonics: mnemonic must have 24 words"),
        ({"is_split": "no"}, "is_split must be true or false"),
        ({"nonce": -1}, "nonce must be a non-negative integer"),
        ({"peer_public_key": OTHER_KEY["public_key"]}, "peer_public_key is set but the wallet is"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_inconsistent_wallet_is_refused_with_the_field_named(changes, message):
    data = _broken(**changes)
    with pytest.raises(WalletError, match=message) as caught:
        Wallet.from_dict(data)
    for secret in (VECTOR["private_key"], OTHER_KEY["private_key"], *WORDS[:3]):
        assert secret not in str(caught.value)


def test_mnemonic_of_another_wallet_is_refused():
    other = generate_mnemonic()
    with pytest.raises(WalletError, match="mnemonics do not derive client_key"):
        Wallet.from_dict(_broken(mnemonics=other))


def test_not_json_is_refused():
    with pytest.raises(WalletError, match="not valid JSON"):
        Wallet.from_json("{'client_id': 1}")
    with pytest.raises(WalletError, match="must be a JSON object"):
        Wallet.from_json("[]")


# -- split wallets ------------------------------------------------------------------------------


def test_split_wallet_keeps_the_address_and_its_shares_sign_for_it():
    wallet = Wallet.from_mnemonic(MNEMONIC)
    split = wallet.split(3)
    assert split.is_split and len(split.keys) == 3
    assert (split.client_id, split.client_key) == (wallet.client_id, wallet.client_key)
    assert split.mnemonic == ""
    hash_hex = "ab" * 32
    partials = [pair.private_key.sign_hash(hash_hex) for pair in split.keys]
    assert aggregate_signatures(partials) == wallet.keys[0].private_key.sign_hash(hash_hex)
    assert Wallet.from_json(split.to_json()) == split


def test_split_wallet_with_peer_public_key_imports():
    # The desktop's view of a ZAuth-style wallet: its own share plus the co-signer's public key.
    full = Wallet.from_mnemonic(MNEMONIC).split(2)
    data = full.to_dict()
    user, server = data["keys"]
    data["keys"] = [user]
    data["peer_public_key"] = server["public_key"]
    wallet = Wallet.from_dict(data)
    assert wallet.peer_public_key == PublicKey.from_hex(server["public_key"])
    assert len(wallet.keys) == 1


def test_split_wallet_whose_shares_do_not_add_up_is_refused():
    data = Wallet.from_mnemonic(MNEMONIC).split(2).to_dict()
    stranger = SecretKey.generate()
    data["keys"][1] = {
        "public_key": stranger.public_key().to_hex(),
        "private_key": stranger.to_hex(),
    }
    with pytest.raises(WalletError, match="do not add up to client_key"):
        Wallet.from_dict(data)
    data["keys"] = data["keys"][:1]
    data["peer_public_key"] = stranger.public_key().to_hex()
    with pytest.raises(WalletError, match="plus peer_public_key do not add up"):
        Wallet.from_dict(data)


def test_split_wallet_needs_two_shares():
    data = Wallet.from_mnemonic(MNEMONIC).split(2).to_dict()
    data["keys"] = data["keys"][:1]
    with pytest.raises(WalletError, match="at least 2 shares"):
        Wallet.from_dict(data)
