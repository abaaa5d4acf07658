"""Differential tests: pure vs native byte for byte, both vs the py_ecc reference, and the pure
backend's field, tower, curve and pairing internals vs the reference's textbook versions.

The reference costs about a second per pairing, so it sees a few examples; pure and native are
compared on hundreds. A failure prints the hypothesis example: that is the input to report.
"""

from __future__ import annotations

import platform
from functools import cache

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.crypto.errors import DecodeError, HashToCurveError
from app.crypto.params import FT_C1, P, R, U
from app.crypto.pure import fields, g1, g2, hash_to_g1, pairing, tower
from app.crypto.pure.backend import PureBackend
from tests.backends import native_expected
from tests.crypto.reference import bls_reference as ref
from tests.crypto.reference.bad_points import BAD_G1, BAD_G2
from tests.crypto.reference.convert import (
    fp12_to_tower,
    g1_from_ref,
    g1_to_ref,
    g2_from_ref,
    g2_to_ref,
    gt_bytes_to_fp12,
    tower_to_fp12,
)

PURE = PureBackend()

scalars = st.integers(min_value=1, max_value=R - 1)
messages = st.binary(max_size=80)
fp = st.integers(min_value=0, max_value=P - 1)
fp2 = st.tuples(fp, fp)
fp12 = st.tuples(*[fp] * 12)
nonzero_fp12 = fp12.filter(any)


@pytest.fixture(scope="module")
def native():
    from app.crypto.native import load_native

    if not native_expected():
        machine = platform.machine()
        pytest.skip(f"the pymcl wheel (herumi mcl) exists only for x86_64 Linux, not {machine}")
    return load_native()


def outcome(check, data: bytes) -> str:
    """'ok' or the name of the DecodeError subtype a check raises."""
    try:
        check(data)
    except DecodeError as exc:
        return type(exc).__name__
    return "ok"


# -- pure vs native, byte for byte -------------------------------------------------------------


@settings(max_examples=250)
@given(sk=scalars, message=messages)
@example(sk=1, message=b"")
@example(sk=R - 1, message=bytes(32))
@example(sk=2**64, message=b"\xff" * 32)
def test_public_key_signature_and_hash_agree(native, sk, message):
    assert PURE.public_key(sk) == native.public_key(sk)
    assert PURE.hash_to_g1(message) == native.hash_to_g1(message)
    assert PURE.sign(sk, message) == native.sign(sk, message)


@settings(max_examples=40)
@given(sk=scalars, other=scalars, message=messages, other_message=messages)
def test_verify_agrees(native, sk, other, message, other_message):
    pk, sig = native.public_key(sk), native.sign(sk, message)
    other_pk = native.public_key(other)
    cases = [
        (pk, message, sig, True),
        (pk, other_message, sig, other_message == message),
        (other_pk, message, sig, other == sk),
    ]
    for key, msg, signature, expected in cases:
        assert PURE.verify(key, msg, signature) is expected
        assert native.verify(key, msg, signature) is expected


@settings(max_examples=60)
@given(
    keys=st.lists(scalars, min_size=1, max_size=5),
    message=messages,
    twist=st.sampled_from(["plain", "cancel", "double"]),
)
def test_sums_agree(native, keys, message, twist):
    # -P is the signature of r - k; P twice exercises the doubling inside addition.
    if twist == "cancel":
        keys = keys + [R - keys[0]]
    elif twist == "double":
        keys = keys + [keys[0]]
    sigs = [native.sign(k, message) for k in keys]
    pks = [native.public_key(k) for k in keys]
    assert PURE.g1_sum(sigs) == native.g1_sum(sigs)
    assert PURE.g2_sum(pks) == native.g2_sum(pks)
    if twist == "cancel" and len(keys) == 2:
        assert native.g1_sum(sigs) == bytes(32) and native.g2_sum(pks) == bytes(64)


def test_verify_under_the_infinity_key_is_false_on_both(native):
    sig = native.sign(5, b"m")
    assert native.verify(bytes(64), b"m", sig) is False
    assert PURE.verify(bytes(64), b"m", sig) is False


def _encode(x: int, odd: bool, size: int) -> bytes:
    return (x | odd << (8 * size - 1)).to_bytes(size, "little")


