"""Restore onto a new machine, for both backends: the restored server starts and serves. A backup
never holds the TLS key, so restore makes a new certificate (and says the new fingerprint clients
must pin) or installs the old pair given with --tls-cert/--tls-key (the pinned fingerprint
stays). For PostgreSQL also the restore into the same database: the journal and the audit chain
are kept, revocations after the dump hold and co-signs after it stay counted."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from cosigner_server.tls import fingerprint_file
from tests.pg_cluster import Cluster, pg_cluster  # noqa: F401 (the fixture)

from .harness import Load, Server, check_acknowledged, run_cli, server_env
from .pg_replica_helpers import PgServer

TLS = {"tls_cert": "tls.crt", "tls_key": "tls.key"}


def _backup(server: Server, archive: Path) -> None:
    done = run_cli("backup", "--out", archive, "--data-dir", server.data, "--json")
    assert done.code == 0, done.err


def _kek_copy(server: Server, where: Path) -> Path:
    copy = where / "kek.copy"
    shutil.copyfile(server.data / "kek.key", copy)
    copy.chmod(0o600)
    return copy


def _serves(moved: Server, load: Load, in_backup) -> None:
    moved.start()
    try:
        assert moved.audit_verify().ok
        check_acknowledged(moved, in_backup)
        with moved.http() as http:
            assert http.get("/ready").status_code == 200
            for split in [s for s in load.active if s.share is not None][:3]:
                load._cosign(http, split)
            for split in load.revoked[:3]:
                load._revoked_sign(http, split)
        assert not load.violations and not load.unexpected, (load.violations, load.unexpected)
    finally:
        moved.stop()


@pytest.mark.slow
def test_sqlite_restore_on_a_new_machine_with_tls(tmp_path: Path) -> None:
    server = Server.init(tmp_path, **TLS)
    old_fingerprint = fingerprint_file(server.data / "tls.crt")
    server.start()
    load = Load(server, workers=2, seed=21)
    load.setup()
    load.run(30)
    archive = tmp_path / "b.tar.gz"
    _backup(server, archive)
    in_backup = load.acks.before(time.monotonic())
    server.stop()
    kek = _kek_copy(server, tmp_path)

    # A pair that does not belong together is refused before anything is written.
    other = Server.init(tmp_path, name="other", **TLS)
    mixed = run_cli("restore", "--from", archive, "--data-dir", tmp_path / "m", "--kek-file", kek,
                    "--tls-cert", server.data / "tls.crt", "--tls-key", other.data / "tls.key")
    assert mixed.code == 2 and "cannot be used" in mixed.err, mixed.err
    assert not (tmp_path / "m").exists()

    # Only the archive and the key: a NEW certificate, and its fingerprint is said.
    fresh = tmp_path / "fresh"
    done = run_cli("restore", "--from", archive, "--data-dir", fresh, "--kek-file", kek, "--json")
    assert done.code == 0, done.err
    tls = done.json()["tls"]
    assert tls["action"] == "made" and tls["fingerprint"] != old_fingerprint
    assert tls["fingerprint"] == fingerprint_file(fresh / "tls.crt")
    human = run_cli("restore", "--from", archive, "--data-dir", tmp_path / "fresh2",
                    "--kek-file", kek)  # fmt: skip
    assert human.code == 0 and "NEW" in human.out and "clients pin" in human.out
    _serves(Server(fresh, server.env), load, in_backup)

    # With the old certificate and key: the fingerprint clients pinned stays.
    kept = tmp_path / "kept"
    done = run_cli("restore", "--from", archive, "--data-dir", kept, "--kek-file", kek,
                   "--tls-cert", server.data / "tls.crt", "--tls-key", server.data / "tls.key",
                   "--json")  # fmt: skip
    assert done.code == 0, done.err
    assert done.json()["tls"]["action"] == "installed"
    assert done.json()["tls"]["fingerprint"] == old_fingerprint
    assert (kept / "tls.key").stat().st_mode & 0o777 == 0o600
    _serves(Server(kept, server.env), load, in_backup)


@pytest.mark.slow
@pytest.mark.postgres
def test_postgresql_backup_restore_and_a_new_machine(
    tmp_path: Path, pg_cluster: Cluster, monkeypatch  # noqa: F811
) -> None:
    url = pg_cluster.new_database()
    init = Server.init(tmp_path, name="A", database_url=url, **TLS)
    server = PgServer(init.data, init.env)
    server.start()
    load = Load(server, workers=2, seed=22)
    load.setup(splits_per_wallet=3)
    load.run(30)
    archive = tmp_path / "pg.tar.gz"
    _backup(server, archive)
    # After the dump: a revocation and a co-sign.
    with server.http() as http:
        target = load.active.pop(0)
        load._revoke(http, target)
        signer = load.active[0]
        load._cosign(http, signer)
    uses_after = _uses(server, signer)
    server.stop()

    # Restore into the same database: the journal and the chain stay, the dump's data returns,
    # and what happened after the dump is rolled forward.
    done = run_cli("restore", "--from", archive, "--data-dir", server.data, "--json")
    assert done.code == 0, done.err
    report = done.json()
    assert report["journal"].startswith("kept") and report["replayed"].get("cosign_transaction")
    server.start()
    try:
        assert server.integrity() and server.audit_verify().ok
        check_acknowledged(server, load.acks)
        with server.http() as http:
            load._revoked_sign(http, target)  # revoked after the dump: still revoked
        assert _uses(server, signer) == uses_after  # the late co-sign still counts
    finally:
        server.stop()
    assert not load.violations and not load.unexpected

    # A new machine: an empty database, an empty data directory, the archive and the key.
    url2 = pg_cluster.new_database()
    monkeypatch.setenv("SPLITKEY_COSIGNER_DATABASE_URL", url2)
    fresh = tmp_path / "fresh"
    done = run_cli("restore", "--from", archive, "--data-dir", fresh, "--kek-file",
                   _kek_copy(server, tmp_path), "--json")  # fmt: skip
    assert done.code == 0, done.err
    assert done.json()["journal"] == "restored from the dump"
    assert done.json()["tls"]["action"] == "made"
    moved = PgServer(fresh, server_env(SPLITKEY_COSIGNER_DATABASE_URL=url2))
    moved.start()
    try:
        assert moved.audit_verify().ok
        with moved.http() as http:
            assert http.get("/ready").status_code == 200
            for split in [s for s in load.active if s.share is not None][1:3]:
                load._cosign(http, split)
            for split in [s for s in load.revoked if s is not target][:3]:
                load._revoked_sign(http, split)
        assert not load.violations and not load.unexpected, (load.violations, load.unexpected)
    finally:
        moved.stop()


def _uses(server: Server, split) -> int:
    with server.http() as http:
        shown = http.get(f"/v1/splits/{split.id}", headers={
            "Authorization": f"Bearer {split.wallet.token}"})  # fmt: skip
    return shown.json()["split"]["uses"]
