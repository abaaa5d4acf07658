"""Every deserializer refuses every kind of bad input with its own exception type, on both
backends: wrong length, bad hex, coordinates >= p, points off the curve, G2 points outside the
order-r subgroup, the point at infinity, and secret keys out of range."""

import pytest

from app.crypto import (
    BackendUnavailableError,
    BadHexError,
    BadLengthError,
    DecodeError,
    NotInFieldError,
    NotInSubgroupError,
    NotOnCurveError,
    PointAtInfinityError,
    PublicKey,
    ScalarOutOfRangeError,
    SecretKey,
    Signature,
    decode_hash,
    use_backend,
)
from app.crypto.params import P, R
from app.crypto.pure import fields
from app.crypto.text_form import public_key_from_text, signature_from_text


@pytest.fixture(params=["pure", "native"], autouse=True)
def backend(request):
    try:
        chosen = use_backend(request.param)
    except BackendUnavailableError as exc:
        pytest.skip(f"native backend unavailable here: {exc}")
    yield chosen
    use_backend("pure")


def le(value: int, n: int = 32) -> bytes:
    return value.to_bytes(n, "little")


def first_x(predicate) -> int:
    x = 1
    while not predicate(x):
        x += 1
    return x


def g2_rhs(x):
    return fields.fp2_add(fields.fp2_mul(fields.fp2_sqr(x), x), (1, P - 1))


OFF_CURVE_G1 = le(first_x(lambda x: not fields.fp_is_square(x**3 + 2)))
OFF_CURVE_G2 = le(first_x(lambda x: fields.fp2_sqrt(g2_rhs((x, 0))) is None)) + le(0)
ON_TWIST_NOT_G2 = le(first_x(lambda x: fields.fp2_sqrt(g2_rhs((x, 0))) is not None)) + le(0)
GOOD_SIG = "1f9af5069abd6d5e139379396edf7392f2a15cc115be86de1df5dc7d4bdae29b"


@pytest.mark.parametrize(
    "data, error",
    [
        (bytes(31), BadLengthError),
        (bytes(33), BadLengthError),
        (bytes(32), PointAtInfinityError),
        (le(P), NotInFieldError),
        (le((1 << 255) - 1 - (1 << 255) // 2), NotInFieldError),  # bit 254 set: x >= p
        (OFF_CURVE_G1, NotOnCurveError),
        (OFF_CURVE_G1[:-1] + bytes([OFF_CURVE_G1[-1] | 0x80]), NotOnCurveError),
    ],
)
def test_signature_bytes(data, error):
    with pytest.raises(error) as info:
        Signature.from_bytes(data)
    assert "signature" in str(info.value)


@pytest.mark.parametrize(
    "data, error",
    [
        (bytes(63), BadLengthError),
        (bytes(65), BadLengthError),
        (bytes(64), PointAtInfinityError),
        (le(P) + le(0), NotInFieldError),
        (le(1) + le(P), NotInFieldError),
        (OFF_CURVE_G2, NotOnCurveError),
        (ON_TWIST_NOT_G2, NotInSubgroupError),
    ],
)
def test_public_key_bytes(data, error):
    with pytest.raises(error) as info:
        PublicKey.from_bytes(data)
    assert "public key" in str(info.value)


@pytest.mark.parametrize(
    "text, error",
    [
        ("zz" * 32, BadHexError),
        ("abc", BadHexError),
        ("00" * 31, BadLengthError),
        (GOOD_SIG + "00", BadLengthError),
        ("", BadLengthError),
    ],
)
def test_signature_hex(text, error):
    with pytest.raises(error):
        Signature.from_hex(text)


@pytest.mark.parametrize(
    "text, error",
    [("g" * 128, BadHexError), ("00" * 32, BadLengthError), ("00" * 64, PointAtInfinityError)],
)
def test_public_key_hex(text, error):
    with pytest.raises(error):
        PublicKey.from_hex(text)


@pytest.mark.parametrize(
    "data, error",
    [
        (bytes(31), BadLengthError),
        (bytes(32), ScalarOutOfRangeError),
        (le(R), ScalarOutOfRangeError),
        (le(R + 5), ScalarOutOfRangeError),
        (b"\xff" * 32, ScalarOutOfRangeError),
    ],
)
def test_secret_key_bytes(data, error):
    with pytest.raises(error):
        SecretKey.from_bytes(data)


def test_secret_key_hex_and_int():
    with pytest.raises(BadHexError):
        SecretKey.from_hex("xy" * 32)
    with pytest.raises(ScalarOutOfRangeError):
        SecretKey(0)
    with pytest.raises(ScalarOutOfRangeError):
        SecretKey(R)
    assert SecretKey.from_bytes(le(R - 1)).value == R - 1


def test_hash_must_be_32_bytes_of_hex():
    with pytest.raises(BadLengthError):
        decode_hash("ab" * 31)
    with pytest.raises(BadHexError):
        decode_hash("q" * 64)


@pytest.mark.parametrize(
    "text, error",
    [
        ("0", PointAtInfinityError),
        ("1 2", BadLengthError),
        ("2 1 2", BadLengthError),
        ("1 xx 2", BadHexError),
        (f"1 {P:x} 1", NotInFieldError),
        ("1 1 1", NotOnCurveError),
    ],
)
def test_signature_text_form(text, error):
    with pytest.raises(error):
        signature_from_text(text)


def test_public_key_text_form_refuses_off_curve_and_infinity():
    with pytest.raises(NotOnCurveError):
        public_key_from_text("1 1 2 3 4")
    with pytest.raises(PointAtInfinityError):
        public_key_from_text("0")


def test_every_error_is_a_value_error_with_a_message():
    with pytest.raises(ValueError) as info:
        PublicKey.from_bytes(ON_TWIST_NOT_G2)
    assert isinstance(info.value, DecodeError) and str(info.value)
