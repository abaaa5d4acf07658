"""The co-signer's strict JWT layer: every authenticated route goes through `TokenVerifier`.

PyJWT checks the signature; everything around it is checked here first, because PyJWT alone
accepts numeric-string dates, a missing `typ`, absurd lifetimes and (depending on the caller)
keys chosen by the token. The rules, all enforced before or right after the signature check:

* The token is a str of at most MAX_TOKEN_LENGTH ASCII characters, exactly three non-empty,
  canonical base64url segments; header and payload are JSON objects without duplicate names.
* Header: `typ` is exactly "JWT"; `alg` is one of EdDSA, ES256, RS256, or HS256/HS512 for an
  issuer configured with a shared secret of at least 32 bytes (0box issues such tokens); never
  none, and never HS* with an asymmetric issuer's key (each key is bound to one algorithm);
  `jku`, `x5u`, `jwk`, `x5c` (keys from the token itself), `crit`, `b64`, `zip`, `cty` and `enc`
  are refused. Nothing is ever fetched: keys come only from configuration.
* The key is chosen by (iss, kid) among configured keys BEFORE verifying, each key is bound to
  exactly one algorithm, the header's `alg` must be that algorithm, and PyJWT is given only it.
  A `kid` is only ever a dictionary key here (never a path, never a query).
* Claims: iss, aud, sub, exp, iat, nbf, jti are required. `aud` must be exactly one string equal
  to the expected audience (a list is refused, even one containing ours: one token, one
  audience). NumericDates must be int or float (not bool, not strings), finite, and between
  1970 and 9999. exp in the past, nbf or iat in the future, each beyond the leeway, are refused,
  and so is exp - iat above the lifetime cap (and exp <= iat, nbf >= exp). sub and jti are
  non-empty strings; `role`, when present, is a non-empty string.

Not decided here: whether the subject's user is enabled, or whether a revocation issued after
`iat` concerns this token. The route layer does that with the returned `Claims`. Note that
`role` means something only in tokens of the server's own issuer; an enterprise issuer's `role`
is whatever that issuer wrote.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import math
import re
import secrets
import threading
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from jwt.warnings import InsecureKeyLengthWarning

# HMAC only for issuers configured with a shared secret (IssuerKey.from_secret).
HMAC_ALGORITHMS = ("HS256", "HS512")
ALGORITHMS = ("EdDSA", "ES256", "RS256", *HMAC_ALGORITHMS)
MIN_HMAC_SECRET_BYTES = 32
# Our own minimum (32 bytes, checked at configuration) replaces PyJWT's 64 for HS512, which
# would otherwise warn on every verification of a 0box token.
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning, module=__name__)
MAX_TOKEN_LENGTH = 8192  # characters; checked before any parsing
MAX_KID_LENGTH = 128
MAX_STRING_CLAIM_LENGTH = 512  # sub, jti, role: identifiers, not documents
MIN_RSA_BITS = 2048
DEFAULT_TTL = 15 * 60  # server tokens: short-lived, renewed by the client
MAX_TTL = 60 * 60  # ServerIssuer.mint refuses anything longer
# Enterprise IdPs commonly issue 60-90 min access tokens; anything past 2 h is refused.
DEFAULT_MAX_LIFETIME = 2 * 60 * 60
DEFAULT_LEEWAY = 5
MAX_LEEWAY = 60
MAX_NUMERIC_DATE = 253_402_300_799  # 9999-12-31T23:59:59Z

REQUIRED_CLAIMS = ("iss", "aud", "sub", "exp", "iat", "nbf", "jti")
# The server writes these itself; extra_claims may not override them.
_RESERVED_CLAIMS = frozenset(REQUIRED_CLAIMS) | {"role"}
# Header parameters that make the token choose its key, or change how it is processed.
_REFUSED_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit", "b64", "zip", "cty", "enc")
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


class TokenError(Exception):
    """A token was refused. `reason` is short, fixed text: it never contains token material."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


PublicKey = (
    ed25519.Ed25519PublicKey | ed448.Ed448PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
)


class IssuerConfigError(ValueError):
    """A trusted issuer or one of its keys is unusable (wrong algorithm, weak key, bad file)."""


# --- configuration: keys and issuers ------------------------------------------------------


