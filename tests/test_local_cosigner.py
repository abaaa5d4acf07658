""" "This computer": the bundled co-signer as a real child process (python -m cosigner_server),
initialised on first use, reached only over a Unix socket in its 0700 data directory, signed
into without a person, reused, stopped with SIGTERM, and stopped too when the app dies."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time

import keyring
import pytest
from keyring.backends import fail

from app.client import CosignerClient
from app.local_cosigner import (
    MAX_SOCKET_PATH,
    READY_FILE,
    STATE_FILE,
    LocalCosignerError,
    _alive,
    _check_private,
    _run_cli,
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


def _client(local, token=None) -> CosignerClient:
    return CosignerClient(local.url, token=token, unix_socket=local.unix_socket)


def _tcp_listening_inodes() -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if fields[3] == "0A":  # LISTEN
                    inodes.add(fields[9])
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    return inodes


def _wait_gone(pid: int, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def test_first_run_initialises_serves_signs_in_and_stops(started, data_dir):
    local = _start(started, data_dir, kek_source="file")
    own = data_dir / "cosigner.sock"
    if len(os.fsencode(str(own))) <= MAX_SOCKET_PATH:
        assert local.unix_socket == str(own)
    else:  # a long temporary path (xdist): a private folder of its own instead
        assert os.path.basename(os.path.dirname(local.unix_socket)).startswith("splitkey-")
    assert local.owned and local.running()
    assert local.kek_source == "file" and local.note is None
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_ISSOCK(os.lstat(local.unix_socket).st_mode)
    assert stat.S_IMODE(os.lstat(local.unix_socket).st_mode) & 0o077 == 0
    state = json.loads((data_dir / STATE_FILE).read_text())
    assert stat.S_IMODE((data_dir / STATE_FILE).stat().st_mode) == 0o600
    assert state["pid"] == local.pid and state["admin_id"] == local.admin_id
    assert "code" not in json.dumps(state) and "token" not in json.dumps(state)

    # The ready file is how the app learns the server's state (not its log).
    ready = json.loads((data_dir / READY_FILE).read_text())
    assert stat.S_IMODE((data_dir / READY_FILE).stat().st_mode) == 0o600
    assert ready["pid"] == local.pid and ready["unix_socket"] == local.unix_socket
    assert ready["url"] == local.url and ready["tls_fingerprint"] is None

    # Signed in automatically with init's one-time code: the local user owns wallets.
    token = local.token()
    assert local.token() == token  # still fresh: no new sign-in
    with _client(local, token) as api:
        assert api.whoami().id == local.admin_id
        wallet = api.create_wallet().wallet

    process = local.process
    local.stop()
    assert process.returncode == 0  # SIGTERM: a clean shutdown, not a kill
    assert not local.running()
    assert not os.path.exists(local.unix_socket) and not (data_dir / READY_FILE).exists()
    if not local.unix_socket.startswith(str(data_dir)):
        assert not os.path.exists(os.path.dirname(local.unix_socket))  # no folder left behind
    assert "pid" not in json.loads((data_dir / STATE_FILE).read_text())

    # The next run starts it again on the same data and signs in with a fresh code from the
    # CLI (`enroll`): the first code was used once.
    again = _start(started, data_dir, kek_source="file")
    assert again.pid != local.pid and again.admin_id == local.admin_id
    with _client(again, again.token()) as api:
        assert [w.client_id for w in api.wallets().owned] == [wallet.client_id]
    assert again.token() != token


def test_it_listens_on_no_network_port(started, data_dir):
    # desktop-security-review 2a/H1: it used to listen on 127.0.0.1:<port>, which every local
    # account can connect to and, once the child died, listen on.
    local = _start(started, data_dir, kek_source="file")
    assert _socket_inodes(local.pid), "the child has its Unix socket open"
    assert not _socket_inodes(local.pid) & _tcp_listening_inodes()


def test_no_credential_goes_to_a_socket_it_did_not_start(started, data_dir):
    # H1: the child dies, something else answers where it listened; the app's next sign-in
    # must send nothing there.
    local = _start(started, data_dir, kek_source="file")
    local.token()
    os.kill(local.pid, signal.SIGKILL)
    local.process.wait(10)
    received = []
    impostor = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(local.unix_socket)
    impostor.bind(local.unix_socket)
    impostor.listen()
    impostor.settimeout(0.5)
    try:
        local._token_until = 0  # the owner token ran out
        with pytest.raises(LocalCosignerError, match="stopped .signal 9.; nothing was sent"):
            local.token()
        with contextlib.suppress(TimeoutError, socket.timeout):
            received.append(impostor.accept())
    finally:
        impostor.close()
    assert received == []

    # Retry starts our own server again, and only then is a token minted.
    local.restart()
    with _client(local, local.token()) as api:
        assert api.whoami().role == "admin"


def test_a_socket_others_could_reach_gets_no_credential(tmp_path):
    folder = tmp_path / "open"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(folder / "s.sock"))
    try:
        with pytest.raises(LocalCosignerError, match="open to other accounts"):
            _check_private(str(folder / "s.sock"))
        os.chmod(folder, 0o700)
        _check_private(str(folder / "s.sock"))
        if os.getuid() == 0:  # a socket another account made, in our folder
            os.chown(folder / "s.sock", 65534, 65534)
            with pytest.raises(LocalCosignerError, match="not this account's"):
                _check_private(str(folder / "s.sock"))
    finally:
        listener.close()


def test_a_running_server_is_reused(started, data_dir):
    first = _start(started, data_dir, kek_source="file")
    second = _start(started, data_dir)
    assert (second.pid, second.unix_socket) == (first.pid, first.unix_socket)
    assert second.token()  # each instance signs in on its own
    # The admin CLI reaches it over the socket too.
    status = _run_cli(
        ["status", "--data-dir", str(data_dir), "--unix-socket", first.unix_socket], None
    )
    assert status["ready"]["ready"] is True


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGHUP"])
def test_the_server_stops_when_the_app_dies(data_dir, how):
    # desktop-security-review M2: SIGTERM and SIGHUP ended the app but left an unsealed
    # server running with ppid 1. Its lifeline pipe closes however the app ends.
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from app.local_cosigner import start_local_cosigner
        local = start_local_cosigner({str(data_dir)!r}, kek_source="file")
        print(local.pid, flush=True)
        if signal.{how} != signal.SIGKILL:
            signal.signal(signal.{how}, signal.SIG_DFL)
        os.kill(os.getpid(), signal.{how})
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -getattr(signal, how), done.stderr
    orphan = int(done.stdout.split()[0])
    try:
        assert _wait_gone(orphan), "the co-signer outlived the app"
        assert not (data_dir / READY_FILE).exists()
    finally:
        if _alive(orphan):
            os.kill(orphan, signal.SIGKILL)


def test_a_dead_server_is_started_again(started, data_dir):
    first = _start(started, data_dir, kek_source="file")
    os.kill(first.pid, signal.SIGKILL)
    first.process.wait(10)
    second = _start(started, data_dir)
    assert second.pid != first.pid and second.running()
    with _client(second, second.token()) as api:
        assert api.whoami().id == first.admin_id


def test_a_long_data_directory_gets_its_socket_in_a_private_folder(started, tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60) / "cosigner"
    local = _start(started, deep, kek_source="file")
    assert not local.unix_socket.startswith(str(deep))
    folder = os.path.dirname(local.unix_socket)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    with _client(local, local.token()) as api:
        assert api.whoami().role == "admin"
    local.stop()
    assert not os.path.exists(folder)


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
    local.stop()
    (data_dir / "kek.key").rename(data_dir / "kek.key.away")  # its key is gone
    with pytest.raises(LocalCosignerError) as failed:
        start_local_cosigner(data_dir, timeout=20)
    assert "\n" not in str(failed.value) and "Traceback" not in str(failed.value)
    assert "kek" in str(failed.value).lower()


# -- the KEK in the real Secret Service ---------------------------------------------------------


@pytest.fixture
def secret_service_keyring(tmp_path, monkeypatch):
    """gnome-keyring on a bus of its own: the test deletes and restores KEKs, which other tests
    (an end-to-end run of "This computer") must not see in the shared session. The co-signer's
    child processes inherit the address."""
    from keyring.backends import SecretService

    with private_secret_service(tmp_path / "keyring") as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        before = keyring.get_keyring()
        backend = SecretService.Keyring()
        keyring.set_keyring(backend)
        try:
            yield backend
        finally:
            keyring.set_keyring(before)


def test_the_kek_lives_in_the_real_keyring(started, data_dir, secret_service_keyring):
    local = _start(started, data_dir)
    assert local.kek_source == "keyring" and local.note is None
    assert not (data_dir / "kek.key").exists()
    name = kek_keyring_username(load_config(data_dir))
    assert secret_service_keyring.get_password("splitkey-cosigner", name)
    with _client(local, local.token()) as api:
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
