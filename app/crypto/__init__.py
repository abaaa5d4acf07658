"""bls0chain: 0Chain's BLS signatures (herumi, BN(2,254)) with additive split keys.

The API a wallet or co-signer needs, independent of the backend doing the arithmetic:

    sk = SecretKey.generate();  pk = sk.public_key()
    sig = sk.sign_hash(hash_hex)               # 0Chain signs the 32 raw bytes of a SHA3-256 hash
    pk.verify_hash(hash_hex, sig)              # -> bool
    user, server = split_secret_key(sk, 2)     # sum of shares' signatures == sk's signature
    aggregate_signatures([s1, s2]); aggregate_public_keys([p1, p2])

Keys and signatures are validated when they are built from bytes, hex or integers; every way an
input can be wrong has its own exception type in app.crypto.errors.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Iterable

from .backend import get_backend, use_backend
from .encoding import check_length, le_bytes, le_int, mask_to_range, parse_hex
from .errors import (
    BackendUnavailableError,
    BadHexError,
    BadLengthError,
    CryptoError,
    DecodeError,
    HashToCurveError,
    NotInFieldError,
    NotInSubgroupError,
    NotOnCurveError,
    PointAtInfinityError,
    ScalarOutOfRangeError,
)
from .params import G1_BYTES, G2_BYTES, SECRET_KEY_BYTES, R

_HASH_KEY = secrets.token_bytes(32)  # per process: SecretKey hashes are not comparable across runs

__all__ = [
    "SecretKey",
    "PublicKey",
    "Signature",
    "hash_to_g1",
    "decode_hash",
    "aggregate_signatures",
    "aggregate_public_keys",
    "split_secret_key",
    "reshare",
    "get_backend",
    "use_backend",
    "CryptoError",
    "DecodeError",
    "BadHexError",
    "BadLengthError",
    "NotInFieldError",
    "ScalarOutOfRangeError",
    "NotOnCurveError",
    "NotInSubgroupError",
    "PointAtInfinityError",
    "HashToCurveError",
    "BackendUnavailableError",
]

HASH_BYTES = 32


def decode_hash(hash_hex: str) -> bytes:
    """A 0Chain hash (64 hex digits) -> the 32 raw bytes that get signed."""
    return parse_hex(hash_hex, HASH_BYTES, "hash")


class SecretKey:
    """A scalar in [1, r). Never printed: repr hides it; compare in constant time."""

    __slots__ = ("_value",)

    def __init__(self, value: int) -> None:
        if not isinstance(value, int) or not 0 < value < R:
            raise ScalarOutOfRangeError("secret key must be an integer in [1, r)")
        self._value = value

    @classmethod
    def generate(cls) -> SecretKey:
        return cls(secrets.randbelow(R - 1) + 1)

    @classmethod
    def from_bytes(cls, data: bytes) -> SecretKey:
        check_length(data, SECRET_KEY_BYTES, "secret key")
        value = le_int(data)
        if value >= R:
            raise ScalarOutOfRangeError("secret key is not below the group order r")
        if value == 0:
            raise ScalarOutOfRangeError("secret key is zero")
        return cls(value)

    @classmethod
    def from_hex(cls, text: str) -> SecretKey:
        return cls.from_bytes(parse_hex(text, SECRET_KEY_BYTES, "secret key"))

    @classmethod
    def from_seed(cls, seed: bytes) -> SecretKey:
        """herumi's setArrayMask on 32 seed bytes (how 0Chain turns a mnemonic seed into a key)."""
        check_length(seed, SECRET_KEY_BYTES, "key seed")
        value = mask_to_range(seed, R)
        if value == 0:
            raise ScalarOutOfRangeError("key seed gives the zero key")
        return cls(value)

    @property
    def value(self) -> int:
        return self._value

    def to_bytes(self) -> bytes:
        return le_bytes(self._value, SECRET_KEY_BYTES)

    def to_hex(self) -> str:
        return self.to_bytes().hex()

    def public_key(self) -> PublicKey:
        return PublicKey(get_backend().public_key(self._value))

    def sign(self, message: bytes) -> Signature:
        return Signature(get_backend().sign(self._value, bytes(message)))

    def sign_hash(self, hash_hex: str) -> Signature:
        return self.sign(decode_hash(hash_hex))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretKey):
            return NotImplemented
        return hmac.compare_digest(self.to_bytes(), other.to_bytes())

    def __hash__(self) -> int:
        # Keyed, so a hash never leaks bits of the key; cheap, unlike deriving the public key.
        return hash(hmac.digest(_HASH_KEY, self.to_bytes(), "sha256"))

    def __repr__(self) -> str:
        return "SecretKey(<hidden>)"


