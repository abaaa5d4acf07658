"""Envelope encryption: round trips, every byte flip refused, records not interchangeable, and the
KEK sources (environment, 0600 file, keyring) with their refusals."""

from __future__ import annotations

import base64
import os

import keyring
import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.errors import NoKeyringError

from cosigner_server.envelope import (
    ENV_VAR,
    KekConfig,
    KekError,
    KekRing,
    SealedDataError,
    format_kek,
    generate_kek,
    load_kek,
    parse_kek_text,
    read_kek_file,
    write_kek_file,
)

KEY = bytes(range(32))


@pytest.fixture
def ring() -> KekRing:
    return KekRing.single(KEY, "main")


@given(plaintext=st.binary(max_size=300), record=st.text(max_size=40))
def test_round_trip(plaintext: bytes, record: str) -> None:
    ring = KekRing.single(KEY)
    assert ring.open(ring.seal(plaintext, record), record) == plaintext


def test_fresh_data_key_per_seal(ring: KekRing) -> None:
    a, b = ring.seal(b"same", "r"), ring.seal(b"same", "r")
    assert a != b
    assert b"same" not in a


def test_every_single_byte_change_fails(ring: KekRing) -> None:
    # A short blob gets every one of the 255 other values at every position; the point is that
    # no byte (version, KEK id, nonces, wrapped key, body, tag) goes unauthenticated.
    blob = ring.seal(b"share", "split-1")
    for i in range(len(blob)):
        for delta in range(1, 256):
            damaged = bytearray(blob)
            damaged[i] ^= delta
            with pytest.raises(SealedDataError):
                ring.open(bytes(damaged), "split-1")


def test_every_byte_flip_of_a_longer_blob_fails(ring: KekRing) -> None:
    blob = ring.seal(os.urandom(200), "wallet-1")
    for i in range(len(blob)):
        for delta in (0x01, 0x80, 0xFF):
            damaged = bytearray(blob)
            damaged[i] ^= delta
            with pytest.raises(SealedDataError):
                ring.open(bytes(damaged), "wallet-1")


def test_truncation_and_extension_fail(ring: KekRing) -> None:
    blob = ring.seal(b"secret", "r")
    for n in range(len(blob)):
        with pytest.raises(SealedDataError):
            ring.open(blob[:n], "r")
    with pytest.raises(SealedDataError):
        ring.open(blob + b"\x00", "r")


def test_blob_moved_to_another_record_fails(ring: KekRing) -> None:
    records = [f"split-{i}" for i in range(20)]
    blobs = {r: ring.seal(r.encode(), r) for r in records}
    for r in records:
        for other in records:
            if other != r:
                with pytest.raises(SealedDataError):
                    ring.open(blobs[r], other)
        assert ring.open(blobs[r], r) == r.encode()


def test_headers_spliced_between_blobs_fail(ring: KekRing) -> None:
    # Same record, two blobs: the wrapped key of one with the body of the other must not open.
    a, b = ring.seal(b"aaaa", "r"), ring.seal(b"bbbb", "r")
    header_len = 2 + len("main") + 12 + 48
    with pytest.raises(SealedDataError):
        ring.open(a[:header_len] + b[header_len:], "r")


def test_record_id_framing_is_unambiguous(ring: KekRing) -> None:
    blob = ring.seal(b"x", "ab")
    for other in ("a", "abc", "ab ", "Ab", ""):
        with pytest.raises(SealedDataError):
            ring.open(blob, other)


def test_wrong_kek_fails_and_errors_carry_no_secret() -> None:
    secret = b"very-secret-plaintext"
    blob = KekRing.single(KEY, "main").seal(secret, "r")
    other = KekRing.single(bytes(32), "main")
    with pytest.raises(SealedDataError) as info:
        other.open(blob, "r")
    text = str(info.value)
    assert KEY.hex() not in text and "very-secret" not in text
    with pytest.raises(SealedDataError, match="not loaded"):
        KekRing.single(KEY, "other").open(blob, "r")


def test_ring_rotation_newest_seals_all_open() -> None:
    old, new = generate_kek(), generate_kek()
    ring = KekRing()
    ring.add(old, "2025")
    sealed_old = ring.seal(b"old", "r")
    ring.add(new, "2026")
    sealed_new = ring.seal(b"new", "r")
    assert ring.kek_id_of(sealed_old) == "2025"
    assert ring.kek_id_of(sealed_new) == "2026"
    assert ring.open(sealed_old, "r") == b"old"
    assert ring.open(sealed_new, "r") == b"new"
    with pytest.raises(KekError):
        ring.add(generate_kek(), "2026")  # an id names one key forever


def test_ring_refuses_bad_keys() -> None:
    with pytest.raises(KekError):
        KekRing.single(b"short")
    with pytest.raises(KekError):
        KekRing.single(KEY, "bad id!")
    with pytest.raises(KekError):
        KekRing().seal(b"x", "r")


