"""Envelope encryption of the secrets the co-signer keeps (master keys, mnemonics, shares).

A key-encryption key (KEK, 32 bytes) lives outside the database: in the OS keyring, an
environment variable or a 0600 file. Every sealed record gets its own fresh data key (DEK); the
DEK is wrapped by the KEK and the data is encrypted under the DEK, both with AES-256-GCM. The
record's identity and the whole header are associated data, so a blob moved to another record,
or any byte of it changed, does not open.

Blob layout (all lengths in bytes):

    version (1) = 1
    kek id length (1), kek id (1..64, ASCII)
    wrap nonce (12), wrapped DEK (32 + 16 tag)      -- AES-GCM(KEK), AAD = wrap context
    data nonce (12), ciphertext + tag (n + 16)       -- AES-GCM(DEK), AAD = data context

Everything before the data nonce is "the header"; the data context contains the header, so a
header spliced from another blob (another wrapped DEK, another KEK id) fails the data tag even if
it unwrapped. Without a KEK the server starts sealed: load_kek() returns None.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_KEK_ID = 64
KEYRING_SERVICE = "splitkey-cosigner"
KEYRING_USERNAME = "kek"
ENV_VAR = "SPLITKEY_COSIGNER_KEK"

_WRAP_CONTEXT = b"splitkey/envelope/v1/dek"
_DATA_CONTEXT = b"splitkey/envelope/v1/data"
_KEK_ID_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class SealedDataError(Exception):
    """A sealed blob cannot be opened: damaged, moved to another record, or sealed under a KEK
    this server does not hold. The message never contains key material or plaintext."""


class KekError(Exception):
    """A key-encryption key source exists but is unusable (bad format, unsafe file)."""


def _frame(*parts: bytes) -> bytes:
    # Length-prefix each part so that no two different tuples encode to the same bytes
    # (record "ab" + header "c..." must differ from record "a" + header "bc...").
    return b"".join(len(p).to_bytes(4, "big") + p for p in parts)


def _check_kek_id(kek_id: str) -> bytes:
    if not kek_id or len(kek_id) > MAX_KEK_ID or not set(kek_id) <= _KEK_ID_ALPHABET:
        raise KekError("a KEK id is 1-64 characters of letters, digits, '-', '_' or '.'")
    return kek_id.encode("ascii")


def kek_fingerprint(key: bytes) -> str:
    """A stable, non-secret id for a key: names it in blobs without revealing it."""
    return "k" + hashlib.sha256(b"splitkey/kek-id\x00" + key).hexdigest()[:15]


@dataclass
class KekRing:
    """Key-encryption keys by id. The current one seals; every one opens (so rotation can
    re-seal records at its own pace)."""

    _keys: dict[str, bytes] = field(default_factory=dict, repr=False)
    current_id: str | None = None

    def add(self, key: bytes, kek_id: str | None = None, *, make_current: bool = True) -> str:
        if not isinstance(key, bytes) or len(key) != KEY_BYTES:
            raise KekError(f"a key-encryption key is exactly {KEY_BYTES} bytes")
        kek_id = kek_id or kek_fingerprint(key)
        _check_kek_id(kek_id)
        if self._keys.get(kek_id, key) != key:
            raise KekError(f"two different keys share the id {kek_id!r}")
        self._keys[kek_id] = key
        if make_current or self.current_id is None:
            self.current_id = kek_id
        return kek_id

    @classmethod
    def single(cls, key: bytes, kek_id: str | None = None) -> KekRing:
        ring = cls()
        ring.add(key, kek_id)
        return ring

    @property
    def ids(self) -> list[str]:
        return list(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def seal(self, plaintext: bytes, record_id: str) -> bytes:
        if self.current_id is None:
            raise KekError("no key-encryption key to seal with")
        kek_id = self.current_id
        kek_id_bytes = kek_id.encode("ascii")
        record = record_id.encode("utf-8")
        dek = AESGCM.generate_key(bit_length=256)
        wrap_nonce = os.urandom(NONCE_BYTES)
        prefix = bytes([VERSION, len(kek_id_bytes)]) + kek_id_bytes
        wrapped = AESGCM(self._keys[kek_id]).encrypt(
            wrap_nonce, dek, _frame(_WRAP_CONTEXT, prefix, record)
        )
        header = prefix + wrap_nonce + wrapped
        data_nonce = os.urandom(NONCE_BYTES)
        data_aad = _frame(_DATA_CONTEXT, header, record)
        body = AESGCM(dek).encrypt(data_nonce, bytes(plaintext), data_aad)
        return header + data_nonce + body

    def open(self, blob: bytes, record_id: str) -> bytes:
        header, kek_id, wrap_nonce, wrapped, data_nonce, body = _parse(blob)
        key = self._keys.get(kek_id)
        if key is None:
            raise SealedDataError(f"sealed under key-encryption key {kek_id!r}, not loaded here")
        record = record_id.encode("utf-8")
        prefix = header[: 2 + len(kek_id)]
        try:
            dek = AESGCM(key).decrypt(wrap_nonce, wrapped, _frame(_WRAP_CONTEXT, prefix, record))
            return AESGCM(dek).decrypt(data_nonce, body, _frame(_DATA_CONTEXT, header, record))
        except InvalidTag:
            raise SealedDataError(
                "sealed data does not open: damaged, or sealed for another record"
            ) from None

    def to_text(self) -> str:
        """The ring as parse_kek_text reads it back, the current key last (the last seals): what
        rotate-kek writes to the key file or keyring, or prints for an environment variable."""
        order = [i for i in self._keys if i != self.current_id] + [self.current_id]
        return ",".join(format_kek(self._keys[i], i) for i in order if i is not None)

    def kek_id_of(self, blob: bytes) -> str:
        """Which KEK sealed a blob (for rotation: re-seal those not under the current one)."""
        return _parse(blob)[1]


def _parse(blob: bytes) -> tuple[bytes, str, bytes, bytes, bytes, bytes]:
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise SealedDataError("sealed data must be bytes")
    blob = bytes(blob)
    if len(blob) < 2:
        raise SealedDataError("sealed data is truncated")
    if blob[0] != VERSION:
        raise SealedDataError(f"unsupported sealed-data version {blob[0]}")
    id_len = blob[1]
    if not 1 <= id_len <= MAX_KEK_ID:
        raise SealedDataError("sealed data has a malformed header")
    wrap_at = 2 + id_len
    data_at = wrap_at + NONCE_BYTES + KEY_BYTES + TAG_BYTES
    if len(blob) < data_at + NONCE_BYTES + TAG_BYTES:
        raise SealedDataError("sealed data is truncated")
    try:
        kek_id = blob[2:wrap_at].decode("ascii")
    except UnicodeDecodeError:
        raise SealedDataError("sealed data has a malformed header") from None
    return (
        blob[:data_at],
        kek_id,
        blob[wrap_at : wrap_at + NONCE_BYTES],
        blob[wrap_at + NONCE_BYTES : data_at],
        blob[data_at : data_at + NONCE_BYTES],
        blob[data_at + NONCE_BYTES :],
    )


# -- where the KEK comes from ------------------------------------------------------------------


def generate_kek() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def format_kek(key: bytes, kek_id: str | None = None) -> str:
    """The text form load_kek reads back: "<id>:<base64>"."""
    return f"{kek_id or kek_fingerprint(key)}:{base64.b64encode(key).decode('ascii')}"


def _decode_key(text: str, source: str) -> bytes:
    text = text.strip()
    key: bytes | None = None
    # Hex first: 64 hex digits are also valid base64 (of 48 bytes), never the other way round.
    if len(text) == 2 * KEY_BYTES:
        try:
            key = bytes.fromhex(text)
        except ValueError:
            key = None
    if key is None:
        padded = text + "=" * (-len(text) % 4)
        for altchars in (None, b"-_"):  # standard, then URL-safe alphabet
            try:
                key = base64.b64decode(padded, altchars=altchars, validate=True)
                break
            except (binascii.Error, ValueError):
                key = None
    if key is None or len(key) != KEY_BYTES:
        # Never echo the value: it may be a real key with a typo.
        raise KekError(
            f"{source}: a key-encryption key is {KEY_BYTES} bytes as 64 hex digits or base64"
        )
    return key


def parse_kek_text(text: str, source: str = "key") -> KekRing:
    """Read "<key>" or "<id>:<key>", several separated by commas or new lines; the last seals.
    Keys are 64 hex digits or base64 of 32 bytes."""
    ring = KekRing()
    entries = [e.strip() for e in text.replace("\n", ",").split(",") if e.strip()]
    if not entries:
        raise KekError(f"{source}: empty")
    for entry in entries:
        kek_id, sep, value = entry.partition(":")
        if not sep:
            kek_id, value = "", entry
        ring.add(_decode_key(value, source), kek_id.strip() or None)
    return ring


def read_kek_file(path: str | os.PathLike[str]) -> KekRing | None:
    """The KEK file, only if it is a regular file owned by this user and closed to everyone else
    (mode 0600 or 0400). Missing -> None; unsafe or malformed -> KekError."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KekError(f"key file {path}: cannot open ({exc.strerror})") from None
    try:
        # fstat the descriptor we read from, not the path: no swap between check and read.
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KekError(f"key file {path}: not a regular file")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise KekError(f"key file {path}: owned by uid {info.st_uid}, not by this user")
        if stat.S_IMODE(info.st_mode) & ~0o600:
            # Only owner read/write (0600 or 0400): any other bit is a mistake worth stopping on.
            raise KekError(
                f"key file {path}: mode {stat.S_IMODE(info.st_mode):04o} is not 0600; chmod 600 it"
            )
        chunks = []
        while chunk := os.read(fd, 4096):
            chunks.append(chunk)
            if sum(map(len, chunks)) > 64 * 1024:
                raise KekError(f"key file {path}: too large")
    finally:
        os.close(fd)
    try:
        text = b"".join(chunks).decode("ascii")
    except UnicodeDecodeError:
        raise KekError(f"key file {path}: not text") from None
    return parse_kek_text(text, f"key file {path}")


