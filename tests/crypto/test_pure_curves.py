"""G1/G2 group law, scalar multiplication and the optimal ate pairing of the pure backend."""

import random

import pytest

from app.crypto.params import P, R
from app.crypto.pure import g1, g2, pairing, tower
from app.crypto.pure.hash_to_g1 import hash_to_g1
from app.crypto.pure.wnaf import wnaf

RNG = random.Random(2024)
G = hash_to_g1(b"a G1 point")
Q = g2.GENERATOR


def g1_mul(point, k):
    return g1.to_affine(g1.multiply(point, k))


def g2_mul(point, k):
    return g2.to_affine(g2.multiply(point, k))


@pytest.mark.parametrize("k", [0, 1, 5, 2**100 + 3, (1 << 300) - 1, RNG.randrange(1 << 318)])
def test_wnaf_digits_recompose(k):
    digits = wnaf(k, 5)
    assert sum(d << i for i, d in enumerate(digits)) == k
    assert all(d == 0 or (d % 2 and abs(d) < 16) for d in digits)


def test_g1_scalar_multiplication_agrees_with_double_and_add():
    for _ in range(5):
        k = RNG.randrange(R)
        assert g1_mul(G, k) == g1.to_affine(g1._multiply_plain(g1.from_affine(G), k))


def test_g1_group_laws():
    a, b = RNG.randrange(1, R), RNG.randrange(1, R)
    A, B = g1.from_affine(g1_mul(G, a)), g1.from_affine(g1_mul(G, b))
    assert g1.to_affine(g1.add(A, B)) == g1_mul(G, a + b)
    assert g1.to_affine(g1.add(A, A)) == g1_mul(G, 2 * a)  # add falls back to doubling
    assert g1.add(A, g1.neg(A))[2] == 0
    assert g1_mul(G, R) is None  # cofactor 1: every point has order r
    assert g1_mul(G, a + 77 * R) == g1_mul(G, a)  # what blinding relies on


def test_g2_group_laws_and_subgroup():
    a, b = RNG.randrange(1, R), RNG.randrange(1, R)
    A, B = g2_mul(Q, a), g2_mul(Q, b)
    assert g2.is_on_curve(*A) and g2.in_subgroup(A)
    assert g2.to_affine(g2.add(g2.from_affine(A), g2.from_affine(B))) == g2_mul(Q, a + b)
    assert g2.to_affine(g2.double(g2.from_affine(A))) == g2_mul(Q, 2 * a)
    assert g2_mul(Q, R) is None
    assert g2.frobenius(Q) == g2_mul(Q, P % R)  # pi acts as multiplication by p on G2


def test_pairing_is_bilinear_and_non_degenerate():
    e = pairing.pairing(G, Q)
    assert e != tower.FP12_ONE
    assert tower.fp12_cyclotomic_pow(e, R) == tower.FP12_ONE
    a, b = RNG.randrange(1, R), RNG.randrange(1, R)
    assert pairing.pairing(g1_mul(G, a), g2_mul(Q, b)) == tower.fp12_cyclotomic_pow(e, a * b % R)
    assert pairing.pairing(g1_mul(G, a), Q) == pairing.pairing(G, g2_mul(Q, a))


def test_product_check_accepts_exactly_matching_pairs():
    k = RNG.randrange(1, R)
    kG, kQ = g1_mul(G, k), g2_mul(Q, k)
    minus_G = (G[0], P - G[1])
    q_lines = pairing.precompute_lines(Q)
    assert pairing.pairing_product_is_one([(kG, q_lines), (minus_G, pairing.precompute_lines(kQ))])
    other = g2_mul(Q, k + 1)
    assert not pairing.pairing_product_is_one(
        [(kG, q_lines), (minus_G, pairing.precompute_lines(other))]
    )


def test_final_exponentiation_is_the_exact_power():
    f = tuple(RNG.randrange(P) for _ in range(12))
    expected = tower.FP12_ONE
    for bit in bin((P**12 - 1) // R)[2:]:
        expected = tower.fp12_sqr(expected)
        if bit == "1":
            expected = tower.fp12_mul(expected, f)
    assert pairing.final_exponentiation(f) == expected
