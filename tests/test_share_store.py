"""The share store: shares only in a safe keyring backend, or in the passphrase-encrypted file the
user accepted; unsafe backends refused; the file fails to open after any change."""

from __future__ import annotations

import functools
import json
import stat
import struct

import keyring
import pytest
from keyring.backends import chainer, fail, null

from app import share_store
from app.share_store import (
    DEFAULT_KDF,
    KDF_CEILING,
    KDF_FLOOR,
    EncryptedFileShareStore,
    FallbackFileError,
    KdfParams,
    KeyringShareStore,
    PassphraseNeeded,
    ShareStoreError,
    UnsafeKeyring,
    keyring_status,
    open_share_store,
)
from tests.share_store_helpers import MemoryKeyring, make_share

PASSPHRASE = "correct horse battery"


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture
def unsafe_keyring():
    before = keyring.get_keyring()
    backend = fail.Keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture
def share():
    return make_share()


# -- which backends are safe ---------------------------------------------------------------------


class PlaintextKeyring(MemoryKeyring):
    """Named like keyrings.alt's plaintext backend, which writes passwords to a file as is."""


def _alt_backend():
    class Keyring(MemoryKeyring):
        pass

    Keyring.__module__ = "keyrings.alt.file"  # what keyrings.alt's backends report
    return Keyring()


def _chainer(*members):
    class Chain(chainer.ChainerBackend):
        backends = list(members)

    return Chain()


@pytest.mark.parametrize(
    "backend, words",
    [
        (fail.Keyring(), "found no secret store"),
        (null.Keyring(), "switched off"),
        (_alt_backend(), "plain file"),
        (PlaintextKeyring(), "plain text"),
        (_chainer(), "no secret store"),
        (_chainer(_alt_backend(), null.Keyring()), "only backends that are not secret stores"),
    ],
    ids=["fail", "null", "keyrings.alt", "plaintext-name", "empty-chainer", "unsafe-chainer"],
)
def test_unsafe_backends_are_named_and_refused(backend, words, tmp_path):
    status = keyring_status(backend)
    assert not status.safe and status.backend is None
    assert words in status.reason
    with pytest.raises(UnsafeKeyring) as refused:
        open_share_store(backend=backend, path=tmp_path / "shares.enc")
    assert words in str(refused.value) and "passphrase" in str(refused.value)
    assert not (tmp_path / "shares.enc").exists()


def test_a_chainer_is_bypassed_for_its_best_safe_member(share, tmp_path):
    # A chainer falls through to its next member when one raises: writing through it could
    # land a share in the plaintext member. The store must use the safe member itself.
    safe, plain = MemoryKeyring(), PlaintextKeyring()
    status = keyring_status(_chainer(plain, safe))
    assert status.safe and status.backend is safe
    store = open_share_store(backend=_chainer(plain, safe), path=tmp_path / "shares.enc")
    store.save(share)
    assert plain.entries == {} and len(safe.entries) == 1


# -- the keyring store ---------------------------------------------------------------------------


def test_keyring_round_trip_holds_only_the_share_and_its_metadata(memory_keyring, share, tmp_path):
    store = open_share_store(path=tmp_path / "shares.enc")
    assert isinstance(store, KeyringShareStore) and "MemoryKeyring" in store.where
    store.save(share)
    assert list(memory_keyring.entries) == [("splitkey", share.split_id)]
    value = json.loads(memory_keyring.entries[("splitkey", share.split_id)])
    assert set(value) == {
        "v",
        "split_id",
        "client_id",
        "wallet_public_key",
        "public_key",
        "private_key",
    }
    assert store.load(share.split_id) == share
    assert store.load("spl_absent") is None
    store.delete(share.split_id)
    store.delete(share.split_id)  # twice is fine
    assert store.load(share.split_id) is None and memory_keyring.entries == {}
    assert not (tmp_path / "shares.enc").exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda v: "not json",
        lambda v: json.dumps({**json.loads(v), "v": 2}),
        lambda v: json.dumps({**json.loads(v), "private_key": "00" * 32}),
        lambda v: json.dumps({**json.loads(v), "split_id": "spl_other"}),
        lambda v: json.dumps({k: x for k, x in json.loads(v).items() if k != "public_key"}),
    ],
    ids=["garbage", "version", "swapped-key", "other-split", "missing-field"],
)
def test_a_damaged_keyring_entry_is_never_used(memory_keyring, share, change):
    store = open_share_store(path="/nonexistent/shares.enc")
    store.save(share)
    entry = ("splitkey", share.split_id)
    memory_keyring.entries[entry] = change(memory_keyring.entries[entry])
    with pytest.raises(ShareStoreError):
        store.load(share.split_id)