def write_kek_file(path: str | os.PathLike[str], ring_text: str) -> None:
    """Create a new key file readable only by this user (fails if it exists)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask may have been stricter; never looser
        os.write(fd, ring_text.encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class KekConfig:
    """Where to look for the KEK, in this order: the environment variable, the file, the OS
    keyring. `environ` is for tests; None means os.environ."""

    env_var: str | None = ENV_VAR
    file: str | os.PathLike[str] | None = None
    use_keyring: bool = True
    keyring_service: str = KEYRING_SERVICE
    keyring_username: str = KEYRING_USERNAME
    environ: Mapping[str, str] | None = None


def _from_keyring(config: KekConfig) -> KekRing | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        text = keyring.get_password(config.keyring_service, config.keyring_username)
    except KeyringError:
        # No usable backend (headless machine, locked keychain): start sealed, not crash.
        return None
    if not text:
        return None
    return parse_kek_text(text, f"keyring {config.keyring_service}/{config.keyring_username}")


def load_kek(config: KekConfig | None = None) -> KekRing | None:
    """The KEK ring from the first source that has one, or None (the server then starts sealed).
    A source that exists but is unusable raises KekError: a broken key must not silently fall
    through to another source or to a sealed start that hides the mistake."""
    config = config or KekConfig()
    environ = os.environ if config.environ is None else config.environ
    if config.env_var and environ.get(config.env_var, "").strip():
        return parse_kek_text(environ[config.env_var], f"${config.env_var}")
    if config.file is not None:
        ring = read_kek_file(Path(config.file))
        if ring is not None:
            return ring
    if config.use_keyring:
        return _from_keyring(config)
    return None


def store_kek_in_keyring(ring_text: str, config: KekConfig | None = None) -> None:
    import keyring

    config = config or KekConfig()
    keyring.set_password(config.keyring_service, config.keyring_username, ring_text)
