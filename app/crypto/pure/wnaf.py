"""Width-w non-adjacent form: the digit schedule shared by G1 and G2 scalar multiplication."""

from __future__ import annotations


def wnaf(k: int, width: int) -> list[int]:
    """Digits of k >= 0, least significant first; each nonzero digit is odd and |d| < 2^(width-1),
    and any two nonzero digits are at least `width` positions apart."""
    digits = []
    full = 1 << width
    half = 1 << (width - 1)
    while k:
        if k & 1:
            d = k & (full - 1)
            if d >= half:
                d -= full
            k -= d
        else:
            d = 0
        digits.append(d)
        k >>= 1
    return digits
