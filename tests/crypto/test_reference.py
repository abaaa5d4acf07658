"""The py_ecc reference reproduces the published vectors: it is fit to judge the fast backends."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.crypto import params
from app.crypto.errors import HashToCurveError
from tests.backends import load_vectors
from tests.crypto.reference import bls_reference as ref
from tests.crypto.reference.bad_points import BAD_G1, BAD_G2

VECTORS = load_vectors()
SPLIT = VECTORS["split_key"]
MESSAGE = bytes.fromhex(SPLIT["hash"])


def _sk(hex_le: str) -> int:
    return int.from_bytes(bytes.fromhex(hex_le), "little")


def test_constants_agree_with_the_vectors_and_params():
    curve = VECTORS["curve"]
    assert (ref.P, ref.R, ref.U) == (int(curve["p"], 16), int(curve["r"], 16), int(curve["u"], 16))
    assert (ref.P, ref.R, ref.U) == (params.P, params.R, params.U)
    q = curve["q_generator_g2"]
    assert [int(c) for c in ref.Q[0].coeffs] == [int(v, 16) for v in q["x"]]
    assert [int(c) for c in ref.Q[1].coeffs] == [int(v, 16) for v in q["y"]]
    constants = curve["hash_to_g1_constants"]
    assert int(ref.FT_C1) == int(constants["c1_sqrt_minus_3"], 16)
    assert int(ref.FT_C2) == int(constants["c2_c1_minus_1_over_2"], 16)


def test_q_serialization_round_trips():
    data = ref.serialize_g2(ref.Q)
    assert data.hex() == VECTORS["curve"]["q_generator_g2"]["serialized"]
    assert ref.deserialize_g2(data) == ref.Q
    assert ref.public_key(1) == data


@pytest.mark.parametrize(
    ("sk", "pk"),
    [(e["private_key"], e["public_key"]) for e in VECTORS["public_keys"]]
    + [(e["private_key"], e["public_key"]) for e in VECTORS["mnemonic_to_key"]],
)
def test_public_keys(sk, pk):
    assert ref.public_key(_sk(sk)).hex() == pk


def test_public_key_text_form_is_the_decoded_point():
    entry = VECTORS["mnemonic_to_key"][0]
    _, xa, xb, ya, yb = (int(v, 16) for v in entry["public_key_get_hex_string"].split())
    (x, y) = ref.deserialize_g2(bytes.fromhex(entry["public_key"]))
    assert [int(c) for c in x.coeffs] == [xa, xb]
    assert [int(c) for c in y.coeffs] == [ya, yb]


def test_split_key_vectors():
    shares = [_sk(SPLIT[f"share{i}_private_key"]) for i in (0, 1)]
    pks = [ref.public_key(s) for s in shares]
    sigs = [ref.sign(s, MESSAGE) for s in shares]
    assert [p.hex() for p in pks] == [SPLIT["share0_public_key"], SPLIT["share1_public_key"]]
    assert [s.hex() for s in sigs] == [SPLIT["share0_signature"], SPLIT["share1_signature"]]
    assert ref.g1_sum(sigs).hex() == SPLIT["combined_signature"]
    assert ref.g2_sum(pks).hex() == SPLIT["combined_public_key"]
    assert ref.sign(sum(shares) % ref.R, MESSAGE).hex() == SPLIT["combined_signature"]


@pytest.mark.slow
def test_verify_accepts_the_combined_signature_and_rejects_a_partial():
    pk = bytes.fromhex(SPLIT["combined_public_key"])
    assert ref.verify(pk, MESSAGE, bytes.fromhex(SPLIT["combined_signature"]))
    assert not ref.verify(pk, MESSAGE, bytes.fromhex(SPLIT["share0_signature"]))


@pytest.mark.parametrize(("label", "data", "error"), BAD_G1, ids=[b[0] for b in BAD_G1])
def test_g1_decoding_errors(label, data, error):
    if label == "infinity":
        assert ref.deserialize_g1(data) is None  # refusing infinity is the caller's job
        return
    with pytest.raises(error):
        ref.deserialize_g1(data)


@pytest.mark.parametrize(("label", "data", "error"), BAD_G2, ids=[b[0] for b in BAD_G2])
def test_g2_decoding_errors(label, data, error):
    if label == "infinity":
        assert ref.deserialize_g2(data) is None
        return
    with pytest.raises(error):
        ref.deserialize_g2(data)


fp = st.integers(min_value=0, max_value=ref.P - 1)
fp_nonzero = st.integers(min_value=1, max_value=ref.P - 1)


@settings(max_examples=100)
@given(fp_nonzero)
def test_fouque_tibouchi_lands_on_the_curve(t):
    if (t * t + 3) % ref.P == 0:  # t = +-sqrt(-3): the denominator 1 + b + t^2 vanishes
        with pytest.raises(HashToCurveError):
            ref.map_to_g1(t)
        return
    point = ref.map_to_g1(t)
    assert ref.on_g1_curve(point)
    # The sign of y follows the quadratic character of t (the map's "negative" flag). The root
    # taken is x^((p+1)/4), itself a square, so y is a non-square exactly when t is.
    assert ref.fp_is_square(point[1]) == ref.fp_is_square(ref.Fp(t))


@pytest.mark.parametrize("t", [0, int(ref.FT_C1), ref.P - int(ref.FT_C1)])
def test_fouque_tibouchi_refuses_its_exceptional_inputs(t):
    with pytest.raises(HashToCurveError):
        ref.map_to_g1(t)


@settings(max_examples=50)
@given(st.binary(max_size=64))
def test_hash_to_field_keeps_the_masked_little_endian_digest(message):
    t = ref.hash_to_field(message)
    assert 0 <= t < ref.P
    digest = int.from_bytes(hashlib.sha256(message).digest(), "little")
    assert t in (digest % 2**254, digest % 2**253)


@settings(max_examples=30)
@given(fp, fp)
def test_fp2_square_roots(a, b):
    v = ref.Fp2([a, b])
    root = ref.fp2_sqrt(v * v)
    assert root is not None and root * root == v * v


@pytest.mark.slow
def test_pairing_is_bilinear_non_degenerate_and_of_order_r():
    rng = random.Random(2024)
    a, b = rng.randrange(1, ref.R), rng.randrange(1, ref.R)
    point = ref.hash_to_g1(b"bilinearity")
    e = ref.pairing(point, ref.Q)
    assert e != ref.Fp12.one()
    assert e**ref.R == ref.Fp12.one()
    assert ref.pairing(ref.multiply(point, a), ref.multiply(ref.Q, b)) == e ** (a * b % ref.R)


def test_final_exponentiation_kills_fp6_factors():
    # The vertical lines the Miller loop drops live in Fp6 = Fp(w^2); f^((p^12-1)/r) of any
    # nonzero element of Fp6 must be 1, which is why dropping them is allowed.
    rng = random.Random(7)
    coeffs = [rng.randrange(ref.P) if k % 2 == 0 else 0 for k in range(12)]
    assert ref.final_exponentiation(ref.Fp12(coeffs)) == ref.Fp12.one()