# Arbitrary bytes mostly have x >= p; an x below p is on the curve (or twist) half the time; a
# point of the twist is almost never in G2. Together they reach every outcome.
g1_encodings = st.builds(lambda x, odd: _encode(x, odd, 32), fp, st.booleans())
g2_encodings = st.builds(
    lambda xa, xb, odd: xa.to_bytes(32, "little") + _encode(xb, odd, 32), fp, fp, st.booleans()
)


# The all-zero encoding (infinity) is left to test_check_refuses_infinity_on_both_backends.


@settings(max_examples=300)
@given(data=st.one_of(st.binary(min_size=32, max_size=32), g1_encodings).filter(any))
def test_g1_decoding_agrees(native, data):
    assert outcome(PURE.check_g1, data) == outcome(native.check_g1, data)


@settings(max_examples=150)
@given(data=st.one_of(st.binary(min_size=64, max_size=64), g2_encodings).filter(any))
def test_g2_decoding_agrees(native, data):
    assert outcome(PURE.check_g2, data) == outcome(native.check_g2, data)


@pytest.mark.parametrize("check", ["check_g1", "check_g2"])
def test_check_refuses_infinity_on_both_backends(native, check):
    size = 32 if check == "check_g1" else 64
    assert outcome(getattr(native, check), bytes(size)) == "PointAtInfinityError"
    assert outcome(getattr(PURE, check), bytes(size)) == "PointAtInfinityError"


@settings(max_examples=40)
@given(sk=scalars, message=messages)
def test_flipped_parity_is_the_negated_point_on_both(native, sk, message):
    sig, pk = bytearray(native.sign(sk, message)), bytearray(native.public_key(sk))
    sig[31] ^= 0x80
    pk[63] ^= 0x80
    assert bytes(sig) == native.sign(R - sk, message) == PURE.sign(R - sk, message)
    assert bytes(pk) == native.public_key(R - sk) == PURE.public_key(R - sk)
    PURE.check_g1(bytes(sig))
    PURE.check_g2(bytes(pk))


CRAFTED = [("check_g1", *bad) for bad in BAD_G1] + [("check_g2", *bad) for bad in BAD_G2]
CRAFTED = [c for c in CRAFTED if c[1] != "infinity"]  # see the test just above


@pytest.mark.parametrize(
    ("check", "label", "data", "error"), CRAFTED, ids=[f"{c[0]} {c[1]}" for c in CRAFTED]
)
def test_crafted_bad_points_rejected_alike(native, check, label, data, error):
    assert outcome(getattr(native, check), data) == error.__name__
    assert outcome(getattr(PURE, check), data) == error.__name__


# -- all three against the reference (few examples: it is slow) --------------------------------


@settings(max_examples=6)
@given(sk=scalars, message=messages)
def test_reference_agrees_on_keys_signatures_and_hashes(native, sk, message):
    expected_pk = ref.public_key(sk)
    assert PURE.public_key(sk) == native.public_key(sk) == expected_pk
    expected_sig = ref.sign(sk, message)
    assert PURE.sign(sk, message) == native.sign(sk, message) == expected_sig
    assert PURE.hash_to_g1(message) == ref.serialize_g1(ref.hash_to_g1(message))


@pytest.mark.slow
@settings(max_examples=2)
@given(sk=scalars, message=messages)
def test_reference_verify_agrees(native, sk, message):
    pk, sig = native.public_key(sk), native.sign(sk, message)
    assert ref.verify(pk, message, sig) and PURE.verify(pk, message, sig)
    wrong = native.sign(sk, message + b"!")
    assert not ref.verify(pk, message, wrong) and not PURE.verify(pk, message, wrong)


@settings(max_examples=40)
@given(data=g1_encodings.filter(any))
def test_reference_g1_decoding_agrees(native, data):
    try:
        point = ref.deserialize_g1(data)
        expected = "ok"
    except DecodeError as exc:
        point, expected = None, type(exc).__name__
    assert outcome(PURE.check_g1, data) == outcome(native.check_g1, data) == expected
    if point is not None:
        assert ref.serialize_g1(point) == data


