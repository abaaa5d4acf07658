"""The flat Fp12 tower against a schoolbook Fp[w]/(w^12 - 2w^6 + 2), and the Fp2 helpers."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from app.crypto.params import P
from app.crypto.pure import fields, tower

fp = st.integers(min_value=0, max_value=P - 1)
fp12 = st.tuples(*[fp] * 12)

_W_INDEX = (0, 6, 2, 8, 4, 10)  # flat index of the Fp2 coefficient of w^k


def as_poly(f):
    """Flat tower element -> 12 Fp coefficients in w, using i = w^6 - 1."""
    coeffs = [0] * 12
    for k, j in enumerate(_W_INDEX):
        a, b = f[j], f[j + 1]
        coeffs[k] = (coeffs[k] + a - b) % P
        coeffs[k + 6] = (coeffs[k + 6] + b) % P
    return coeffs


def poly_mul(x, y):
    out = [0] * 23
    for i, xi in enumerate(x):
        for j, yj in enumerate(y):
            out[i + j] += xi * yj
    for d in range(22, 11, -1):  # w^12 = 2 w^6 - 2
        out[d - 6] += 2 * out[d]
        out[d - 12] -= 2 * out[d]
    return [v % P for v in out[:12]]


def poly_pow(x, e):
    result = [1] + [0] * 11
    while e:
        if e & 1:
            result = poly_mul(result, x)
        x = poly_mul(x, x)
        e >>= 1
    return result


def to_cyclotomic(f):
    f = tower.fp12_mul(tower.fp12_conj(f), tower.fp12_inv(f))
    return tower.fp12_mul(tower.fp12_frobenius(f, 2), f)


@settings(max_examples=60, deadline=None)
@given(fp12, fp12)
def test_mul_and_sqr_match_schoolbook(f, g):
    assert as_poly(tower.fp12_mul(f, g)) == poly_mul(as_poly(f), as_poly(g))
    assert as_poly(tower.fp12_sqr(f)) == poly_mul(as_poly(f), as_poly(f))


@settings(max_examples=40, deadline=None)
@given(fp12, st.tuples(*[fp] * 6))
def test_sparse_line_product_equals_full_product(f, line):
    l0r, l0i, l1r, l1i, l3r, l3i = line
    dense = (l0r, l0i, 0, 0, 0, 0, l1r, l1i, l3r, l3i, 0, 0)
    assert tower.fp12_mul_line(f, *line) == tower.fp12_mul(f, dense)


@settings(max_examples=30, deadline=None)
@given(fp12)
def test_inverse(f):
    if any(f):
        assert tower.fp12_mul(f, tower.fp12_inv(f)) == tower.FP12_ONE


def test_frobenius_is_the_p_th_power():
    rng = random.Random(7)
    f = tuple(rng.randrange(P) for _ in range(12))
    assert as_poly(tower.fp12_frobenius(f, 1)) == poly_pow(as_poly(f), P)
    once = tower.fp12_frobenius(f, 1)
    twice = tower.fp12_frobenius(once, 1)
    assert tower.fp12_frobenius(f, 2) == twice
    assert tower.fp12_frobenius(f, 3) == tower.fp12_frobenius(twice, 1)


@settings(max_examples=30, deadline=None)
@given(fp12)
def test_cyclotomic_squaring_and_conjugate_inverse(f):
    if not any(f):
        return
    c = to_cyclotomic(f)
    assert tower.fp12_cyclotomic_sqr(c) == tower.fp12_sqr(c)
    assert tower.fp12_mul(c, tower.fp12_conj(c)) == tower.FP12_ONE
    assert tower.fp12_cyclotomic_pow(c, 5) == tower.fp12_mul(
        tower.fp12_sqr(tower.fp12_sqr(c)), c
    )


@settings(max_examples=100, deadline=None)
@given(fp, fp, fp, fp)
def test_fp2_arithmetic(a, b, c, d):
    x, y = (a, b), (c, d)
    # (a + bi)(c + di) = (ac - bd) + (ad + bc) i
    assert fields.fp2_mul(x, y) == ((a * c - b * d) % P, (a * d + b * c) % P)
    assert fields.fp2_sqr(x) == fields.fp2_mul(x, x)
    assert fields.fp2_mul_xi(x) == fields.fp2_mul(x, (1, 1))
    if any(x):
        assert fields.fp2_mul(x, fields.fp2_inv(x)) == (1, 0)
    square = fields.fp2_sqr(x)
    root = fields.fp2_sqrt(square)
    assert root is not None and fields.fp2_sqr(root) == square


def test_fp2_sqrt_refuses_non_squares():
    rng = random.Random(3)
    refused = 0
    for _ in range(40):
        x = (rng.randrange(P), rng.randrange(P))
        root = fields.fp2_sqrt(x)
        if root is None:
            refused += 1
            # a non-square's norm is a non-square in Fp
            assert not fields.fp_is_square(x[0] * x[0] + x[1] * x[1])
        else:
            assert fields.fp2_sqr(root) == x
    assert 5 < refused < 35  # about half of Fp2 is non-square