def test_keyring_failures_become_words(share):
    class Broken(MemoryKeyring):
        def set_password(self, *_args):
            raise OSError("org.freedesktop.DBus.Error.ServiceUnknown")

    with pytest.raises(ShareStoreError, match="did not answer.*OSError.*unlocked"):
        KeyringShareStore(Broken()).save(share)


def test_split_ids_are_checked(memory_keyring):
    store = open_share_store(path="/nonexistent/shares.enc")
    for bad in ("", "x" * 201, "a\nb"):
        with pytest.raises(ShareStoreError):
            store.load(bad)


# -- choosing the fallback file ------------------------------------------------------------------


def test_fallback_only_after_explicit_acceptance_and_a_passphrase(unsafe_keyring, share, tmp_path):
    path = tmp_path / "data" / "shares.enc"
    with pytest.raises(UnsafeKeyring):
        open_share_store(path=path)
    with pytest.raises(UnsafeKeyring):
        open_share_store(path=path, passphrase=PASSPHRASE)  # a passphrase is not consent
    with pytest.raises(PassphraseNeeded):
        open_share_store(path=path, accept_fallback=True)
    with pytest.raises(ShareStoreError, match="at least 10"):
        open_share_store(path=path, accept_fallback=True, passphrase="short")
    # desktop-security-review L2: these were accepted (length was the only rule).
    for weak in ("12345678", "aaaaaaaa", "password", "1234567890", "aaaaaaaaaaaa",
                 "password1234", "qwertyuiop"):  # fmt: skip
        with pytest.raises(ShareStoreError, match="at least 10|too easy to guess"):
            open_share_store(path=path, accept_fallback=True, passphrase=weak)
    assert not path.exists()

    store = open_share_store(path=path, accept_fallback=True, passphrase=PASSPHRASE)
    assert isinstance(store, EncryptedFileShareStore)
    store.save(share)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert share.private_key.encode() not in path.read_bytes()
    header = path.read_bytes()[:40]
    t, m, p = struct.unpack(">III", header[11:23])
    assert KdfParams(t, m, p) == DEFAULT_KDF

    # Later runs: the existing file wins, whatever the keyring, and needs its passphrase.
    keyring.set_keyring(MemoryKeyring())
    with pytest.raises(PassphraseNeeded):
        open_share_store(path=path)
    again = open_share_store(path=path, passphrase=PASSPHRASE)
    assert isinstance(again, EncryptedFileShareStore) and again.load(share.split_id) == share


# -- the fallback file ---------------------------------------------------------------------------


@pytest.fixture
def fast_kdf(monkeypatch):
    """Each distinct derivation still runs Argon2id; repeats (same passphrase, salt and
    parameters) are remembered so the flip test stays fast."""
    monkeypatch.setattr(share_store, "derive_key", functools.cache(share_store.derive_key))


def _file_store(tmp_path, *shares):
    store = EncryptedFileShareStore.create(tmp_path / "shares.enc", PASSPHRASE, KDF_FLOOR)
    for item in shares:
        store.save(item)
    return store


def test_file_round_trip_and_reopen(tmp_path):
    first, second = make_share(), make_share()
    store = _file_store(tmp_path, first, second)
    assert store.split_ids() == sorted([first.split_id, second.split_id])
    reopened = EncryptedFileShareStore.open(store.path, PASSPHRASE)
    assert reopened.load(first.split_id) == first and reopened.load(second.split_id) == second
    reopened.delete(first.split_id)
    assert store.load(first.split_id) is None and store.load(second.split_id) == second
    with pytest.raises(ShareStoreError, match="exists"):
        EncryptedFileShareStore.create(store.path, PASSPHRASE, KDF_FLOOR)


