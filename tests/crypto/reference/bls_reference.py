"""A plain, slow, readable bls0chain (herumi BLS on BN(2,254)): the oracle of differential tests.

Built on py_ecc's *generic* field classes with our modulus, textbook affine formulas and an
optimal-ate pairing computed in a flat Fp12. It shares no code with app.crypto's backends; only
the exception types come from app.crypto.errors so that all implementations can be compared on
bad input too. Every constant is restated here from spec/crypto.md and checked on import.
Speed is not a goal: a pairing takes about a second.
"""

from __future__ import annotations

import hashlib

from py_ecc.fields.field_elements import FQ, FQ2, FQ12

from app.crypto.errors import (
    BadLengthError,
    HashToCurveError,
    NotInFieldError,
    NotInSubgroupError,
    NotOnCurveError,
)

# -- the curve ---------------------------------------------------------------------------------

U = -(2**62 + 2**55 + 1)
P = 36 * U**4 + 36 * U**3 + 24 * U**2 + 6 * U + 1
R = 36 * U**4 + 36 * U**3 + 18 * U**2 + 6 * U + 1
assert P % 4 == 3  # square roots in Fp are a single power


class Fp(FQ):
    field_modulus = P


class Fp2(FQ2):
    """Fp[i] / (i^2 + 1): coefficients (a, b) mean a + b*i."""

    field_modulus = P
    FQ2_MODULUS_COEFFS = (1, 0)


class Fp12(FQ12):
    """Fp[w] / (w^12 - 2 w^6 + 2). With w^6 = xi = 1 + i we get (w^6 - 1)^2 = -1, so i = w^6 - 1
    and this one flat field contains Fp2; w^2 and w^3 untwist G2 points (below)."""

    field_modulus = P
    FQ12_MODULUS_COEFFS = (2, 0, 0, 0, 0, 0, -2, 0, 0, 0, 0, 0)


G1_B = Fp(2)  # G1: y^2 = x^3 + 2
XI = Fp2([1, 1])
G2_B = Fp2([2, 0]) / XI  # the twist: y^2 = x^3 + 2/xi = x^3 + (1 - i)
assert G2_B == Fp2([1, -1])

# herumi's base point Q of G2 (the public key of the secret key 1).
Q = (
    Fp2(
        [
            0x11CCB44E77AC2C5DC32A6009594DBE331EC85A61290D6BBAC8CC7EBB2DCEB128,
            0x0F204A14BBDAC4A05BE9A25176DE827F2E60085668BECDD4FC5FA914C9EE0D9A,
        ]
    ),
    Fp2(
        [
            0x07C13D8487903EE3C1C5EA327A3A52B6CC74796B1760D5BA20ED802624ED19C8,
            0x008F9642BBAACB73D8C89492528F58932F2DE9AC3E80C7B0E41F1A84F1C40182,
        ]
    ),
)

# mcl's Fouque-Tibouchi constants: c1 = sqrt(-3) (the root mcl picks), c2 = (c1 - 1) / 2.
FT_C1 = Fp(0x252364824000000126CD890000000003CF0F0000000000060C00000000000004)
FT_C2 = Fp(0x25236482400000017080EB4000000006181800000000000CD98000000000000B)
assert FT_C1 * FT_C1 == Fp(-3) and FT_C2 == (FT_C1 - 1) / 2

# -- field helpers -----------------------------------------------------------------------------


def is_zero(v) -> bool:
    return v == type(v).zero()


