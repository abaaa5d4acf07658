"""The strict JWT layer: a table of hostile tokens (each built by hand, byte for byte what its
name says) that must all be refused with the expected reason, and the tokens that must pass."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import socket
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from cosigner_server.tokens import (
    DEFAULT_MAX_LIFETIME,
    DEFAULT_TTL,
    MAX_TOKEN_LENGTH,
    MAX_TTL,
    IssuerConfigError,
    IssuerKey,
    ServerIssuer,
    TokenError,
    TokenVerifier,
    TrustedIssuer,
    bearer_token,
)

NOW = 1_750_000_000
LEEWAY = 5
AUD = "splitkey-cosigner"
SERVER_ISS = "https://cosigner.local"
ENT_ISS = "https://idp.example.com/realms/acme"
ENT_AUD = "api://splitkey"

# Keys: made once per module (RSA generation is the slow part).
SERVER = ServerIssuer.generate(issuer=SERVER_ISS, audience=AUD)
SERVER_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(SERVER.private_bytes())
SERVER_PUBLIC_RAW = SERVER_KEY.public_key().public_bytes(
    serialization.Encoding.Raw, serialization.PublicFormat.Raw
)
SERVER_PUBLIC_PEM = SERVER_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
ES_KEY = ec.generate_private_key(ec.SECP256R1())
RS_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RS_PUBLIC_PEM = RS_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
FOREIGN_ED = ed25519.Ed25519PrivateKey.generate()
FOREIGN_ES = ec.generate_private_key(ec.SECP256R1())
FOREIGN_KID = ServerIssuer(FOREIGN_ED, issuer=SERVER_ISS, audience=AUD).kid

ENTERPRISE = TrustedIssuer(
    ENT_ISS,
    (
        IssuerKey("ES256", ES_KEY.public_key(), "es-1"),
        IssuerKey("RS256", RS_KEY.public_key(), "rs-1"),
    ),
    audience=ENT_AUD,
)
VERIFIER = TokenVerifier([SERVER.trusted_issuer(), ENTERPRISE], AUD, leeway=LEEWAY)


# --- building tokens by hand -------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_json(value: Any) -> bytes:
    """A dict/list/number as compact JSON; a str is taken as raw JSON text; bytes as they are."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def sign(alg: str, key: Any, data: bytes) -> bytes:
    if alg == "EdDSA":
        return key.sign(data)
    if alg == "ES256":
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    if alg == "ES256-DER":
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if alg in ("RS256", "RS512"):
        digest = hashes.SHA256() if alg == "RS256" else hashes.SHA512()
        return key.sign(data, padding.PKCS1v15(), digest)
    if alg == "PS256":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        return key.sign(data, pss, hashes.SHA256())
    if alg.startswith("HS"):
        return hmac.new(key, data, "sha" + alg[2:]).digest()
    raise AssertionError(alg)


DROP = object()  # a header or claim value meaning "leave this member out"


def with_overrides(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **overrides}
    return {name: value for name, value in merged.items() if value is not DROP}


def server_header(**overrides: Any) -> dict[str, Any]:
    return with_overrides({"alg": "EdDSA", "typ": "JWT", "kid": SERVER.kid}, overrides)


def server_claims(**overrides: Any) -> dict[str, Any]:
    base = {
        "iss": SERVER_ISS,
        "aud": AUD,
        "sub": "user-1",
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 600,
        "jti": "jti-0001",
        "role": "user",
    }
    return with_overrides(base, overrides)


def ent_header(kid: str = "es-1", **overrides: Any) -> dict[str, Any]:
    alg = {"es-1": "ES256", "rs-1": "RS256"}.get(kid, "ES256")
    return with_overrides({"alg": alg, "typ": "JWT", "kid": kid}, overrides)


def ent_claims(**overrides: Any) -> dict[str, Any]:
    return server_claims(**{"iss": ENT_ISS, "aud": ENT_AUD, "sub": "alice@acme", **overrides})


def make(
    header: Any = None,
    claims: Any = None,
    *,
    alg: str = "EdDSA",
    key: Any = SERVER_KEY,
    signature: bytes | None = None,
) -> str:
    head = b64(encode_json(server_header() if header is None else header))
    body = b64(encode_json(server_claims() if claims is None else claims))
    signing_input = f"{head}.{body}".encode("ascii")
    sig = sign(alg, key, signing_input) if signature is None else signature
    return f"{head}.{body}.{b64(sig)}"


def make_es(header: Any = None, claims: Any = None, **kwargs: Any) -> str:
    kwargs.setdefault("alg", "ES256")
    kwargs.setdefault("key", ES_KEY)
    return make(ent_header() if header is None else header, ent_claims() if claims is None
                else claims, **kwargs)


def make_rs(header: Any = None, claims: Any = None, **kwargs: Any) -> str:
    kwargs.setdefault("alg", "RS256")
    kwargs.setdefault("key", RS_KEY)
    return make(ent_header("rs-1") if header is None else header, ent_claims() if claims is None
                else claims, **kwargs)


GOOD = make()
GOOD_HEAD, GOOD_BODY, GOOD_SIG = GOOD.split(".")
GOOD_SIG_BYTES = base64.urlsafe_b64decode(GOOD_SIG + "==")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def replace_segment(token: str, index: int, segment: str) -> str:
    parts = token.split(".")
    parts[index] = segment
    return ".".join(parts)


def last_char_bits_flipped(segment: str) -> str:
    """Same decoded bytes, different text: only the unused low bits of the last char change."""
    return segment[:-1] + ALPHABET[ALPHABET.index(segment[-1]) ^ 1]


def nested(depth: int) -> str:
    return '{"x":' + "[" * depth + "]" * depth + "}"


def duplicate_member_header() -> str:
    return f'{{"alg":"EdDSA","typ":"JWT","kid":"{SERVER.kid}","alg":"none"}}'


ATTACKER_JWK = OKPAlgorithm.to_jwk(FOREIGN_ED.public_key(), as_dict=True)
FETCH_URL = "http://127.0.0.1:9/keys.json"  # port 9: discard; nothing should ever try it


