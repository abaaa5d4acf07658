"""herumi's debug text form (GetHexString / SetHexString with io mode 16), as 0Chain's tests
print keys: "1 <x> <y>" for G1 and "1 <x.a> <x.b> <y.a> <y.b>" for G2, big-endian hex without
leading zeros; "0" is the point at infinity. An input/output format only: values are converted
to and from the ordinary serialization, with the same checks."""

from __future__ import annotations

from . import PublicKey, Signature
from .errors import (
    BadHexError,
    BadLengthError,
    NotInFieldError,
    NotOnCurveError,
    PointAtInfinityError,
)
from .params import P
from .pure import g1, g2
from .pure.serialize import decode_g1, decode_g2, encode_g1, encode_g2


def _words(text: str, count: int, what: str) -> list[int]:
    parts = text.split()
    if parts == ["0"]:
        raise PointAtInfinityError(f"{what} is the point at infinity")
    if len(parts) != count + 1 or parts[0] != "1":
        raise BadLengthError(f"{what} in text form must be '1' followed by {count} hex numbers")
    values = []
    for part in parts[1:]:
        try:
            value = int(part, 16)
        except ValueError:
            raise BadHexError(f"{what} in text form has a coordinate that is not hex") from None
        if value < 0 or value >= P:
            raise NotInFieldError(f"{what} in text form has a coordinate not below p")
        values.append(value)
    return values


def signature_from_text(text: str) -> Signature:
    x, y = _words(text, 2, "signature")
    if not g1.is_on_curve(x, y):
        raise NotOnCurveError("signature in text form is not on the curve")
    return Signature.from_bytes(encode_g1((x, y)))


def public_key_from_text(text: str) -> PublicKey:
    xa, xb, ya, yb = _words(text, 4, "public key")
    point = ((xa, xb), (ya, yb))
    if not g2.is_on_curve(*point):
        raise NotOnCurveError("public key in text form is not on the twist")
    return PublicKey.from_bytes(encode_g2(point))


def _hex(values) -> str:
    return "1 " + " ".join(format(v, "x") for v in values)


def signature_to_text(signature: Signature) -> str:
    x, y = decode_g1(signature.to_bytes())
    return _hex((x, y))


def public_key_to_text(public_key: PublicKey) -> str:
    (xa, xb), (ya, yb) = decode_g2(public_key.to_bytes())
    return _hex((xa, xb, ya, yb))
