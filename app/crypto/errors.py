"""Exceptions of the crypto core: one type per way an input can be wrong.

Every decoding error is also a ValueError, so callers that only care about "bad input" can catch
that; callers that must say *why* (the CLI, the co-signer's error answers) use the specific type.
Messages name the problem and never contain secret material.
"""


class CryptoError(Exception):
    """Base of every error raised by app.crypto."""


class DecodeError(CryptoError, ValueError):
    """A key, signature or point could not be read from its serialized form."""


class BadHexError(DecodeError):
    """The text is not hexadecimal."""


class BadLengthError(DecodeError):
    """The value has the wrong number of bytes for what it claims to be."""


class NotInFieldError(DecodeError):
    """A coordinate is >= p."""


class ScalarOutOfRangeError(DecodeError):
    """A secret key or scalar is 0 or >= r."""


class NotOnCurveError(DecodeError):
    """The coordinates do not satisfy the curve equation."""


class NotInSubgroupError(DecodeError):
    """A G2 point is on the twist but outside the order-r subgroup."""


class PointAtInfinityError(DecodeError):
    """The point at infinity where a real key or signature is required."""


class HashToCurveError(CryptoError):
    """The message maps to one of the (negligibly rare) inputs the map rejects."""


class BackendUnavailableError(CryptoError):
    """A crypto backend was asked for but cannot be loaded or failed its self-test."""