# --- the hostile table ------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    name: str
    token: Any
    reason: str


def hostile_cases() -> list[Hostile]:
    h = server_header
    c = server_claims
    expired = "token has expired"
    cases = [
        # structure
        Hostile("empty_string", "", "token does not have 3 segments"),
        Hostile("one_segment", GOOD_HEAD, "token does not have 3 segments"),
        Hostile("two_segments", f"{GOOD_HEAD}.{GOOD_BODY}", "token does not have 3 segments"),
        Hostile("four_segments", GOOD + ".AAAA", "token does not have 3 segments"),
        Hostile("five_segments_jwe_shape", f"{GOOD}.AAAA.AAAA", "token does not have 3 segments"),
        Hostile("stripped_signature", f"{GOOD_HEAD}.{GOOD_BODY}.", "token has an empty segment"),
        Hostile("empty_header", f".{GOOD_BODY}.{GOOD_SIG}", "token has an empty segment"),
        Hostile("bytes_not_str", GOOD.encode(), "token is not a string"),
        Hostile("none_not_str", None, "token is not a string"),
        Hostile("oversized_garbage", "A" * (MAX_TOKEN_LENGTH + 1), "token is too large"),
        Hostile("oversized_validly_signed", make(claims=c(pad="x" * MAX_TOKEN_LENGTH)),
                "token is too large"),
        Hostile("non_ascii_letter", GOOD[:10] + "é" + GOOD[10:], "token is not ASCII"),
        Hostile("cyrillic_homoglyph", GOOD.replace("e", "\u0435", 1), "token is not ASCII"),
        Hostile("trailing_newline", GOOD + "\n", "token has characters outside base64url"),
        Hostile("bearer_prefix_left_in", "Bearer " + GOOD,
                "token has characters outside base64url"),
        Hostile("nul_byte", GOOD + "\x00", "token has characters outside base64url"),
        Hostile("padding_chars", replace_segment(GOOD, 2, GOOD_SIG + "=="),
                "token has characters outside base64url"),
        Hostile("standard_base64_plus", replace_segment(GOOD, 1, "+" + GOOD_BODY),
                "token has characters outside base64url"),
        Hostile("signature_truncated_one_char", GOOD[:-1], "signature is not base64url"),
        Hostile("signature_unused_bits_set", replace_segment(GOOD, 2,
                last_char_bits_flipped(GOOD_SIG)), "signature is not canonical base64url"),
        Hostile("header_not_json", make(header=b"not json"), "header is not valid JSON"),
        Hostile("header_json_array", make(header=["EdDSA"]), "header is not a JSON object"),
        Hostile("header_duplicate_alg", make(header=duplicate_member_header()),
                "header is not valid JSON"),
        Hostile("header_utf16", make(header=json.dumps(h()).encode("utf-16")),
                "header is not valid JSON"),
        Hostile("payload_not_json", make(claims=b"\xff\xfe garbage"), "payload is not valid JSON"),
        Hostile("payload_json_string", make(claims='"just a string"'),
                "payload is not a JSON object"),
        Hostile("payload_duplicate_sub", make(claims=json.dumps(c())[:-1] + ',"sub":"admin"}'),
                "payload is not valid JSON"),
        Hostile("payload_nan_exp", make(claims=json.dumps(c())[:-1] + ',"x":NaN}'),
                "payload is not valid JSON"),
        Hostile("payload_deeply_nested", make(claims=nested(2000)), "payload is not valid JSON"),
        # algorithms
        Hostile("alg_none_no_signature", f"{b64(encode_json(h(alg='none')))}.{GOOD_BODY}.",
                "token has an empty segment"),
        Hostile("alg_none", make(header=h(alg="none")), "alg is not allowed"),
        Hostile("alg_None", make(header=h(alg="None")), "alg is not allowed"),
        Hostile("alg_NONE", make(header=h(alg="NONE")), "alg is not allowed"),
        Hostile("alg_nOnE", make(header=h(alg="nOnE")), "alg is not allowed"),
        Hostile("alg_missing", make(header=h(alg=DROP)), "alg is missing"),
        Hostile("alg_null", make(header=h(alg=None)), "alg is missing"),
        Hostile("alg_empty", make(header=h(alg="")), "alg is not allowed"),
        Hostile("alg_list", make(header=h(alg=["EdDSA"])), "alg is not allowed"),
        Hostile("alg_lowercase_eddsa", make(header=h(alg="eddsa")), "alg is not allowed"),
        Hostile("alg_Ed25519_name", make(header=h(alg="Ed25519")), "alg is not allowed"),
        Hostile("hs256_with_server_public_raw", make(header=h(alg="HS256"), alg="HS256",
                key=SERVER_PUBLIC_RAW), "alg is not allowed"),
        Hostile("hs256_with_server_public_pem", make(header=h(alg="HS256"), alg="HS256",
                key=SERVER_PUBLIC_PEM), "alg is not allowed"),
        Hostile("hs384_with_server_public_pem", make(header=h(alg="HS384"), alg="HS384",
                key=SERVER_PUBLIC_PEM), "alg is not allowed"),
        Hostile("hs512_with_server_public_pem", make(header=h(alg="HS512"), alg="HS512",
                key=SERVER_PUBLIC_PEM), "alg is not allowed"),
        Hostile("hs256_with_enterprise_rsa_pem", make_rs(header=ent_header("rs-1", alg="HS256"),
                alg="HS256", key=RS_PUBLIC_PEM), "alg is not allowed"),
        Hostile("ps256_with_enterprise_rsa", make_rs(header=ent_header("rs-1", alg="PS256"),
                alg="PS256"), "alg is not allowed"),
        Hostile("rs512_with_enterprise_rsa", make_rs(header=ent_header("rs-1", alg="RS512"),
                alg="RS512"), "alg is not allowed"),
        Hostile("es384_header", make_es(header=ent_header(alg="ES384")), "alg is not allowed"),
        Hostile("es256k_header", make_es(header=ent_header(alg="ES256K")), "alg is not allowed"),
        Hostile("swap_es256_on_server_kid", make(header=h(alg="ES256"), alg="ES256",
                key=FOREIGN_ES), "alg does not match the key's algorithm"),
        Hostile("swap_rs256_on_es_kid", make_rs(header=ent_header("es-1", alg="RS256")),
                "alg does not match the key's algorithm"),
        Hostile("swap_es256_on_rs_kid", make_es(header=ent_header("rs-1", alg="ES256")),
                "alg does not match the key's algorithm"),
        Hostile("swap_eddsa_on_rs_kid", make(header=ent_header("rs-1", alg="EdDSA"),
                claims=ent_claims(), key=FOREIGN_ED), "alg does not match the key's algorithm"),
        # keys and signatures
        Hostile("foreign_key_server_kid", make(key=FOREIGN_ED), "signature does not verify"),
        Hostile("foreign_key_own_kid", make(header=h(kid=FOREIGN_KID), key=FOREIGN_ED),
                "kid is unknown for this issuer"),
        Hostile("foreign_es_key_es_kid", make_es(key=FOREIGN_ES), "signature does not verify"),
        Hostile("untrusted_issuer", make(claims=c(iss="https://evil.example"), key=FOREIGN_ED),
                "iss is not a trusted issuer"),
        Hostile("server_kid_under_enterprise_iss", make(claims=ent_claims()),
                "kid is unknown for this issuer"),
        Hostile("enterprise_kid_under_server_iss", make_es(claims=c()),
                "kid is unknown for this issuer"),
        Hostile("kid_missing", make(header=h(kid=DROP)), "kid is missing"),
        Hostile("role_escalated_signature_kept",
                replace_segment(GOOD, 1, b64(encode_json(c(role="admin")))),
                "signature does not verify"),
        Hostile("sub_swapped_signature_kept",
                replace_segment(GOOD, 1, b64(encode_json(c(sub="admin-1")))),
                "signature does not verify"),
        Hostile("payload_one_byte_changed", replace_segment(GOOD, 1, b64(
                base64.urlsafe_b64decode(GOOD_BODY + "==").replace(b"jti-0001", b"jti-0002"))),
                "signature does not verify"),
        Hostile("header_whitespace_added", replace_segment(GOOD, 0, b64(
                json.dumps(h()).encode())), "signature does not verify"),
        Hostile("signature_one_byte_changed", replace_segment(GOOD, 2, b64(
                GOOD_SIG_BYTES[:10] + bytes([GOOD_SIG_BYTES[10] ^ 1]) + GOOD_SIG_BYTES[11:])),
                "signature does not verify"),
        Hostile("signature_spliced_from_other_token", replace_segment(GOOD, 2,
                make(claims=c(jti="other")).split(".")[2]), "signature does not verify"),
        Hostile("signature_truncated_bytes", make(signature=GOOD_SIG_BYTES[:32]),
                "signature does not verify"),
        Hostile("signature_all_zero", make(signature=bytes(64)), "signature does not verify"),
        Hostile("es256_signature_der_encoded", make_es(alg="ES256-DER"),
                "signature does not verify"),
        Hostile("es256_signature_all_zero", make_es(signature=bytes(64)),
                "signature does not verify"),
        Hostile("rs256_signature_truncated", make_rs(signature=sign(
                "RS256", RS_KEY, b"x")[:-1]), "signature does not verify"),
        # headers that name keys, extensions, types
        Hostile("jku_header", make(header=h(jku=FETCH_URL, kid=FOREIGN_KID), key=FOREIGN_ED),
                "header jku is not accepted"),
        Hostile("jku_header_validly_signed", make(header=h(jku=FETCH_URL)),
                "header jku is not accepted"),
        Hostile("x5u_header", make(header=h(x5u=FETCH_URL), key=FOREIGN_ED),
                "header x5u is not accepted"),
        Hostile("jwk_embedded_attacker_key", make(header=h(jwk=ATTACKER_JWK, kid=DROP),
                key=FOREIGN_ED), "header jwk is not accepted"),
        Hostile("x5c_header", make(header=h(x5c=["MIIB" + "A" * 40]), key=FOREIGN_ED),
                "header x5c is not accepted"),
        Hostile("crit_unknown_validly_signed", make(header=h(crit=["exp"], exp=NOW)),
                "header crit is not accepted"),
        Hostile("crit_b64_false", make(header=h(crit=["b64"], b64=False)),
                "header crit is not accepted"),
        Hostile("crit_empty_list", make(header=h(crit=[])), "header crit is not accepted"),
        Hostile("b64_false_without_crit", make(header=h(b64=False)), "header b64 is not accepted"),
        Hostile("cty_nested_jwt", make(header=h(cty="JWT")), "header cty is not accepted"),
        Hostile("zip_deflate", make(header=h(zip="DEF")), "header zip is not accepted"),
        Hostile("enc_jwe", make(header=h(enc="A256GCM")), "header enc is not accepted"),
        Hostile("typ_missing", make(header=h(typ=DROP)), "typ is missing"),
        Hostile("typ_lowercase", make(header=h(typ="jwt")), "typ is not JWT"),
        Hostile("typ_at_jwt", make(header=h(typ="at+jwt")), "typ is not JWT"),
        Hostile("typ_null", make(header=h(typ=None)), "typ is not JWT"),
        Hostile("typ_number", make(header=h(typ=1)), "typ is not JWT"),
        Hostile("kid_path_traversal", make(header=h(kid="../../../../etc/passwd")),
                "kid is unknown for this issuer"),
        Hostile("kid_dev_null", make(header=h(kid="/dev/null")), "kid is unknown for this issuer"),
        Hostile("kid_sql_union", make(header=h(kid="x' UNION SELECT 'k' --")),
                "kid is unknown for this issuer"),
        Hostile("kid_sql_or_true", make(header=h(kid="' OR '1'='1")),
                "kid is unknown for this issuer"),
        Hostile("kid_nul_byte", make(header=h(kid=SERVER.kid + "\x00")),
                "kid is unknown for this issuer"),
        Hostile("kid_empty", make(header=h(kid="")), "kid is unknown for this issuer"),
        Hostile("kid_case_changed", make(header=h(kid=SERVER.kid.swapcase())),
                "kid is unknown for this issuer"),
        Hostile("kid_integer", make(header=h(kid=1)), "kid is not a string"),
        # issuer and audience
        Hostile("iss_missing", make(claims=c(iss=DROP)), "iss is missing"),
        Hostile("iss_prefix", make(claims=c(iss=SERVER_ISS[:-1])), "iss is not a trusted issuer"),
        Hostile("iss_trailing_slash", make(claims=c(iss=SERVER_ISS + "/")),
                "iss is not a trusted issuer"),
        Hostile("iss_suffix_domain", make(claims=c(iss=SERVER_ISS + ".evil.example")),
                "iss is not a trusted issuer"),
        Hostile("iss_uppercase", make(claims=c(iss=SERVER_ISS.upper())),
                "iss is not a trusted issuer"),
        Hostile("iss_integer", make(claims=c(iss=1)), "iss is not a string"),
        Hostile("iss_list", make(claims=c(iss=[SERVER_ISS])), "iss is not a string"),
        Hostile("aud_missing", make(claims=c(aud=DROP)), "aud is missing"),
        Hostile("aud_null", make(claims=c(aud=None)), "aud is missing"),
        Hostile("aud_wrong", make(claims=c(aud="some-other-api")), "aud is not this server"),
        Hostile("aud_prefix", make(claims=c(aud=AUD[:-1])), "aud is not this server"),
        Hostile("aud_suffix", make(claims=c(aud=AUD + ".evil")), "aud is not this server"),
        Hostile("aud_trailing_space", make(claims=c(aud=AUD + " ")), "aud is not this server"),
        Hostile("aud_empty", make(claims=c(aud="")), "aud is not this server"),
        Hostile("aud_list_with_ours", make(claims=c(aud=[AUD, "other"])),
                "aud is not a single string"),
        Hostile("aud_list_only_ours", make(claims=c(aud=[AUD])), "aud is not a single string"),
        Hostile("aud_enterprise_value_on_server_token", make(claims=c(aud=ENT_AUD)),
                "aud is not this server"),
        Hostile("aud_server_value_on_enterprise_token", make_es(claims=ent_claims(aud=AUD)),
                "aud is not this server"),
        # NumericDates
        Hostile("exp_missing", make(claims=c(exp=DROP)), "exp is missing"),
        Hostile("iat_missing", make(claims=c(iat=DROP)), "iat is missing"),
        Hostile("nbf_missing", make(claims=c(nbf=DROP)), "nbf is missing"),
        Hostile("exp_null", make(claims=c(exp=None)), "exp is missing"),
        Hostile("exp_numeric_string", make(claims=c(exp=str(NOW + 600))), "exp is not a number"),
        Hostile("iat_numeric_string", make(claims=c(iat=str(NOW))), "iat is not a number"),
        Hostile("nbf_numeric_string", make(claims=c(nbf=str(NOW))), "nbf is not a number"),
        Hostile("exp_bool", make(claims=c(exp=True)), "exp is not a number"),
        Hostile("iat_bool", make(claims=c(iat=False)), "iat is not a number"),
        Hostile("nbf_bool", make(claims=c(nbf=True)), "nbf is not a number"),
        Hostile("exp_list", make(claims=c(exp=[NOW + 600])), "exp is not a number"),
        Hostile("exp_overflowing_float", make(claims=json.dumps(c(exp=DROP))[:-1]
                + ',"exp":1e400}'), "exp is not finite"),
        Hostile("exp_huge_integer", make(claims=json.dumps(c(exp=DROP))[:-1]
                + ',"exp":1' + "0" * 400 + "}"), "exp is out of range"),
        Hostile("iat_negative", make(claims=c(iat=-1)), "iat is out of range"),
        Hostile("exp_past_by_leeway_plus_1", make(claims=c(iat=NOW - 600, nbf=NOW - 600,
                exp=NOW - LEEWAY - 1)), expired),
        Hostile("exp_at_leeway_edge", make(claims=c(iat=NOW - 600, nbf=NOW - 600,
                exp=NOW - LEEWAY)), expired),
        Hostile("exp_long_ago", make(claims=c(iat=NOW - 10**6, nbf=NOW - 10**6,
                exp=NOW - 10**6 + 60)), expired),
        Hostile("nbf_future_by_leeway_plus_1", make(claims=c(nbf=NOW + LEEWAY + 1)),
                "token is not yet valid (nbf)"),
        Hostile("iat_future_by_leeway_plus_1", make(claims=c(iat=NOW + LEEWAY + 1)),
                "token is issued in the future (iat)"),
        Hostile("exp_not_after_iat", make(claims=c(iat=NOW + 3, exp=NOW + 2)),
                "exp is not after iat"),
        Hostile("nbf_not_before_exp", make(claims=c(nbf=NOW + 3, exp=NOW + 2)),
                "nbf is not before exp"),
        Hostile("lifetime_cap_plus_1", make(claims=c(exp=NOW + DEFAULT_MAX_LIFETIME + 1)),
                "token lifetime is over the cap"),
        Hostile("lifetime_ten_years", make(claims=c(exp=NOW + 10 * 365 * 86400)),
                "token lifetime is over the cap"),
        Hostile("lifetime_old_iat", make(claims=c(iat=NOW - 30 * 86400, nbf=NOW - 30 * 86400)),
                "token lifetime is over the cap"),
        # subject, id, role
        Hostile("sub_missing", make(claims=c(sub=DROP)), "sub is missing"),
        Hostile("sub_null", make(claims=c(sub=None)), "sub is missing"),
        Hostile("sub_empty", make(claims=c(sub="")), "sub is not a non-empty string"),
        Hostile("sub_integer", make(claims=c(sub=42)), "sub is not a non-empty string"),
        Hostile("sub_list", make(claims=c(sub=["user-1"])), "sub is not a non-empty string"),
        Hostile("sub_too_long", make(claims=c(sub="u" * 600)), "sub is not a non-empty string"),
        Hostile("jti_missing", make(claims=c(jti=DROP)), "jti is missing"),
        Hostile("jti_empty", make(claims=c(jti="")), "jti is not a non-empty string"),
        Hostile("jti_integer", make(claims=c(jti=7)), "jti is not a non-empty string"),
        Hostile("role_integer", make(claims=c(role=1)), "role is not a non-empty string"),
        Hostile("role_list", make(claims=c(role=["admin"])), "role is not a non-empty string"),
        Hostile("role_empty", make(claims=c(role="")), "role is not a non-empty string"),
        Hostile("role_null", make(claims=c(role=None)), "role is missing"),
    ]
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "case names must be distinct"
    return cases


