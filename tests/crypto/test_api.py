"""The public crypto API on the pure backend: signing, verification, splitting, re-sharing,
aggregation, the text form, and that secrets do not leak through repr."""

import pytest

from app.crypto import (
    PointAtInfinityError,
    PublicKey,
    SecretKey,
    Signature,
    aggregate_public_keys,
    aggregate_signatures,
    reshare,
    split_secret_key,
    use_backend,
)
from app.crypto.params import R
from app.crypto.text_form import (
    public_key_from_text,
    public_key_to_text,
    signature_from_text,
    signature_to_text,
)

HASH = "f4f08e9367e133dc42a4b9c9c665a9efbd4bf15db14d49c6ec51d0dc4c437ffb"


@pytest.fixture(autouse=True)
def pure():
    use_backend("pure")


def test_sign_verify_and_refusals():
    sk = SecretKey.generate()
    pk = sk.public_key()
    sig = sk.sign_hash(HASH)
    assert pk.verify_hash(HASH, sig)
    assert not pk.verify_hash("00" + HASH[2:], sig)
    assert not SecretKey.generate().public_key().verify_hash(HASH, sig)
    other = SecretKey.generate().sign_hash(HASH)
    assert not pk.verify_hash(HASH, other)


def test_signing_is_deterministic_despite_blinding():
    sk = SecretKey.generate()
    assert len({sk.sign(b"same message").to_hex() for _ in range(5)}) == 1
    assert len({sk.public_key().to_hex() for _ in range(3)}) == 1


@pytest.mark.parametrize("parts", [2, 3, 5])
def test_split_shares_sign_like_the_whole_key(parts):
    sk = SecretKey.generate()
    shares = split_secret_key(sk, parts)
    assert len(shares) == parts and sum(s.value for s in shares) % R == sk.value
    partials = [s.sign_hash(HASH) for s in shares]
    assert aggregate_signatures(partials) == sk.sign_hash(HASH)
    assert aggregate_public_keys([s.public_key() for s in shares]) == sk.public_key()


def test_reshare_keeps_the_key_and_changes_every_share():
    sk = SecretKey.generate()
    old = split_secret_key(sk, 2)
    new = reshare(old)
    assert all(a != b for a, b in zip(old, new, strict=True))
    assert aggregate_signatures([s.sign_hash(HASH) for s in new]) == sk.sign_hash(HASH)


def test_split_refuses_fewer_than_two_parts():
    with pytest.raises(ValueError):
        split_secret_key(SecretKey.generate(), 1)
    with pytest.raises(ValueError):
        reshare([SecretKey.generate()])


def test_points_that_cancel_are_refused_as_infinity():
    sk = SecretKey.generate()
    minus = SecretKey(R - sk.value)
    with pytest.raises(PointAtInfinityError):
        aggregate_signatures([sk.sign(b"m"), minus.sign(b"m")])
    with pytest.raises(PointAtInfinityError):
        aggregate_public_keys([sk.public_key(), minus.public_key()])
    with pytest.raises(ValueError):
        aggregate_signatures([])


def test_round_trips():
    sk = SecretKey.generate()
    assert SecretKey.from_hex(sk.to_hex()) == sk
    pk = sk.public_key()
    assert PublicKey.from_hex(pk.to_hex()) == pk
    assert public_key_from_text(public_key_to_text(pk)) == pk
    sig = sk.sign(b"text form")
    assert Signature.from_hex(sig.to_hex().upper()) == sig
    assert signature_from_text(signature_to_text(sig)) == sig


def test_secret_never_shows_in_repr():
    sk = SecretKey.generate()
    assert sk.to_hex() not in repr(sk) and str(sk.value) not in repr(sk)
