"""Fp and Fp2 = Fp[i]/(i^2 + 1) on plain Python ints.

An Fp element is an int in [0, p); an Fp2 element is a tuple (a, b) meaning a + b*i. Functions
return reduced values. Hot paths elsewhere (tower.py, g2.py, pairing.py) inline this arithmetic
by hand; these functions are the readable versions used off the hot path and in tests.
"""

from __future__ import annotations

from ..params import P

FP2_ZERO = (0, 0)
FP2_ONE = (1, 0)

_SQRT_EXP = (P + 1) // 4  # p = 3 mod 4: a square's root is a^((p+1)/4)
_LEGENDRE_EXP = (P - 1) // 2


def fp_is_square(a: int) -> bool:
    a %= P
    return a == 0 or pow(a, _LEGENDRE_EXP, P) == 1


def fp_sqrt(a: int) -> int | None:
    """A square root of a, or None when a is not a square."""
    a %= P
    root = pow(a, _SQRT_EXP, P)
    return root if root * root % P == a else None


def fp2_add(x, y):
    return ((x[0] + y[0]) % P, (x[1] + y[1]) % P)


def fp2_sub(x, y):
    return ((x[0] - y[0]) % P, (x[1] - y[1]) % P)


def fp2_neg(x):
    return (-x[0] % P, -x[1] % P)


def fp2_conj(x):
    return (x[0], -x[1] % P)


def fp2_mul(x, y):
    a, b = x
    c, d = y
    ac = a * c
    bd = b * d
    return ((ac - bd) % P, ((a + b) * (c + d) - ac - bd) % P)


def fp2_sqr(x):
    a, b = x
    return ((a + b) * (a - b) % P, 2 * a * b % P)


def fp2_mul_xi(x):
    """Multiply by xi = 1 + i."""
    a, b = x
    return ((a - b) % P, (a + b) % P)


def fp2_inv(x):
    a, b = x
    t = pow(a * a + b * b, -1, P)
    return (a * t % P, -b * t % P)


def fp2_pow(x, e: int):
    result = FP2_ONE
    base = x
    while e:
        if e & 1:
            result = fp2_mul(result, base)
        base = fp2_sqr(base)
        e >>= 1
    return result


def fp2_sqrt(x):
    """A square root of x in Fp2, or None. Uses the norm: for p = 3 mod 4, sqrt(a + bi) has real
    part sqrt((a +- |x|)/2) where |x| = sqrt(a^2 + b^2) in Fp."""
    a, b = x[0] % P, x[1] % P
    if b == 0:
        root = fp_sqrt(a)
        if root is not None:
            return (root, 0)
        root = fp_sqrt(-a)
        return None if root is None else (0, root)
    norm_root = fp_sqrt(a * a + b * b)
    if norm_root is None:
        return None
    half = (P + 1) // 2
    delta = (a + norm_root) * half % P
    x0 = fp_sqrt(delta)
    if x0 is None:
        delta = (a - norm_root) * half % P
        x0 = fp_sqrt(delta)
        if x0 is None:
            return None
    x1 = b * pow(2 * x0, -1, P) % P
    root = (x0, x1)
    return root if fp2_sqr(root) == (a, b) else None
