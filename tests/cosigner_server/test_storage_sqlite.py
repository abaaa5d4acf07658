"""SQLiteStorage: the conformance suite, plus what only SQLite has (pragmas, migrations, the one
database thread, error mapping, the revocation journal file, scrubbing destroyed secrets)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import pytest_asyncio

from cosigner_server.storage.base import Conflict, StorageError, StorageUnavailable
from cosigner_server.storage.sqlite import (
    LAST_NONCE_SQL,
    MIGRATIONS,
    SQLiteStorage,
    _translate,
    restore_file,
)

from .storage_conformance import T0, StorageConformance, allow, split, user, wallet

REPO = Path(__file__).resolve().parents[2]


class SQLiteBackups:
    def __init__(self, db: Path) -> None:
        self.db = db
        self.n = 0

    async def backup(self, storage: SQLiteStorage) -> Path:
        self.n += 1
        dest = self.db.with_name(f"backup-{self.n}.db")
        await storage.backup(dest)
        return dest

    async def restore(self, token: Path) -> None:
        restore_file(token, self.db)


class TestSQLiteConformance(StorageConformance):
    @pytest.fixture
    def open_storage(self, tmp_path: Path):
        async def open_() -> SQLiteStorage:
            storage = SQLiteStorage(tmp_path / "cosigner.db")
            await storage.open()
            return storage

        return open_

    @pytest.fixture
    def backups(self, tmp_path: Path) -> SQLiteBackups:
        return SQLiteBackups(tmp_path / "cosigner.db")


@pytest_asyncio.fixture
async def db(tmp_path: Path):
    storage = SQLiteStorage(tmp_path / "cosigner.db")
    await storage.open()
    try:
        yield storage
    finally:
        await storage.close()


async def _on_db_thread(storage: SQLiteStorage, sql: str, params: tuple = ()) -> list[tuple]:
    return await storage._call(storage._read, sql, params)


async def _made_then_edited(path: Path, sql: str, params: tuple = ()) -> None:
    """A database this version made and closed cleanly, then changed behind its back."""
    storage = SQLiteStorage(path)
    await storage.open()
    await storage.close()
    conn = sqlite3.connect(path)
    conn.execute(sql, params)
    conn.commit()
    conn.close()


@pytest.mark.asyncio
async def test_pragmas_and_file_modes(db: SQLiteStorage) -> None:
    assert (await _on_db_thread(db, "PRAGMA journal_mode"))[0][0] == "wal"
    assert (await _on_db_thread(db, "PRAGMA synchronous"))[0][0] == 2  # FULL
    assert (await _on_db_thread(db, "PRAGMA foreign_keys"))[0][0] == 1
    assert (await _on_db_thread(db, "PRAGMA secure_delete"))[0][0] == 1
    assert (await _on_db_thread(db, "PRAGMA busy_timeout"))[0][0] == 5000
    await db.add_user(user(1))
    for path in (db.path, db.journal_path, Path(f"{db.path}-wal")):
        assert os.stat(path).st_mode & 0o777 == 0o600, path
    assert db.journal_path == db.path.with_name("cosigner.db.revocations")


@pytest.mark.asyncio
async def test_queries_use_indexes(db: SQLiteStorage) -> None:
    plans = {
        "window": "SELECT COALESCE(SUM(value), 0), COUNT(*) FROM cosigns "
        "WHERE split_id = 's' AND at > 5",
        "nonce": "SELECT 1 FROM cosigns WHERE nonce_key = 'n'",
        "find": "SELECT id FROM splits WHERE client_id = 'w' AND share_public_key = 'k'",
        "holder": "SELECT id FROM splits WHERE holder_id = 'u' ORDER BY created_at, id",
        "owner": "SELECT client_id FROM wallets WHERE owner_id = 'u' ORDER BY created_at",
    }
    for name, sql in plans.items():
        plan = " ".join(str(r[-1]) for r in await _on_db_thread(db, "EXPLAIN QUERY PLAN " + sql))
        assert "USING" in plan and "SCAN" not in plan.replace("SCAN CONSTANT", ""), (name, plan)
    window = await _on_db_thread(db, "EXPLAIN QUERY PLAN " + plans["window"])
    assert "COVERING INDEX" in " ".join(str(r[-1]) for r in window)
    # a wallet's last nonce: one step down an index, however many co-signs the wallet has
    last = await _on_db_thread(db, "EXPLAIN QUERY PLAN " + LAST_NONCE_SQL, ("w", "w"))
    plan = " ".join(str(r[-1]) for r in last)
    assert "SEARCH cosigns USING INDEX cosigns_wallet_nonce" in plan, plan


@pytest.mark.asyncio
async def test_migrations_are_recorded_and_not_reapplied(tmp_path: Path) -> None:
    path = tmp_path / "cosigner.db"
    for _ in range(2):
        storage = SQLiteStorage(path)
        await storage.open()
        rows = await _on_db_thread(storage, "SELECT version FROM schema_migrations")
        assert [r[0] for r in rows] == list(range(1, len(MIGRATIONS) + 1))
        await storage.close()


@pytest.mark.asyncio
async def test_newer_schema_refused(tmp_path: Path) -> None:
    path = tmp_path / "cosigner.db"
    await _made_then_edited(
        path, "INSERT INTO schema_migrations VALUES (?, 0)", (len(MIGRATIONS) + 1,)
    )
    with pytest.raises(StorageError, match="upgrade the server"):
        await SQLiteStorage(path).open()


@pytest.mark.asyncio
async def test_a_changed_schema_is_damage_at_start(tmp_path: Path) -> None:
    # A flipped byte in the schema text (found by the corruption trials: "no such column: id"
    # at start, which read as a bug) is refused as damage, like a damaged page.
    path = tmp_path / "cosigner.db"
    await _made_then_edited(path, "ALTER TABLE splits RENAME COLUMN id TO ix")
    with pytest.raises(StorageUnavailable, match="database damaged: its schema"):
        await SQLiteStorage(path).open()


@pytest.mark.asyncio
async def test_not_a_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "cosigner.db"
    path.write_bytes(b"this is not an sqlite file at all" * 200)
    storage = SQLiteStorage(path)
    with pytest.raises(StorageUnavailable):
        await storage.open()
    with pytest.raises(StorageUnavailable):
        await storage.get_user("u1")


@pytest.mark.asyncio
async def test_all_work_on_one_thread_and_loop_stays_free(tmp_path: Path) -> None:
    threads: set[str] = set()
    storage = SQLiteStorage(
        tmp_path / "cosigner.db", fault_hook=lambda op: threads.add(threading.current_thread().name)
    )
    await storage.open()
    try:
        await storage.add_user(user(1))
        await storage.add_wallet(wallet(1))
        await storage.add_split(split(1))
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        def slow(_usage) -> None:
            threads.add(threading.current_thread().name)
            time.sleep(0.3)  # a blocking decide() must not block the event loop
            return None

        task = asyncio.create_task(ticker())
        await storage.consume("s1", "r1", None, 0, T0, slow)
        task.cancel()
        assert ticks >= 10
        assert len(threads) == 1 and next(iter(threads)).startswith("splitkey-sqlite")
        assert threading.current_thread().name not in threads
    finally:
        await storage.close()


def test_error_mapping() -> None:
    def err(cls: type[sqlite3.Error], text: str, code: int | None) -> sqlite3.Error:
        exc = cls(text)
        if code is not None:
            exc.sqlite_errorcode = code
        return exc

    unavailable = [
        (sqlite3.OperationalError, "disk I/O error", 10),
        (sqlite3.OperationalError, "database or disk is full", 13),
        (sqlite3.OperationalError, "database is locked", 5),
        (sqlite3.OperationalError, "attempt to write a readonly database", 8),
        (sqlite3.OperationalError, "disk I/O error", None),
        (sqlite3.OperationalError, "database or disk is full", None),
        (sqlite3.DatabaseError, "file is not a database", 26),
        (sqlite3.OperationalError, "unable to open database file", 14),
    ]
    for cls, text, code in unavailable:
        assert type(_translate(err(cls, text, code))) is StorageUnavailable, text
    unique = err(sqlite3.IntegrityError, "UNIQUE constraint failed: users.id", 2067)
    assert isinstance(_translate(unique), Conflict)
    fk = _translate(err(sqlite3.IntegrityError, "FOREIGN KEY constraint failed", 787))
    assert type(fk) is StorageError
    other = _translate(err(sqlite3.OperationalError, "no such table: x", 1))
    assert type(other) is StorageError


@pytest.mark.asyncio
async def test_locked_database_is_unavailable_and_reads_go_on(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "cosigner.db", busy_timeout=0.1)
    await storage.open()
    try:
        await storage.add_user(user(1))
        other = sqlite3.connect(tmp_path / "cosigner.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            with pytest.raises(StorageUnavailable, match="locked"):
                await storage.add_user(user(2))
            assert await storage.get_user("u1") == user(1)  # WAL: readers are not blocked
        finally:
            other.execute("ROLLBACK")
            other.close()
        await storage.add_user(user(2))
        assert len(await storage.list_users()) == 2
    finally:
        await storage.close()


@pytest.mark.asyncio
async def test_journal_rebuilt_when_lost(tmp_path: Path) -> None:
    path = tmp_path / "cosigner.db"
    storage = SQLiteStorage(path)
    await storage.open()
    await storage.add_user(user(1))
    await storage.add_wallet(wallet(1))
    await storage.add_split(split(1))
    await storage.add_split(split(2))
    await storage.backup(tmp_path / "old.db")
    await storage.revoke_split("s1", T0)
    await storage.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{storage.journal_path}{suffix}").unlink(missing_ok=True)
    storage = SQLiteStorage(path)  # rebuilds the journal from the database
    await storage.open()
    await storage.close()
    restore_file(tmp_path / "old.db", path)
    storage = SQLiteStorage(path)
    await storage.open()
    try:
        assert (await storage.get_split("s1")).status == "revoked"
        assert (await storage.get_split("s2")).status == "active"
        assert await storage.check(full=True)
    finally:
        await storage.close()


@pytest.mark.asyncio
async def test_revoked_id_cannot_be_reused(db: SQLiteStorage) -> None:
    await db.add_user(user(1))
    await db.add_wallet(wallet(1))
    await db.add_split(split(1))
    await db.revoke_split("s1", T0)
    await db.delete_wallet("w1")
    await db.add_wallet(wallet(1))
    with pytest.raises(Conflict, match="revoked before"):
        await db.add_split(split(1))


@pytest.mark.asyncio
async def test_failed_revoke_leaves_no_journal_row(tmp_path: Path) -> None:
    # A failure after the journal write but before the main commit: the journal row is taken
    # back, so a restart does not revoke what the caller was told was not revoked.
    fail = {"on": False}

    def hook(op: str) -> None:
        if fail["on"] and op == "revoke_split":
            raise StorageUnavailable("boom")

    path = tmp_path / "cosigner.db"
    storage = SQLiteStorage(path, fault_hook=hook)
    await storage.open()
    await storage.add_user(user(1))
    await storage.add_wallet(wallet(1))
    await storage.add_split(split(1))
    fail["on"] = True
    with pytest.raises(StorageUnavailable):
        await storage.revoke_split("s1", T0)
    await storage.close()
    storage = SQLiteStorage(path)
    await storage.open()
    try:
        assert (await storage.get_split("s1")).status == "active"
    finally:
        await storage.close()


@pytest.mark.asyncio
async def test_destroyed_secrets_leave_no_trace_in_files(tmp_path: Path) -> None:
    canary_server = os.urandom(48)
    canary_user = os.urandom(48)
    canary_master = os.urandom(48)
    storage = SQLiteStorage(tmp_path / "cosigner.db")
    await storage.open()
    try:
        await storage.add_user(user(1))
        w = wallet(1)
        await storage.add_wallet(
            type(w)(w.client_id, w.public_key, w.owner_id, w.created_at, canary_master)
        )
        s = split(1)
        await storage.add_split(
            type(s)(s.id, s.client_id, s.holder_id, s.label, s.share_public_key, s.permissions,
                    s.created_at, canary_server, canary_user)
        )  # fmt: skip
        await storage.add_split(split(2))
        for i in range(50):  # some traffic after, as in real life
            await storage.consume("s2", f"r{i}", None, 0, T0, allow)

        def files() -> bytes:
            return b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())

        assert canary_user in files() and canary_server in files()
        assert await storage.take_user_share("s1", "u1") == canary_user
        assert canary_user not in files()
        await storage.revoke_split("s1", T0)
        assert canary_server not in files()
        await storage.delete_wallet("w1")
        assert canary_master not in files()
    finally:
        await storage.close()


_DISK_FULL_CHILD = r"""
import asyncio, os, resource, signal, sys
from cosigner_server.storage.base import StorageUnavailable
from cosigner_server.storage.sqlite import SQLiteStorage
from cosigner_server.model import User
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

