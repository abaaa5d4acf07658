"""Moving values between the backends' representations and the reference's py_ecc fields."""

from __future__ import annotations

from . import bls_reference as ref

# Both mcl's GT serialization and the pure tower store Fp12 = Fp6[w]/(w^2 - v) over
# Fp6 = Fp2[v]/(v^3 - xi) as (g0, g1, g2, h0, h1, h2), meaning
# g0 + g1 v + g2 v^2 + (h0 + h1 v + h2 v^2) w, each an Fp2 (real, imaginary).
# With v = w^2, slot j holds the coefficient of w^EXPONENT[j].
EXPONENT = (0, 2, 4, 1, 3, 5)


def tower_to_fp12(flat) -> ref.Fp12:
    """12 Fp integers in tower order -> the reference's flat Fp[w]/(w^12 - 2w^6 + 2)."""
    total = ref.Fp12.zero()
    for slot, power in enumerate(EXPONENT):
        coefficient = ref.Fp2([flat[2 * slot], flat[2 * slot + 1]])
        total = total + ref.fp2_to_fp12(coefficient) * ref.W**power
    return total


def fp12_to_tower(f: ref.Fp12) -> tuple[int, ...]:
    """Inverse of tower_to_fp12: split c_k w^k (k < 12) into w^(k mod 6) times an Fp2 coefficient,
    using w^6 = 1 + i."""
    coeffs = [int(c) for c in f.coeffs]
    flat = [0] * 12
    for slot, power in enumerate(EXPONENT):
        low, high = coeffs[power], coeffs[power + 6]
        # low + high (1 + i) = (low + high) + high i
        flat[2 * slot] = (low + high) % ref.P
        flat[2 * slot + 1] = high % ref.P
    return tuple(flat)


def gt_bytes_to_fp12(data: bytes) -> ref.Fp12:
    """mcl's GT serialization: the 12 tower coefficients, 32 bytes little-endian each."""
    assert len(data) == 12 * 32
    return tower_to_fp12([int.from_bytes(data[32 * k : 32 * k + 32], "little") for k in range(12)])


def g1_to_ref(point):
    """Pure backend's affine G1 (ints) -> reference point."""
    return None if point is None else (ref.Fp(point[0]), ref.Fp(point[1]))


def g2_to_ref(point):
    return None if point is None else (ref.Fp2(list(point[0])), ref.Fp2(list(point[1])))


def g1_from_ref(point):
    return None if point is None else (int(point[0]), int(point[1]))


def g2_from_ref(point):
    if point is None:
        return None
    return tuple(int(c) for c in point[0].coeffs), tuple(int(c) for c in point[1].coeffs)