class _Point:
    """A checked, finite point held in herumi's serialization."""

    __slots__ = ("_data",)
    _size = 0
    _what = ""

    def __init__(self, data: bytes) -> None:
        # Internal: callers outside this module use from_bytes / from_hex, which check.
        self._data = bytes(data)

    @classmethod
    def _check(cls, data: bytes) -> None:
        raise NotImplementedError

    @classmethod
    def from_bytes(cls, data: bytes):
        data = bytes(data)
        check_length(data, cls._size, cls._what)
        if not any(data):
            raise PointAtInfinityError(f"{cls._what} is the point at infinity")
        cls._check(data)
        return cls(data)

    @classmethod
    def from_hex(cls, text: str):
        return cls.from_bytes(parse_hex(text, cls._size, cls._what))

    def to_bytes(self) -> bytes:
        return self._data

    def to_hex(self) -> str:
        return self._data.hex()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._data == other._data

    def __hash__(self) -> int:
        return hash((self._what, self._data))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_hex()!r})"


class Signature(_Point):
    """A G1 point: a signature, a partial signature, or a sum of them."""

    __slots__ = ()
    _size = G1_BYTES
    _what = "signature"

    @classmethod
    def _check(cls, data: bytes) -> None:
        get_backend().check_g1(data)

    def __add__(self, other: Signature) -> Signature:
        return aggregate_signatures([self, other])


@functools.lru_cache(maxsize=4096)
def _check_g2_once(data: bytes) -> bool:
    """The subgroup check of a G2 encoding, remembered when it passes (a failure raises and is
    not cached): a wallet's key arrives with every co-sign, and the check costs milliseconds in
    pure Python. The answer depends on the bytes only, whichever backend computes it."""
    get_backend().check_g2(data)
    return True


class PublicKey(_Point):
    """A G2 point of order r: a wallet's public key or a share's."""

    __slots__ = ()
    _size = G2_BYTES
    _what = "public key"

    @classmethod
    def _check(cls, data: bytes) -> None:
        _check_g2_once(data)

    def verify(self, message: bytes, signature: Signature) -> bool:
        return get_backend().verify(self._data, bytes(message), signature.to_bytes())

    def verify_hash(self, hash_hex: str, signature: Signature) -> bool:
        return self.verify(decode_hash(hash_hex), signature)

    def __add__(self, other: PublicKey) -> PublicKey:
        return aggregate_public_keys([self, other])


def hash_to_g1(message: bytes) -> bytes:
    """herumi's hash-to-G1 of the raw message bytes, serialized (32 bytes)."""
    return get_backend().hash_to_g1(bytes(message))


def _nonempty(items: Iterable, what: str) -> list:
    items = list(items)
    if not items:
        raise ValueError(f"nothing to combine: give at least one {what}")
    return items


def aggregate_signatures(signatures: Iterable[Signature]) -> Signature:
    """Sum of G1 points (herumi `Add`): the shares' partial signatures make the full one."""
    points = [s.to_bytes() for s in _nonempty(signatures, "signature")]
    total = get_backend().g1_sum(points)
    if not any(total):
        raise PointAtInfinityError("the signatures add up to the point at infinity")
    return Signature(total)


def aggregate_public_keys(public_keys: Iterable[PublicKey]) -> PublicKey:
    """Sum of G2 points: the shares' public keys make the wallet's."""
    points = [k.to_bytes() for k in _nonempty(public_keys, "public key")]
    total = get_backend().g2_sum(points)
    if not any(total):
        raise PointAtInfinityError("the public keys add up to the point at infinity")
    return PublicKey(total)


def _random_nonzero_scalar() -> int:
    return secrets.randbelow(R - 1) + 1


def split_secret_key(secret_key: SecretKey, parts: int = 2) -> list[SecretKey]:
    """Additive n-of-n split: parts-1 uniform shares, the last makes the sum equal to the key."""
    if not isinstance(parts, int) or parts < 2:
        raise ValueError("a split needs at least 2 parts")
    while True:
        shares = [_random_nonzero_scalar() for _ in range(parts - 1)]
        last = (secret_key.value - sum(shares)) % R
        if last:  # a zero share would be refused as a key; draw again (probability ~ 1/r)
            return [SecretKey(s) for s in shares + [last]]


def reshare(shares: list[SecretKey]) -> list[SecretKey]:
    """Fresh shares of the same key: each share moves by a random amount, the moves sum to 0."""
    if len(shares) < 2:
        raise ValueError("re-sharing needs at least 2 shares")
    while True:
        deltas = [_random_nonzero_scalar() for _ in range(len(shares) - 1)]
        deltas.append((-sum(deltas)) % R)
        fresh = [(s.value + d) % R for s, d in zip(shares, deltas, strict=True)]
        if all(fresh):
            return [SecretKey(v) for v in fresh]