def test_two_open_stores_do_not_lose_each_others_shares(tmp_path):
    store = _file_store(tmp_path)
    other = EncryptedFileShareStore.open(store.path, PASSPHRASE)
    shares = [make_share() for _ in range(4)]
    for i, item in enumerate(shares):
        (store if i % 2 else other).save(item)
    assert store.split_ids() == sorted(s.split_id for s in shares)


def test_wrong_passphrase_is_refused(tmp_path, share):
    store = _file_store(tmp_path, share)
    for wrong in ("correct horse batterY", "", PASSPHRASE + " ", "x" * 100):
        with pytest.raises(FallbackFileError, match="passphrase is wrong"):
            EncryptedFileShareStore.open(store.path, wrong)


def test_every_single_byte_flip_fails_to_open(tmp_path, share, fast_kdf):
    store = _file_store(tmp_path, share)
    original = store.path.read_bytes()
    damaged = tmp_path / "damaged.enc"
    opened, tried = [], 0
    for position in range(len(original)):
        for mask in (0x01, 0x80, 0xFF):
            blob = bytearray(original)
            blob[position] ^= mask
            damaged.write_bytes(bytes(blob))
            tried += 1
            try:
                EncryptedFileShareStore.open(damaged, PASSPHRASE)
            except FallbackFileError:
                continue
            opened.append((position, mask))
    assert tried == 3 * len(original) > 1000
    assert opened == []
    # Cut or grown files fail too.
    for blob in (original[:-1], original[:40], original + b"\0", b""):
        damaged.write_bytes(blob)
        with pytest.raises(FallbackFileError):
            EncryptedFileShareStore.open(damaged, PASSPHRASE)
    assert EncryptedFileShareStore.open(store.path, PASSPHRASE).load(share.split_id) == share


def _forge(path, params: KdfParams, share) -> None:
    """A file that is correctly encrypted under the declared parameters, bypassing create's
    check: what an attacker with write access could plant."""
    header = share_store._Header(params, b"s" * 16)
    key = share_store.derive_key(PASSPHRASE, header.salt, params)
    store = EncryptedFileShareStore(path, header, key)
    store._write({share.split_id: json.loads(share_store._entry(share))})


@pytest.mark.parametrize(
    "params",
    [
        KdfParams(KDF_FLOOR.time_cost - 1, KDF_FLOOR.memory_kib, 1),
        KdfParams(KDF_FLOOR.time_cost, KDF_FLOOR.memory_kib - 1, 1),
        KdfParams(1, 8, 1),
    ],
    ids=["time", "memory", "both"],
)
def test_files_declaring_parameters_below_the_floor_are_refused(tmp_path, share, params):
    path = tmp_path / "weak.enc"
    _forge(path, params, share)
    with pytest.raises(FallbackFileError, match="weaker key derivation"):
        EncryptedFileShareStore.open(path, PASSPHRASE)
    with pytest.raises(FallbackFileError, match="weaker"):
        EncryptedFileShareStore.create(tmp_path / "new.enc", PASSPHRASE, params)


def test_files_declaring_absurd_parameters_are_refused_before_deriving(tmp_path, share):
    path = tmp_path / "huge.enc"
    _forge(path, KDF_FLOOR, share)
    blob = bytearray(path.read_bytes())
    struct.pack_into(">I", blob, 15, KDF_CEILING.memory_kib + 1)  # memory: 8+3+4 bytes in
    path.write_bytes(bytes(blob))
    with pytest.raises(FallbackFileError, match="unreasonable"):
        EncryptedFileShareStore.open(path, PASSPHRASE)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FallbackFileError, match="missing"):
        EncryptedFileShareStore.open(tmp_path / "nope.enc", PASSPHRASE)
