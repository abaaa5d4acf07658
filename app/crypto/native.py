"""The native backend: herumi mcl (the library 0Chain itself links), called through ctypes.

mcl comes statically linked inside the `pymcl` wheel's extension module. We load that shared
object with ctypes and use mcl's C API; we never *import* pymcl, because its module init switches
mcl's process-global curve to BLS12-381. Every secret scalar multiplication uses mcl's
constant-time `mulCT`. Points cross the boundary in herumi's serialization, exactly the bytes
0Chain uses, so this backend and the pure one can be compared byte for byte.
"""

from __future__ import annotations

import ctypes
import glob
import importlib.util
import os
import sys
import threading
from collections.abc import Sequence

from .encoding import check_length, le_bytes
from .errors import (
    BackendUnavailableError,
    DecodeError,
    HashToCurveError,
    PointAtInfinityError,
    ScalarOutOfRangeError,
)
from .params import G1_BYTES, G2_BYTES, Q_X, Q_Y, R
from .pure.serialize import decode_g1, decode_g2

MCL_BN254 = 0  # mclBn_CurveFp254BNb, herumi's CurveFp254BNb
MAP_TO_MODE_ORIGINAL = 0  # Fouque-Tibouchi for BN curves (mcl's MapTo::calcBN)
# mclBn_init refuses a MCLBN_COMPILED_TIME_VAR (= FR_UNIT_SIZE * 10 + FP_UNIT_SIZE) that differs
# from the build's; the value also tells us how large mcl's structs are. pymcl builds mcl for
# BLS12-381 (6 x 64-bit Fp limbs, 4 Fr limbs), so 46 is expected; the others are other builds.
_COMPILED_TIME_VARS = (46, 44, 66, 48, 88)
GT_BYTES = 12 * 32

_c_size = ctypes.c_size_t
_c_int = ctypes.c_int
_ptr = ctypes.c_void_p

# name -> (restype, argtypes) of every mcl function used (include/mcl/bn.h).
_SIGNATURES = {
    "mclBn_init": (_c_int, [_c_int, _c_int]),
    "mclBn_getCurveType": (_c_int, []),
    "mclBn_setMapToMode": (_c_int, [_c_int]),
    "mclBn_verifyOrderG1": (None, [_c_int]),
    "mclBn_verifyOrderG2": (None, [_c_int]),
    "mclBn_getUint64NumToPrecompute": (_c_int, []),
    "mclBn_precomputeG2": (None, [_ptr, _ptr]),
    "mclBn_precomputedMillerLoop2mixed": (None, [_ptr, _ptr, _ptr, _ptr, _ptr]),
    "mclBn_pairing": (None, [_ptr, _ptr, _ptr]),
    "mclBn_finalExp": (None, [_ptr, _ptr]),
    "mclBnFr_deserialize": (_c_size, [_ptr, ctypes.c_char_p, _c_size]),
    "mclBnG1_deserialize": (_c_size, [_ptr, ctypes.c_char_p, _c_size]),
    "mclBnG2_deserialize": (_c_size, [_ptr, ctypes.c_char_p, _c_size]),
    "mclBnG1_serialize": (_c_size, [ctypes.c_char_p, _c_size, _ptr]),
    "mclBnG2_serialize": (_c_size, [ctypes.c_char_p, _c_size, _ptr]),
    "mclBnGT_serialize": (_c_size, [ctypes.c_char_p, _c_size, _ptr]),
    "mclBnG1_hashAndMapTo": (_c_int, [_ptr, ctypes.c_char_p, _c_size]),
    "mclBnG1_mulCT": (None, [_ptr, _ptr, _ptr]),
    "mclBnG2_mulCT": (None, [_ptr, _ptr, _ptr]),
    "mclBnG1_add": (None, [_ptr, _ptr, _ptr]),
    "mclBnG2_add": (None, [_ptr, _ptr, _ptr]),
    "mclBnG1_neg": (None, [_ptr, _ptr]),
    "mclBnG1_isZero": (_c_int, [_ptr]),
    "mclBnG2_isZero": (_c_int, [_ptr]),
    "mclBnGT_isOne": (_c_int, [_ptr]),
}

_init_lock = threading.Lock()
_loaded: NativeBackend | None = None


def find_library() -> str:
    """Path of the shared object in the pymcl wheel (found without importing pymcl)."""
    try:
        spec = importlib.util.find_spec("pymcl")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise BackendUnavailableError(
            "native backend needs herumi mcl from the pymcl wheel: pip install 'splitkey[native]'"
        )
    for folder in spec.submodule_search_locations:
        found = sorted(glob.glob(os.path.join(folder, "_pymcl*.so")))
        if found:
            return found[0]
    raise BackendUnavailableError(
        "the pymcl package has no _pymcl*.so (a wheel for another platform?)"
    )


