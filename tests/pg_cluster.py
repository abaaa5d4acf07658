"""A throw-away PostgreSQL cluster for the tests: private directory, Unix socket only (no TCP, so
parallel test workers never collide), fsync off. initdb refuses to run as root, so as root the
server runs as the `postgres` user. Skips (only) when PostgreSQL's server binaries are absent.

Use the `pg_cluster` fixture (session scope, import it into a test module) and
`pg_cluster.new_database()` for an empty database per test.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

PORT = 5432  # names the socket file only: listen_addresses is empty


def server_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if found:
        return Path(found[-1])
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Cluster:
    def __init__(self, bindir: Path) -> None:
        self.bin = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="splitkey-pg-"))
        self.as_root = os.geteuid() == 0
        self._names = itertools.count(1)
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self.dir.chmod(0o700)
        self.user = "postgres" if self.as_root else os.environ.get("USER", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            user="postgres" if self.as_root else None,
            cwd=self.dir,
        )

    def start(self, durable: bool = False) -> None:
        """durable=True keeps PostgreSQL's defaults (fsync, synchronous_commit): for figures."""
        data = self.dir / "data"
        self._run("initdb", "-D", str(data), "-U", self.user, "-A", "trust", "--no-sync",
                  "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        options = (
            f"-k {self.dir} -p {PORT} -c listen_addresses='' -c max_connections=200 "
            "-c track_commit_timestamp=on"
        )
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(data), "-l", str(self.dir / "server.log"), "-w", "-t", "30",
                  "-o", options, "start")  # fmt: skip

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql:///{dbname}?host={self.dir}&port={PORT}&user={self.user}"

    def new_database(self) -> str:
        """An empty database of its own; returns its URL."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def tool(self, name: str) -> str:
        """The path of a client tool of the same version (pg_dump, pg_restore, psql)."""
        return str(self.bin / name)


@pytest.fixture(scope="session")
def pg_cluster():
    bindir = server_bin()
    if bindir is None or not (bindir / "initdb").exists():
        pytest.skip("PostgreSQL's server binaries are not installed (apt-get install postgresql)")
    cluster = Cluster(bindir)
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        cluster.stop()
        raise RuntimeError(f"could not start a private PostgreSQL: {exc.stderr!r}") from None
    try:
        yield cluster
    finally:
        cluster.stop()