def _check_key_fits(algorithm: str, public_key: object) -> None:
    """One key, one algorithm: refuse a key whose type does not belong to `algorithm`."""
    if algorithm not in ALGORITHMS:
        raise IssuerConfigError(f"algorithm must be one of {', '.join(ALGORITHMS)}")
    if algorithm in HMAC_ALGORITHMS:
        if not isinstance(public_key, bytes):
            raise IssuerConfigError(f"{algorithm} needs a shared secret (bytes)")
        if len(public_key) < MIN_HMAC_SECRET_BYTES:
            raise IssuerConfigError(
                f"an {algorithm} secret must be at least {MIN_HMAC_SECRET_BYTES} bytes"
            )
    elif isinstance(public_key, bytes):
        raise IssuerConfigError("a shared secret is only for HS256 or HS512")
    elif algorithm == "EdDSA":
        if not isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            raise IssuerConfigError("EdDSA needs an Ed25519 or Ed448 public key")
    elif algorithm == "ES256":
        if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(
            public_key.curve, ec.SECP256R1
        ):
            raise IssuerConfigError("ES256 needs a P-256 public key")
    else:
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise IssuerConfigError("RS256 needs an RSA public key")
        if public_key.key_size < MIN_RSA_BITS:
            raise IssuerConfigError(f"RSA keys must have at least {MIN_RSA_BITS} bits")


def _check_kid(kid: object) -> None:
    if kid is None:
        return
    if not isinstance(kid, str) or not kid or len(kid) > MAX_KID_LENGTH:
        raise IssuerConfigError(f"kid must be a non-empty string of <= {MAX_KID_LENGTH} chars")


