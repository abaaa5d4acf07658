"""PostgresStorage: the whole conformance suite on a private PostgreSQL cluster
(tests/pg_cluster.py), once as is and once with the race hook widening every check-to-write
window (without it the concurrency tests pass even with the row locks removed); plus what only
PostgreSQL has (migrations under an advisory lock, the database clock, the journal schema a data
restore leaves alone)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import psycopg
import pytest

from cosigner_server.storage.base import StorageError
from cosigner_server.storage.postgres import JOURNAL_SCHEMA, MIGRATIONS, SCHEMA, PostgresStorage
from tests.pg_cluster import Cluster, pg_cluster  # noqa: F401 (the fixture)

from .storage_conformance import T0, StorageConformance, allow, split, user, wallet

pytestmark = pytest.mark.postgres


async def widen(_op: str) -> None:
    await asyncio.sleep(0.003)


class PgBackups:
    """pg_dump of the whole database; restore replaces only the data schema (pg_restore -n), as an
    operator restores a dump: the journal schema stays and open() re-applies it."""

    def __init__(self, cluster: Cluster, url: str, where: Path) -> None:
        self.cluster, self.url, self.where, self.n = cluster, url, where, 0

    async def backup(self, storage: PostgresStorage) -> Path:
        self.n += 1
        dest = self.where / f"backup-{self.n}.dump"
        await asyncio.to_thread(
            subprocess.run,
            [self.cluster.tool("pg_dump"), "-Fc", "-f", str(dest), "-d", self.url],
            check=True,
        )
        return dest

    async def restore(self, token: Path) -> None:
        await asyncio.to_thread(
            subprocess.run,
            [self.cluster.tool("pg_restore"), "--clean", "--if-exists", "-n", SCHEMA,
             "-d", self.url, str(token)],
            check=True,
        )  # fmt: skip


class TestPostgresConformance(StorageConformance):
    race_hook = None

    @pytest.fixture
    def url(self, pg_cluster: Cluster) -> str:  # noqa: F811
        return pg_cluster.new_database()

    @pytest.fixture
    def open_storage(self, url: str):
        async def open_() -> PostgresStorage:
            storage = PostgresStorage(url, race_hook=self.race_hook)
            await storage.open()
            return storage

        return open_

    @pytest.fixture
    def backups(self, pg_cluster: Cluster, url: str, tmp_path: Path) -> PgBackups:  # noqa: F811
        return PgBackups(pg_cluster, url, tmp_path)


class TestPostgresConformanceRacing(TestPostgresConformance):
    race_hook = staticmethod(widen)


async def test_replicas_starting_together_migrate_once(pg_cluster: Cluster) -> None:  # noqa: F811
    url = pg_cluster.new_database()
    replicas = [PostgresStorage(url, pool_size=2) for _ in range(4)]
    await asyncio.gather(*(r.open() for r in replicas))
    try:
        with psycopg.connect(url) as conn:
            versions = conn.execute(
                f"SELECT version FROM {SCHEMA}.schema_migrations ORDER BY version"
            ).fetchall()
        assert versions == [(v,) for v in range(1, len(MIGRATIONS) + 1)]  # each exactly once
        await replicas[0].add_user(user(1))
        assert await replicas[3].get_user("u1") == user(1)
    finally:
        await asyncio.gather(*(r.close() for r in replicas))


async def test_window_counts_from_the_database_clock(pg_cluster: Cluster) -> None:  # noqa: F811
    storage = PostgresStorage(pg_cluster.new_database())
    await storage.open()
    try:
        await storage.add_user(user(1))
        await storage.add_wallet(wallet(1))
        await storage.add_split(split(1))
        seen = []
        result = await storage.consume("s1", "r1", None, 0, None, lambda s: seen.append(s.now))
        db_now = await storage.now()
        assert result.sealed_server_share is not None
        assert db_now - 5 <= seen[0] <= db_now
        assert (await storage.get_split("s1")).last_used == seen[0]
    finally:
        await storage.close()


async def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    storage = PostgresStorage(f"postgresql:///x?host={tmp_path}&port=1&connect_timeout=1")
    with pytest.raises(StorageError, match="cannot connect to PostgreSQL"):
        await storage.open()


async def test_journal_lives_in_its_own_schema(pg_cluster: Cluster) -> None:  # noqa: F811
    url = pg_cluster.new_database()
    storage = PostgresStorage(url)
    await storage.open()
    try:
        await storage.add_user(user(1))
        await storage.add_wallet(wallet(1))
        await storage.add_split(split(1))
        await storage.consume("s1", "r1", None, 0, T0, allow)
        await storage.revoke_split("s1", T0 + 1)
        with psycopg.connect(url) as conn:
            rows = conn.execute(f"SELECT split_id FROM {JOURNAL_SCHEMA}.revocations").fetchall()
        assert rows == [("s1",)]
    finally:
        await storage.close()


async def test_shared_secrets_and_the_replica_kek_check(pg_cluster: Cluster) -> None:  # noqa: F811
    from types import SimpleNamespace

    from cosigner_server.bootstrap import SECRETS_RECORD
    from cosigner_server.envelope import format_kek, generate_kek, parse_kek_text
    from cosigner_server.kek_rotation import holds_shared_key

    old, new = (parse_kek_text(format_kek(generate_kek())) for _ in range(2))
    storage = PostgresStorage(pg_cluster.new_database())
    await storage.open()
    try:
        with pytest.raises(StorageError, match="run `splitkey-cosigner init`"):
            await storage.shared_secrets(None)  # nothing to share yet, nothing to seed with
        first = old.seal(b"server secrets", SECRETS_RECORD)
        assert await storage.shared_secrets(first) == first  # the first replica seeds it
        other = old.seal(b"another init", SECRETS_RECORD)
        assert await storage.shared_secrets(other) == first  # later ones take the shared copy
        assert await holds_shared_key(SimpleNamespace(storage=storage, kek=old))
        # A rotation re-seals the one copy (compare-and-swap): a replica still on the old ring
        # is no longer ready, one with the new ring is.
        resealed = new.seal(b"server secrets", SECRETS_RECORD)
        assert await storage.replace_shared_secrets(first, resealed)
        assert not await storage.replace_shared_secrets(first, resealed)
        assert not await holds_shared_key(SimpleNamespace(storage=storage, kek=old))
        assert await holds_shared_key(SimpleNamespace(storage=storage, kek=new))
    finally:
        await storage.close()
