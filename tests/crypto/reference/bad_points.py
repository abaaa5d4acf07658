"""Hand-made encodings that are wrong in one specific way, with the error each must raise.

Found by small searches with plain integer arithmetic, so they do not depend on any backend.
"""

from __future__ import annotations

from app.crypto.errors import (
    BadLengthError,
    NotInFieldError,
    NotInSubgroupError,
    NotOnCurveError,
    PointAtInfinityError,
)

from .bls_reference import P


def _is_square(v: int) -> bool:
    return pow(v % P, (P - 1) // 2, P) == 1


def _g1_x_off_curve() -> bytes:
    x = next(x for x in range(1, 100) if not _is_square(x**3 + 2))
    return x.to_bytes(32, "little")


def _twist_x_outside_g2() -> bytes:
    """x = (k, 0) with x^3 + 1 - i a square in Fp2 (its norm (k^3 + 1)^2 + 1 a square in Fp): a
    point of the twist. The twist's cofactor is about p, so it is not of order r (the reference
    tests check that with r * P)."""
    k = next(k for k in range(1, 100) if _is_square((k**3 + 1) ** 2 + 1))
    return k.to_bytes(32, "little") + bytes(32)


BAD_G1 = [
    ("short", bytes(31), BadLengthError),
    ("long", bytes(33), BadLengthError),
    ("infinity", bytes(32), PointAtInfinityError),
    ("x = p", P.to_bytes(32, "little"), NotInFieldError),
    ("x = 2^255 - 1", b"\xff" * 31 + b"\x7f", NotInFieldError),
    ("x = 0, odd y", bytes(31) + b"\x80", NotOnCurveError),  # 2 is not a square mod p
    ("x off curve", _g1_x_off_curve(), NotOnCurveError),
]

BAD_G2 = [
    ("short", bytes(63), BadLengthError),
    ("long", bytes(65), BadLengthError),
    ("infinity", bytes(64), PointAtInfinityError),
    ("x.a = p", P.to_bytes(32, "little") + bytes(32), NotInFieldError),
    ("x.b = p", bytes(32) + P.to_bytes(32, "little"), NotInFieldError),
    ("x.a top bit", bytes(31) + b"\x80" + bytes(32), NotInFieldError),
    ("x = 0, odd y.a", bytes(63) + b"\x80", NotOnCurveError),  # norm(1 - i) = 2, not a square
    ("on twist, not in G2", _twist_x_outside_g2(), NotInSubgroupError),
]