@dataclass(frozen=True)
class IssuerKey:
    """A verification key bound to exactly one algorithm, optionally named by a `kid`. For an
    HMAC issuer `public_key` is the shared secret (bytes), kept out of repr."""

    algorithm: str
    public_key: PublicKey | bytes = field(repr=False)
    kid: str | None = None

    def __post_init__(self) -> None:
        _check_key_fits(self.algorithm, self.public_key)
        _check_kid(self.kid)

    @classmethod
    def from_pem(cls, pem: bytes, algorithm: str, *, kid: str | None = None) -> IssuerKey:
        """A PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"). Private keys are refused: a
        verifier's configuration should never hold one."""
        if not isinstance(pem, bytes):
            raise IssuerConfigError("a PEM key is bytes")
        if b"PRIVATE KEY" in pem:
            raise IssuerConfigError("expected a public key, found a private key")
        try:
            public_key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError) as exc:
            raise IssuerConfigError("not a PEM public key") from exc
        return cls(algorithm, public_key, kid)  # type: ignore[arg-type]

    @classmethod
    def from_secret(cls, secret: bytes, algorithm: str, *, kid: str | None = None) -> IssuerKey:
        """A shared HMAC secret (HS256/HS512), as 0box signs its JWTs with."""
        if algorithm not in HMAC_ALGORITHMS:
            raise IssuerConfigError(f"a shared secret needs {' or '.join(HMAC_ALGORITHMS)}")
        return cls(algorithm, bytes(secret), kid)

    @classmethod
    def from_secret_file(
        cls, path: str | Path, algorithm: str, *, kid: str | None = None
    ) -> IssuerKey:
        """The secret is the file's bytes without a trailing newline (editors add one)."""
        return cls.from_secret(Path(path).read_bytes().rstrip(b"\r\n"), algorithm, kid=kid)

    @classmethod
    def from_pem_file(
        cls, path: str | Path, algorithm: str, *, kid: str | None = None
    ) -> IssuerKey:
        return cls.from_pem(Path(path).read_bytes(), algorithm, kid=kid)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any], algorithm: str | None = None) -> IssuerKey:
        """A public JWK (RFC 7517), bound to `algorithm` if given (a JWK `alg` must then agree),
        else to its own `alg`, else to the one algorithm its kty allows here (RSA -> RS256,
        EC -> ES256, OKP -> EdDSA)."""
        if not isinstance(jwk, Mapping):
            raise IssuerConfigError("a JWK must be a JSON object")
        kty = jwk.get("kty")
        if kty not in ("RSA", "EC", "OKP"):
            raise IssuerConfigError("JWK kty must be RSA, EC or OKP")
        if any(name in jwk for name in ("d", "p", "q", "dp", "dq", "qi", "oth")):
            raise IssuerConfigError("JWK holds private key material")
        if jwk.get("use", "sig") != "sig":
            raise IssuerConfigError("JWK use must be sig")
        key_ops = jwk.get("key_ops")
        if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
            raise IssuerConfigError("JWK key_ops must allow verify")
        declared = jwk.get("alg")
        if algorithm is not None and declared is not None and declared != algorithm:
            raise IssuerConfigError("JWK alg differs from the configured algorithm")
        if algorithm is None:
            algorithm = declared or {"RSA": "RS256", "EC": "ES256", "OKP": "EdDSA"}[kty]
        if algorithm not in ALGORITHMS or algorithm in HMAC_ALGORITHMS:
            raise IssuerConfigError("JWK alg must be one of EdDSA, ES256, RS256")
        try:
            parsed = jwt.PyJWK(dict(jwk), algorithm=algorithm)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
            raise IssuerConfigError("JWK does not describe a usable public key") from exc
        return cls(algorithm, parsed.key, jwk.get("kid"))

    @classmethod
    def from_jwks(
        cls, jwks: Mapping[str, Any], algorithm: str | None = None
    ) -> tuple[IssuerKey, ...]:
        if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
            raise IssuerConfigError('a JWKS must be a JSON object with a "keys" list')
        keys = tuple(cls.from_jwk(entry, algorithm) for entry in jwks["keys"])
        if not keys:
            raise IssuerConfigError("the JWKS holds no key")
        return keys

    @classmethod
    def from_jwks_file(
        cls, path: str | Path, algorithm: str | None = None
    ) -> tuple[IssuerKey, ...]:
        """A JWKS saved locally by the operator. Never fetched: `jku`-style URLs have no meaning
        here, and members such as x5u inside the JWKS are ignored."""
        try:
            jwks = json.loads(Path(path).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IssuerConfigError("the JWKS file is not JSON") from exc
        return cls.from_jwks(jwks, algorithm)


@dataclass(frozen=True)
class TrustedIssuer:
    """An issuer whose tokens are accepted: its exact `iss`, its keys, and the `aud` its tokens
    must carry (None: the verifier's audience)."""

    issuer: str
    keys: tuple[IssuerKey, ...]
    audience: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.issuer, str) or not self.issuer:
            raise IssuerConfigError("issuer must be a non-empty string")
        if self.audience is not None and (not isinstance(self.audience, str) or not self.audience):
            raise IssuerConfigError("audience must be a non-empty string or None")
        object.__setattr__(self, "keys", tuple(self.keys))
        if not self.keys or not all(isinstance(key, IssuerKey) for key in self.keys):
            raise IssuerConfigError("an issuer needs at least one IssuerKey")
        kids = [key.kid for key in self.keys]
        if len(set(kids)) != len(kids):
            raise IssuerConfigError("kids must be distinct within an issuer")
        # A token without kid can only name "the" key; with several keys that is ambiguous.
        if len(self.keys) > 1 and None in kids:
            raise IssuerConfigError("an issuer with several keys needs a kid on each")

    def key_for(self, kid: str | None) -> IssuerKey | None:
        """The key a token names. A key configured without kid matches only tokens without
        kid, so an unexpected kid is refused rather than ignored."""
        for key in self.keys:
            if key.kid == kid:
                return key
        return None


# --- the server's own issuer --------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _ed25519_thumbprint(public_key: ed25519.Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint: a stable kid that changes when the key is rotated."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}, separators=(",", ":"), sort_keys=True
    )
    return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())


