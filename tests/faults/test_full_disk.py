"""A full disk under the database, then under the audit log: a small tmpfs (this suite runs as
root in CI; elsewhere the tmpfs tests skip and say why, and the /dev/full audit test still runs).

While the disk is full: every write answers 503 with the API's error shape (no traceback), reads
keep answering 200; when space comes back the same process serves writes again (no restart), and
after a kill -9 and a restart nothing acknowledged is missing."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest

from .harness import Load, Server, check_acknowledged, record_figures, sizes


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "8m"):
    path.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(
            "cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN: "
            f"{done.stderr.strip() or done.returncode}); the /dev/full audit test still runs"
        )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(directory: Path) -> Path:
    """Write a file until the file system says ENOSPC; returns it (delete it to free space)."""
    filler = directory / f"filler-{uuid.uuid4().hex[:6]}"
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
        # The last few bytes too: a full disk, not a nearly full one.
        try:
            while True:
                out.write(b"\0" * 512)
        except OSError:
            pass
    return filler


def _empty_the_wal(server: Server) -> None:
    # A WAL that a checkpoint has reset is rewritten in place: writes would not need new
    # blocks and would succeed on a full disk. Start from an empty WAL so the next commit must
    # grow it, as on a disk that filled up while the WAL was already at its size.
    for path in (server.config.db_path, server.journal_path()):
        with contextlib.closing(sqlite3.connect(path, timeout=10)) as db:
            busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            assert busy == 0


def _writes_and_reads(server: Server, load: Load, *, audit_readable: bool = True) -> dict:
    """While the disk is full: writes 503 with the error shape, reads 200, no traceback.
    Counts what it saw; the callers assert on the counts after recording them."""
    statuses: dict[str, list[int]] = {"write": [], "read": []}
    durable: list[tuple[str, str]] = []
    tracebacks = 0
    wallet = max(load.wallets, key=lambda w: sum(s.wallet is w for s in load.active))
    split = next(s for s in load.active if s.wallet is wallet and s.share)
    victim = next(s for s in load.active if s.wallet is wallet and s is not split)
    # Its revocation answers 503 but may take effect (a revocation is never undone): sent.
    load.active.remove(victim)
    victim.revoking = True
    auth = load._auth(wallet)
    with server.http() as http:
        writes = [
            lambda: http.post(f"/v1/wallets/{wallet.client_id}/splits", json={"label": "x"},
                              headers=auth),
            lambda: http.post(f"/v1/splits/{victim.id}/revoke", headers=auth),
            lambda: http.post("/v1/wallets", json={}, headers=auth),
            lambda: http.post(f"/v1/wallets/{wallet.client_id}/freeze", json={"frozen": False},
                              headers=auth),
        ]  # fmt: skip

        # A file system counts blocks, not bytes: the room left in a file's last block (or a
        # WAL extended by a failed transaction) can still take a small transaction or record.
        # So a write on the full disk answers 503, or succeeds durably: then it is remembered
        # and looked for after the restart. Nothing else.
        def one(write) -> int:
            """The answer's status; a 503 without the error shape or Retry-After counts as 500,
            a success is remembered to be looked for after the restart."""
            nonlocal tracebacks
            answer = write()
            tracebacks += "Traceback" in answer.text
            if answer.status_code == 503:
                shaped = _error_code(answer) == "unavailable" and answer.headers.get("Retry-After")
                return 503 if shaped else 500
            if answer.status_code in (200, 201):
                data = answer.json()
                if "split" in data and data["split"]["label"] == "x":
                    durable.append(("split", data["split"]["id"]))
                elif "wallet" in data and "mnemonic" in data:
                    durable.append(("wallet", data["wallet"]["client_id"]))
            return answer.status_code

        # Use up that room first (bounded): until every kind failed in a row.
        in_a_row = attempts = 0
        while in_a_row < len(writes) and attempts < 80:
            in_a_row = in_a_row + 1 if one(writes[attempts % len(writes)]) == 503 else 0
            attempts += 1
        for write in writes * 3:
            statuses["write"].append(one(write))
        for _ in range(3):
            before = len(load.acks.cosigned)
            load._cosign(http, split)  # allow_503: a 503 is counted, anything else judged
            assert len(load.acks.cosigned) == before, "a co-sign was acknowledged on a full disk"
        reads = [
            lambda: http.get("/health"),
            lambda: http.get("/v1/wallets", headers=auth),
            lambda: http.get(f"/v1/wallets/{wallet.client_id}", headers=auth),
            lambda: http.get(f"/v1/wallets/{wallet.client_id}/splits", headers=auth),
            lambda: http.get(f"/v1/splits/{split.id}", headers=auth),
            lambda: http.get("/v1/splits", headers=auth),
        ]
        if audit_readable:  # /dev/full reads as endless zeros: not a log to page through
            reads.append(lambda: http.get(f"/v1/wallets/{wallet.client_id}/audit", headers=auth))
        for read in reads * 3:
            answer = read()
            tracebacks += "Traceback" in answer.text
            statuses["read"].append(answer.status_code)
    writes = statuses["write"]
    fitted = sum(status in (200, 201) for status in writes)
    return {
        "durable": durable,
        "writes_before_every_kind_failed": attempts,
        "writes": len(writes) + load.counts["503"],
        "writes_that_fitted_in_the_last_block": fitted,
        "writes_503": writes.count(503) + load.counts["503"],
        "writes_other": len(writes) - writes.count(503) - fitted,
        "reads": len(statuses["read"]),
        "reads_200": statuses["read"].count(200),
        "tracebacks_to_clients": tracebacks,
    }


def _error_code(answer) -> str | None:
    try:
        return answer.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def _assert_full_disk_answers(full: dict) -> None:
    """Writes answered 503 (most of them) or fitted durably; reads all 200; no traceback."""
    assert full["tracebacks_to_clients"] == 0, full
    assert full["writes_other"] == 0, full
    assert full["writes_503"] >= full["writes"] // 2, full
    assert full["reads_200"] == full["reads"] > 0, full


@pytest.mark.parametrize("where", ["database", "audit log"])
def test_full_disk(tmp_path, where):
    ops = sizes(60, 600)
    with tmpfs(tmp_path / "fs") as fs:
        settings = {"db_file": str(fs / "cosigner.db")} if where == "database" else {
            "audit_file": str(fs / "audit.log")
        }  # fmt: skip
        server = Server.init(tmp_path, **settings)
        server.start()
        load = Load(server, workers=3, seed=len(where), allow_503=True)
        try:
            load.setup(splits_per_wallet=3)
            load.run(ops)
            assert load.counts["503"] == 0 and not load.unexpected, load.unexpected
            with server.http() as http:  # a wallet with two active splits for the checks
                while max(sum(s.wallet is w for s in load.active) for w in load.wallets) < 2:
                    load._issue(http, load.wallets[0])
            if where == "database":
                _empty_the_wal(server)
            filler = fill(fs)
            full = _writes_and_reads(server, load)
            load.run(ops // 2)  # mixed load on the full disk: successes or 503, nothing else
            full["mixed_load_503"] = load.counts["503"]
            full["unexpected_on_full_disk"] = len(load.unexpected)

            os.remove(filler)  # space is back: the same process writes again
            load.counts["503"] = 0
            load.run(ops)
            full["writes_503_after_space_returned"] = load.counts["503"]
            with server.http() as http:
                full["ready_after"] = http.get("/ready").status_code

            server.kill9()  # and nothing acknowledged was only in memory
            server.start()
            full["integrity_ok"] = server.integrity()
            full["audit_verifies"] = server.audit_verify().ok
            acknowledged = check_acknowledged(server, load.acks, strict=False)
            durable = full.pop("durable")
            found = 0
            with contextlib.closing(server.ro()) as db:
                for kind, key in durable:
                    table, column = (
                        ("splits", "id") if kind == "split" else ("wallets", "client_id")
                    )
                    sql = f"SELECT 1 FROM {table} WHERE {column} = ?"
                    found += db.execute(sql, (key,)).fetchone() is not None
        finally:
            if server.proc is not None and server.proc.poll() is None:
                server.stop()
    record_figures(
        f"full_disk_{where.replace(' ', '_')}",
        {
            **full,
            "tmpfs": "8m, filled to ENOSPC",
            "durable_writes": len(durable),
            "durable_found_after_restart": found,
            "acknowledged": acknowledged,
            "lost": acknowledged["lost"] + len(durable) - found,
            "violations": len(load.violations),
        },
    )
    _assert_full_disk_answers(full)
    assert not load.unexpected, load.unexpected[:5]
    assert not load.violations, load.violations[:5]
    assert full["writes_503_after_space_returned"] == 0, "writes refused after space came back"
    assert full["ready_after"] == 200
    assert full["integrity_ok"] and full["audit_verifies"]
    assert found == len(durable), f"{len(durable) - found} writes acknowledged on it lost"
    assert acknowledged["lost"] == 0, acknowledged["lost_examples"]
    assert acknowledged["duplicate_nonces"] == 0


def test_audit_log_on_dev_full_fails_closed(tmp_path):
    """Without a tmpfs: the audit log on /dev/full (every write ENOSPC). Writes answer 503,
    reads answer, no signature leaves."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    server = Server.init(tmp_path)
    server.start()
    load = Load(server, workers=1, seed=2, allow_503=True)
    load.setup()  # two active splits per wallet
    server.stop()
    config = server.data / "config.toml"
    config.write_text(config.read_text() + 'audit_file = "/dev/full"\n')
    server.start()
    try:
        full = _writes_and_reads(server, load, audit_readable=False)
    finally:
        server.stop()
    _assert_full_disk_answers(full)
    # /dev/full has no last block with room: every write fails.
    assert full["writes_that_fitted_in_the_last_block"] == 0 and full["writes_503"] >= 12
    assert not load.unexpected and not load.violations
