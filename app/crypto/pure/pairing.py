"""Optimal ate pairing on BN(2,254): precomputed Miller-loop lines, a multi-pairing sharing one
loop of squarings and one final exponentiation, Granger-Scott squarings in the hard part.

G2 points are walked in homogeneous projective coordinates (X : Y : Z) ~ (X/Z, Y/Z). For the
D-type twist, the line through T (and Q) evaluated at P = (xP, yP) in G1 has the shape
    l = c0 * yP + c1 * xP * w + c3 * w^3      (c0, c1, c3 in Fp2)
so a line is stored as (c0, c1, c3) and evaluated with four Fp multiplications. Lines depend only
on the G2 point: those of Q are computed once, those of a public key are cached by the caller.
Scaling a line by an element of Fp2 changes nothing after the final exponentiation, so the
formulas drop denominators freely.
"""

from __future__ import annotations

from ..params import G2_B, P, U
from .fields import FP2_ONE, fp2_add, fp2_mul, fp2_neg, fp2_sqr, fp2_sub
from .g2 import frobenius
from .tower import (
    FP12_ONE,
    fp12_conj,
    fp12_cyclotomic_pow,
    fp12_frobenius,
    fp12_inv,
    fp12_mul,
    fp12_mul_line,
    fp12_sqr,
)

_LOOP = abs(6 * U + 2)  # 6u + 2 < 0: the loop runs on |6u + 2| and conjugates at the end
_LOOP_BITS = bin(_LOOP)[3:]  # after the leading 1, most significant first
_HALF = (P + 1) // 2
_B3 = ((3 * G2_B[0]) % P, (3 * G2_B[1]) % P)


def _dbl_step(T):
    X, Y, Z = T
    A = fp2_mul(X, Y)
    A = (A[0] * _HALF % P, A[1] * _HALF % P)  # XY / 2
    B = fp2_sqr(Y)
    C = fp2_sqr(Z)
    E = fp2_mul(_B3, C)  # 3 b' Z^2
    F = fp2_add(fp2_add(E, E), E)
    G = fp2_add(B, F)
    G = (G[0] * _HALF % P, G[1] * _HALF % P)
    H = fp2_sub(fp2_sqr(fp2_add(Y, Z)), fp2_add(B, C))  # 2YZ
    E2 = fp2_sqr(E)
    X3 = fp2_mul(A, fp2_sub(B, F))
    Y3 = fp2_sub(fp2_sqr(G), fp2_add(fp2_add(E2, E2), E2))
    Z3 = fp2_mul(B, H)
    XX = fp2_sqr(X)
    line = (fp2_neg(H), fp2_add(fp2_add(XX, XX), XX), fp2_sub(E, B))
    return (X3, Y3, Z3), line


def _add_step(T, x2, y2):
    X, Y, Z = T
    theta = fp2_sub(Y, fp2_mul(y2, Z))
    lam = fp2_sub(X, fp2_mul(x2, Z))
    C = fp2_sqr(theta)
    D = fp2_sqr(lam)
    E = fp2_mul(lam, D)
    F = fp2_mul(Z, C)
    G = fp2_mul(X, D)
    H = fp2_sub(fp2_add(E, F), fp2_add(G, G))
    X3 = fp2_mul(lam, H)
    Y3 = fp2_sub(fp2_mul(theta, fp2_sub(G, H)), fp2_mul(Y, E))
    Z3 = fp2_mul(Z, E)
    line = (lam, fp2_neg(theta), fp2_sub(fp2_mul(theta, x2), fp2_mul(lam, y2)))
    return (X3, Y3, Z3), line


