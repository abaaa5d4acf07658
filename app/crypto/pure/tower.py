"""Fp12 as the tower Fp2[v]/(v^3 - xi) [w]/(w^2 - v), xi = 1 + i, in a flat tuple of 12 ints.

Layout: f = (g0 + g1 v + g2 v^2) + (h0 + h1 v + h2 v^2) w, stored as
(g0.a, g0.b, g1.a, g1.b, g2.a, g2.b, h0.a, h0.b, h1.a, h1.b, h2.a, h2.b) with g, h in Fp2 = a + b i.
Seen as a polynomial in w (w^6 = xi): g0, h0, g1, h1, g2, h2 are the coefficients of w^0 .. w^5.

Speed is the point of this module: Fp2 arithmetic is written out inline, products are summed
unreduced and each output coefficient is reduced once (lazy reduction), Karatsuba at every level.
"""

from __future__ import annotations

from ..params import P
from .fields import fp2_add, fp2_conj, fp2_inv, fp2_mul, fp2_mul_xi, fp2_pow, fp2_sqr, fp2_sub

FP12_ONE = (1,) + (0,) * 11


def _f6mul(a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5):
    """Unreduced Fp6 product (Karatsuba over Fp2, 18 integer multiplications)."""
    m = a0 * b0
    n = a1 * b1
    t0r = m - n
    t0i = (a0 + a1) * (b0 + b1) - m - n
    m = a2 * b2
    n = a3 * b3
    t1r = m - n
    t1i = (a2 + a3) * (b2 + b3) - m - n
    m = a4 * b4
    n = a5 * b5
    t2r = m - n
    t2i = (a4 + a5) * (b4 + b5) - m - n
    # c0 = t0 + xi * ((A1 + A2)(B1 + B2) - t1 - t2)
    x0 = a2 + a4
    x1 = a3 + a5
    y0 = b2 + b4
    y1 = b3 + b5
    m = x0 * y0
    n = x1 * y1
    ur = m - n - t1r - t2r
    ui = (x0 + x1) * (y0 + y1) - m - n - t1i - t2i
    c0r = t0r + ur - ui
    c0i = t0i + ur + ui
    # c1 = (A0 + A1)(B0 + B1) - t0 - t1 + xi * t2
    x0 = a0 + a2
    x1 = a1 + a3
    y0 = b0 + b2
    y1 = b1 + b3
    m = x0 * y0
    n = x1 * y1
    c1r = m - n - t0r - t1r + t2r - t2i
    c1i = (x0 + x1) * (y0 + y1) - m - n - t0i - t1i + t2r + t2i
    # c2 = (A0 + A2)(B0 + B2) - t0 - t2 + t1
    x0 = a0 + a4
    x1 = a1 + a5
    y0 = b0 + b4
    y1 = b1 + b5
    m = x0 * y0
    n = x1 * y1
    c2r = m - n - t0r - t2r + t1r
    c2i = (x0 + x1) * (y0 + y1) - m - n - t0i - t2i + t1i
    return c0r, c0i, c1r, c1i, c2r, c2i


def _f6mul01(a0, a1, a2, a3, a4, a5, b0, b1, b2, b3):
    """Unreduced (A0 + A1 v + A2 v^2)(B0 + B1 v): the shape of a line's w-part (5 Fp2 products)."""
    m = a0 * b0
    n = a1 * b1
    t0r = m - n
    t0i = (a0 + a1) * (b0 + b1) - m - n
    m = a2 * b2
    n = a3 * b3
    t1r = m - n
    t1i = (a2 + a3) * (b2 + b3) - m - n
    # xi * A2 * B1
    m = a4 * b2
    n = a5 * b3
    sr = m - n
    si = (a4 + a5) * (b2 + b3) - m - n
    c0r = t0r + sr - si
    c0i = t0i + sr + si
    x0 = a0 + a2
    x1 = a1 + a3
    y0 = b0 + b2
    y1 = b1 + b3
    m = x0 * y0
    n = x1 * y1
    c1r = m - n - t0r - t1r
    c1i = (x0 + x1) * (y0 + y1) - m - n - t0i - t1i
    m = a4 * b0
    n = a5 * b1
    c2r = m - n + t1r
    c2i = (a4 + a5) * (b0 + b1) - m - n + t1i
    return c0r, c0i, c1r, c1i, c2r, c2i


