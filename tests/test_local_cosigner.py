""" "This computer": the bundled co-signer as a real child process (python -m cosigner_server),
initialised on first use, signed into without a person, reused, and stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import httpx
import keyring
import pytest
from keyring.backends import fail

from app.client import CosignerClient
from app.local_cosigner import (
    STATE_FILE,
    LocalCosignerError,
    _alive,
    start_local_cosigner,
)
from cosigner_server.bootstrap import kek_keyring_username
from cosigner_server.config import load_config
from tests.helpers import REPO
from tests.secret_service import private_secret_service

pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "splitkey" / "cosigner"


@pytest.fixture
def started():
    """Every co-signer a test starts is stopped afterwards, whatever the test did."""
    made = []
    yield made
    for local in made:
        local.owned = True
        local.stop(timeout=10)


def _start(started, data_dir, **options):
    local = start_local_cosigner(data_dir, **options)
    started.append(local)
    return local


def test_first_run_initialises_serves_signs_in_and_stops(started, data_dir):
    local = _start(started, data_dir, kek_source="file")
    assert local.url.startswith("http://127.0.0.1:") and local.owned and local.running()
    assert local.kek_source == "file" and local.note is None
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    state = json.loads((data_dir / STATE_FILE).read_text())
    assert stat.S_IMODE((data_dir / STATE_FILE).stat().st_mode) == 0o600
    assert state["pid"] == local.pid and state["admin_id"] == local.admin_id
    assert "code" not in json.dumps(state) and "token" not in json.dumps(state)

    # Signed in automatically with init's one-time code: the local user owns wallets.
    token = local.token()
    assert local.token() == token  # still fresh: no new sign-in
    with CosignerClient(local.url, token=token) as api:
        assert api.whoami().id == local.admin_id
        wallet = api.create_wallet().wallet

    process = local.process
    local.stop()
    assert process.returncode == 0  # SIGTERM: a clean shutdown, not a kill
    assert not local.running()
    with pytest.raises(httpx.TransportError):
        httpx.get(local.url + "/health", timeout=2)
    assert "pid" not in json.loads((data_dir / STATE_FILE).read_text())

    # The next run starts it again on the same data and signs in with a fresh code from the
    # CLI (`enroll`): the first code was used once.
    again = _start(started, data_dir, kek_source="file")
    assert again.pid != local.pid and again.admin_id == local.admin_id
    with CosignerClient(again.url, token=again.token()) as api:
        assert [w.client_id for w in api.wallets().owned] == [wallet.client_id]
    assert again.token() != token


def test_a_running_server_is_reused(started, data_dir):
    first = _start(started, data_dir, kek_source="file")
    second = _start(started, data_dir)
    assert (second.pid, second.url) == (first.pid, first.url)
    assert second.token()  # each instance signs in on its own


def test_an_orphan_of_a_crashed_app_is_adopted_and_stopped_at_quit(started, data_dir):
    # Another app process starts the server, then dies without stopping it (SIGKILL: no
    # atexit). The next app reuses that server and, since its starter is gone, owns it.
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from app.local_cosigner import start_local_cosigner
        local = start_local_cosigner({str(data_dir)!r}, kek_source="file")
        print(local.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    orphan = int(done.stdout.split()[0])
    try:
        assert _alive(orphan)
        local = _start(started, data_dir)
        assert local.pid == orphan and local.owned
        with CosignerClient(local.url, token=local.token()) as api:
            assert api.whoami().role == "admin"
        local.stop()
        assert not _alive(orphan)
    finally:
        if _alive(orphan):
            os.kill(orphan, signal.SIGKILL)


def test_a_dead_server_is_started_again(started, data_dir):
    first = _start(started, data_dir, kek_source="file")
    os.kill(first.pid, signal.SIGKILL)
    first.process.wait(10)
    second = _start(started, data_dir)
    assert second.pid != first.pid and second.running()
    with CosignerClient(second.url, token=second.token()) as api:
        assert api.whoami().id == first.admin_id


def test_an_unsafe_keyring_puts_the_kek_in_a_private_file_with_a_note(started, data_dir):
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        local = _start(started, data_dir)
    finally:
        keyring.set_keyring(before)
    assert local.kek_source == "file"
    assert "keyring" in local.note and str(data_dir / "kek.key") in local.note
    assert stat.S_IMODE((data_dir / "kek.key").stat().st_mode) == 0o600
    with pytest.raises(LocalCosignerError, match="keyring cannot hold"):
        keyring.set_keyring(fail.Keyring())
        try:
            start_local_cosigner(data_dir.with_name("other"), kek_source="keyring")
        finally:
            keyring.set_keyring(before)


def test_a_foreign_data_directory_is_not_taken_over(started, data_dir, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cosigner_server",
            "init",
            "--data-dir",
            str(data_dir),
            "--kek-source",
            "file",
        ],  # fmt: skip
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0
    with pytest.raises(LocalCosignerError, match="did not set up"):
        start_local_cosigner(data_dir)


def test_start_up_failures_are_one_line_in_words(started, data_dir):
    local = _start(started, data_dir, kek_source="file")
    with pytest.raises(LocalCosignerError, match="cannot listen"):
        # Another server on the same data and port: the bind fails, the reason comes back.
        local.owned = False  # make the reuse check fail: pretend the state file is stale
        state = json.loads((data_dir / STATE_FILE).read_text())
        state["pid"] = 999_999_999
        (data_dir / STATE_FILE).write_text(json.dumps(state))
        start_local_cosigner(data_dir, port=int(local.url.rsplit(":", 1)[1]), timeout=20)


# -- the KEK in the real Secret Service ---------------------------------------------------------


@pytest.fixture
def secret_service_keyring(tmp_path, monkeypatch):
    """gnome-keyring on a bus of its own: the KEK has one fixed keyring name, and other tests
    (an end-to-end run of "This computer") may store theirs in the shared session meanwhile.
    The co-signer's child processes inherit the address."""
    from keyring.backends import SecretService

    with private_secret_service(tmp_path / "keyring") as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        before = keyring.get_keyring()
        backend = SecretService.Keyring()
        keyring.set_keyring(backend)
        try:
            assert not backend.get_password("splitkey-cosigner", "kek")
            yield backend
        finally:
            keyring.set_keyring(before)


