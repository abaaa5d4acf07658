"""The admin CLI `splitkey-cosigner`: init in temporary data directories, `serve` as a real
subprocess on 127.0.0.1, and the admin commands against it through its HTTP API.

CLI commands other than `serve` run in-process through `cli.main` (a subprocess per command would
cost a second of imports each); a few run as subprocesses where what matters is what a shell
sees: exit codes with no traceback, and SIGTERM."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import ssl
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.client import certificate_fingerprint
from app.protocol.exit_codes import ExitStatus
from cosigner_server import cli
from cosigner_server.envelope import ENV_VAR

from .admin_cli_helpers import REPO, Result, free_port, init, run, server_env, wait_for_health


def one_line_error(text: str) -> bool:
    return (
        text.count("\n") == 1 and text.startswith("splitkey-cosigner") and "Traceback" not in text
    )


@pytest.fixture(autouse=True)
def _no_inherited_settings(monkeypatch):
    # A developer's exported SPLITKEY_COSIGNER_* must not leak into the in-process CLI.
    for name in list(os.environ):
        if name.startswith("SPLITKEY_COSIGNER_"):
            monkeypatch.delenv(name)


# -- init ------------------------------------------------------------------------------------------


def test_init_makes_a_private_data_dir_and_refuses_to_redo_it(tmp_path):
    data = tmp_path / "srv"
    result = init(data, "--admin", "alice", "--port", "18000")
    assert result.code == 0, result.err
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "kek.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "secrets.sealed").stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "tls.key").stat().st_mode) == 0o600
    assert 'kek_source = "file"' in (data / "config.toml").read_text()
    assert "port = 18000" in (data / "config.toml").read_text()
    # TLS by default: the URL is https and the certificate's fingerprint is shown.
    assert "https://127.0.0.1:18000" in result.out and str(data) in result.out
    assert (
        certificate_fingerprint(ssl.PEM_cert_to_DER_cert((data / "tls.crt").read_text()))
        in result.out
    )
    code = result.out.split("(shown once, valid 24 h): ")[1].split()[0]
    assert result.out.count(code) == 1
    # The KEK in a file is never printed.
    kek_value = (data / "kek.key").read_text().strip().split(":")[1]
    assert kek_value not in result.out + result.err

    before = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}
    again = init(data)
    assert again.code == 2 and "already initialised" in again.err
    assert one_line_error(again.err)
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()} == before


def test_init_with_kek_in_the_environment_shows_it_once(tmp_path, monkeypatch):
    data = tmp_path / "srv"
    result = init(data, "--kek-source", "env", "--json")
    assert result.code == 0, result.err
    shown = result.json()
    assert shown["kek_source"] == "env" and not (data / "kek.key").exists()
    assert shown["admin"]["role"] == "admin" and shown["enrollment_code"]
    # Without the key nothing opens...
    refused = run("audit", "verify", "--data-dir", str(data))
    assert refused.code == 2 and f"${ENV_VAR} is not set" in refused.err
    # ... with it, the chain (the enrollment record) verifies.
    monkeypatch.setenv(ENV_VAR, shown["kek"])
    ok = run("audit", "verify", "--data-dir", str(data))
    assert ok.code == 0 and "1 records verified" in ok.out


def test_init_validates_before_writing_anything(tmp_path):
    data = tmp_path / "srv"
    bad = init(data, "--chain-id", "abc")
    assert bad.code == 2 and "chain_id" in bad.err and one_line_error(bad.err)
    assert not data.exists()
    bad_port = init(data, "--port", "70000")
    assert bad_port.code == 2 and not data.exists()


def test_a_failed_init_leaves_nothing_behind(tmp_path, monkeypatch):
    from cosigner_server import identity

    async def broken(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(identity, "create_user", broken)
    data = tmp_path / "srv"
    result = init(data)
    assert result.code == 1 and "nothing was kept" in result.err and one_line_error(result.err)
    assert not data.exists()
    monkeypatch.undo()
    assert init(data).code == 0  # so running it again is the fix


def test_default_data_dir_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(cli.DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert run("init").code == 0
    assert (tmp_path / "from-env" / "secrets.sealed").is_file()


# -- serve refusals and errors that need no server --------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "example.com"])
def test_serve_refuses_a_non_loopback_address_without_tls(tmp_path, host):
    data = tmp_path / "srv"
    assert init(data, "--no-tls").code == 0
    result = run("serve", "--data-dir", str(data), "--host", host)
    assert result.code == 2 and "without TLS" in result.err and one_line_error(result.err)


def test_serve_refuses_an_uninitialised_dir(tmp_path):
    result = run("serve", "--data-dir", str(tmp_path / "nothing"))
    assert result.code == 2 and "not initialised" in result.err


def test_serve_refuses_a_kek_file_others_can_read(tmp_path):
    data = tmp_path / "srv"
    assert init(data, "--port", str(free_port())).code == 0
    os.chmod(data / "kek.key", 0o644)
    proc = subprocess.run(
        [sys.executable, "-m", "cosigner_server", "serve", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=server_env(),
        cwd=REPO,
        timeout=30,
    )
    assert proc.returncode == 1 and "not 0600" in proc.stderr
    assert one_line_error(proc.stderr.splitlines(keepends=True)[-1])
    assert "Traceback" not in proc.stderr
    assert run("users", "list", "--data-dir", str(data)).code == 2  # nor will it mint a token


def test_unreachable_server_is_exit_3_on_one_line(tmp_path):
    # A subprocess: what a shell sees, with no traceback anywhere.
    port = free_port()
    proc = subprocess.run(
        [sys.executable, "-m", "cosigner_server", "status", "--url", f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        env=server_env(),
        cwd=REPO,
        timeout=30,
    )
    assert proc.returncode == ExitStatus.UNREACHABLE and one_line_error(proc.stderr)
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "cosigner_server"],
        [str(Path(sys.executable).parent / "splitkey-cosigner")],
    ],
)
def test_entry_points(command):
    if not Path(command[0]).exists():
        pytest.skip("the console script is not installed in this environment")
    proc = subprocess.run(
        [*command, "--help"], capture_output=True, text=True, env=server_env(), timeout=30
    )
    assert proc.returncode == 0 and "audit" in proc.stdout and "Exit status: 0 ok" in proc.stdout


def test_bad_arguments_are_exit_2_on_one_line():
    result = run("users", "add")
    assert result.code == 2 and one_line_error(result.err)
    assert run("audit", "show", "--limit", "-1").code == 2
    assert run("audit", "verify", "--anchor", "x").code == 2  # before any file is read


# -- against a running server -------------------------------------------------------------------


@dataclass
class Server:
    data: Path
    url: str
    code: str  # the first admin's enrollment code
    proc: subprocess.Popen

    def cli(self, *argv: str) -> Result:
        command, rest = argv[0], argv[1:]
        if command in ("users", "audit", "wallets", "splits") and rest and rest[0] in (
            "list", "add", "disable", "enable", "show", "verify",
        ):  # fmt: skip
            command, rest = f"{command} {rest[0]}", rest[1:]
        return run(*command.split(), "--data-dir", str(self.data), *rest)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("cosigner") / "srv"
    port = free_port()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        argv = ["init", "--data-dir", str(data), "--port", str(port), "--json", "--no-tls"]
        assert cli.main(argv) == 0
    code = json.loads(out.getvalue())["enrollment_code"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "cosigner_server", "serve", "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=server_env(),
        cwd=REPO,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, proc)
        made = Server(data, url, code, proc)
        # An authenticated call the access log below must show without its token, whichever
        # of this module's tests this worker runs (pytest -n spreads them).
        listed = made.cli("users")
        assert listed.code == 0, listed.out + listed.err
        yield made
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read()
    # SIGTERM is a graceful stop: exit 0, nothing crashed on the way out.
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    # The access log has paths only: no query strings, no bearer tokens.
    assert "GET /v1/admin/users" in stderr and "Bearer" not in stderr and "eyJ" not in stderr


def user_token(server: Server, code: str) -> str:
    answer = httpx.post(server.url + "/v1/auth/enroll", json={"code": code}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def test_status_reports_health_and_readiness(server):
    result = server.cli("status")
    assert result.code == 0, result.err
    assert "ready:   yes" in result.out
    assert run("status", "--url", server.url, "--json").json()["ready"]["ready"] is True


def test_the_init_enrollment_code_signs_the_admin_in_once(server):
    token = user_token(server, server.code)
    me = httpx.get(
        server.url + "/v1/auth/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert me.json()["user"]["role"] == "admin"
    again = httpx.post(server.url + "/v1/auth/enroll", json={"code": server.code}, timeout=10)
    assert again.status_code == 401


def test_users_add_disable_enable_and_enroll(server):
    added = server.cli("users", "add", "carol", "--json")
    assert added.code == 0, added.err
    user = added.json()["user"]
    assert user["role"] == "user" and user["enabled"]
    token = user_token(server, added.json()["enrollment_code"])
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(server.url + "/v1/auth/whoami", headers=auth, timeout=10).status_code == 200

    disabled = server.cli("users", "disable", user["id"])
    assert disabled.code == 0 and "NO" in disabled.out
    assert httpx.get(server.url + "/v1/auth/whoami", headers=auth, timeout=10).status_code == 401
    listed = server.cli("users", "list", "--json").json()["users"]
    assert {u["subject"]: u["enabled"] for u in listed}["carol"] is False

    assert server.cli("users", "enable", user["id"]).code == 0
    fresh = server.cli("enroll", user["id"])
    assert fresh.code == 0
    new_code = fresh.out.rsplit(": ", 1)[1].strip()
    assert user_token(server, new_code)

    # Requests the server refuses: exit 3 (refused) with its message on one line.
    missing = server.cli("users", "disable", "u_nobody")
    assert (
        missing.code == ExitStatus.REFUSED
        and "no such user" in missing.err
        and one_line_error(missing.err)
    )
    dup = server.cli("users", "add", "carol")
    assert dup.code == ExitStatus.REFUSED and "exists" in dup.err
    not_admin = server.cli("users", "list", "--admin-id", user["id"])
    assert not_admin.code == 2 and "not an enabled admin" in not_admin.err


def test_wallets_splits_revoke_freeze_stats(server):
    added = server.cli("users", "add", "dave", "--json").json()
    auth = {"Authorization": f"Bearer {user_token(server, added['enrollment_code'])}"}
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
        wallet = http.post("/v1/wallets", json={}).json()["wallet"]
        client_id = wallet["client_id"]
        splits = [
            http.post(f"/v1/wallets/{client_id}/splits", json={"label": f"device {i}"}).json()
            for i in range(2)
        ]
    split_ids = [s["split"]["id"] for s in splits]

    wallets = server.cli("wallets", "--json").json()["wallets"]
    assert client_id in {w["client_id"] for w in wallets}
    assert client_id in server.cli("wallets", "list").out

    mine = server.cli("splits", "--wallet", client_id, "--json").json()["splits"]
    assert sorted(s["id"] for s in mine) == sorted(split_ids)
    assert {s["status"] for s in mine} == {"active"}
    assert server.cli("splits", "--wallet", "nope", "--json").json()["splits"] == []

    revoked = server.cli("revoke", split_ids[0])
    assert revoked.code == 0 and "revoked" in revoked.out
    assert server.cli("revoke", split_ids[0]).code == 0  # idempotent
    statuses = {
        s["id"]: s["status"]
        for s in server.cli("splits", "list", "--wallet", client_id, "--json").json()["splits"]
    }
    assert statuses == {split_ids[0]: "revoked", split_ids[1]: "active"}
    assert server.cli("revoke", "sp_nothing").code == ExitStatus.REFUSED

    frozen = server.cli("freeze", client_id, "--json")
    assert frozen.code == 0 and frozen.json()["wallet"]["frozen"] is True
    assert server.cli("freeze", client_id, "--off", "--json").json()["wallet"]["frozen"] is False

    stats = server.cli("stats", "--json").json()
    assert stats["wallets"] >= 1 and stats["splits"]["revoked"] >= 1
    assert "wallets:" in server.cli("stats").out

    trail = server.cli("audit", "show", "--wallet", client_id, "--json").json()["records"]
    events = [r["event"] for r in trail]
    assert {"wallet_created", "split_created", "split_revoked", "wallet_frozen"} <= set(events)
    # Admin actions are attributed to the admin the CLI acted as.
    users = server.cli("users", "list", "--json").json()["users"]
    (admin_id,) = [u["id"] for u in users if u["role"] == "admin"]
    assert {r["actor"] for r in trail if r["event"] == "split_revoked"} == {admin_id}
    assert all(r["wallet"] == client_id for r in trail)


def test_no_admin_token_or_secret_reaches_the_output(server):
    for argv in (("users", "list"), ("wallets",), ("splits",), ("stats",), ("status",)):
        result = server.cli(*argv)
        assert result.code == 0
        assert "eyJ" not in result.out + result.err  # a JWT's first characters


def test_audit_verify_ok_then_detects_a_hand_edit(server, tmp_path):
    added = server.cli("users", "add", "erin")  # something recent in the chain
    assert added.code == 0, added.out + added.err
    ok = server.cli("audit", "verify", "--json")
    assert ok.code == 0, ok.out + ok.err
    report = ok.json()
    assert report["ok"] and report["records"] >= 2  # the first admin's, and erin's
    head = f"{report['head'][0]}:{report['head'][1]}"

    # Edit a copy, so the live server's own chain stays intact for the other tests.
    copy = tmp_path / "copy"
    copy.mkdir(mode=0o700)
    for name in ("config.toml", "kek.key", "secrets.sealed", "audit.log"):
        (copy / name).write_bytes((server.data / name).read_bytes())
        os.chmod(copy / name, 0o600)
    lines = (copy / "audit.log").read_bytes().splitlines(keepends=True)
    assert b'"outcome":"ok"' in lines[1]
    lines[1] = lines[1].replace(b'"outcome":"ok"', b'"outcome":"no"')
    (copy / "audit.log").write_bytes(b"".join(lines))

    bad = run("audit", "verify", "--data-dir", str(copy))
    assert bad.code == 1
    assert "PROBLEM at seq 2" in bad.out and "1 records verified" in bad.out
    detail = run("audit", "verify", "--data-dir", str(copy), "--json").json()
    assert detail["ok"] is False and detail["first_bad_seq"] == 2

    # Records cut cleanly off the end verify as a chain; the anchor catches it.
    (copy / "audit.log").write_bytes(b"".join(lines[:1]))
    assert run("audit", "verify", "--data-dir", str(copy)).code == 0
    cut = run("audit", "verify", "--data-dir", str(copy), "--anchor", head)
    assert cut.code == 1 and "truncated" in cut.out


def test_sealed_server_is_reported_not_ready(tmp_path):
    """A server whose KEK is absent starts sealed: status says so and exits 1."""
    data = tmp_path / "srv"
    port = free_port()
    assert init(data, "--kek-source", "env", "--port", str(port), "--no-tls").code == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "cosigner_server", "serve", "--data-dir", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=server_env(),
        cwd=REPO,
    )
    try:
        wait_for_health(f"http://127.0.0.1:{port}", proc)
        result = run("status", "--data-dir", str(data))
        assert result.code == 1 and "SEALED" in result.out
        # Admin commands cannot even mint a token without the KEK.
        assert run("users", "list", "--data-dir", str(data)).code == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_with_tls_the_cli_pins_the_data_dirs_certificate(tmp_path):
    data = tmp_path / "srv"
    port = free_port()
    assert init(data, "--port", str(port)).code == 0  # TLS by default: init made the certificate
    proc = subprocess.Popen(
        [sys.executable, "-m", "cosigner_server", "serve", "--data-dir", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=server_env(),
        cwd=REPO,
    )
    try:
        stop = time.monotonic() + 30
        while run("status", "--data-dir", str(data)).code == ExitStatus.UNREACHABLE and (
            time.monotonic() < stop
        ):
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.1)
        status = run("status", "--data-dir", str(data), "--json")
        assert status.code == 0 and status.json()["url"] == f"https://127.0.0.1:{port}"
        users = run("users", "list", "--data-dir", str(data), "--json")
        assert users.code == 0 and users.json()["users"][0]["role"] == "admin"
        # Plain HTTP to a TLS port gets no answer a client could mistake for the server's.
        plain = run("status", "--url", f"http://127.0.0.1:{port}")
        assert plain.code != 0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0