def precompute_lines(q_affine) -> tuple:
    """The Miller-loop lines of a finite G2 point, in the order miller_loop consumes them."""
    xq, yq = q_affine
    T = (xq, yq, FP2_ONE)
    lines = []
    for bit in _LOOP_BITS:
        T, line = _dbl_step(T)
        lines.append(line)
        if bit == "1":
            T, line = _add_step(T, xq, yq)
            lines.append(line)
    T = (T[0], fp2_neg(T[1]), T[2])  # [6u+2]Q = -[|6u+2|]Q
    q1 = frobenius(q_affine)
    x2, y2 = frobenius(q1)
    T, line = _add_step(T, *q1)
    lines.append(line)
    _, line = _add_step(T, x2, fp2_neg(y2))
    lines.append(line)
    return tuple(lines)


def _eval(f, line, xp, yp):
    (c0r, c0i), (c1r, c1i), (c3r, c3i) = line
    return fp12_mul_line(f, c0r * yp % P, c0i * yp % P, c1r * xp % P, c1i * xp % P, c3r, c3i)


def miller_loop(pairs) -> tuple:
    """Product of f_{6u+2,Q}(P) (with the two Frobenius lines) over pairs of (P affine, lines)."""
    f = FP12_ONE
    i = 0
    for n, bit in enumerate(_LOOP_BITS):
        if n:
            f = fp12_sqr(f)
        for (xp, yp), lines in pairs:
            f = _eval(f, lines[i], xp, yp)
        i += 1
        if bit == "1":
            for (xp, yp), lines in pairs:
                f = _eval(f, lines[i], xp, yp)
            i += 1
    f = fp12_conj(f)
    for (xp, yp), lines in pairs:
        f = _eval(f, lines[i], xp, yp)
        f = _eval(f, lines[i + 1], xp, yp)
    return f


def _exp_u(f):
    """f^u in the cyclotomic subgroup; u < 0, and there the inverse is the conjugate."""
    return fp12_conj(fp12_cyclotomic_pow(f, -U))


def final_exponentiation(f):
    """f^((p^12 - 1) / r): easy part (p^6 - 1)(p^2 + 1), then the hard part (p^4 - p^2 + 1)/r
    written in base p with coefficients polynomial in u (Scott et al., 2009)."""
    f = fp12_mul(fp12_conj(f), fp12_inv(f))
    f = fp12_mul(fp12_frobenius(f, 2), f)
    fu = _exp_u(f)
    fu2 = _exp_u(fu)
    fu3 = _exp_u(fu2)
    y0 = fp12_mul(fp12_mul(fp12_frobenius(f, 1), fp12_frobenius(f, 2)), fp12_frobenius(f, 3))
    y1 = fp12_conj(f)
    y2 = fp12_frobenius(fu2, 2)
    y3 = fp12_conj(fp12_frobenius(fu, 1))
    y4 = fp12_conj(fp12_mul(fu, fp12_frobenius(fu2, 1)))
    y5 = fp12_conj(fu2)
    y6 = fp12_conj(fp12_mul(fu3, fp12_frobenius(fu3, 1)))
    # y0 * y1^2 * y2^6 * y3^12 * y4^18 * y5^30 * y6^36 by a short vectorial addition chain
    t0 = fp12_mul(fp12_mul(fp12_sqr(y6), y4), y5)
    t1 = fp12_mul(fp12_mul(y3, y5), t0)
    t0 = fp12_mul(t0, y2)
    t1 = fp12_sqr(fp12_mul(fp12_sqr(t1), t0))
    t0 = fp12_mul(t1, y1)
    t1 = fp12_mul(t1, y0)
    return fp12_mul(fp12_sqr(t0), t1)


def pairing(p_affine, q_affine):
    """e(P, Q) for finite P in G1 and Q in G2 (benchmarks and tests; verification uses
    pairing_product_is_one)."""
    return final_exponentiation(miller_loop([(p_affine, precompute_lines(q_affine))]))


def pairing_product_is_one(pairs) -> bool:
    """prod e(P_i, Q_i) == 1, for pairs of (P affine, precomputed lines of Q_i)."""
    return final_exponentiation(miller_loop(pairs)) == FP12_ONE