HOSTILE = hostile_cases()


@pytest.mark.parametrize("case", HOSTILE, ids=[case.name for case in HOSTILE])
def test_hostile_token_is_refused_for_its_reason(case: Hostile) -> None:
    with pytest.raises(TokenError) as refused:
        VERIFIER.verify(case.token, now=NOW)
    assert refused.value.reason == case.reason
    assert str(refused.value) == case.reason


def test_hostile_table_size_and_zero_accepted() -> None:
    assert len(HOSTILE) >= 60
    accepted = []
    for case in HOSTILE:
        try:
            VERIFIER.verify(case.token, now=NOW)
        except TokenError:
            continue
        accepted.append(case.name)
    assert accepted == []


def test_reasons_never_echo_token_material() -> None:
    for case in HOSTILE:
        with pytest.raises(TokenError) as refused:
            VERIFIER.verify(case.token, now=NOW)
        reason = refused.value.reason
        assert len(reason) <= 60
        if isinstance(case.token, str):
            for segment in case.token.split("."):
                assert len(segment) < 8 or segment not in reason
        for planted in ("passwd", "UNION", "evil", "127.0.0.1", "admin"):
            assert planted not in reason


def test_the_table_itself_is_sound() -> None:
    """Each claim/header case differs from a valid token only where its name says: the same
    builders with no override give tokens that pass."""
    for token in (make(), make_es(), make_rs()):
        VERIFIER.verify(token, now=NOW)


