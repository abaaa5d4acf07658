"""G2: the order-r subgroup of the twist y^2 = x^3 + (1 - i) over Fp2, Jacobian coordinates with
Fp2 tuples; Z = (0, 0) is infinity. Affine points are ((xa, xb), (ya, yb)) or None."""

from __future__ import annotations

from ..params import G2_B, Q_X, Q_Y, P, R
from .fields import (
    FP2_ONE,
    FP2_ZERO,
    fp2_add,
    fp2_conj,
    fp2_inv,
    fp2_mul,
    fp2_mul_xi,
    fp2_neg,
    fp2_pow,
    fp2_sqr,
    fp2_sub,
)
from .wnaf import wnaf

INFINITY = (FP2_ONE, FP2_ONE, FP2_ZERO)
GENERATOR = (Q_X, Q_Y)  # herumi's Q, affine
_WIDTH = 5


def is_on_curve(x, y) -> bool:
    return fp2_sub(fp2_sqr(y), fp2_add(fp2_mul(fp2_sqr(x), x), G2_B)) == FP2_ZERO


def _twice(a):
    return ((a[0] + a[0]) % P, (a[1] + a[1]) % P)


def double(pt):
    X, Y, Z = pt
    if Z == FP2_ZERO:
        return pt
    A = fp2_sqr(X)
    B = fp2_sqr(Y)
    C = fp2_sqr(B)
    D = _twice(fp2_sub(fp2_sub(fp2_sqr(fp2_add(X, B)), A), C))
    E = fp2_add(_twice(A), A)
    X3 = fp2_sub(fp2_sqr(E), _twice(D))
    C8 = _twice(_twice(_twice(C)))
    Y3 = fp2_sub(fp2_mul(E, fp2_sub(D, X3)), C8)
    return X3, Y3, _twice(fp2_mul(Y, Z))


def add(p1, p2):
    X1, Y1, Z1 = p1
    X2, Y2, Z2 = p2
    if Z1 == FP2_ZERO:
        return p2
    if Z2 == FP2_ZERO:
        return p1
    Z1Z1 = fp2_sqr(Z1)
    Z2Z2 = fp2_sqr(Z2)
    U1 = fp2_mul(X1, Z2Z2)
    U2 = fp2_mul(X2, Z1Z1)
    S1 = fp2_mul(fp2_mul(Y1, Z2), Z2Z2)
    S2 = fp2_mul(fp2_mul(Y2, Z1), Z1Z1)
    H = fp2_sub(U2, U1)
    rr = _twice(fp2_sub(S2, S1))
    if H == FP2_ZERO:
        return double(p1) if rr == FP2_ZERO else INFINITY
    I = fp2_sqr(_twice(H))
    J = fp2_mul(H, I)
    V = fp2_mul(U1, I)
    X3 = fp2_sub(fp2_sub(fp2_sqr(rr), J), _twice(V))
    Y3 = fp2_sub(fp2_mul(rr, fp2_sub(V, X3)), _twice(fp2_mul(S1, J)))
    Z3 = fp2_mul(fp2_sub(fp2_sub(fp2_sqr(fp2_add(Z1, Z2)), Z1Z1), Z2Z2), H)
    return X3, Y3, Z3


def neg(pt):
    X, Y, Z = pt
    return X, fp2_neg(Y), Z


def to_affine(pt):
    X, Y, Z = pt
    if Z == FP2_ZERO:
        return None
    zi = fp2_inv(Z)
    zi2 = fp2_sqr(zi)
    return fp2_mul(X, zi2), fp2_mul(fp2_mul(Y, zi2), zi)


def from_affine(aff):
    return INFINITY if aff is None else (aff[0], aff[1], FP2_ONE)


def multiply(aff, k: int):
    """k * aff, k >= 0, width-5 NAF over Jacobian odd multiples (affine-table version not needed:
    G2 multiplications are rare and their results are cached by the callers)."""
    if aff is None or k == 0:
        return INFINITY
    base = from_affine(aff)
    twice = double(base)
    table = [base]
    for _ in range((1 << (_WIDTH - 2)) - 1):
        table.append(add(table[-1], twice))
    acc = INFINITY
    for d in reversed(wnaf(k, _WIDTH)):
        acc = double(acc)
        if d > 0:
            acc = add(acc, table[d >> 1])
        elif d < 0:
            acc = add(acc, neg(table[(-d) >> 1]))
    return acc


def in_subgroup(aff) -> bool:
    """r * P == O: the twist has a large cofactor, so a point on it need not be in G2."""
    return multiply(aff, R)[2] == FP2_ZERO


# Frobenius on the twist: pi(x, y) = (conj(x) * xi^((p-1)/3), conj(y) * xi^((p-1)/2)).
_XI = fp2_mul_xi(FP2_ONE)
FROB_X = fp2_pow(_XI, (P - 1) // 3)
FROB_Y = fp2_pow(_XI, (P - 1) // 2)


def frobenius(aff):
    x, y = aff
    return fp2_mul(fp2_conj(x), FROB_X), fp2_mul(fp2_conj(y), FROB_Y)
