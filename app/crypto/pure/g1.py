"""G1: y^2 = x^3 + 2 over Fp, in Jacobian coordinates (X, Y, Z) ~ (X/Z^2, Y/Z^3); Z = 0 is the
point at infinity. Affine points are (x, y) tuples, None for infinity."""

from __future__ import annotations

from ..params import G1_B, P
from .wnaf import wnaf

INFINITY = (1, 1, 0)
_WIDTH = 5


def is_on_curve(x: int, y: int) -> bool:
    return (y * y - x * x * x - G1_B) % P == 0


def double(pt):
    X, Y, Z = pt
    if not Z:
        return pt
    # dbl-2009-l (a = 0)
    A = X * X % P
    B = Y * Y % P
    C = B * B % P
    D = 2 * ((X + B) ** 2 - A - C) % P
    E = 3 * A
    X3 = (E * E - 2 * D) % P
    return X3, (E * (D - X3) - 8 * C) % P, 2 * Y * Z % P


def add(p1, p2):
    X1, Y1, Z1 = p1
    X2, Y2, Z2 = p2
    if not Z1:
        return p2
    if not Z2:
        return p1
    # add-2007-bl
    Z1Z1 = Z1 * Z1 % P
    Z2Z2 = Z2 * Z2 % P
    U1 = X1 * Z2Z2 % P
    U2 = X2 * Z1Z1 % P
    S1 = Y1 * Z2 * Z2Z2 % P
    S2 = Y2 * Z1 * Z1Z1 % P
    H = (U2 - U1) % P
    rr = 2 * (S2 - S1) % P
    if not H:
        return double(p1) if not rr else INFINITY
    I = 4 * H * H % P
    J = H * I % P
    V = U1 * I % P
    X3 = (rr * rr - J - 2 * V) % P
    Y3 = (rr * (V - X3) - 2 * S1 * J) % P
    Z3 = ((Z1 + Z2) ** 2 - Z1Z1 - Z2Z2) * H % P
    return X3, Y3, Z3


def add_affine(p1, x2: int, y2: int):
    """Jacobian + affine (madd-2007-bl): the inner step of scalar multiplication."""
    X1, Y1, Z1 = p1
    if not Z1:
        return x2, y2, 1
    Z1Z1 = Z1 * Z1 % P
    U2 = x2 * Z1Z1 % P
    S2 = y2 * Z1 * Z1Z1 % P
    H = (U2 - X1) % P
    rr = 2 * (S2 - Y1) % P
    if not H:
        return double(p1) if not rr else INFINITY
    HH = H * H % P
    I = 4 * HH
    J = H * I % P
    V = X1 * I % P
    X3 = (rr * rr - J - 2 * V) % P
    return X3, (rr * (V - X3) - 2 * Y1 * J) % P, ((Z1 + H) ** 2 - Z1Z1 - HH) % P


def neg(pt):
    X, Y, Z = pt
    return X, -Y % P, Z


def to_affine(pt):
    X, Y, Z = pt
    if not Z:
        return None
    zi = pow(Z, -1, P)
    zi2 = zi * zi % P
    return X * zi2 % P, Y * zi2 * zi % P


def from_affine(aff):
    return INFINITY if aff is None else (aff[0], aff[1], 1)


def _batch_to_affine(points):
    """Jacobian -> affine for several finite points with one inversion (Montgomery's trick)."""
    prefix = []
    acc = 1
    for _, _, Z in points:
        prefix.append(acc)
        acc = acc * Z % P
    inv = pow(acc, -1, P)
    out = [None] * len(points)
    for i in range(len(points) - 1, -1, -1):
        X, Y, Z = points[i]
        zi = inv * prefix[i] % P
        inv = inv * Z % P
        zi2 = zi * zi % P
        out[i] = (X * zi2 % P, Y * zi2 * zi % P)
    return out


def multiply(aff, k: int):
    """k * aff for an affine point and k >= 0, by width-5 NAF over a table of odd multiples.
    Callers multiplying by a secret pass a blinded scalar (see backend.py)."""
    if aff is None or k == 0:
        return INFINITY
    base = from_affine(aff)
    twice = double(base)
    table = [base]
    for _ in range((1 << (_WIDTH - 2)) - 1):
        table.append(add(table[-1], twice))
    if any(not Z for _, _, Z in table):  # only for points of tiny order: not in G1
        return _multiply_plain(base, k)
    table = _batch_to_affine(table)
    acc = INFINITY
    for d in reversed(wnaf(k, _WIDTH)):
        acc = double(acc)
        if d > 0:
            x, y = table[d >> 1]
            acc = add_affine(acc, x, y)
        elif d < 0:
            x, y = table[(-d) >> 1]
            acc = add_affine(acc, x, P - y)
    return acc


def _multiply_plain(pt, k: int):
    acc = INFINITY
    for bit in bin(k)[2:]:
        acc = double(acc)
        if bit == "1":
            acc = add(acc, pt)
    return acc