# --- tampering, exhaustively --------------------------------------------------------------


@pytest.mark.parametrize("token", [GOOD, make_es(), make_rs()], ids=["EdDSA", "ES256", "RS256"])
def test_every_single_character_change_is_refused(token: str) -> None:
    VERIFIER.verify(token, now=NOW)
    for index, char in enumerate(token):
        for replacement in {"A", "B", "-", "."} - {char}:
            with pytest.raises(TokenError):
                VERIFIER.verify(token[:index] + replacement + token[index + 1 :], now=NOW)
        with pytest.raises(TokenError):
            VERIFIER.verify(token[:index] + token[index + 1 :], now=NOW)


def test_every_truncation_is_refused() -> None:
    for length in range(len(GOOD)):
        with pytest.raises(TokenError):
            VERIFIER.verify(GOOD[:length], now=NOW)


@settings(max_examples=300)
@given(st.text(max_size=400))
def test_arbitrary_text_raises_only_token_error(text: str) -> None:
    with pytest.raises(TokenError):
        VERIFIER.verify(text, now=NOW)


@settings(max_examples=300)
@given(st.binary(min_size=1, max_size=8), st.integers(min_value=0))
def test_random_overwrites_of_a_valid_token_are_refused(patch: bytes, where: int) -> None:
    raw = bytearray(GOOD.encode())
    start = where % len(raw)
    new = raw[:start] + patch + raw[start + len(patch) :]
    if bytes(new) == GOOD.encode():
        return
    with pytest.raises(TokenError):
        VERIFIER.verify(new.decode("latin-1"), now=NOW)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8,
)