def fp12_mul(f, g):
    a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5 = f
    c0, c1, c2, c3, c4, c5, d0, d1, d2, d3, d4, d5 = g
    A0, A1, A2, A3, A4, A5 = _f6mul(a0, a1, a2, a3, a4, a5, c0, c1, c2, c3, c4, c5)
    B0, B1, B2, B3, B4, B5 = _f6mul(b0, b1, b2, b3, b4, b5, d0, d1, d2, d3, d4, d5)
    C0, C1, C2, C3, C4, C5 = _f6mul(
        a0 + b0, a1 + b1, a2 + b2, a3 + b3, a4 + b4, a5 + b5,
        c0 + d0, c1 + d1, c2 + d2, c3 + d3, c4 + d4, c5 + d5,
    )  # fmt: skip
    # f*g = A + v B + (C - A - B) w, where v (B0, B1, B2) = (xi B2, B0, B1)
    return (
        (A0 + B4 - B5) % P, (A1 + B4 + B5) % P, (A2 + B0) % P, (A3 + B1) % P,
        (A4 + B2) % P, (A5 + B3) % P,
        (C0 - A0 - B0) % P, (C1 - A1 - B1) % P, (C2 - A2 - B2) % P, (C3 - A3 - B3) % P,
        (C4 - A4 - B4) % P, (C5 - A5 - B5) % P,
    )  # fmt: skip


def fp12_sqr(f):
    """(a + b w)^2 = (a + b)(a + v b) - ab - v ab + 2ab w (two Fp6 products)."""
    a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5 = f
    m0, m1, m2, m3, m4, m5 = _f6mul(a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5)
    m0 %= P
    m1 %= P
    m2 %= P
    m3 %= P
    m4 %= P
    m5 %= P
    s0, s1, s2, s3, s4, s5 = _f6mul(
        a0 + b0, a1 + b1, a2 + b2, a3 + b3, a4 + b4, a5 + b5,
        a0 + b4 - b5, a1 + b4 + b5, a2 + b0, a3 + b1, a4 + b2, a5 + b3,
    )  # fmt: skip
    # c0 = s - m - v m, v m = (xi m2, m0, m1)
    return (
        (s0 - m0 - m4 + m5) % P, (s1 - m1 - m4 - m5) % P, (s2 - m2 - m0) % P,
        (s3 - m3 - m1) % P, (s4 - m4 - m2) % P, (s5 - m5 - m3) % P,
        2 * m0 % P, 2 * m1 % P, 2 * m2 % P, 2 * m3 % P, 2 * m4 % P, 2 * m5 % P,
    )  # fmt: skip


def fp12_mul_line(f, l0r, l0i, l1r, l1i, l3r, l3i):
    """f * (l0 + l1 w + l3 w^3): a Miller-loop line, sparse (13 Fp2 products instead of 18)."""
    a0, a1, a2, a3, a4, a5, b0, b1, b2, b3, b4, b5 = f
    # f0 * l0 (l0 in Fp2 scales each coefficient)
    m = a0 * l0r
    n = a1 * l0i
    A0 = m - n
    A1 = (a0 + a1) * (l0r + l0i) - m - n
    m = a2 * l0r
    n = a3 * l0i
    A2 = m - n
    A3 = (a2 + a3) * (l0r + l0i) - m - n
    m = a4 * l0r
    n = a5 * l0i
    A4 = m - n
    A5 = (a4 + a5) * (l0r + l0i) - m - n
    # f1 * (l1 + l3 v)
    B0, B1, B2, B3, B4, B5 = _f6mul01(b0, b1, b2, b3, b4, b5, l1r, l1i, l3r, l3i)
    # (f0 + f1) * (l0 + l1 + l3 v)
    C0, C1, C2, C3, C4, C5 = _f6mul01(
        a0 + b0, a1 + b1, a2 + b2, a3 + b3, a4 + b4, a5 + b5, l0r + l1r, l0i + l1i, l3r, l3i
    )
    return (
        (A0 + B4 - B5) % P, (A1 + B4 + B5) % P, (A2 + B0) % P, (A3 + B1) % P,
        (A4 + B2) % P, (A5 + B3) % P,
        (C0 - A0 - B0) % P, (C1 - A1 - B1) % P, (C2 - A2 - B2) % P, (C3 - A3 - B3) % P,
        (C4 - A4 - B4) % P, (C5 - A5 - B5) % P,
    )  # fmt: skip


def fp12_conj(f):
    """w -> -w: the p^6-th power; the inverse of an element of the cyclotomic subgroup."""
    return f[:6] + tuple(-x % P for x in f[6:])


def _fp6_inv(a0, a1, a2):
    c0 = fp2_sub(fp2_sqr(a0), fp2_mul_xi(fp2_mul(a1, a2)))
    c1 = fp2_sub(fp2_mul_xi(fp2_sqr(a2)), fp2_mul(a0, a1))
    c2 = fp2_sub(fp2_sqr(a1), fp2_mul(a0, a2))
    u = fp2_mul_xi(fp2_add(fp2_mul(a2, c1), fp2_mul(a1, c2)))
    t = fp2_inv(fp2_add(fp2_mul(a0, c0), u))
    return fp2_mul(c0, t) + fp2_mul(c1, t) + fp2_mul(c2, t)


