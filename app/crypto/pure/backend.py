"""The `pure` backend: everything in Python, fast enough for a desktop and a small co-signer.

Every multiplication by a secret scalar is blinded: k is replaced by k + rho * r with a fresh
random 64-bit rho, the same point since r * P = O, but the bit pattern the loop walks (and so its
timing) no longer follows the key.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from ..errors import PointAtInfinityError
from ..params import R
from . import g1, g2
from .hash_to_g1 import hash_to_g1
from .pairing import pairing, pairing_product_is_one, precompute_lines
from .serialize import decode_g1, decode_g2, encode_g1, encode_g2
from .tower import FP12_ONE

_Q_LINES = precompute_lines(g2.GENERATOR)
_BLIND_BITS = 64


def _blinded(k: int) -> int:
    # Top bit of rho forced so the blinded scalar's length does not depend on k either.
    rho = secrets.randbits(_BLIND_BITS) | (1 << (_BLIND_BITS - 1))
    return k + rho * R


@lru_cache(maxsize=4096)
def _checked_g2(data: bytes):
    """Decoded, subgroup-checked G2 point: the costly part of reading a public key, done once."""
    return decode_g2(data, "public key")


@lru_cache(maxsize=1024)
def _key_lines(data: bytes) -> tuple:
    # A co-signer verifies under the same stored keys again and again: keep their lines.
    return precompute_lines(_checked_g2(data))


class PureBackend:
    name = "pure"

    def public_key(self, sk: int) -> bytes:
        return encode_g2(g2.to_affine(g2.multiply(g2.GENERATOR, _blinded(sk))))

    def sign(self, sk: int, message: bytes) -> bytes:
        return encode_g1(g1.to_affine(g1.multiply(hash_to_g1(message), _blinded(sk))))

    def verify(self, pk: bytes, message: bytes, sig: bytes) -> bool:
        # e(sig, Q) * e(-H(m), pk) == 1: one Miller loop over both pairs, one final exponentiation.
        sig_point = decode_g1(sig, "signature")
        if sig_point is None or _checked_g2(pk) is None:
            return False  # the identity is nobody's key or signature
        hx, hy = hash_to_g1(message)
        minus_h = (hx, (-hy) % g1.P)
        return pairing_product_is_one([(sig_point, _Q_LINES), (minus_h, _key_lines(pk))])

    def hash_to_g1(self, message: bytes) -> bytes:
        return encode_g1(hash_to_g1(message))

    def g1_sum(self, points) -> bytes:
        acc = g1.INFINITY
        for data in points:
            acc = g1.add(acc, g1.from_affine(decode_g1(data)))
        return encode_g1(g1.to_affine(acc))

    def g2_sum(self, points) -> bytes:
        acc = g2.INFINITY
        for data in points:
            acc = g2.add(acc, g2.from_affine(_checked_g2(data)))
        return encode_g2(g2.to_affine(acc))

    def check_g1(self, data: bytes) -> None:
        if decode_g1(data, "signature") is None:
            raise PointAtInfinityError("signature is the point at infinity")

    def check_g2(self, data: bytes) -> None:
        if _checked_g2(data) is None:
            raise PointAtInfinityError("public key is the point at infinity")

    def pairing(self, g1_data: bytes, g2_data: bytes):
        """e(P, Q) as an Fp12 tuple (benchmarks); None unless both points are finite."""
        p_point, q_point = decode_g1(g1_data), _checked_g2(g2_data)
        if p_point is None or q_point is None:
            return None
        return pairing(p_point, q_point)


__all__ = ["PureBackend", "FP12_ONE"]