@settings(max_examples=300)
@given(st.sampled_from(["iss", "aud", "sub", "exp", "iat", "nbf", "jti", "role"]), JSON_VALUES)
def test_any_claim_value_is_accepted_or_refused_never_crashes(name: str, value: Any) -> None:
    try:
        claims = VERIFIER.verify(make(claims=server_claims(**{name: value})), now=NOW)
    except TokenError:
        return
    assert claims.raw[name] == value


@settings(max_examples=300)
@given(st.sampled_from(["alg", "typ", "kid", "crit", "jku", "x5t"]), JSON_VALUES)
def test_any_header_value_is_accepted_or_refused_never_crashes(name: str, value: Any) -> None:
    try:
        VERIFIER.verify(make(header=server_header(**{name: value})), now=NOW)
    except TokenError:
        return
    assert name == "x5t" or server_header()[name] == value


def test_claims_are_frozen() -> None:
    claims = VERIFIER.verify(GOOD, now=NOW)
    with pytest.raises(AttributeError):
        claims.subject = "admin"  # type: ignore[misc]


# --- no key is ever fetched ---------------------------------------------------------------


def test_key_url_headers_cause_no_outbound_fetch(monkeypatch: pytest.MonkeyPatch) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/jwks.json"
    attempts: list[str] = []

    def record(name: str):
        def refuse(*args: Any, **kwargs: Any) -> Any:
            attempts.append(name)
            raise AssertionError(f"outbound call: {name}")

        return refuse

    monkeypatch.setattr(socket.socket, "connect", record("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", record("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", record("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", record("socket.getaddrinfo"))
    monkeypatch.setattr(urllib.request, "urlopen", record("urllib.request.urlopen"))
    monkeypatch.setattr(http.client.HTTPConnection, "connect", record("HTTPConnection.connect"))

    attacker = {"kid": FOREIGN_KID}
    tokens = {
        "jku": make(header=server_header(jku=url, **attacker), key=FOREIGN_ED),
        "x5u": make(header=server_header(x5u=url, **attacker), key=FOREIGN_ED),
        "jwk": make(header=server_header(jwk=ATTACKER_JWK, **attacker), key=FOREIGN_ED),
        "x5c": make(header=server_header(x5c=["MIIB"], **attacker), key=FOREIGN_ED),
        "jku_server_signed": make(header=server_header(jku=url)),
        "jku_enterprise_signed": make_es(header=ent_header(jku=url)),
        "x5u_enterprise_signed": make_rs(header=ent_header("rs-1", x5u=url)),
    }
    for name, token in tokens.items():
        with pytest.raises(TokenError) as refused:
            VERIFIER.verify(token, now=NOW)
        assert refused.value.reason == f"header {name.split('_')[0]} is not accepted"
    for case in HOSTILE:
        with pytest.raises(TokenError):
            VERIFIER.verify(case.token, now=NOW)

    assert attempts == []
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected
    listener.close()


# --- what must pass -----------------------------------------------------------------------


def test_server_token_round_trip() -> None:
    token = SERVER.mint("user-7", role="admin", extra_claims={"sid": "s-1"}, now=NOW)
    claims = VERIFIER.verify(token, now=NOW + 1)
    assert claims.issuer == SERVER_ISS
    assert claims.subject == "user-7"
    assert claims.audience == AUD
    assert claims.role == "admin"
    assert claims.key_id == SERVER.kid
    assert (claims.issued_at, claims.not_before, claims.expires_at) == (NOW, NOW, NOW + DEFAULT_TTL)
    assert claims.raw["sid"] == "s-1"
    claims.raw["role"] = "tampered"  # a copy: the next verification is unaffected
    assert VERIFIER.verify(token, now=NOW + 1).raw["role"] == "admin"


def test_server_token_header_and_claims_are_exactly_as_specified() -> None:
    token = SERVER.mint("user-1", role="user", now=NOW)
    head, body, _ = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": SERVER.kid}
    assert set(claims) == {"iss", "aud", "sub", "exp", "iat", "nbf", "jti", "role"}
    assert claims["exp"] - claims["iat"] == DEFAULT_TTL == 15 * 60
    assert all(type(claims[name]) is int for name in ("exp", "iat", "nbf"))


def test_jti_is_random() -> None:
    ids = {VERIFIER.verify(SERVER.mint("u", role="user", now=NOW), now=NOW).jwt_id
           for _ in range(200)}
    assert len(ids) == 200


def test_server_key_export_import_keeps_kid_and_tokens() -> None:
    raw = SERVER.private_bytes()
    assert isinstance(raw, bytes) and len(raw) == 32
    again = ServerIssuer.from_private_bytes(raw, issuer=SERVER_ISS, audience=AUD)
    assert again.kid == SERVER.kid
    verifier = TokenVerifier([again.trusted_issuer()], AUD)
    verifier.verify(SERVER.mint("u", role="user", now=NOW), now=NOW)
    VERIFIER.verify(again.mint("u", role="user", now=NOW), now=NOW)


def test_rotated_server_key_is_another_kid() -> None:
    rotated = ServerIssuer.generate(issuer=SERVER_ISS, audience=AUD)
    assert rotated.kid != SERVER.kid
    with pytest.raises(TokenError, match="kid is unknown"):
        VERIFIER.verify(rotated.mint("u", role="user", now=NOW), now=NOW)
    both = TrustedIssuer(SERVER_ISS, (SERVER.issuer_key, rotated.issuer_key), AUD)
    verifier = TokenVerifier([both], AUD)
    for issuer in (SERVER, rotated):
        verifier.verify(issuer.mint("u", role="user", now=NOW), now=NOW)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ttl": 0}, "ttl"),
        ({"ttl": MAX_TTL + 1}, "ttl"),
        ({"ttl": True}, "ttl"),
        ({"ttl": 60.5}, "ttl"),
        ({"extra_claims": {"exp": NOW + 10**9}}, "exp"),
        ({"extra_claims": {"role": "admin"}}, "role"),
        ({"extra_claims": {"iss": "x", "aud": "y"}}, "aud, iss"),
        ({"role": ""}, "role"),
        ({"extra_claims": {"pad": "x" * MAX_TOKEN_LENGTH}}, "longer"),
    ],
)
def test_mint_refuses(kwargs: dict[str, Any], message: str) -> None:
    arguments = {"role": "user", **kwargs}
    with pytest.raises(ValueError, match=message):
        SERVER.mint("user-1", **arguments)


def test_mint_refuses_empty_subject() -> None:
    with pytest.raises(ValueError, match="subject"):
        SERVER.mint("", role="user")


def test_mint_uses_the_clock_by_default() -> None:
    VERIFIER.verify(SERVER.mint("u", role="user", ttl=MAX_TTL))


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("exp_just_inside_leeway", {"iat": NOW - 600, "nbf": NOW - 600, "exp": NOW - LEEWAY + 1}),
        ("nbf_at_leeway", {"nbf": NOW + LEEWAY}),
        ("iat_at_leeway", {"iat": NOW + LEEWAY, "nbf": NOW}),
        ("lifetime_exactly_the_cap", {"exp": NOW + DEFAULT_MAX_LIFETIME}),
        ("float_dates", {"iat": NOW + 0.25, "nbf": NOW - 0.5, "exp": NOW + 60.75}),
        ("nbf_before_iat", {"nbf": NOW - 30}),
        ("no_role", {"role": DROP}),
        ("unicode_subject", {"sub": "ünïcødé-user"}),
    ],
)
def test_edge_tokens_that_pass(name: str, overrides: dict[str, Any]) -> None:
    claims = VERIFIER.verify(make(claims=server_claims(**overrides)), now=NOW)
    assert claims.subject == server_claims(**overrides)["sub"]


