"""No administrators left (issue 16, F5): administrators disabling each other at the same moment
leave one enabled, and `splitkey-cosigner users recover-admin` is the documented way back for a
data directory that has none (local, server stopped, recorded in the audit log)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading

import httpx

from .admin_cli_helpers import REPO, free_port, init, run, server_env, wait_for_health


def test_administrators_disabling_each_other_at_once_leave_one(cosigner):
    admins = [cosigner.add_user(f"admin{n}", role="admin") for n in range(6)]
    start = threading.Barrier(len(admins))
    statuses: list[int] = []

    def disable_the_others(token: str) -> None:
        with httpx.Client(base_url=cosigner.url, headers=cosigner.headers(token)) as http:
            start.wait()
            for other, _ in admins:
                answer = http.post(f"/v1/admin/users/{other.id}/enabled", json={"enabled": False})
                statuses.append(answer.status_code)

    threads = [threading.Thread(target=disable_the_others, args=(t,)) for _, t in admins]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    users = cosigner.call(cosigner.state.storage.list_users())
    assert [u.role for u in users if u.enabled] == ["admin"], statuses
    assert 409 in statuses  # someone was told "the last enabled administrator"


def test_recover_admin_brings_back_a_server_with_no_administrator(tmp_path):
    data = tmp_path / "srv"
    made = init(data, "--no-tls", "--json")
    assert made.code == 0, made.err
    # The state F5 used to produce (concurrent disables): written directly, server stopped.
    with sqlite3.connect(data / "cosigner.db") as db:
        db.execute("UPDATE users SET enabled = 0")
    refused = run("users", "list", "--data-dir", str(data))
    assert refused.code != 0 and "recover-admin" in refused.err

    result = run("users", "recover-admin", "rescue", "--data-dir", str(data), "--json")
    assert result.code == 0, result.err
    code = result.json()["enrollment_code"]
    assert result.json()["user"]["role"] == "admin"
    shown = run("audit", "show", "--data-dir", str(data), "--json")
    assert "admin_recovered" in shown.out
    assert run("audit", "verify", "--data-dir", str(data)).code == 0
    again = run("users", "recover-admin", "second", "--data-dir", str(data))
    assert again.code != 0 and "is enabled" in again.err  # only when none is left

    port = free_port()
    with open(data / "config.toml", "a") as config:
        config.write(f"port = {port}\n")
    serve = [sys.executable, "-m", "cosigner_server", "serve", "--data-dir", str(data)]
    proc = subprocess.Popen(serve, env=server_env(), cwd=REPO, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, proc)
        # with the server running, recovery refuses: the audit log has one writer
        with sqlite3.connect(data / "cosigner.db") as db:
            db.execute("UPDATE users SET enabled = 0")
        busy = run("users", "recover-admin", "third", "--data-dir", str(data))
        assert busy.code != 0 and "stop it first" in busy.err
        with sqlite3.connect(data / "cosigner.db") as db:
            db.execute("UPDATE users SET enabled = 1 WHERE subject = 'rescue'")
        token = httpx.post(url + "/v1/auth/enroll", json={"code": code}).json()["token"]
        listed = httpx.get(url + "/v1/admin/users", headers={"Authorization": f"Bearer {token}"})
        assert listed.status_code == 200, listed.text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