class ServerIssuer:
    """The co-signer's own Ed25519 issuer. It mints short-lived tokens; the storage layer seals
    `private_bytes()` at rest and hands them back to `from_private_bytes`."""

    def __init__(
        self, private_key: ed25519.Ed25519PrivateKey, *, issuer: str, audience: str
    ) -> None:
        if not isinstance(private_key, ed25519.Ed25519PrivateKey):
            raise IssuerConfigError("the server issuer key must be Ed25519")
        if not isinstance(issuer, str) or not issuer:
            raise IssuerConfigError("issuer must be a non-empty string")
        if not isinstance(audience, str) or not audience:
            raise IssuerConfigError("audience must be a non-empty string")
        self._private_key = private_key
        self.issuer = issuer
        self.audience = audience
        self.kid = _ed25519_thumbprint(private_key.public_key())

    @classmethod
    def generate(cls, *, issuer: str, audience: str) -> ServerIssuer:
        return cls(ed25519.Ed25519PrivateKey.generate(), issuer=issuer, audience=audience)

    @classmethod
    def from_private_bytes(cls, raw: bytes, *, issuer: str, audience: str) -> ServerIssuer:
        if not isinstance(raw, bytes) or len(raw) != 32:
            raise IssuerConfigError("an Ed25519 private key is 32 raw bytes")
        return cls(
            ed25519.Ed25519PrivateKey.from_private_bytes(raw), issuer=issuer, audience=audience
        )

    def private_bytes(self) -> bytes:
        """The 32 raw secret bytes. Seal them before they touch a disk."""
        return self._private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    @property
    def issuer_key(self) -> IssuerKey:
        return IssuerKey("EdDSA", self._private_key.public_key(), self.kid)

    def trusted_issuer(self) -> TrustedIssuer:
        """This issuer as the verifier should trust it. After a rotation, build a TrustedIssuer
        with the new and the previous `issuer_key` until old tokens have expired."""
        return TrustedIssuer(self.issuer, (self.issuer_key,), self.audience)

    def mint(
        self,
        subject: str,
        *,
        role: str,
        ttl: int = DEFAULT_TTL,
        extra_claims: Mapping[str, Any] | None = None,
        now: float | None = None,
    ) -> str:
        if not isinstance(subject, str) or not subject or len(subject) > MAX_STRING_CLAIM_LENGTH:
            raise ValueError("subject must be a non-empty string")
        if not isinstance(role, str) or not role or len(role) > MAX_STRING_CLAIM_LENGTH:
            raise ValueError("role must be a non-empty string")
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 < ttl <= MAX_TTL:
            raise ValueError(f"ttl must be an int in 1..{MAX_TTL} seconds")
        extra = dict(extra_claims or {})
        overridden = _RESERVED_CLAIMS.intersection(extra)
        if overridden:
            raise ValueError(f"extra_claims may not set {', '.join(sorted(overridden))}")
        issued_at = int(time.time() if now is None else now)
        claims = {
            **extra,
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + ttl,
            "jti": secrets.token_urlsafe(16),
            "role": role,
        }
        token = jwt.encode(
            claims, self._private_key, algorithm="EdDSA", headers={"typ": "JWT", "kid": self.kid}
        )
        if len(token) > MAX_TOKEN_LENGTH:
            raise ValueError("extra_claims make the token longer than verifiers accept")
        return token


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class Claims:
    """What a verified token says. `raw` is a private copy of the whole payload."""

    issuer: str
    subject: str
    audience: str
    issued_at: float
    expires_at: float
    not_before: float
    jwt_id: str
    role: str | None
    key_id: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers may disagree on which duplicate wins; refuse the ambiguity outright.
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError("duplicate name")
        result[name] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _decode_segment(segment: str, what: str) -> bytes:
    # Canonical only: a segment whose unused low bits differ would decode to the same bytes,
    # so a token could be altered (one character) and still verify.
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except ValueError:
        raise TokenError(f"{what} is not base64url") from None
    if _b64url(data) != segment:
        raise TokenError(f"{what} is not canonical base64url")
    return data


MAX_JSON_DEPTH = 16  # far more than any real header or claims set needs