def test_enterprise_es256_and_rs256_from_pem_files(tmp_path) -> None:
    es_pem = tmp_path / "es.pem"
    rs_pem = tmp_path / "rs.pem"
    es_pem.write_bytes(ES_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    rs_pem.write_bytes(RS_PUBLIC_PEM)
    issuer = TrustedIssuer(ENT_ISS, (
        IssuerKey.from_pem_file(es_pem, "ES256", kid="es-1"),
        IssuerKey.from_pem_file(rs_pem, "RS256", kid="rs-1"),
    ), audience=ENT_AUD)
    verifier = TokenVerifier([issuer], AUD)
    es_claims = verifier.verify(make_es(), now=NOW)
    rs_claims = verifier.verify(make_rs(), now=NOW)
    assert (es_claims.issuer, es_claims.subject, es_claims.audience) == (
        ENT_ISS, "alice@acme", ENT_AUD)
    assert (es_claims.key_id, rs_claims.key_id) == ("es-1", "rs-1")


def test_single_pem_key_without_kid(tmp_path) -> None:
    path = tmp_path / "rs.pem"
    path.write_bytes(RS_PUBLIC_PEM)
    issuer = TrustedIssuer(ENT_ISS, (IssuerKey.from_pem_file(path, "RS256"),), ENT_AUD)
    verifier = TokenVerifier([issuer], AUD)
    claims = verifier.verify(make_rs(header={"alg": "RS256", "typ": "JWT"}), now=NOW)
    assert claims.key_id is None
    # A kid the configuration does not name is refused, not ignored.
    with pytest.raises(TokenError, match="kid is unknown"):
        verifier.verify(make_rs(), now=NOW)


def jwk_of(public_key: Any, **members: Any) -> dict[str, Any]:
    if isinstance(public_key, rsa.RSAPublicKey):
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        jwk = ECAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    return {**jwk, **members}


def test_enterprise_keys_from_a_jwks_file_and_kid_selection(tmp_path) -> None:
    second_es = ec.generate_private_key(ec.SECP256R1())
    ed_key = ed25519.Ed25519PrivateKey.generate()
    jwks = {"keys": [
        jwk_of(ES_KEY.public_key(), kid="es-1", alg="ES256", use="sig"),
        jwk_of(second_es.public_key(), kid="es-2"),  # no alg: P-256 means ES256
        jwk_of(RS_KEY.public_key(), kid="rs-1", alg="RS256", x5u=FETCH_URL),  # x5u ignored
        jwk_of(ed_key.public_key(), kid="ed-1", key_ops=["verify"]),
    ]}
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    keys = IssuerKey.from_jwks_file(path)
    assert [(key.kid, key.algorithm) for key in keys] == [
        ("es-1", "ES256"), ("es-2", "ES256"), ("rs-1", "RS256"), ("ed-1", "EdDSA")]
    verifier = TokenVerifier([TrustedIssuer(ENT_ISS, keys, ENT_AUD)], AUD)

    assert verifier.verify(make_es(), now=NOW).key_id == "es-1"
    assert verifier.verify(make_es(header=ent_header("es-2"), key=second_es),
                           now=NOW).key_id == "es-2"
    assert verifier.verify(make_rs(), now=NOW).key_id == "rs-1"
    ed_token = make(header=ent_header("ed-1", alg="EdDSA"), claims=ent_claims(), key=ed_key)
    assert verifier.verify(ed_token, now=NOW).key_id == "ed-1"
    # The kid picks the key: the other ES256 key's kid with this key's signature fails.
    with pytest.raises(TokenError, match="signature does not verify"):
        verifier.verify(make_es(header=ent_header("es-1"), key=second_es), now=NOW)


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("hs256_algorithm", lambda: IssuerKey("HS256", SERVER_KEY.public_key())),
        ("none_algorithm", lambda: IssuerKey("none", SERVER_KEY.public_key())),
        ("es256_with_ed25519_key", lambda: IssuerKey("ES256", SERVER_KEY.public_key())),
        ("eddsa_with_rsa_key", lambda: IssuerKey("EdDSA", RS_KEY.public_key())),
        ("rs256_with_ec_key", lambda: IssuerKey("RS256", ES_KEY.public_key())),
        ("es256_with_p384", lambda: IssuerKey(
            "ES256", ec.generate_private_key(ec.SECP384R1()).public_key())),
        ("rs256_1024_bits", lambda: IssuerKey(
            "RS256", rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key())),
        ("private_key_object", lambda: IssuerKey("EdDSA", SERVER_KEY)),
        ("kid_not_string", lambda: IssuerKey("EdDSA", SERVER_KEY.public_key(), 7)),
        ("pem_private_key", lambda: IssuerKey.from_pem(SERVER_KEY.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()), "EdDSA")),
        ("pem_garbage", lambda: IssuerKey.from_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n", "EdDSA")),
        ("pem_str", lambda: IssuerKey.from_pem(RS_PUBLIC_PEM.decode(), "RS256")),
        ("jwk_oct", lambda: IssuerKey.from_jwk({"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"})),
        ("jwk_with_private_d", lambda: IssuerKey.from_jwk(
            jwk_of(FOREIGN_ED.public_key(), d=b64(b"\x01" * 32)))),
        ("jwk_alg_hs256_on_rsa", lambda: IssuerKey.from_jwk(
            jwk_of(RS_KEY.public_key(), alg="HS256"))),
        ("jwk_alg_rs256_on_ec", lambda: IssuerKey.from_jwk(
            jwk_of(ES_KEY.public_key(), alg="RS256"))),
        ("jwk_alg_differs_from_configured", lambda: IssuerKey.from_jwk(
            jwk_of(ES_KEY.public_key(), alg="ES256"), "RS256")),
        ("jwk_configured_alg_wrong_for_key", lambda: IssuerKey.from_jwk(
            jwk_of(ES_KEY.public_key()), "EdDSA")),
        ("jwk_use_enc", lambda: IssuerKey.from_jwk(jwk_of(RS_KEY.public_key(), use="enc"))),
        ("jwk_key_ops_sign_only", lambda: IssuerKey.from_jwk(
            jwk_of(RS_KEY.public_key(), key_ops=["sign"]))),
        ("jwk_broken_member", lambda: IssuerKey.from_jwk({"kty": "EC", "crv": "P-256", "x": "AA",
                                                           "y": "AA"})),
        ("jwks_without_keys", lambda: IssuerKey.from_jwks({"key": []})),
        ("jwks_empty", lambda: IssuerKey.from_jwks({"keys": []})),
        ("issuer_empty", lambda: TrustedIssuer("", (SERVER.issuer_key,))),
        ("issuer_no_keys", lambda: TrustedIssuer(ENT_ISS, ())),
        ("issuer_duplicate_kids", lambda: TrustedIssuer(ENT_ISS, (
            IssuerKey("ES256", ES_KEY.public_key(), "k"),
            IssuerKey("RS256", RS_KEY.public_key(), "k")))),
        ("issuer_two_keys_one_without_kid", lambda: TrustedIssuer(ENT_ISS, (
            IssuerKey("ES256", ES_KEY.public_key()),
            IssuerKey("RS256", RS_KEY.public_key(), "k")))),
        ("verifier_no_issuers", lambda: TokenVerifier([], AUD)),
        ("verifier_duplicate_issuer", lambda: TokenVerifier(
            [SERVER.trusted_issuer(), SERVER.trusted_issuer()], AUD)),
        ("verifier_empty_audience", lambda: TokenVerifier([SERVER.trusted_issuer()], "")),
        ("verifier_huge_leeway", lambda: TokenVerifier([SERVER.trusted_issuer()], AUD,
                                                       leeway=3600)),
        ("verifier_infinite_lifetime", lambda: TokenVerifier([SERVER.trusted_issuer()], AUD,
                                                             max_lifetime=float("inf"))),
        ("server_issuer_short_key", lambda: ServerIssuer.from_private_bytes(
            b"\x01" * 31, issuer=SERVER_ISS, audience=AUD)),
        ("server_issuer_empty_audience", lambda: ServerIssuer.generate(
            issuer=SERVER_ISS, audience="")),
    ],
)
def test_configuration_errors(name: str, build: Any) -> None:
    with pytest.raises(IssuerConfigError):
        build()