# -- text forms and the environment ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        KEY.hex(),
        KEY.hex().upper(),
        base64.b64encode(KEY).decode(),
        base64.b64encode(KEY).decode().rstrip("="),
        base64.urlsafe_b64encode(KEY).decode(),
        f"  {KEY.hex()}\n",
    ],
)
def test_key_text_forms(text: str) -> None:
    ring = parse_kek_text(text)
    assert len(ring) == 1
    assert ring.open(KekRing.single(KEY).seal(b"p", "r"), "r") == b"p"


@pytest.mark.parametrize(
    "text",
    ["", "   ", KEY.hex()[:-2], KEY.hex() + "00", "zz" * 32, base64.b64encode(KEY[:31]).decode(),
     "bad id!:" + KEY.hex(), "!!!!"],
)  # fmt: skip
def test_bad_key_text_refused_without_echo(text: str) -> None:
    with pytest.raises(KekError) as info:
        parse_kek_text(text, "$X")
    if len(text.strip()) > 8:
        assert text.strip() not in str(info.value)


def test_several_keys_last_seals() -> None:
    a, b = generate_kek(), generate_kek()
    ring = parse_kek_text(f"{format_kek(a, 'a')},\n{format_kek(b, 'b')}")
    assert ring.ids == ["a", "b"] and ring.current_id == "b"


def test_env_var_source() -> None:
    key = generate_kek()
    ring = load_kek(KekConfig(environ={ENV_VAR: format_kek(key)}, use_keyring=False))
    assert ring is not None and ring.open(KekRing.single(key).seal(b"x", "r"), "r") == b"x"
    with pytest.raises(KekError):
        load_kek(KekConfig(environ={ENV_VAR: "nonsense"}, use_keyring=False))


def test_nothing_available_starts_sealed(tmp_path) -> None:
    config = KekConfig(environ={}, file=tmp_path / "absent", use_keyring=False)
    assert load_kek(config) is None


# -- the key file ------------------------------------------------------------------------------


def test_key_file_0600_accepted(tmp_path) -> None:
    path = tmp_path / "kek"
    key = generate_kek()
    write_kek_file(path, format_kek(key))
    assert os.stat(path).st_mode & 0o777 == 0o600
    ring = load_kek(KekConfig(environ={}, file=path, use_keyring=False))
    assert ring is not None and ring.ids == [format_kek(key).split(":")[0]]
    os.chmod(path, 0o400)
    assert read_kek_file(path) is not None
    with pytest.raises(FileExistsError):
        write_kek_file(path, format_kek(key))


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o666, 0o700, 0o610, 0o4600])
def test_key_file_open_to_others_refused(tmp_path, mode: int) -> None:
    path = tmp_path / "kek"
    path.write_text(KEY.hex())
    os.chmod(path, mode)
    with pytest.raises(KekError, match="chmod 600") as info:
        load_kek(KekConfig(environ={}, file=path, use_keyring=False))
    assert KEY.hex() not in str(info.value)


@pytest.mark.skipif(not hasattr(os, "chown"), reason="POSIX ownership")
def test_key_file_of_another_user_refused(tmp_path) -> None:
    path = tmp_path / "kek"
    path.write_text(KEY.hex())
    os.chmod(path, 0o600)
    try:
        os.chown(path, os.getuid() + 1, -1)
    except PermissionError:
        pytest.skip("only root can give a file away")
    with pytest.raises(KekError, match="owned by uid"):
        read_kek_file(path)


def test_key_file_symlink_and_directory_refused(tmp_path) -> None:
    real = tmp_path / "real"
    real.write_text(KEY.hex())
    os.chmod(real, 0o600)
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(KekError):
        read_kek_file(link)
    with pytest.raises(KekError):
        read_kek_file(tmp_path)


def test_malformed_key_file_refused(tmp_path) -> None:
    path = tmp_path / "kek"
    path.write_bytes(b"\xff\xfe garbage")
    os.chmod(path, 0o600)
    with pytest.raises(KekError):
        read_kek_file(path)


def test_env_wins_over_file(tmp_path) -> None:
    path = tmp_path / "kek"
    write_kek_file(path, format_kek(generate_kek(), "file"))
    ring = load_kek(KekConfig(environ={ENV_VAR: format_kek(KEY, "env")}, file=path))
    assert ring is not None and ring.ids == ["env"]


# -- the OS keyring (monkeypatched: no test touches the real keychain) -------------------------


def test_keyring_source(monkeypatch) -> None:
    stored = {("splitkey-cosigner", "kek"): format_kek(KEY, "kr")}
    monkeypatch.setattr(keyring, "get_password", lambda s, u: stored.get((s, u)))
    ring = load_kek(KekConfig(environ={}))
    assert ring is not None and ring.ids == ["kr"]
    stored.clear()
    assert load_kek(KekConfig(environ={})) is None


def test_no_keyring_backend_starts_sealed(monkeypatch) -> None:
    def fail(service: str, username: str) -> str:
        raise NoKeyringError("no backend")

    monkeypatch.setattr(keyring, "get_password", fail)
    assert load_kek(KekConfig(environ={})) is None