def load_native() -> NativeBackend:
    """The process-wide native backend, initialised on first call (thread-safe)."""
    global _loaded
    with _init_lock:
        if _loaded is None:
            _loaded = NativeBackend(find_library())
        return _loaded


class NativeBackend:
    name = "native"

    def __init__(self, path: str) -> None:
        if "pymcl" in sys.modules:
            # Same shared object, same globals: initialising BN254 here would break pymcl, and
            # pymcl's own init has already set BLS12-381 under our feet.
            raise BackendUnavailableError(
                "pymcl was imported in this process: its curve (BLS12-381) and ours would share"
                " mcl's global state"
            )
        try:
            lib = ctypes.CDLL(path)
            for fname, (restype, argtypes) in _SIGNATURES.items():
                func = getattr(lib, fname)
                func.restype = restype
                func.argtypes = argtypes
        except (OSError, AttributeError) as exc:
            raise BackendUnavailableError(f"cannot load herumi mcl from {path}: {exc}") from exc
        self._lib = lib
        fr_units, fp_units = self._init_curve()
        self._fr = ctypes.c_uint64 * fr_units
        self._g1 = ctypes.c_uint64 * (3 * fp_units)  # x, y, z in Jacobian coordinates
        self._g2 = ctypes.c_uint64 * (6 * fp_units)
        self._gt = ctypes.c_uint64 * (12 * fp_units)
        if lib.mclBn_setMapToMode(MAP_TO_MODE_ORIGINAL) != 0:
            raise BackendUnavailableError("mcl refused map-to mode 'original' (Fouque-Tibouchi)")
        # Deserialization must reject points outside the order-r subgroup (G1's cofactor is 1,
        # so its check is free; G2's twist has a large cofactor).
        lib.mclBn_verifyOrderG1(1)
        lib.mclBn_verifyOrderG2(1)
        self._q = self._g2()
        if lib.mclBnG2_deserialize(self._q, _serialize_q(), G2_BYTES) != G2_BYTES:
            raise BackendUnavailableError("mcl did not accept herumi's base point Q")
        # Q's Miller-loop lines are the same for every verification: compute them once.
        self._q_lines = (ctypes.c_uint64 * lib.mclBn_getUint64NumToPrecompute())()
        lib.mclBn_precomputeG2(self._q_lines, self._q)

    def _init_curve(self) -> tuple[int, int]:
        for value in _COMPILED_TIME_VARS:
            if self._lib.mclBn_init(MCL_BN254, value) == 0:
                return divmod(value, 10)
        raise BackendUnavailableError("mcl in the pymcl wheel refused to initialise BN254")

    def _guard(self) -> None:
        # mcl's curve is process-global; an `import pymcl` after we loaded would switch it.
        if self._lib.mclBn_getCurveType() != MCL_BN254:
            raise BackendUnavailableError(
                "mcl's curve was changed in this process (was pymcl imported?)"
            )

    # -- conversions --------------------------------------------------------------------------

    def _scalar(self, sk: int):
        if not isinstance(sk, int) or not 0 < sk < R:
            raise ScalarOutOfRangeError("secret scalar must be an integer in [1, r)")
        fr = self._fr()
        if self._lib.mclBnFr_deserialize(fr, le_bytes(sk, 32), 32) != 32:
            raise BackendUnavailableError("mcl refused a scalar below r")
        return fr

    def _load_g1(self, data: bytes):
        """Deserialize a G1 point (infinity allowed); raise the specific error when mcl refuses."""
        point = self._g1()
        data = bytes(data)
        check_length(data, G1_BYTES, "G1 point")
        if self._lib.mclBnG1_deserialize(point, data, G1_BYTES) != G1_BYTES:
            _explain_g1_refusal(data)
        return point

    def _load_g2(self, data: bytes):
        point = self._g2()
        data = bytes(data)
        check_length(data, G2_BYTES, "G2 point")
        if self._lib.mclBnG2_deserialize(point, data, G2_BYTES) != G2_BYTES:
            _explain_g2_refusal(data)
        return point

    def _dump_g1(self, point) -> bytes:
        buf = ctypes.create_string_buffer(G1_BYTES)
        if self._lib.mclBnG1_serialize(buf, G1_BYTES, point) != G1_BYTES:
            raise BackendUnavailableError("mcl failed to serialize a G1 point")
        return buf.raw

    def _dump_g2(self, point) -> bytes:
        buf = ctypes.create_string_buffer(G2_BYTES)
        if self._lib.mclBnG2_serialize(buf, G2_BYTES, point) != G2_BYTES:
            raise BackendUnavailableError("mcl failed to serialize a G2 point")
        return buf.raw

    def _hash(self, message: bytes):
        point = self._g1()
        message = bytes(message)
        if self._lib.mclBnG1_hashAndMapTo(point, message, len(message)) != 0:
            raise HashToCurveError("the message maps to an input the hash-to-G1 map rejects")
        return point

    # -- the Backend protocol -----------------------------------------------------------------

    def public_key(self, sk: int) -> bytes:
        self._guard()
        fr = self._scalar(sk)
        out = self._g2()
        try:
            self._lib.mclBnG2_mulCT(out, self._q, fr)
        finally:
            ctypes.memset(fr, 0, ctypes.sizeof(fr))
        return self._dump_g2(out)

    def sign(self, sk: int, message: bytes) -> bytes:
        self._guard()
        fr = self._scalar(sk)
        point = self._hash(message)
        try:
            self._lib.mclBnG1_mulCT(point, point, fr)
        finally:
            ctypes.memset(fr, 0, ctypes.sizeof(fr))
        return self._dump_g1(point)

    def verify(self, pk: bytes, message: bytes, sig: bytes) -> bool:
        """e(sig, Q) == e(H(m), pk) as ML(-H(m), pk) * ML(sig, Q) == 1 after one final exp."""
        self._guard()
        # Malformed bytes raise their DecodeError, as in the pure backend.
        pk_point, sig_point = self._load_g2(pk), self._load_g1(sig)
        lib = self._lib
        if lib.mclBnG2_isZero(pk_point) or lib.mclBnG1_isZero(sig_point):
            return False  # infinity would make e(.,.) == 1 on both sides for any message
        neg_h = self._hash(message)
        lib.mclBnG1_neg(neg_h, neg_h)
        f = self._gt()
        lib.mclBn_precomputedMillerLoop2mixed(f, neg_h, pk_point, sig_point, self._q_lines)
        lib.mclBn_finalExp(f, f)
        return bool(lib.mclBnGT_isOne(f))

    def hash_to_g1(self, message: bytes) -> bytes:
        self._guard()
        return self._dump_g1(self._hash(message))

    def g1_sum(self, points: Sequence[bytes]) -> bytes:
        self._guard()
        total = self._g1()  # zero-initialised = the point at infinity
        for data in points:
            self._lib.mclBnG1_add(total, total, self._load_g1(data))
        return self._dump_g1(total)

    def g2_sum(self, points: Sequence[bytes]) -> bytes:
        self._guard()
        total = self._g2()
        for data in points:
            self._lib.mclBnG2_add(total, total, self._load_g2(data))
        return self._dump_g2(total)

    def check_g1(self, data: bytes) -> None:
        self._guard()
        check_length(bytes(data), G1_BYTES, "signature")
        if not any(data):
            raise PointAtInfinityError("signature is the point at infinity")
        self._load_g1(data)

    def check_g2(self, data: bytes) -> None:
        self._guard()
        check_length(bytes(data), G2_BYTES, "public key")
        if not any(data):
            raise PointAtInfinityError("public key is the point at infinity")
        self._load_g2(data)

    def pairing(self, g1: bytes, g2: bytes) -> bytes:
        """e(g1, g2) in mcl's GT serialization (12 x 32 bytes); for benchmarks."""
        self._guard()
        p_point, q_point = self._load_g1(g1), self._load_g2(g2)
        f = self._gt()
        self._lib.mclBn_pairing(f, p_point, q_point)
        buf = ctypes.create_string_buffer(GT_BYTES)
        if self._lib.mclBnGT_serialize(buf, GT_BYTES, f) != GT_BYTES:
            raise BackendUnavailableError("mcl failed to serialize a GT element")
        return buf.raw


# -- why mcl refused a point ------------------------------------------------------------------
# mcl only says yes or no. On the rare "no" the pure decoder names the reason, so that both
# backends raise the same exception type with the same message.


def _explain_g1_refusal(data: bytes) -> None:
    decode_g1(bytes(data))
    raise DecodeError("signature refused by mcl")  # mcl saw a problem the checks cannot name


def _explain_g2_refusal(data: bytes) -> None:
    decode_g2(bytes(data))
    raise DecodeError("public key refused by mcl")


def _serialize_q() -> bytes:
    """herumi's serialization of the base point Q from its coordinates in params."""
    data = le_bytes(Q_X[0], 32) + le_bytes(Q_X[1] | ((Q_Y[0] & 1) << 255), 32)
    return data