def test_jwks_with_a_configured_algorithm(tmp_path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk_of(RS_KEY.public_key(), kid="rs-1"),
                                         jwk_of(RS_KEY.public_key(), kid="rs-2", alg="RS256")]}))
    keys = IssuerKey.from_jwks_file(path, "RS256")
    assert [(key.kid, key.algorithm) for key in keys] == [("rs-1", "RS256"), ("rs-2", "RS256")]
    with pytest.raises(IssuerConfigError):
        IssuerKey.from_jwks_file(path, "ES256")


def test_jwks_file_not_json(tmp_path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text("{not json")
    with pytest.raises(IssuerConfigError, match="not JSON"):
        IssuerKey.from_jwks_file(path)


def test_tighter_lifetime_cap_and_zero_leeway() -> None:
    verifier = TokenVerifier([SERVER.trusted_issuer()], AUD, leeway=0, max_lifetime=300)
    with pytest.raises(TokenError, match="lifetime"):
        verifier.verify(make(claims=server_claims(exp=NOW + 301)), now=NOW)
    verifier.verify(make(claims=server_claims(exp=NOW + 300)), now=NOW)
    with pytest.raises(TokenError, match="expired"):
        verifier.verify(make(claims=server_claims(exp=NOW + 300)), now=NOW + 300)


# --- the Authorization header -------------------------------------------------------------


def test_bearer_token() -> None:
    assert bearer_token(f"Bearer {GOOD}") == GOOD
    assert bearer_token(f"bearer {GOOD}") == GOOD


@pytest.mark.parametrize(
    "value",
    [None, "", "Bearer", "Bearer ", f"Basic {GOOD}", f"Bearer  {GOOD}", f"Bearer {GOOD} ",
     GOOD, "Bearer " + "A" * (MAX_TOKEN_LENGTH + 1)],
)
def test_bearer_token_refuses(value: str | None) -> None:
    with pytest.raises(TokenError):
        bearer_token(value)


def test_hmac_reference_is_what_an_attacker_would_send() -> None:
    """The alg-confusion cases are real HS256 tokens: any HMAC verifier keyed with the server's
    public key bytes would accept them, which is why alg is fixed by the key, not the token."""
    token = make(header=server_header(alg="HS256"), alg="HS256", key=SERVER_PUBLIC_RAW)
    head, body, sig = token.split(".")
    expected = hmac.new(SERVER_PUBLIC_RAW, f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert sig == b64(expected)


# --- the verified-token memory: the same string verifies the same way, time still counts ---


def test_a_remembered_token_still_expires_and_is_still_not_yet_valid_before_nbf() -> None:
    verifier = TokenVerifier([SERVER.trusted_issuer()], AUD, leeway=LEEWAY)
    token = make(claims=server_claims(nbf=NOW + 100, jti="remembered-1"))
    with pytest.raises(TokenError, match="not yet valid"):
        verifier.verify(token, now=NOW)
    assert verifier.verify(token, now=NOW + 100).jwt_id == "remembered-1"
    assert verifier.verify(token, now=NOW + 200).jwt_id == "remembered-1"  # from memory
    with pytest.raises(TokenError, match="not yet valid"):
        verifier.verify(token, now=NOW)  # remembered, and still refused before nbf
    with pytest.raises(TokenError, match="expired"):
        verifier.verify(token, now=NOW + 600 + LEEWAY)


def test_a_remembered_token_vouches_for_no_other_string() -> None:
    verifier = TokenVerifier([SERVER.trusted_issuer()], AUD, leeway=LEEWAY)
    verifier.verify(GOOD, now=NOW)
    head, body, signature = GOOD.split(".")
    forged_body = b64(encode_json(server_claims(role="admin")))
    for forged in (f"{head}.{forged_body}.{signature}", f"{head}.{body}.{signature}A"):
        with pytest.raises(TokenError):
            verifier.verify(forged, now=NOW)
    other = TokenVerifier([ENTERPRISE], ENT_AUD, leeway=LEEWAY)
    with pytest.raises(TokenError, match="not a trusted issuer"):
        other.verify(GOOD, now=NOW)  # another verifier's memory is its own


def test_the_memory_is_bounded_and_an_evicted_token_verifies_again(monkeypatch) -> None:
    import cosigner_server.tokens as tokens

    monkeypatch.setattr(tokens, "VERIFIED_TOKENS_KEPT", 3)
    verifier = TokenVerifier([SERVER.trusted_issuer()], AUD, leeway=LEEWAY)
    made = [make(claims=server_claims(jti=f"kept-{i}")) for i in range(5)]
    for token in made:
        verifier.verify(token, now=NOW)
    assert len(verifier._verified) == 3  # noqa: SLF001 - the bound is what is tested
    assert made[0] not in verifier._verified  # noqa: SLF001 - the oldest went first
    assert verifier.verify(made[0], now=NOW).jwt_id == "kept-0"
