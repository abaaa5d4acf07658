"""Byte and hex plumbing shared by keys, signatures and points (herumi's little-endian layout)."""

from __future__ import annotations

from .errors import BadHexError, BadLengthError


def parse_hex(text: str, nbytes: int | None, what: str) -> bytes:
    """Hex text -> bytes, naming `what` in the error when the text is not hex or not nbytes long."""
    if not isinstance(text, str):
        raise BadHexError(f"{what} must be hex text, got {type(text).__name__}")
    stripped = text.strip()
    if stripped[:2] in ("0x", "0X"):
        stripped = stripped[2:]
    try:
        data = bytes.fromhex(stripped)
    except ValueError:
        raise BadHexError(f"{what} is not valid hex") from None
    if len(stripped) % 2:
        raise BadHexError(f"{what} has an odd number of hex digits")
    check_length(data, nbytes, what)
    return data


def check_length(data: bytes, nbytes: int | None, what: str) -> None:
    if nbytes is not None and len(data) != nbytes:
        raise BadLengthError(
            f"{what} must be {nbytes} bytes ({2 * nbytes} hex digits), got {len(data)}"
        )


def le_int(data: bytes) -> int:
    return int.from_bytes(data, "little")


def le_bytes(value: int, nbytes: int = 32) -> bytes:
    return value.to_bytes(nbytes, "little")


def mask_to_range(data: bytes, modulus: int) -> int:
    """herumi's setArrayMask: read little-endian, keep the modulus' bit length, then one bit
    less if the value is still >= modulus. No reduction, no rejection: exactly reproducible."""
    bits = modulus.bit_length()
    value = le_int(data) & ((1 << bits) - 1)
    if value >= modulus:
        value &= (1 << (bits - 1)) - 1
    return value
