"""Where the desktop keeps its user shares: the operating system's secret store, through `keyring`.

One entry per split key: service "splitkey", username the split id, value a small JSON object
with the share and what is needed to use it (split id, wallet client id and public key, the
share's public key). Never the mnemonic, never anything else.

`keyring` picks a backend on its own, and some of them are not secret stores at all: the "fail"
backend raises, the "null" backend drops everything, keyrings.alt's backends write a file (in
plain text, or "encrypted" with a password stored beside it). Those are refused. A chainer
backend is never written through either: it falls through to its next member when the first
raises, so a locked Secret Service would silently hand the share to a plaintext member; the
store talks to the best safe member directly.

When no safe backend exists the app must say so and may only store shares after the user
explicitly accepts the encrypted fallback file: Argon2id (parameters in the header, checked
against a floor and a ceiling) derives an AES-256-GCM key from a passphrase, and the WHOLE header
is the associated data, so no byte of the file can change without the file failing to open.

    status = keyring_status()              # what the Settings page shows
    store = open_share_store()             # raises UnsafeKeyring: ask the user
    store = open_share_store(accept_fallback=True, passphrase=pw)   # after they accepted
    store.save(share_info); store.load(split_id); store.delete(split_id)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.client_calls import ClientError, ShareInfo
from app.files import write_private_atomic
from app.protocol.bodies import WireError

SERVICE = "splitkey"
APP_NAME = "splitkey"
FALLBACK_FILE = "shares.enc"
ENTRY_VERSION = 1
_SHARE_FIELDS = ("split_id", "client_id", "wallet_public_key", "public_key", "private_key")


class ShareStoreError(Exception):
    """A share cannot be stored or read; the message is for the user."""


class UnsafeKeyring(ShareStoreError):
    """No backend that keeps secrets safe: the user has to accept the encrypted fallback file."""

    def __init__(self, status: KeyringStatus) -> None:
        super().__init__(
            f"This computer has no safe place for secrets: {status.reason} "
            "Splitkey will not store a share there. You can keep your shares in a file "
            "encrypted with a passphrase instead."
        )
        self.status = status


class PassphraseNeeded(ShareStoreError):
    """The fallback file is in use (or was accepted) and needs its passphrase."""


class FallbackFileError(ShareStoreError):
    """The fallback file cannot be opened: wrong passphrase, damage, or unsafe parameters."""


# -- which keyring backend ----------------------------------------------------------------------


@dataclass(frozen=True)
class KeyringStatus:
    """The backend keyring would use, and whether a share may go there."""

    name: str  # shown in Settings, e.g. "SecretService Keyring"
    safe: bool
    reason: str | None = None  # why not, in words, when not safe
    backend: Any = field(default=None, repr=False, compare=False)  # the safe leaf backend


def _name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _unsafe_reason(backend: Any) -> str | None:
    """None for a backend that keeps secrets in an OS secret store; else why it does not."""
    from keyring.backends import fail, null

    module = type(backend).__module__ or ""
    if isinstance(backend, fail.Keyring):
        return (
            "the keyring library found no secret store (no Secret Service, Keychain or "
            "Credential Locker answered)."
        )
    if isinstance(backend, null.Keyring):
        return "the keyring library is switched off (null backend): it keeps nothing."
    if module == "keyrings.alt" or module.startswith("keyrings.alt."):
        # Plaintext, or "encrypted" with a key kept next to it: a file anyone reading the
        # home directory can open. The architecture bans keyrings.alt at run time.
        return f"the keyring backend {_name(backend)} keeps secrets in a plain file."
    if "plaintext" in type(backend).__name__.lower():
        return f"the keyring backend {_name(backend)} keeps secrets in plain text."
    return None


def _members(backend: Any) -> list[Any] | None:
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        return list(backend.backends)  # already ordered by priority, best first
    return None


def keyring_status(backend: Any = None) -> KeyringStatus:
    """Classify `backend` (default: the one keyring chose)."""
    import keyring

    backend = keyring.get_keyring() if backend is None else backend
    members = _members(backend)
    if members is None:
        reason = _unsafe_reason(backend)
        label = type(backend).__name__
        module_tail = type(backend).__module__.rsplit(".", 1)[-1]
        shown = f"{module_tail} {label}" if label == "Keyring" else label
        return KeyringStatus(shown, reason is None, reason, backend if reason is None else None)
    for member in members:
        if _unsafe_reason(member) is None:
            return keyring_status(member)
    reasons = [r for r in (_unsafe_reason(m) for m in members) if r]
    reason = (
        "the keyring library found only backends that are not secret stores ("
        + "; ".join(r.rstrip(".") for r in reasons)
        + ")."
        if reasons
        else "the keyring library found no secret store."
    )
    return KeyringStatus("chainer (no safe member)", False, reason)


# -- the stores --------------------------------------------------------------------------------


class ShareStore(Protocol):
    where: str  # "the system keyring (SecretService Keyring)" / "the encrypted file ..."

    def save(self, share: ShareInfo) -> None: ...

    def load(self, split_id: str) -> ShareInfo | None: ...

    def delete(self, split_id: str) -> None: ...


def _entry(share: ShareInfo) -> str:
    return json.dumps(
        {"v": ENTRY_VERSION, **{name: getattr(share, name) for name in _SHARE_FIELDS}},
        sort_keys=True,
    )


def _share_from(data: Any, split_id: str) -> ShareInfo:
    """A stored entry back as a ShareInfo, checked like a delivered one: the share must be the
    key of its public key, so a damaged or swapped entry is never used to sign."""
    try:
        if not isinstance(data, dict) or data.get("v") != ENTRY_VERSION:
            raise WireError("v", f"must be {ENTRY_VERSION}")
        info = ShareInfo.from_dict({name: data.get(name) for name in _SHARE_FIELDS})
    except (WireError, ClientError) as exc:
        raise ShareStoreError(f"the stored share of split {split_id} is damaged ({exc})") from None
    if info.split_id != split_id:
        raise ShareStoreError(f"the entry stored for split {split_id} belongs to another split")
    return info


def _check_split_id(split_id: str) -> str:
    if not isinstance(split_id, str) or not 1 <= len(split_id) <= 200 or not split_id.isprintable():
        raise ShareStoreError("a split id is 1 to 200 printable characters")
    return split_id


class KeyringShareStore:
    """Shares in one safe keyring backend, used directly (never through a chainer)."""

    def __init__(self, backend: Any, name: str | None = None) -> None:
        self._backend = backend
        self.where = f"the system keyring ({name or type(backend).__name__})"

    def _call(self, what: str, fn, *args):
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            return fn(SERVICE, *args)
        except PasswordDeleteError:
            return None
        except KeyringError as exc:
            raise ShareStoreError(f"the system keyring refused to {what}: {exc}") from None
        except Exception as exc:  # D-Bus, Keychain and Locker errors are not KeyringErrors
            raise ShareStoreError(
                f"the system keyring did not answer when asked to {what} "
                f"({exc.__class__.__name__}); is it unlocked?"
            ) from None

    def save(self, share: ShareInfo) -> None:
        split_id = _check_split_id(share.split_id)
        self._call("store the share", self._backend.set_password, split_id, _entry(share))

    def load(self, split_id: str) -> ShareInfo | None:
        split_id = _check_split_id(split_id)
        text = self._call("read the share", self._backend.get_password, split_id)
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            raise ShareStoreError(f"the stored share of split {split_id} is damaged") from None
        return _share_from(data, split_id)

    def delete(self, split_id: str) -> None:
        split_id = _check_split_id(split_id)
        self._call("delete the share", self._backend.delete_password, split_id)


# -- the encrypted fallback file -----------------------------------------------------------------

MAGIC = b"SKSHARES"
FORMAT_VERSION = 1
KDF_ARGON2ID = 2
AEAD_AES256GCM = 1
NONCE_LEN = 12
TAG_LEN = 16
# magic, version, kdf, aead, time_cost, memory (KiB), parallelism, salt length
_FIXED = struct.Struct(">8sBBBIIIB")


@dataclass(frozen=True)
class KdfParams:
    time_cost: int
    memory_kib: int
    parallelism: int


# RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes): ~0.4 s here, once per unlock.
DEFAULT_KDF = KdfParams(time_cost=3, memory_kib=64 * 1024, parallelism=4)
# OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane). A file declaring less is refused: an
# attacker who can write the file must not be able to make the next save use a weak key.
KDF_FLOOR = KdfParams(time_cost=2, memory_kib=19 * 1024, parallelism=1)
# A file declaring more is refused too: a changed byte must fail, not allocate terabytes.
KDF_CEILING = KdfParams(time_cost=16, memory_kib=1024 * 1024, parallelism=16)
SALT_LEN = 16
MIN_SALT, MAX_SALT = 16, 64
MIN_PASSPHRASE = 10
# zxcvbn's score 3: about 10^8 guesses or more by its estimate. At one Argon2id derivation
# (~0.1 s) per guess that is years of one core, against a stolen file; 12345678, aaaaaaaa and
# "password" (score 0) were accepted before (desktop-security-review L2).
MIN_PASSPHRASE_SCORE = 3


def passphrase_problem(passphrase: str) -> str | None:
    """Why this passphrase is too weak for the share file, in words, or None. The rule: at
    least MIN_PASSPHRASE characters and a zxcvbn score of MIN_PASSPHRASE_SCORE or more."""
    if len(passphrase) < MIN_PASSPHRASE:
        return f"choose a passphrase of at least {MIN_PASSPHRASE} characters"
    from zxcvbn import zxcvbn

    # zxcvbn's cost grows fast with length; what is past 100 characters adds no weakness.
    estimate = zxcvbn(passphrase[:100], user_inputs=["splitkey", "wallet", "zcn", "0chain"])
    if estimate["score"] >= MIN_PASSPHRASE_SCORE:
        return None
    feedback = estimate.get("feedback") or {}
    hint = (feedback.get("warning") or " ".join(feedback.get("suggestions") or [])).rstrip(".")
    said = f" ({hint[:1].lower()}{hint[1:]})" if hint else ""
    return f"this passphrase is too easy to guess{said}; a few uncommon words together work well"


def _check_params(p: KdfParams) -> None:
    for name in ("time_cost", "memory_kib", "parallelism"):
        value, low, high = getattr(p, name), getattr(KDF_FLOOR, name), getattr(KDF_CEILING, name)
        if value < low:
            raise FallbackFileError(
                f"the share file asks for a weaker key derivation than allowed ({name} {value} "
                f"< {low}); it was not written by Splitkey or was changed"
            )
        if value > high:
            raise FallbackFileError(
                f"the share file declares an unreasonable key derivation ({name} {value} > "
                f"{high}); it was not written by Splitkey or was changed"
            )
    if p.memory_kib < 8 * p.parallelism:
        raise FallbackFileError("the share file's key derivation parameters are inconsistent")


def derive_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )


@dataclass(frozen=True)
class _Header:
    params: KdfParams
    salt: bytes

    def encode(self, nonce: bytes) -> bytes:
        fixed = _FIXED.pack(
            MAGIC,
            FORMAT_VERSION,
            KDF_ARGON2ID,
            AEAD_AES256GCM,
            self.params.time_cost,
            self.params.memory_kib,
            self.params.parallelism,
            len(self.salt),
        )
        return fixed + self.salt + nonce


def _parse(blob: bytes) -> tuple[_Header, bytes, bytes, bytes]:
    """(header, nonce, the header bytes = associated data, ciphertext with tag)."""
    if len(blob) < _FIXED.size:
        raise FallbackFileError("the share file is too short: it is damaged")
    magic, version, kdf, aead, t, m, p, salt_len = _FIXED.unpack_from(blob)
    if magic != MAGIC:
        raise FallbackFileError("this is not a Splitkey share file (or its start was changed)")
    if version != FORMAT_VERSION:
        raise FallbackFileError(f"unknown share file version {version}")
    if kdf != KDF_ARGON2ID or aead != AEAD_AES256GCM:
        raise FallbackFileError("the share file names an unknown key derivation or cipher")
    params = KdfParams(t, m, p)
    _check_params(params)
    if not MIN_SALT <= salt_len <= MAX_SALT:
        raise FallbackFileError(f"the share file's salt length {salt_len} is not allowed")
    header_len = _FIXED.size + salt_len + NONCE_LEN
    if len(blob) < header_len + TAG_LEN:
        raise FallbackFileError("the share file is cut short: it is damaged")
    salt = blob[_FIXED.size : _FIXED.size + salt_len]
    nonce = blob[_FIXED.size + salt_len : header_len]
    return _Header(params, salt), nonce, blob[:header_len], blob[header_len:]


def default_fallback_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / FALLBACK_FILE


class EncryptedFileShareStore:
    """All shares in one file: header (params, salt, nonce) + AES-256-GCM(JSON), 0600.

    The key is derived once per unlock and kept in memory; every write takes a fresh nonce.
    Writes lock a side file, re-read the current file, change one entry and replace the file
    atomically, so two app instances do not lose each other's shares."""

    def __init__(self, path: Path, header: _Header, key: bytes) -> None:
        self.path = path
        self._header = header
        self._key = key
        self.where = f"the encrypted file {path}"

    def __repr__(self) -> str:
        return f"EncryptedFileShareStore({str(self.path)!r})"

    # -- creating and opening --

    @classmethod
    def create(
        cls, path: str | os.PathLike, passphrase: str, params: KdfParams = DEFAULT_KDF
    ) -> EncryptedFileShareStore:
        path = Path(path)
        problem = passphrase_problem(passphrase)
        if problem is not None:
            raise ShareStoreError(problem)
        _check_params(params)
        header = _Header(params, secrets.token_bytes(SALT_LEN))
        store = cls(path, header, derive_key(passphrase, header.salt, params))
        with store._locked():
            if path.exists():
                raise ShareStoreError(f"{path} exists; open it with its passphrase instead")
            store._write({})
        return store

    @classmethod
    def open(cls, path: str | os.PathLike, passphrase: str) -> EncryptedFileShareStore:
        path = Path(path)
        blob = _read(path)
        header, _nonce, _aad, _ct = _parse(blob)
        store = cls(path, header, derive_key(passphrase, header.salt, header.params))
        store._decrypt(blob)  # proves the passphrase now, not at the first share
        return store

    # -- the file --

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _decrypt(self, blob: bytes) -> dict[str, Any]:
        header, nonce, aad, ciphertext = _parse(blob)
        if header != self._header:
            # Same passphrase, new salt or parameters: only a re-created file does that.
            raise FallbackFileError("the share file was replaced; unlock it again")
        try:
            plain = AESGCM(self._key).decrypt(nonce, ciphertext, aad)
        except InvalidTag:
            raise FallbackFileError(
                "the passphrase is wrong, or the share file was changed"
            ) from None
        try:
            data = json.loads(plain)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("shares"), dict):
            raise FallbackFileError("the share file's contents have an unknown shape")
        return data["shares"]

    def _write(self, shares: dict[str, Any]) -> None:
        nonce = secrets.token_bytes(NONCE_LEN)
        aad = self._header.encode(nonce)
        plain = json.dumps({"v": ENTRY_VERSION, "shares": shares}, sort_keys=True).encode()
        blob = aad + AESGCM(self._key).encrypt(nonce, plain, aad)
        write_private_atomic(self.path, blob)

    def _update(self, change) -> None:
        with self._locked():
            shares = self._decrypt(_read(self.path))
            change(shares)
            self._write(shares)

    # -- ShareStore --

    def save(self, share: ShareInfo) -> None:
        split_id = _check_split_id(share.split_id)
        entry = json.loads(_entry(share))
        self._update(lambda shares: shares.__setitem__(split_id, entry))

    def load(self, split_id: str) -> ShareInfo | None:
        split_id = _check_split_id(split_id)
        entry = self._decrypt(_read(self.path)).get(split_id)
        return None if entry is None else _share_from(entry, split_id)

    def delete(self, split_id: str) -> None:
        split_id = _check_split_id(split_id)
        self._update(lambda shares: shares.pop(split_id, None))

    def split_ids(self) -> list[str]:
        return sorted(self._decrypt(_read(self.path)))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FallbackFileError(f"the share file {path} is missing") from None
    except OSError as exc:
        raise FallbackFileError(f"the share file {path} cannot be read: {exc.strerror}") from None