def fp_is_square(v: Fp) -> bool:
    return is_zero(v) or v ** ((P - 1) // 2) == Fp(1)


def fp_sqrt(v: Fp) -> Fp | None:
    """A square root (p = 3 mod 4, so v^((p+1)/4) when v is a square), else None."""
    root = v ** ((P + 1) // 4)
    return root if root * root == v else None


def fp2_sqrt(v: Fp2) -> Fp2 | None:
    """Square root in Fp2 by the 'complex' method: for v = a + bi with norm n = a^2 + b^2,
    a root is x + yi with x^2 = (a + sqrt(n)) / 2 (or the other sign) and y = b / (2x)."""
    a, b = v.coeffs
    if b == 0:  # v is in Fp: either sqrt(a) or sqrt(-a)*i
        root = fp_sqrt(a)
        if root is not None:
            return Fp2([root, 0])
        root = fp_sqrt(-a)
        return Fp2([0, root]) if root is not None else None
    norm_root = fp_sqrt(a * a + b * b)
    if norm_root is None:
        return None
    for half in ((a + norm_root) / 2, (a - norm_root) / 2):
        x = fp_sqrt(half)
        if x is not None and not is_zero(x):
            candidate = Fp2([x, b / (2 * x)])
            if candidate * candidate == v:
                return candidate
    return None


def fp2_to_fp12(v: Fp2) -> Fp12:
    """a + b*i  ->  a + b*(w^6 - 1)."""
    a, b = (int(c) for c in v.coeffs)
    coeffs = [0] * 12
    coeffs[0], coeffs[6] = a - b, b
    return Fp12(coeffs)


# -- affine curve arithmetic (works over Fp, Fp2 and Fp12; None is the point at infinity) -------


def neg(pt):
    return None if pt is None else (pt[0], -pt[1])


def add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2:
        if y1 == y2 and not is_zero(y1):
            return double(p1)
        return None  # p2 = -p1
    lam = (y2 - y1) / (x2 - x1)
    x3 = lam * lam - x1 - x2
    return (x3, lam * (x1 - x3) - y1)


def double(pt):
    if pt is None or is_zero(pt[1]):
        return None
    x, y = pt
    lam = (x * x * 3) / (y * 2)
    x3 = lam * lam - x * 2
    return (x3, lam * (x - x3) - y)


def multiply(pt, k: int):
    """k * pt by double-and-add from the top bit (k >= 0; variable time, which is fine here)."""
    result = None
    for bit in bin(k)[2:]:
        result = double(result)
        if bit == "1":
            result = add(result, pt)
    return result


def on_g1_curve(pt) -> bool:
    x, y = pt
    return y * y == x * x * x + G1_B


def on_twist(pt) -> bool:
    x, y = pt
    return y * y == x * x * x + G2_B


assert on_twist(Q) and multiply(Q, R) is None

# -- herumi serialization ----------------------------------------------------------------------

PARITY = 1 << 255  # bit 7 of the last byte


def _le(data: bytes) -> int:
    return int.from_bytes(data, "little")


def serialize_g1(pt) -> bytes:
    """x little-endian, top bit = y is odd; the point at infinity is 32 zero bytes."""
    if pt is None:
        return bytes(32)
    x, y = int(pt[0]), int(pt[1])
    return (x | (y & 1) << 255).to_bytes(32, "little")


def serialize_g2(pt) -> bytes:
    """x.a || x.b little-endian, top bit of the last byte = y.a (y's real part) is odd."""
    if pt is None:
        return bytes(64)
    (xa, xb), (ya, _) = ([int(c) for c in pt[0].coeffs], [int(c) for c in pt[1].coeffs])
    return xa.to_bytes(32, "little") + (xb | (ya & 1) << 255).to_bytes(32, "little")


def deserialize_g1(data: bytes):
    """Bytes -> point (None for all zeros), raising the specific DecodeError subtype."""
    if len(data) != 32:
        raise BadLengthError("G1 point must be 32 bytes")
    if not any(data):
        return None
    value = _le(data)
    odd, x_int = value >> 255, value & (PARITY - 1)
    if x_int >= P:
        raise NotInFieldError("x >= p")
    x = Fp(x_int)
    y = fp_sqrt(x * x * x + G1_B)
    if y is None:
        raise NotOnCurveError("x^3 + 2 is not a square")
    if int(y) & 1 != odd:
        y = -y
    return (x, y)  # G1 has cofactor 1: every curve point is in the group


def deserialize_g2(data: bytes):
    if len(data) != 64:
        raise BadLengthError("G2 point must be 64 bytes")
    if not any(data):
        return None
    high = _le(data[32:])
    odd, xa, xb = high >> 255, _le(data[:32]), high & (PARITY - 1)
    if xa >= P or xb >= P:
        raise NotInFieldError("a coordinate of x is >= p")
    x = Fp2([xa, xb])
    y = fp2_sqrt(x * x * x + G2_B)
    if y is None:
        raise NotOnCurveError("x^3 + (1 - i) is not a square in Fp2")
    if int(y.coeffs[0]) & 1 != odd:
        y = -y
    if multiply((x, y), R) is not None:
        raise NotInSubgroupError("the point's order is not r")
    return (x, y)


# -- herumi hash-to-G1 (map-to mode "original": Fouque-Tibouchi) -------------------------------


def hash_to_field(message: bytes) -> int:
    """SHA-256, little-endian, low 254 bits, and the low 253 bits if that is still >= p."""
    t = _le(hashlib.sha256(message).digest()) & ((1 << 254) - 1)
    if t >= P:
        t &= (1 << 253) - 1
    return t


def map_to_g1(t_int: int):
    t = Fp(t_int)
    if is_zero(t):
        raise HashToCurveError("t = 0")
    negative = not fp_is_square(t)
    denominator = 1 + G1_B + t * t
    if is_zero(denominator):
        raise HashToCurveError("1 + b + t^2 = 0")
    w = FT_C1 * t / denominator
    x1 = FT_C2 - t * w
    x2 = -1 - x1
    x3 = 1 + 1 / (w * w)
    for x in (x1, x2, x3):
        rhs = x * x * x + G1_B
        if fp_is_square(rhs):
            y = rhs ** ((P + 1) // 4)
            return (x, -y if negative else y)
    raise AssertionError("one of the three candidates is always on the curve")


def hash_to_g1(message: bytes):
    return map_to_g1(hash_to_field(message))


# -- the optimal-ate pairing -------------------------------------------------------------------
# The twist point (x, y) is psi(x, y) = (x w^2, y w^3) on E(Fp12): y^2 w^6 = x^3 w^6 + 2 because
# w^6 = xi and (1 - i) * xi = 2. We add points on the twist (cheap Fp2 arithmetic) and evaluate
# the untwisted lines at P in Fp12. A line of slope lam on the twist has slope lam * w on E.

ATE_LOOP = 6 * U + 2  # negative for this u
# The p-power Frobenius moved to the twist: psi^-1(frob(psi(x, y))) = (conj(x) g2, conj(y) g3),
# with g2 = w^(2p - 2) = xi^((p - 1)/3) and g3 = w^(3p - 3) = xi^((p - 1)/2).
FROB_X = XI ** ((P - 1) // 3)
FROB_Y = XI ** ((P - 1) // 2)


def _conj(v: Fp2) -> Fp2:
    a, b = v.coeffs
    return Fp2([a, -b])  # (a + bi)^p = a - bi


def frobenius_twist(pt):
    return (_conj(pt[0]) * FROB_X, _conj(pt[1]) * FROB_Y)


W = Fp12([0, 1] + [0] * 10)
W2, W3 = W**2, W**3


def line(t1, t2, pt) -> Fp12:
    """The line through psi(t1) and psi(t2) (the tangent if equal) evaluated at pt in G1."""
    xp, yp = Fp12([int(pt[0])] + [0] * 11), Fp12([int(pt[1])] + [0] * 11)
    (x1, y1), (x2, y2) = t1, t2
    if x1 != x2:
        lam = (y2 - y1) / (x2 - x1)
    elif y1 == y2 and not is_zero(y1):
        lam = (x1 * x1 * 3) / (y1 * 2)
    else:  # vertical line through psi(t1): x - x1 w^2
        return xp - fp2_to_fp12(x1) * W2
    # y - y1 w^3 - (lam w) (x - x1 w^2)
    return yp - fp2_to_fp12(y1) * W3 - fp2_to_fp12(lam) * W * (xp - fp2_to_fp12(x1) * W2)


def miller_loop(pt, qt) -> Fp12:
    """f_{6u+2,Q}(P) times the two Frobenius lines of the optimal ate pairing for BN curves."""
    if pt is None or qt is None:
        return Fp12.one()
    f, T = Fp12.one(), qt
    for bit in bin(abs(ATE_LOOP))[3:]:
        f = f * f * line(T, T, pt)
        T = double(T)
        if bit == "1":
            f = f * line(T, qt, pt)
            T = add(T, qt)
    if ATE_LOOP < 0:
        # f_{-n} = 1 / (f_n * vertical line); the vertical line dies in the final exponentiation.
        f, T = f.inv(), neg(T)
    q1 = frobenius_twist(qt)
    q2 = neg(frobenius_twist(q1))
    f = f * line(T, q1, pt)
    T = add(T, q1)
    return f * line(T, q2, pt)


def final_exponentiation(f: Fp12) -> Fp12:
    """f^((p^12 - 1)/r) = (f^(p^6 - 1))^((p^6 + 1)/r). f^(p^6) negates the odd powers of w
    (w^(p^6) = -w, the other root of X^2 - w^2 over Fp6 = Fp(w^2)), so the first factor is
    cheap; the second is a plain power."""
    conj = Fp12([c if k % 2 == 0 else -c for k, c in enumerate(f.coeffs)])
    return (conj / f) ** ((P**6 + 1) // R)


def pairing(pt, qt) -> Fp12:
    return final_exponentiation(miller_loop(pt, qt))


# -- the signature scheme ----------------------------------------------------------------------


def public_key(sk: int) -> bytes:
    return serialize_g2(multiply(Q, sk))


def sign(sk: int, message: bytes) -> bytes:
    return serialize_g1(multiply(hash_to_g1(message), sk))


def verify(pk: bytes, message: bytes, sig: bytes) -> bool:
    """e(sig, Q) == e(H(m), pk), as one final exponentiation of a product of Miller loops."""
    pk_point, sig_point = deserialize_g2(pk), deserialize_g1(sig)
    if pk_point is None or sig_point is None:
        return False
    f = miller_loop(sig_point, Q) * miller_loop(neg(hash_to_g1(message)), pk_point)
    return final_exponentiation(f) == Fp12.one()


def g1_sum(points: list[bytes]) -> bytes:
    total = None
    for data in points:
        total = add(total, deserialize_g1(data))
    return serialize_g1(total)


def g2_sum(points: list[bytes]) -> bytes:
    total = None
    for data in points:
        total = add(total, deserialize_g2(data))
    return serialize_g2(total)
