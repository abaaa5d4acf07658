"""app/files.py: a private file is replaced whole or not at all, readable by its owner only,
and the rename is made durable by an fsync of its directory. app/addresses.py: the loopback
rule both the client and the server apply."""

from __future__ import annotations

import os
import stat

import pytest

from app.addresses import is_loopback_host
from app.files import write_private_atomic


def test_the_file_is_replaced_whole_and_private(tmp_path):
    path = tmp_path / "session.json"
    path.write_bytes(b"old")
    path.chmod(0o644)
    write_private_atomic(path, b"new contents")
    assert path.read_bytes() == b"new contents"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["session.json"]  # no temporary left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "kek.key"
    path.write_bytes(b"the old ring")
    with pytest.raises(TypeError):
        write_private_atomic(path, "text, not bytes")  # fails after the temporary was made
    assert path.read_bytes() == b"the old ring"
    assert [p.name for p in tmp_path.iterdir()] == ["kek.key"]


def test_the_directory_is_fsynced_after_the_rename(tmp_path, monkeypatch):
    # Whether the rename reached the disk cannot be observed without a power cut; what can be
    # is that the directory itself was fsynced, after the new name was in place.
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            synced.append(sorted(os.listdir(tmp_path)))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    write_private_atomic(tmp_path / "state.json", b"{}")
    assert synced == [["state.json"]]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True),
     ("[::1]", True), ("0.0.0.0", False), ("::", False), ("10.0.0.1", False),
     ("cosigner.example.org", False), ("localhost.example.org", False), ("", False)],
)  # fmt: skip
def test_loopback_hosts(host, loopback):
    assert is_loopback_host(host) is loopback