def _too_deep(text: str) -> bool:
    # Counted on the text, before parsing: whether json.loads hits RecursionError depends on
    # the interpreter's recursion limit, which other libraries raise.
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        if _too_deep(data.decode("utf-8")):
            raise ValueError("nested too deeply")
        value = json.loads(
            data.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise TokenError(f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise TokenError(f"{what} is not a JSON object")
    return value


def _present(claims: dict[str, Any], name: str) -> Any:
    value = claims.get(name)
    if value is None:
        raise TokenError(f"{name} is missing")
    return value


def _numeric_date(claims: dict[str, Any], name: str) -> float:
    value = _present(claims, name)
    # bool is an int subclass and PyJWT takes "1700000000"; RFC 7519 says a JSON number.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenError(f"{name} is not a number")
    # Checked before any arithmetic: 10**400 is a valid JSON int but not a float.
    if isinstance(value, float) and not math.isfinite(value):
        raise TokenError(f"{name} is not finite")
    if not 0 <= value <= MAX_NUMERIC_DATE:
        raise TokenError(f"{name} is out of range")
    return value


def _string_claim(claims: dict[str, Any], name: str) -> str:
    value = _present(claims, name)
    if not isinstance(value, str) or not value or len(value) > MAX_STRING_CLAIM_LENGTH:
        raise TokenError(f"{name} is not a non-empty string")
    return value


# Verified tokens remembered per verifier (a few MB at most): more than the clients that send
# requests within a token's lifetime on one server; an older one is verified again.
VERIFIED_TOKENS_KEPT = 4096


class TokenVerifier:
    """Verifies bearer tokens against configured issuers. Thread-safe; remembers the tokens whose
    signature it verified (their time claims are checked on every use)."""

    def __init__(
        self,
        issuers: Iterable[TrustedIssuer],
        audience: str,
        *,
        leeway: float = DEFAULT_LEEWAY,
        max_lifetime: float = DEFAULT_MAX_LIFETIME,
    ) -> None:
        if not isinstance(audience, str) or not audience:
            raise IssuerConfigError("audience must be a non-empty string")
        if isinstance(leeway, bool) or not isinstance(leeway, int | float):
            raise IssuerConfigError("leeway must be a number")
        if not 0 <= leeway <= MAX_LEEWAY:
            raise IssuerConfigError(f"leeway must be within 0..{MAX_LEEWAY} seconds")
        if isinstance(max_lifetime, bool) or not isinstance(max_lifetime, int | float):
            raise IssuerConfigError("max_lifetime must be a number")
        if not 0 < max_lifetime < math.inf:
            raise IssuerConfigError("max_lifetime must be positive and finite")
        self._issuers: dict[str, TrustedIssuer] = {}
        for trusted in issuers:
            if not isinstance(trusted, TrustedIssuer):
                raise IssuerConfigError("issuers must be TrustedIssuer instances")
            if trusted.issuer in self._issuers:
                raise IssuerConfigError("each issuer may be configured once")
            self._issuers[trusted.issuer] = trusted
        if not self._issuers:
            raise IssuerConfigError("at least one trusted issuer is needed")
        self.audience = audience
        self.leeway = leeway
        self.max_lifetime = max_lifetime
        # One PyJWS per algorithm, registered with that algorithm only: even a bug above could
        # not make PyJWT verify with another one.
        self._jws = {alg: jwt.PyJWS(algorithms=[alg]) for alg in ALGORITHMS}
        # Tokens whose signature verified, with what it vouched for: a client sends the same
        # token with every request, and the signature check was a tenth of the co-signer's
        # event-loop time per co-sign. The issuers and keys never change in a verifier, so the
        # same string verifies the same way; the time claims are checked again on every use,
        # and revocation (user disabled, tokens_valid_after, split revoked) is the caller's
        # check on every request, as before.
        self._verified: dict[str, tuple[dict[str, Any], TrustedIssuer, IssuerKey]] = {}
        self._verified_lock = threading.Lock()

    def verify(self, token: str, now: float | None = None) -> Claims:
        """The token's claims, or TokenError naming the first rule it breaks."""
        if now is None:
            now = time.time()
        known = self._verified.get(token) if isinstance(token, str) else None
        if known is not None:
            return self._check_claims(*known, now)
        header_segment, payload_segment, signature_segment = self._split(token)
        header = _json_object(_decode_segment(header_segment, "header"), "header")
        claims = _json_object(_decode_segment(payload_segment, "payload"), "payload")
        _decode_segment(signature_segment, "signature")

        algorithm, kid = self._check_header(header)
        trusted, key = self._select_key(claims, kid)
        if algorithm in HMAC_ALGORITHMS and key.algorithm not in HMAC_ALGORITHMS:
            # HS* keyed with a public key (the classic confusion): not an algorithm this key has
            raise TokenError("alg is not allowed")
        if key.algorithm != algorithm:
            raise TokenError("alg does not match the key's algorithm")
        self._check_signature(token, key)
        verified = self._check_claims(claims, trusted, key, now)
        with self._verified_lock:
            if len(self._verified) >= VERIFIED_TOKENS_KEPT:
                del self._verified[next(iter(self._verified))]  # the oldest
            self._verified[token] = (claims, trusted, key)
        return verified

    @staticmethod
    def _split(token: object) -> tuple[str, str, str]:
        if not isinstance(token, str):
            raise TokenError("token is not a string")
        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenError("token is too large")
        if not token.isascii():
            raise TokenError("token is not ASCII")
        segments = token.split(".")
        if len(segments) != 3:
            raise TokenError("token does not have 3 segments")
        if not all(segments):
            raise TokenError("token has an empty segment")
        if not all(_SEGMENT.fullmatch(segment) for segment in segments):
            raise TokenError("token has characters outside base64url")
        return segments[0], segments[1], segments[2]

    @staticmethod
    def _check_header(header: dict[str, Any]) -> tuple[str, str | None]:
        for name in _REFUSED_HEADERS:
            if name in header:
                raise TokenError(f"header {name} is not accepted")
        if "typ" not in header:
            raise TokenError("typ is missing")
        if header["typ"] != "JWT":
            raise TokenError("typ is not JWT")
        algorithm = header.get("alg")
        if algorithm is None:
            raise TokenError("alg is missing")
        if not isinstance(algorithm, str) or algorithm not in ALGORITHMS:
            raise TokenError("alg is not allowed")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise TokenError("kid is not a string")
        return algorithm, kid

    def _select_key(
        self, claims: dict[str, Any], kid: str | None
    ) -> tuple[TrustedIssuer, IssuerKey]:
        # Unverified at this point: used only to look up configured keys, never trusted.
        issuer = claims.get("iss")
        if issuer is None:
            raise TokenError("iss is missing")
        if not isinstance(issuer, str):
            raise TokenError("iss is not a string")
        trusted = self._issuers.get(issuer)
        if trusted is None:
            raise TokenError("iss is not a trusted issuer")
        key = trusted.key_for(kid)
        if key is None:
            raise TokenError("kid is missing" if kid is None else "kid is unknown for this issuer")
        return trusted, key

    def _check_signature(self, token: str, key: IssuerKey) -> None:
        try:
            self._jws[key.algorithm].decode_complete(
                token,
                key=key.public_key,
                algorithms=[key.algorithm],
                # HMAC secrets are checked at configuration (>= 32 bytes, 0box's HS512 tokens
                # included); PyJWT's own minimum would ask 64 bytes for HS512.
                options={
                    "verify_signature": True,
                    "enforce_minimum_key_length": key.algorithm not in HMAC_ALGORITHMS,
                },
            )
        except jwt.InvalidSignatureError:
            raise TokenError("signature does not verify") from None
        except (jwt.PyJWTError, ValueError, TypeError):
            # Fail closed: a signature the library cannot even parse is a refusal, not a 500.
            raise TokenError("signature check refused the token") from None

    def _check_claims(
        self, claims: dict[str, Any], trusted: TrustedIssuer, key: IssuerKey, now: float
    ) -> Claims:
        audience = claims.get("aud")
        if audience is None:
            raise TokenError("aud is missing")
        if not isinstance(audience, str):
            raise TokenError("aud is not a single string")
        if audience != (trusted.audience or self.audience):
            raise TokenError("aud is not this server")

        expires_at = _numeric_date(claims, "exp")
        issued_at = _numeric_date(claims, "iat")
        not_before = _numeric_date(claims, "nbf")
        if expires_at <= now - self.leeway:
            raise TokenError("token has expired")
        if not_before > now + self.leeway:
            raise TokenError("token is not yet valid (nbf)")
        if issued_at > now + self.leeway:
            raise TokenError("token is issued in the future (iat)")
        if expires_at <= issued_at:
            raise TokenError("exp is not after iat")
        if not_before >= expires_at:
            raise TokenError("nbf is not before exp")
        if expires_at - issued_at > self.max_lifetime:
            raise TokenError("token lifetime is over the cap")

        subject = _string_claim(claims, "sub")
        jwt_id = _string_claim(claims, "jti")
        role = _string_claim(claims, "role") if "role" in claims else None
        return Claims(
            issuer=trusted.issuer,
            subject=subject,
            audience=audience,
            issued_at=issued_at,
            expires_at=expires_at,
            not_before=not_before,
            jwt_id=jwt_id,
            role=role,
            key_id=key.kid,
            raw=copy.deepcopy(claims),
        )


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header value (RFC 6750: scheme is
    case-insensitive). Refuses anything else before any parsing work."""
    if authorization is None:
        raise TokenError("Authorization header is missing")
    if len(authorization) > MAX_TOKEN_LENGTH + len("Bearer "):
        raise TokenError("token is too large")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token or token != token.strip():
        raise TokenError("Authorization is not a Bearer token")
    return token