def fp12_inv(f):
    """(a + b w)^-1 = (a - b w) / (a^2 - v b^2)."""
    a = f[:6]
    b = f[6:]
    aa = _f6mul(*a, *a)
    bb = _f6mul(*b, *b)
    d0 = (aa[0] - bb[4] + bb[5]) % P, (aa[1] - bb[4] - bb[5]) % P
    d1 = (aa[2] - bb[0]) % P, (aa[3] - bb[1]) % P
    d2 = (aa[4] - bb[2]) % P, (aa[5] - bb[3]) % P
    t = _fp6_inv(d0, d1, d2)
    c0 = _f6mul(*a, *t)
    c1 = _f6mul(*b, *t)
    return tuple(x % P for x in c0) + tuple(-x % P for x in c1)


# Frobenius: f^(p^n) conjugates each Fp2 coefficient n times and multiplies the coefficient of
# w^k by xi^(k (p^n - 1) / 6). Flat index of the coefficient of w^k:
_W_INDEX = (0, 6, 2, 8, 4, 10)  # k = 0..5 -> g0, h0, g1, h1, g2, h2


def _frobenius_constants(n: int):
    consts = [None] * 6
    for k in range(6):
        consts[_W_INDEX[k] // 2] = fp2_pow(fp2_mul_xi((1, 0)), k * (P**n - 1) // 6)
    return tuple(consts)


_FROB = {n: _frobenius_constants(n) for n in (1, 2, 3)}


def fp12_frobenius(f, n: int = 1):
    consts = _FROB[n]
    out = []
    for j in range(6):
        a, b = f[2 * j], f[2 * j + 1]
        if n & 1:
            b = -b
        c, d = consts[j]
        m = a * c
        q = b * d
        out.append((m - q) % P)
        out.append(((a + b) * (c + d) - m - q) % P)
    return tuple(out)


def fp12_cyclotomic_sqr(f):
    """Granger-Scott squaring, valid only in the cyclotomic subgroup (after the easy part of the
    final exponentiation). Fp12 = Fp4[w]/(w^3 - s) with Fp4 = Fp2[s]/(s^2 - xi), s = w^3:
    z0 = g0 + h1 s, z1 = h0 + g2 s, z2 = g1 + h2 s, and
    z^2 = (3 z0^2 - 2 conj z0) + (3 s z2^2 + 2 conj z1) w + (3 z1^2 - 2 conj z2) w^2."""
    g0r, g0i, g1r, g1i, g2r, g2i, h0r, h0i, h1r, h1i, h2r, h2i = f

    def fp4_sqr(ar, ai, br, bi):
        # (a + b s)^2 = (a^2 + xi b^2) + 2ab s, with 2 Fp2 products: ab and (a + b)(a + xi b)
        m = ar * br
        n = ai * bi
        tr = m - n
        ti = (ar + ai) * (br + bi) - m - n
        xr = ar + br
        xi_ = ai + bi
        yr = ar + br - bi
        yi = ai + br + bi
        m = xr * yr
        n = xi_ * yi
        sr = m - n - tr - (tr - ti)
        si = (xr + xi_) * (yr + yi) - m - n - ti - (tr + ti)
        return sr % P, si % P, 2 * tr % P, 2 * ti % P

    t0r, t0i, t1r, t1i = fp4_sqr(g0r, g0i, h1r, h1i)
    t2r, t2i, t3r, t3i = fp4_sqr(h0r, h0i, g2r, g2i)
    t4r, t4i, t5r, t5i = fp4_sqr(g1r, g1i, h2r, h2i)
    # xi * t5
    x5r = t5r - t5i
    x5i = t5r + t5i
    return (
        (3 * t0r - 2 * g0r) % P, (3 * t0i - 2 * g0i) % P,  # g0
        (3 * t2r - 2 * g1r) % P, (3 * t2i - 2 * g1i) % P,  # g1
        (3 * t4r - 2 * g2r) % P, (3 * t4i - 2 * g2i) % P,  # g2
        (3 * x5r + 2 * h0r) % P, (3 * x5i + 2 * h0i) % P,  # h0
        (3 * t1r + 2 * h1r) % P, (3 * t1i + 2 * h1i) % P,  # h1
        (3 * t3r + 2 * h2r) % P, (3 * t3i + 2 * h2i) % P,  # h2
    )  # fmt: skip


def fp12_cyclotomic_pow(f, e: int):
    """f^e for e >= 0 and f in the cyclotomic subgroup (square-and-multiply, MSB first)."""
    result = f
    for bit in bin(e)[3:]:
        result = fp12_cyclotomic_sqr(result)
        if bit == "1":
            result = fp12_mul(result, f)
    return result if e else FP12_ONE


__all__ = [
    "FP12_ONE",
    "fp12_mul",
    "fp12_sqr",
    "fp12_mul_line",
    "fp12_conj",
    "fp12_inv",
    "fp12_frobenius",
    "fp12_cyclotomic_sqr",
    "fp12_cyclotomic_pow",
    "fp2_conj",
]