@settings(max_examples=8)
@given(data=g2_encodings.filter(any))
def test_reference_g2_decoding_agrees(native, data):
    try:
        ref.deserialize_g2(data)
        expected = "ok"
    except DecodeError as exc:
        expected = type(exc).__name__
    assert outcome(PURE.check_g2, data) == outcome(native.check_g2, data) == expected


# -- pairings ----------------------------------------------------------------------------------


@cache
def _reference_pairing_sample():
    point = ref.hash_to_g1(b"pairing sample")
    return point, ref.pairing(point, ref.Q)


@pytest.mark.slow
def test_pure_pairing_is_the_reference_pairing():
    point, expected = _reference_pairing_sample()
    assert tower_to_fp12(pairing.pairing(g1_from_ref(point), g2.GENERATOR)) == expected


@pytest.mark.slow
def test_native_pairing_is_a_fixed_power_of_the_reference_pairing(native):
    # mcl's final exponentiation (Fuentes-Castaneda et al.) computes the textbook value to the
    # power 2u(6u^2 + 3u + 1), a constant coprime to r: still a non-degenerate bilinear map.
    point, expected = _reference_pairing_sample()
    gt = native.pairing(ref.serialize_g1(point), ref.serialize_g2(ref.Q))
    assert gt_bytes_to_fp12(gt) == expected ** (2 * U * (6 * U * U + 3 * U + 1) % R)


@settings(max_examples=8)
@given(a=scalars, b=scalars, message=messages)
def test_pure_pairing_is_bilinear_and_non_degenerate(a, b, message):
    h = hash_to_g1.hash_to_g1(message)
    q = g2.GENERATOR
    e = pairing.pairing(h, q)
    assert e != tower.FP12_ONE
    assert tower.fp12_cyclotomic_pow(e, R) == tower.FP12_ONE
    ab = a * b % R
    e_ab = pairing.pairing(g1.to_affine(g1.multiply(h, ab)), q)
    assert pairing.pairing(g1.to_affine(g1.multiply(h, a)), g2.to_affine(g2.multiply(q, b))) == e_ab
    assert pairing.pairing(h, g2.to_affine(g2.multiply(q, ab))) == e_ab
    assert e_ab == tower.fp12_cyclotomic_pow(e, ab)


@pytest.mark.slow
@settings(max_examples=2)
@given(f=nonzero_fp12)
def test_pure_final_exponentiation_matches_the_reference(f):
    expected = ref.final_exponentiation(tower_to_fp12(f))
    assert tower_to_fp12(pairing.final_exponentiation(f)) == expected


# -- the pure backend's arithmetic vs the reference's --------------------------------------------


def _fp2(v) -> ref.Fp2:
    return ref.Fp2(list(v))


@settings(max_examples=150)
@given(x=fp2, y=fp2)
def test_fp2_arithmetic(x, y):
    rx, ry = _fp2(x), _fp2(y)
    assert _fp2(fields.fp2_mul(x, y)) == rx * ry
    assert _fp2(fields.fp2_sqr(x)) == rx * rx
    assert _fp2(fields.fp2_add(x, y)) == rx + ry
    assert _fp2(fields.fp2_sub(x, y)) == rx - ry
    assert _fp2(fields.fp2_mul_xi(x)) == rx * ref.XI
    if any(x):
        assert _fp2(fields.fp2_inv(x)) == ref.Fp2.one() / rx
    square = fields.fp2_sqr(x)
    root = fields.fp2_sqrt(square)
    assert root is not None and _fp2(root) * _fp2(root) == rx * rx
    # A value is a square in Fp2 for pure exactly when it is for the reference.
    assert (fields.fp2_sqrt(y) is None) == (ref.fp2_sqrt(ry) is None)


@settings(max_examples=40)
@given(f=fp12, g=fp12)
def test_fp12_mul_sqr_conj(f, g):
    rf, rg = tower_to_fp12(f), tower_to_fp12(g)
    assert tower_to_fp12(tower.fp12_mul(f, g)) == rf * rg
    assert tower_to_fp12(tower.fp12_sqr(f)) == rf * rf
    assert tower_to_fp12(tower.fp12_conj(f)) == _frobenius(rf, 6)
    assert fp12_to_tower(rf) == tuple(f)


