"""herumi's hash-to-G1 in non-ETH mode (mcl map-to mode "original"): SHA-256, masked to a field
element, then the Fouque-Tibouchi map for BN curves with mcl's constants."""

from __future__ import annotations

import hashlib

from ..encoding import mask_to_range
from ..errors import HashToCurveError
from ..params import FT_C1, FT_C2, G1_B, P
from .fields import fp_is_square, fp_sqrt


def message_to_field(message: bytes) -> int:
    """SHA-256 of the message read little-endian and masked below p (herumi setArrayMask)."""
    return mask_to_range(hashlib.sha256(message).digest(), P)


def map_to_g1(t: int) -> tuple[int, int]:
    """Fouque-Tibouchi (2012): w = c1 t / (1 + b + t^2); x1 = c2 - t w; x2 = -1 - x1;
    x3 = 1 + 1/w^2; the first x with x^3 + b square; y's sign follows t's residuosity."""
    if t == 0:
        raise HashToCurveError("the message maps to t = 0, which the map rejects")
    negative = not fp_is_square(t)
    denominator = (1 + G1_B + t * t) % P
    if denominator == 0:
        raise HashToCurveError("the message maps to a zero denominator in the map")
    w = FT_C1 * t * pow(denominator, -1, P) % P
    x1 = (FT_C2 - t * w) % P
    x2 = (-1 - x1) % P
    for x in (x1, x2, (1 + pow(w * w, -1, P)) % P):
        y = fp_sqrt(x * x * x + G1_B)
        if y is not None:
            return x, (P - y) % P if negative else y
    raise HashToCurveError("no candidate of the map is on the curve")  # impossible by the theorem


def hash_to_g1(message: bytes) -> tuple[int, int]:
    return map_to_g1(message_to_field(message))