async def main():
    s = SQLiteStorage(sys.argv[1])
    await s.open()
    await s.add_user(User("u0", "local", "s0", "user", True, 1))
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, hard))  # the "disk" is full
    written = failed = 0
    for i in range(1, 400):
        try:
            await s.add_user(User(f"u{i}", "local", f"s{i}" + "x" * 2000, "user", True, 1))
            written += 1
        except StorageUnavailable:
            failed += 1
    reads_ok = (await s.get_user("u0")) is not None and len(await s.list_users()) == written + 1
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))  # space is back
    await s.add_user(User("after", "local", "after", "user", True, 1))
    print(written, failed, reads_ok, await s.check(full=True), len(await s.list_users()))
    await s.close()

asyncio.run(main())
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE semantics")
def test_disk_full_fails_writes_cleanly_and_recovers(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _DISK_FULL_CHILD, str(tmp_path / "cosigner.db")],
        capture_output=True, text=True, cwd=REPO, timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    written, failed, reads_ok, check_ok, users = out.stdout.split()
    assert int(failed) > 0 and int(written) > 0
    assert reads_ok == "True" and check_ok == "True"
    assert int(users) == int(written) + 2


@pytest.mark.asyncio
async def test_concurrent_cosigns_share_one_commit_and_fail_alone(tmp_path: Path) -> None:
    """Group commit: co-sign writes queued while the database thread is busy go out in one
    transaction (one fsync), each in its own savepoint: one that fails is the only one lost."""
    failing = {"s1:r3"}
    storage = SQLiteStorage(tmp_path / "cosigner.db")
    await storage.open()
    try:
        await storage.add_user(user(1))
        await storage.add_wallet(wallet(1))
        await storage.add_split(split(1))
        statements: list[str] = []
        await storage._call(lambda: storage._conn().set_trace_callback(statements.append))

        def hook(op: str) -> None:  # fails inside the transaction, just before its release
            if op == "consume" and current.get("key") in failing:
                raise StorageUnavailable("injected")

        current: dict[str, str] = {}

        def decide_for(key: str):
            def decide(_usage):
                current["key"] = key
                return None

            return decide

        storage.fault_hook = hook
        gate = threading.Event()
        storage._executor.submit(gate.wait)  # the database thread is busy: writes queue up
        calls = [
            storage.consume("s1", f"s1:r{i}", f"w1:{i}", 1, T0, decide_for(f"s1:r{i}"))
            for i in range(8)
        ]
        tasks = [asyncio.ensure_future(c) for c in calls]
        await asyncio.sleep(0.05)
        gate.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        storage.fault_hook = None
        assert [isinstance(r, StorageUnavailable) for r in results] == [i == 3 for i in range(8)]
        assert all(r.sealed_server_share for i, r in enumerate(results) if i != 3)
        assert [s for s in statements if s.startswith("COMMIT")] == ["COMMIT"]
        assert await storage.last_nonce("w1") == 7
        rows = await _on_db_thread(storage, "SELECT request_key FROM cosigns ORDER BY at, rowid")
        assert [r[0] for r in rows] == [f"s1:r{i}" for i in range(8) if i != 3]
        assert (await storage.get_split("s1")).uses == 7
    finally:
        await storage.close()


