"""The owner's side of keyless custody, without a server: the shares add up, each request is
signed by the share that authorises it, and a delegate's envelope opens only with its share
code's key part, for its own wallet and share key."""

from __future__ import annotations

import re

import pytest

from app.crypto import PublicKey, SecretKey, Signature
from app.crypto.params import R
from app.keyless import (
    KeylessError,
    compose_code,
    delegation,
    is_keyless_code,
    keyless_wallet,
    open_envelope,
    refresh,
    split_code,
)
from app.keys import client_id_of
from app.protocol.bodies import EnvelopeDelivery
from app.protocol.formats import CODE_KEY_CHARS, keyless_message


def _verifies(public_key: str, message: bytes, signature: str) -> bool:
    return PublicKey.from_hex(public_key).verify(message, Signature.from_hex(signature))


def test_a_wallet_split_here_adds_up_and_proves_the_owners_share():
    master = SecretKey.generate()
    request, mine = keyless_wallet(master)
    server = SecretKey.from_hex(request.server_share)
    assert (mine.value + server.value) % R == master.value
    assert server != master and mine != master
    client_id = client_id_of(master.public_key())
    message = keyless_message("wallet", client_id, request.share_public_key)
    assert _verifies(request.share_public_key, message, request.proof)
    assert not _verifies(request.share_public_key, message + b"x", request.proof)
    assert master.to_hex() not in repr(request) and request.server_share not in repr(request)


def test_delegation_moves_by_d_and_seals_the_new_share():
    owner = SecretKey.generate()
    client_id = "cd" * 32
    request, fresh, key_part = delegation("sp_1", owner, client_id, sealed=True)
    assert (SecretKey.from_hex(request.d).value + fresh.value) % R == owner.value
    message = keyless_message("delegate", "sp_1", request.share_public_key)
    assert _verifies(owner.public_key().to_hex(), message, request.proof)
    assert len(key_part) == CODE_KEY_CHARS and fresh.to_hex() not in request.envelope

    code = compose_code("ABCDE-FGHJK", key_part)
    assert re.fullmatch(r"([A-Z2-9]{5}-){5}[A-Z2-9]{5}", code) and is_keyless_code(code)
    assert split_code(code.lower()) == ("ABCDEFGHJK", key_part)
    # a split for the owner's own device carries no envelope and no key part
    mine, _fresh, no_key = delegation("sp_1", owner, client_id, sealed=False)
    assert mine.envelope is None and no_key is None and "envelope" not in mine.to_dict()


def test_an_envelope_opens_only_with_its_key_part_and_its_share_key():
    wallet = SecretKey.generate()
    client_id = client_id_of(wallet.public_key())
    owner = SecretKey.generate()
    request, fresh, key_part = delegation("sp_1", owner, client_id, sealed=True)
    delivery = EnvelopeDelivery(
        "sp_2", client_id, wallet.public_key().to_hex(), request.share_public_key, request.envelope
    )
    code = compose_code("ABCDEFGHJK", key_part)
    assert open_envelope(code, delivery) == fresh
    wrong = compose_code("ABCDEFGHJK", ("A" if key_part[0] != "A" else "B") + key_part[1:])
    with pytest.raises(KeylessError, match="does not open"):
        open_envelope(wrong, delivery)
    other_key = SecretKey.generate().public_key().to_hex()
    with pytest.raises(KeylessError, match="does not open"):
        open_envelope(code, EnvelopeDelivery(**{**delivery.to_dict(), "public_key": other_key}))
    other_wallet = SecretKey.generate().public_key()
    elsewhere = {
        "client_id": client_id_of(other_wallet),
        "wallet_public_key": other_wallet.to_hex(),
    }
    with pytest.raises(KeylessError, match="does not open"):
        open_envelope(code, EnvelopeDelivery(**{**delivery.to_dict(), **elsewhere}))
    with pytest.raises(KeylessError, match="wallet public key"):
        open_envelope(
            code,
            EnvelopeDelivery(**{**delivery.to_dict(), "wallet_public_key": other_wallet.to_hex()}),
        )
    with pytest.raises(KeylessError, match="characters"):
        split_code("0" + code[1:])
    with pytest.raises(KeylessError, match="30 characters"):
        split_code(code[:-1])


def test_refresh_keeps_the_sum_and_repeats_with_the_same_share():
    share = SecretKey.generate()
    request, new = refresh("sp_1", share)
    assert (new.value - SecretKey.from_hex(request.r).value) % R == share.value
    message = keyless_message("refresh", "sp_1", request.share_public_key)
    assert _verifies(share.public_key().to_hex(), message, request.proof)
    again, same = refresh("sp_1", share, new)
    assert same == new and again.share_public_key == request.share_public_key
    with pytest.raises(KeylessError):
        refresh("sp_1", share, share)
