"""Key rotation across replicas on one PostgreSQL (issue 10): every replica records which KEK ids
its ring holds (splitkey_journal.replicas, the database's clock). A new key given to replica A
only is sealed under by no one and re-seals nothing, and `rotate-kek` and `--retire` are refused
naming replica B, until B holds it too; a replica dead for longer than the live window no longer
blocks. Two real `serve` processes, as in test_pg_replicas_http.py."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import psycopg
import pytest

from cosigner_server.envelope import read_kek_file
from cosigner_server.kek_rotation import REPLICA_LIVE_WINDOW
from tests.pg_cluster import Cluster, pg_cluster  # noqa: F401 (the fixture)

from .harness import Load, Server, run_cli
from .pg_replica_helpers import PgServer, _replica_of

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _name(server: Server) -> str:
    return f"{socket.gethostname()}:{server.config.port}"  # kek_rotation.replica_id


def _shared_key(url: str) -> str:
    """The KEK id the shared server secrets are sealed under (the envelope header's id)."""
    with psycopg.connect(url) as db:
        blob = bytes(db.execute("SELECT sealed FROM splitkey_journal.server_secrets").fetchone()[0])
    return blob[2 : 2 + blob[1]].decode("ascii")


def _ready(server: Server) -> int:
    with server.http() as http:
        return http.get("/ready").status_code


def test_a_new_key_is_used_only_once_every_live_replica_holds_it(
    tmp_path: Path,
    pg_cluster: Cluster,  # noqa: F811
) -> None:
    url = pg_cluster.new_database()
    init = Server.init(tmp_path, name="A", database_url=url)
    a = PgServer(init.data, init.env)
    b = _replica_of(a, tmp_path, "B")
    old = read_kek_file(a.data / "kek.key").current_id
    a.start()
    b.start()
    try:
        Load(a, workers=1, seed=3).setup(splits_per_wallet=2)  # sealed records to re-seal
        with psycopg.connect(url) as db:
            rows = dict(db.execute("SELECT replica_id, kek_ids FROM splitkey_journal.replicas"))
        assert rows == {_name(a): [old], _name(b): [old]}

        # The new key on A only: A holds it, seals and re-seals nothing under it, names B.
        refused = run_cli("rotate-kek", "--data-dir", a.data)
        new = read_kek_file(a.data / "kek.key").current_id
        assert new != old
        assert refused.code != 0, refused.out + refused.err
        assert "refused" in refused.err and _name(b) in refused.err and new in refused.err
        assert _shared_key(url) == old and _ready(b) == 200  # B still opens everything
        status = run_cli("rotate-kek", "--reload", "--data-dir", a.data, "--json")
        assert status.code != 0 and _name(b) in status.err  # asked again: still waiting for B
        retire = run_cli("rotate-kek", "--retire", "--data-dir", a.data)
        assert retire.code != 0 and "--retire refused" in retire.err and _name(b) in retire.err
        assert set(read_kek_file(a.data / "kek.key").ids) == {old, new}  # nothing dropped

        # B given the new ring and reloaded: it re-seals; A follows (heartbeat or rotate-kek).
        shutil.copy2(a.data / "kek.key", b.data / "kek.key")
        reloaded = run_cli("rotate-kek", "--reload", "--data-dir", b.data, "--json")
        assert reloaded.code == 0, reloaded.out + reloaded.err
        assert reloaded.json()["current"] == new
        resumed = run_cli("rotate-kek", "--data-dir", a.data, "--json")
        assert resumed.code == 0, resumed.out + resumed.err
        assert resumed.json()["current"] == new and not resumed.json()["old_keys_in_use"]
        assert _shared_key(url) == new and _ready(a) == 200 and _ready(b) == 200
        retired = run_cli("rotate-kek", "--retire", "--data-dir", a.data, "--json")
        assert retired.code == 0, retired.out + retired.err
        assert read_kek_file(a.data / "kek.key").ids == [new]

        # A third key on A; B dies (SIGKILL: its row stays). Within the live window it still
        # blocks; once older than the window it does not.
        again = run_cli("rotate-kek", "--data-dir", a.data)
        third = read_kek_file(a.data / "kek.key").current_id
        assert again.code != 0 and _name(b) in again.err
        b.kill9()
        assert run_cli("rotate-kek", "--data-dir", a.data).code != 0
        with psycopg.connect(url) as db:
            db.execute(
                "UPDATE splitkey_journal.replicas SET seen_at = now() - make_interval(secs => %s)"
                " WHERE replica_id = %s",
                (REPLICA_LIVE_WINDOW + 1, _name(b)),
            )
        done = run_cli("rotate-kek", "--data-dir", a.data, "--json")
        assert done.code == 0, done.out + done.err
        assert done.json()["current"] == third and not done.json()["old_keys_in_use"]
        assert _shared_key(url) == third
        retired = run_cli("rotate-kek", "--retire", "--data-dir", a.data)
        assert retired.code == 0, retired.out + retired.err
        assert read_kek_file(a.data / "kek.key").ids == [third]
    finally:
        if b.proc is not None and b.proc.poll() is None:
            b.stop()
        a.stop()


def test_a_cleanly_stopped_replica_leaves_the_table(tmp_path: Path, pg_cluster: Cluster) -> None:  # noqa: F811
    url = pg_cluster.new_database()
    init = Server.init(tmp_path, name="A", database_url=url)
    a = PgServer(init.data, init.env)
    b = _replica_of(a, tmp_path, "B")
    a.start()
    b.start()
    try:
        b.stop()
        with psycopg.connect(url) as db:
            ids = [r[0] for r in db.execute("SELECT replica_id FROM splitkey_journal.replicas")]
        assert ids == [_name(a)]
        rotated = run_cli("rotate-kek", "--data-dir", a.data, "--json")
        assert rotated.code == 0, rotated.out + rotated.err
    finally:
        a.stop()