@settings(max_examples=15)
@given(f=nonzero_fp12)
def test_fp12_inverse(f):
    assert tower_to_fp12(tower.fp12_inv(f)) == ref.Fp12.one() / tower_to_fp12(f)


@cache
def _w_to_the_p() -> ref.Fp12:
    return ref.W**P


def _frobenius(f: ref.Fp12, n: int) -> ref.Fp12:
    """f^(p^n) the plain way: coefficients are in Fp, so (sum c_k w^k)^p = sum c_k (w^p)^k."""
    for _ in range(n):
        wp = _w_to_the_p()
        total, power = ref.Fp12.zero(), ref.Fp12.one()
        for c in f.coeffs:
            total = total + power * int(c)
            power = power * wp
        f = total
    return f


@settings(max_examples=10)
@given(f=fp12, n=st.sampled_from([1, 2, 3]))
def test_fp12_frobenius(f, n):
    assert tower_to_fp12(tower.fp12_frobenius(f, n)) == _frobenius(tower_to_fp12(f), n)


@settings(max_examples=40)
@given(f=fp12, l0=fp2, l1=fp2, l3=fp2)
def test_fp12_sparse_line_product(f, l0, l1, l3):
    line = ref.fp2_to_fp12(_fp2(l0)) + ref.fp2_to_fp12(_fp2(l1)) * ref.W
    line = line + ref.fp2_to_fp12(_fp2(l3)) * ref.W3
    product = tower.fp12_mul_line(f, *l0, *l1, *l3)
    assert tower_to_fp12(product) == tower_to_fp12(f) * line


@settings(max_examples=10)
@given(f=nonzero_fp12)
def test_cyclotomic_squaring(f):
    # Move f into the cyclotomic subgroup with the easy part f^((p^6 - 1)(p^2 + 1)).
    rf = tower_to_fp12(f)
    g = _frobenius(rf, 6) / rf
    g = _frobenius(g, 2) * g
    flat = fp12_to_tower(g)
    assert tower_to_fp12(tower.fp12_cyclotomic_sqr(flat)) == g * g


def _map_outcome(map_to_g1, t):
    try:
        return map_to_g1(t)
    except HashToCurveError:
        return "HashToCurveError"  # t = 0 or t = +-sqrt(-3)


@settings(max_examples=200)
@given(t=st.integers(min_value=0, max_value=P - 1))
@example(t=0)
@example(t=FT_C1)
@example(t=P - FT_C1)
def test_map_to_g1(t):
    pure_point = _map_outcome(hash_to_g1.map_to_g1, t)
    if pure_point != "HashToCurveError":
        pure_point = g1_to_ref(pure_point)
    assert pure_point == _map_outcome(ref.map_to_g1, t)


@settings(max_examples=100)
@given(message=messages)
def test_message_to_field(message):
    assert hash_to_g1.message_to_field(message) == ref.hash_to_field(message)


@settings(max_examples=25)
@given(message=messages, other=messages, k=st.integers(min_value=0, max_value=2**80))
def test_g1_group_law(message, other, k):
    a, b = hash_to_g1.hash_to_g1(message), hash_to_g1.hash_to_g1(other)
    ra, rb = g1_to_ref(a), g1_to_ref(b)
    assert g1_to_ref(g1.to_affine(g1.add(g1.from_affine(a), g1.from_affine(b)))) == ref.add(ra, rb)
    assert g1_to_ref(g1.to_affine(g1.double(g1.from_affine(a)))) == ref.double(ra)
    assert g1_to_ref(g1.to_affine(g1.multiply(a, k))) == ref.multiply(ra, k)


@settings(max_examples=6)
@given(k=st.integers(min_value=0, max_value=2**128))
def test_g2_multiply_and_frobenius(k):
    q = g2.GENERATOR
    expected = ref.multiply(ref.Q, k)
    assert g2_to_ref(g2.to_affine(g2.multiply(q, k))) == expected
    if expected is not None:
        point = g2_from_ref(expected)
        assert g2_to_ref(g2.frobenius(point)) == ref.frobenius_twist(expected)
        # On G2 the Frobenius acts as multiplication by p (mod r).
        assert g2_to_ref(g2.frobenius(point)) == ref.multiply(expected, P % R)
