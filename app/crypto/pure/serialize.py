"""herumi's serialization (SerializeToHexStr) of G1 and G2 points, with every check on the way in.

G1: 32 bytes, x little-endian, bit 7 of byte 31 set iff y is odd. G2: 64 bytes, x.a || x.b
little-endian, bit 7 of byte 63 set iff y.a is odd. All zero bytes: the point at infinity.
Decoders return the affine point, or None for infinity (callers that need a real key or signature
refuse that: app/crypto/__init__.py does).
"""

from __future__ import annotations

from ..encoding import check_length, le_bytes, le_int
from ..errors import NotInFieldError, NotInSubgroupError, NotOnCurveError
from ..params import G1_B, G1_BYTES, G2_B, G2_BYTES, P
from .fields import fp2_add, fp2_mul, fp2_neg, fp2_sqr, fp2_sqrt, fp_sqrt
from .g2 import in_subgroup

_FLAG = 0x80


def _split_flag(data: bytes) -> tuple[bytes, bool]:
    return data[:-1] + bytes([data[-1] & ~_FLAG & 0xFF]), bool(data[-1] & _FLAG)


def _field(value: int, what: str) -> int:
    if value >= P:
        raise NotInFieldError(f"{what} is not below the field modulus p")
    return value


def encode_g1(point) -> bytes:
    if point is None:
        return bytes(G1_BYTES)
    x, y = point
    out = bytearray(le_bytes(x, 32))
    if y & 1:
        out[31] |= _FLAG
    return bytes(out)


def decode_g1(data: bytes, what: str = "signature"):
    check_length(data, G1_BYTES, what)
    if not any(data):
        return None
    body, odd = _split_flag(data)
    x = _field(le_int(body), f"{what}'s x coordinate")
    y = fp_sqrt(x * x * x + G1_B)
    if y is None:
        raise NotOnCurveError(f"{what} is not on the curve y^2 = x^3 + 2")
    if (y & 1) != odd:
        y = (P - y) % P
    return x, y


def encode_g2(point) -> bytes:
    if point is None:
        return bytes(G2_BYTES)
    (xa, xb), (ya, _yb) = point
    out = bytearray(le_bytes(xa, 32) + le_bytes(xb, 32))
    if ya & 1:
        out[63] |= _FLAG
    return bytes(out)


def decode_g2(data: bytes, what: str = "public key"):
    """Decompress and check a G2 point, including membership of the order-r subgroup."""
    check_length(data, G2_BYTES, what)
    if not any(data):
        return None
    body, odd = _split_flag(data)
    x = (
        _field(le_int(body[:32]), f"{what}'s x coordinate (real part)"),
        _field(le_int(body[32:]), f"{what}'s x coordinate (imaginary part)"),
    )
    y = fp2_sqrt(fp2_add(fp2_mul(fp2_sqr(x), x), G2_B))
    if y is None:
        raise NotOnCurveError(f"{what} is not on the twist y^2 = x^3 + (1 - i)")
    if (y[0] & 1) != odd:
        y = fp2_neg(y)
    point = (x, y)
    if not in_subgroup(point):
        raise NotInSubgroupError(f"{what} is on the twist but not in the order-r subgroup G2")
    return point