def move_to_keyring(source: EncryptedFileShareStore, backend: Any = None) -> KeyringShareStore:
    """A safe keyring appeared after the user had to use the encrypted file: copy every share
    into the keyring, read each back and compare, and only then delete the file (the next
    start opens the keyring, without a passphrase). On any failure the file stays as it was."""
    status = keyring_status(backend)
    if not status.safe:
        raise UnsafeKeyring(status)
    target = KeyringShareStore(status.backend, status.name)
    moved = []
    try:
        for split_id in source.split_ids():
            share = source.load(split_id)
            if share is None:
                continue
            target.save(share)
            moved.append(split_id)
            if target.load(split_id) != share:
                raise ShareStoreError(f"the keyring did not keep the share of {split_id}")
    except BaseException:
        for split_id in moved:  # leave no half-moved copy behind
            with contextlib.suppress(ShareStoreError):
                target.delete(split_id)
        raise
    source.path.unlink()
    with contextlib.suppress(OSError):
        source.path.with_name(source.path.name + ".lock").unlink()
    return target


# -- choosing -------------------------------------------------------------------------------------


def open_share_store(
    *,
    accept_fallback: bool = False,
    passphrase: str | None = None,
    path: str | os.PathLike | None = None,
    backend: Any = None,
) -> ShareStore:
    """The store to use.

    An existing fallback file wins: the user chose it, and their shares are in it. Otherwise a
    safe keyring backend; otherwise UnsafeKeyring, unless the user accepted the fallback file
    (accept_fallback) and gave a passphrase for it (PassphraseNeeded when not)."""
    file_path = Path(path) if path is not None else default_fallback_path()
    if file_path.exists():
        if passphrase is None:
            # No path in the words: they reach the screen (review: "a full home-folder path").
            raise PassphraseNeeded("your keys are in the encrypted key file: enter its passphrase")
        return EncryptedFileShareStore.open(file_path, passphrase)
    status = keyring_status(backend)
    if status.safe:
        return KeyringShareStore(status.backend, status.name)
    if not accept_fallback:
        raise UnsafeKeyring(status)
    if passphrase is None:
        raise PassphraseNeeded("choose a passphrase for the encrypted share file")
    return EncryptedFileShareStore.create(file_path, passphrase)