def test_the_kek_lives_in_the_real_keyring(started, data_dir, secret_service_keyring):
    local = _start(started, data_dir)
    assert local.kek_source == "keyring" and local.note is None
    assert not (data_dir / "kek.key").exists()
    name = kek_keyring_username(load_config(data_dir))
    assert secret_service_keyring.get_password("splitkey-cosigner", name)
    with CosignerClient(local.url, token=local.token()) as api:
        api.create_wallet()
    local.stop()

    # A second co-signer keeps its KEK under its own name: neither replaces the other's.
    second = data_dir.with_name("second")
    other = _start(started, second)
    assert other.kek_source == "keyring" and other.note is None
    other_name = kek_keyring_username(load_config(second))
    assert other_name != name
    assert secret_service_keyring.get_password("splitkey-cosigner", other_name)
    other.stop()

    # Without its KEK the data cannot be opened: a clear refusal, not a sealed server.
    kek = secret_service_keyring.get_password("splitkey-cosigner", name)
    secret_service_keyring.delete_password("splitkey-cosigner", name)
    try:
        with pytest.raises(LocalCosignerError, match="key is not in your keyring"):
            start_local_cosigner(data_dir, timeout=20)
    finally:
        secret_service_keyring.set_password("splitkey-cosigner", name, kek)
    again = _start(started, data_dir)
    t0 = time.monotonic()
    assert again.token() and time.monotonic() - t0 < 30