@pytest.mark.asyncio
async def test_point_reads_do_not_queue_behind_the_database_thread(db: SQLiteStorage) -> None:
    """A co-sign's lookups (user, split, wallet, last nonce) are answered while the database
    thread is busy (a group commit waiting for its fsync), and see what was committed."""
    await db.add_user(user(1))
    await db.add_wallet(wallet(1))
    await db.add_split(split(1))
    busy, release = threading.Event(), threading.Event()

    def hold_the_thread() -> None:
        busy.set()
        release.wait(10)

    loop = asyncio.get_running_loop()
    held = loop.run_in_executor(db._executor, hold_the_thread)  # noqa: SLF001
    try:
        await loop.run_in_executor(None, busy.wait, 10)
        found = await asyncio.wait_for(
            asyncio.gather(
                db.get_user(user(1).id),
                db.get_wallet(wallet(1).client_id),
                db.get_split(split(1).id),
                db.last_nonce(wallet(1).client_id),
            ),
            timeout=5,
        )
        assert [x.id for x in (found[0], found[2])] == [user(1).id, split(1).id]
        assert found[1].client_id == wallet(1).client_id and found[3] is None
    finally:
        release.set()
        await held


@pytest.mark.asyncio
async def test_point_reads_after_close_are_refused(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "cosigner.db")
    await storage.open()
    await storage.add_user(user(1))
    assert await storage.get_user(user(1).id) is not None
    await storage.close()
    with pytest.raises(StorageUnavailable, match="not open"):
        await storage.get_user(user(1).id)
    assert storage.clean_marker.exists()  # the reader connection did not spoil the clean close
