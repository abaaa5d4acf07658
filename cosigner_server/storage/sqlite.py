"""The embedded storage: one SQLite file (WAL, synchronous=FULL, foreign keys on).

All database work runs on ONE dedicated thread that owns the connection: the event loop never
waits on the disk, and since every call is a job on that thread, the atomic methods are simply
serialized `BEGIN IMMEDIATE ... COMMIT` transactions (IMMEDIATE takes the write lock up front, so
a second process sharing the file waits in the busy handler instead of failing mid-transaction).

Revocations are also written to a small journal in a SEPARATE SQLite file (`<db>.revocations`),
committed before the main transaction. Restoring the main file from an older backup leaves the
newer journal in place, and open() re-applies it, so a restored backup cannot bring a revoked
split back. Restore only the main file (and delete its -wal/-shm): see restore_file().
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from app.permissions import Permissions

from ..model import (
    SPLIT_ACTIVE,
    SPLIT_REVOKED,
    ConsumeResult,
    ConsumeSnapshot,
    EnrollmentCode,
    Refusal,
    ShareCode,
    Split,
    UsageSummary,
    User,
    Wallet,
)
from .base import Conflict, LastAdministrator, Storage, StorageError, StorageUnavailable
from .consume_steps import (
    abandoned,
    accepted,
    refused_missing,
    replay_or_refusal,
    require_share,
)
from .rows import (
    SEALED_COLUMNS,
    SPLIT_COLUMNS,
    USER_COLUMNS,
    WALLET_COLUMNS,
    permissions_json,
    permissions_of,
    split_of,
    user_of,
    wallet_of,
)

T = TypeVar("T")
FaultHook = Callable[[str], None]

# Ordered migrations; migration i (1-based) brings the schema to version i. Never edit a
# released one: append a new one.
# nonce_key is "<client_id>:<nonce>" (a client id has no ':'): its two parts as SQL
# expressions, spelled once because SQLite uses the expression index only for the same text.
_NONCE_WALLET = "substr(nonce_key, 1, instr(nonce_key, ':') - 1)"
_NONCE_NUMBER = "CAST(substr(nonce_key, instr(nonce_key, ':') + 1) AS INTEGER)"
LAST_NONCE_SQL = (
    "SELECT MAX(n) FROM ("
    f"SELECT MAX({_NONCE_NUMBER}) AS n FROM cosigns "
    f"WHERE {_NONCE_WALLET} = ? AND nonce_key IS NOT NULL "
    "UNION ALL SELECT highest FROM pruned_nonces WHERE client_id = ?)"
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE users (
            id TEXT PRIMARY KEY,
            issuer TEXT NOT NULL,
            subject TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
            enabled INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            tokens_valid_after INTEGER NOT NULL DEFAULT 0,
            UNIQUE (issuer, subject)
        )""",
        """CREATE TABLE enrollment_codes (
            code_digest TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users (id),
            expires_at INTEGER NOT NULL,
            used_at INTEGER
        )""",
        """CREATE TABLE wallets (
            client_id TEXT PRIMARY KEY,
            public_key TEXT NOT NULL,
            owner_id TEXT NOT NULL REFERENCES users (id),
            created_at INTEGER NOT NULL,
            sealed_secret BLOB NOT NULL,
            custody TEXT NOT NULL,
            frozen INTEGER NOT NULL DEFAULT 0,
            delete_after INTEGER
        )""",
        "CREATE INDEX wallets_by_owner ON wallets (owner_id, created_at)",
        "CREATE INDEX wallets_by_created ON wallets (created_at)",
        """CREATE TABLE splits (
            id TEXT PRIMARY KEY,
            client_id TEXT NOT NULL REFERENCES wallets (client_id) ON DELETE CASCADE,
            holder_id TEXT REFERENCES users (id),
            label TEXT NOT NULL,
            share_public_key TEXT NOT NULL,
            permissions TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            sealed_server_share BLOB,
            sealed_user_share BLOB,
            status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
            uses INTEGER NOT NULL DEFAULT 0,
            last_used INTEGER,
            revoked_at INTEGER
        )""",
        # find_split's lookup; among active splits a wallet's share key names one split (a
        # revoked one may share it, e.g. after 0Chain's /setup is repeated for the same key).
        "CREATE INDEX splits_by_share ON splits (client_id, share_public_key)",
        """CREATE UNIQUE INDEX splits_active_share ON splits (client_id, share_public_key)
            WHERE status = 'active'""",
        "CREATE INDEX splits_by_holder ON splits (holder_id, created_at)",
        """CREATE TABLE share_codes (
            code_digest TEXT PRIMARY KEY,
            split_id TEXT NOT NULL REFERENCES splits (id) ON DELETE CASCADE,
            expires_at INTEGER NOT NULL,
            redeemed_by TEXT REFERENCES users (id)
        )""",
        "CREATE INDEX share_codes_by_split ON share_codes (split_id)",
        # One row per accepted co-sign: the rolling-window usage, the idempotency record of the
        # request (answer NULL while pending) and the nonce, in one place and one insert.
        """CREATE TABLE cosigns (
            request_key TEXT PRIMARY KEY,
            split_id TEXT NOT NULL REFERENCES splits (id) ON DELETE CASCADE,
            at INTEGER NOT NULL,
            value INTEGER NOT NULL CHECK (value >= 0),
            nonce_key TEXT UNIQUE,
            answer TEXT
        )""",
        # Covers the window query (SUM(value), COUNT(*) WHERE split_id = ? AND at > ?) from the
        # index alone, and the cascade when a split goes.
        "CREATE INDEX cosigns_window ON cosigns (split_id, at, value)",
    ),
    # 2: a nonce may be co-signed again (a transaction the network refused leaves its nonce
    # unused on chain; see docs/cosigner.md): nonce_key loses UNIQUE, keeps an index for
    # last_nonce and for counting earlier signatures. SQLite cannot drop a constraint in place.
    (
        """CREATE TABLE cosigns_v2 (
            request_key TEXT PRIMARY KEY,
            split_id TEXT NOT NULL REFERENCES splits (id) ON DELETE CASCADE,
            at INTEGER NOT NULL,
            value INTEGER NOT NULL CHECK (value >= 0),
            nonce_key TEXT,
            answer TEXT
        )""",
        "INSERT INTO cosigns_v2 SELECT request_key, split_id, at, value, nonce_key, answer "
        "FROM cosigns",
        "DROP TABLE cosigns",
        "ALTER TABLE cosigns_v2 RENAME TO cosigns",
        "CREATE INDEX cosigns_window ON cosigns (split_id, at, value)",
        "CREATE INDEX cosigns_by_nonce ON cosigns (nonce_key)",
    ),
    # 3: retention (issue 11)
    (
        # Retention (prune_cosigns): finds the oldest co-signs without reading the whole table.
        "CREATE INDEX cosigns_by_time ON cosigns (at)",
        # What pruning leaves of a wallet's nonces: the highest one pruned, so the wallet's
        # last nonce (and the nonce window above it) never goes backwards.
        """CREATE TABLE pruned_nonces (
            client_id TEXT PRIMARY KEY REFERENCES wallets (client_id) ON DELETE CASCADE,
            highest INTEGER NOT NULL
        )""",
    ),
    # 4: redeemed proof challenges (single use across restarts; see Storage.use_once)
    (
        """CREATE TABLE used_once (
            digest TEXT PRIMARY KEY,
            expires_at INTEGER NOT NULL
        )""",
        "CREATE INDEX used_once_by_expiry ON used_once (expires_at)",
    ),
    # 5: a wallet's last nonce read from an index, not from all its co-signs (a busy wallet
    # with 300 000 co-signs took 200 ms per co-sign to find its highest nonce; now microseconds)
    (
        f"CREATE INDEX cosigns_wallet_nonce ON cosigns ({_NONCE_WALLET}, {_NONCE_NUMBER}) "
        "WHERE nonce_key IS NOT NULL",
    ),
)

_JOURNAL_SCHEMA = """CREATE TABLE IF NOT EXISTS revocations (
    split_id TEXT PRIMARY KEY,
    revoked_at INTEGER NOT NULL
)"""

# Primary result codes that mean "the database cannot serve now", not "your input is wrong".
_UNAVAILABLE_CODES = {
    5,  # SQLITE_BUSY
    6,  # SQLITE_LOCKED
    7,  # SQLITE_NOMEM
    8,  # SQLITE_READONLY
    10,  # SQLITE_IOERR
    11,  # SQLITE_CORRUPT
    13,  # SQLITE_FULL
    14,  # SQLITE_CANTOPEN
    15,  # SQLITE_PROTOCOL
    26,  # SQLITE_NOTADB
}
_UNAVAILABLE_TEXT = ("disk i/o error", "disk is full", "database is locked", "readonly",
                     "unable to open", "malformed", "not a database")  # fmt: skip
_SCHEMA_GONE = re.compile(r"no such (column|table)")
_UNIQUE_CODES = {1555, 2067}  # SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
_FOREIGN_KEY_CODE = 787  # SQLITE_CONSTRAINT_FOREIGNKEY


def _storage_error(exc: BaseException) -> BaseException:
    """What a caller sees for an exception on the database thread."""
    if isinstance(exc, sqlite3.Error):
        return _translate(exc)
    if isinstance(exc, OSError):
        return StorageUnavailable(f"database unavailable: {exc.strerror or exc}")
    if isinstance(exc, UnicodeDecodeError):
        # A damaged header can make SQLite hand back text that is not UTF-8 (e.g. a flipped
        # text-encoding field): a damaged file, not a programming error.
        return StorageUnavailable(
            "database unavailable: it returns text that is not UTF-8 (the file is damaged)"
        )
    return exc


def _settle(future: asyncio.Future, ok: bool, value: Any) -> None:
    if future.done():
        return  # the caller gave up (cancelled); the write happened or not all the same
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def _translate(exc: sqlite3.Error) -> StorageError:
    code = getattr(exc, "sqlite_errorcode", None)
    text = str(exc)
    if "Could not decode to UTF-8" in text:
        # Damaged bytes in a text column; sqlite3's message quotes the row, which a log has no
        # business repeating.
        return StorageError("a stored text value is not UTF-8: the database file is damaged")
    if isinstance(exc, sqlite3.IntegrityError):
        if code in _UNIQUE_CODES or "UNIQUE constraint" in text:
            return Conflict(f"already exists ({text})")
        if code == _FOREIGN_KEY_CODE or "FOREIGN KEY" in text:
            return StorageError("refers to a user, wallet or split that does not exist")
        return StorageError(f"record refused by the schema ({text})")
    if (code is not None and code & 0xFF in _UNAVAILABLE_CODES) or any(
        t in text.lower() for t in _UNAVAILABLE_TEXT
    ):
        return StorageUnavailable(f"database unavailable: {text}")
    if isinstance(exc, sqlite3.ProgrammingError) and "closed" in text:
        return StorageUnavailable("the database is closed")
    return StorageError(f"database error: {text}")


def _precreate(path: Path) -> None:
    # Create the file 0600 before SQLite does (it would use the umask); SQLite gives the -wal and
    # -shm files the same mode as the database.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    os.close(fd)


def restore_file(backup: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Put a backup in place of the (closed) database. Removes the -wal/-shm of the replaced
    file (an old WAL replayed onto another file would corrupt it) and leaves the revocation
    journal alone: the next open() re-applies the revocations the backup predates."""
    path = Path(path)
    tmp = path.with_name(path.name + ".restoring")
    shutil.copyfile(backup, tmp)
    os.chmod(tmp, 0o600)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)  # the copy is on disk before it replaces anything
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        try:
            os.remove(path.with_name(path.name + suffix))
        except FileNotFoundError:
            pass
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class SQLiteStorage(Storage):
    """Storage in one SQLite file plus its revocation journal `<path>.revocations`.

    `fault_hook(op)`, if set, is called inside every write transaction just before COMMIT (for
    revoke_split and delete_wallet after the journal write): FaultyStorage raises there to prove
    that a failure at the last moment leaves nothing behind."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        journal_path: str | os.PathLike[str] | None = None,
        busy_timeout: float = 5.0,
        fault_hook: FaultHook | None = None,
    ) -> None:
        self.path = Path(path)
        self.journal_path = (
            Path(journal_path)
            if journal_path is not None
            else self.path.with_name(self.path.name + ".revocations")
        )
        self.busy_timeout = busy_timeout
        self.fault_hook = fault_hook
        self._executor: ThreadPoolExecutor | None = None
        # Touched only on the executor's thread (sqlite3's check_same_thread enforces it).
        self._db: sqlite3.Connection | None = None
        self._journal: sqlite3.Connection | None = None
        # Set by open(): the files are exactly as a clean close left them (see _close_clean).
        self.clean_start = False
        # Grouped writes waiting for the database thread (see _grouped).
        self._group: list[tuple[str, Callable, asyncio.AbstractEventLoop, asyncio.Future]] = []
        self._group_lock = threading.Lock()
        # Point reads run on the caller's thread (see _point_read), one connection per thread.
        self._readers = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    # -- plumbing ----------------------------------------------------------------------------------
    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        executor = self._executor
        if executor is None:
            raise StorageUnavailable("the database is not open")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, self._on_thread, fn, args)
        except RuntimeError as exc:
            if "shutdown" in str(exc):
                raise StorageUnavailable("the database is closing") from None
            raise

    def _on_thread(self, fn: Callable[..., T], args: tuple) -> T:
        try:
            return fn(*args)
        except (sqlite3.Error, OSError) as exc:
            raise _storage_error(exc) from exc
        except UnicodeDecodeError as exc:
            raise _storage_error(exc) from None  # its message can quote the damaged row

    # -- group commit ----------------------------------------------------------------------------
    async def _grouped(self, op: str, body: Callable[[sqlite3.Connection], T]) -> T:
        """Run body in a write transaction shared with the other grouped writes queued while
        the database thread was busy: one COMMIT, so one fsync of the WAL, for all of them.
        Each body runs in its own SAVEPOINT (one that fails, or whose fault_hook fires, is
        rolled back alone), and every caller is answered only after the COMMIT is durable."""
        executor = self._executor
        if executor is None:
            raise StorageUnavailable("the database is not open")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._group_lock:
            self._group.append((op, body, loop, future))
            first = len(self._group) == 1
        if first:
            try:
                executor.submit(self._run_group)
            except RuntimeError:  # the executor is shutting down
                with self._group_lock:
                    batch, self._group = self._group, []
                closing = StorageUnavailable("the database is closing")
                for *_rest, waiting in batch:
                    _settle(waiting, False, closing)
        return await future

    def _run_group(self) -> None:
        with self._group_lock:
            batch, self._group = self._group, []
        outcomes = self._commit_group([(op, body) for op, body, _loop, _f in batch])
        for (_op, _body, loop, future), (ok, value) in zip(batch, outcomes, strict=True):
            loop.call_soon_threadsafe(_settle, future, ok, value)

    def _commit_group(
        self, batch: list[tuple[str, Callable[[sqlite3.Connection], Any]]]
    ) -> list[tuple[bool, Any]]:
        """(ok, result or exception) per body, in order; ok only once COMMIT returned."""
        outcomes: list[tuple[bool, Any]] = []
        waiting: list[int] = []  # bodies done, not yet committed

        def fail_waiting(exc: BaseException) -> None:
            for i in waiting:
                outcomes[i] = (False, exc)
            waiting.clear()

        try:
            db = self._conn()
            for op, body in batch:
                if not db.in_transaction:
                    db.execute("BEGIN IMMEDIATE")
                db.execute("SAVEPOINT grouped")
                try:
                    value = body(db)
                    if self.fault_hook is not None:
                        self.fault_hook(op)
                    db.execute("RELEASE grouped")
                except Exception as exc:
                    error = _storage_error(exc)
                    if db.in_transaction:
                        try:
                            db.execute("ROLLBACK TO grouped")
                            db.execute("RELEASE grouped")
                        except sqlite3.Error:
                            db.execute("ROLLBACK")
                    if not db.in_transaction:
                        # SQLite gave up the whole transaction (I/O error, disk full): the
                        # bodies before this one went with it.
                        fail_waiting(error)
                    outcomes.append((False, error))
                    continue
                waiting.append(len(outcomes))
                outcomes.append((True, value))
            if db.in_transaction:
                db.execute("COMMIT")
        except Exception as exc:
            error = _storage_error(exc)
            try:
                if self._db is not None and self._db.in_transaction:
                    self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite rolls back by itself when COMMIT fails on I/O
            fail_waiting(error)
            outcomes.extend((False, error) for _ in range(len(batch) - len(outcomes)))
        return outcomes

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StorageUnavailable("the database is not open")
        return self._db

    def _write(
        self,
        op: str,
        body: Callable[[sqlite3.Connection], T],
        undo: Callable[[], None] | None = None,
    ) -> T:
        """Run body in one write transaction; on any exception roll back (and run undo for
        what lives outside this database, i.e. the journal) and re-raise."""
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            result = body(db)
            if self.fault_hook is not None:
                self.fault_hook(op)
            db.execute("COMMIT")
            return result
        except BaseException:
            if db.in_transaction:
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # SQLite rolls back by itself when COMMIT fails on I/O
            if undo is not None:
                try:
                    undo()
                except sqlite3.Error:
                    pass  # a journal row left behind only errs on the safe side (revoked)
            raise

    def _write_and_scrub(
        self,
        op: str,
        body: Callable[[sqlite3.Connection], T],
        undo: Callable[[], None] | None = None,
    ) -> T:
        """_write for operations that destroy a secret (revoke, hand over a user share, delete a
        wallet). secure_delete zeroes the freed bytes in the new page image, but the WAL still
        holds older images of the page: a TRUNCATE checkpoint moves the zeroed page into the
        main file and empties the WAL. Best effort (another process reading may hold the WAL);
        the commit already happened, so a failure here is not the caller's failure."""
        result = self._write(op, body, undo)
        if result:
            try:
                self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            except sqlite3.Error:
                pass
        return result

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self._conn().execute(sql, params).fetchall()

    async def _point_read(self, sql: str, params: tuple) -> list[tuple]:
        """A read of a few rows by an index, on the caller's thread: every co-sign makes four
        (user, split, wallet, last nonce), and handing each to the database thread cost the
        event loop more than the read (and queued it behind group commits' fsyncs). WAL readers
        never wait for the writer; should this one be busy (WAL recovery), the read goes to
        the database thread as before rather than blocking the loop."""
        if self._executor is None:
            raise StorageUnavailable("the database is not open")
        rows = self._on_thread(self._read_here, (sql, params))  # errors as on the db thread
        return rows if rows is not None else await self._call(self._read, sql, params)

    def _read_here(self, sql: str, params: tuple) -> list[tuple] | None:
        """The rows, read with this thread's reader; None when that reader is busy."""
        try:
            return self._reader().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
                return None
            raise

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            # query_only: this connection can never write; a zero busy
            # timeout makes a lock wait an immediate SQLITE_BUSY (handled by the caller).
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA busy_timeout = 0")
            with self._readers_lock:
                self._reader_conns.append(conn)
            self._readers.conn = conn
        return conn

    def _close_readers(self) -> None:
        with self._readers_lock:
            conns, self._reader_conns = self._reader_conns, []
        self._readers = threading.local()
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    # -- lifecycle -----------------------------------------------------------------------------
    async def open(self) -> None:
        if self._executor is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="splitkey-sqlite")
        try:
            await self._call(self._open_sync)
        except BaseException as exc:
            executor, self._executor = self._executor, None
            executor.submit(self._close_sync)
            executor.shutdown(wait=False)
            if isinstance(exc, StorageError) and _SCHEMA_GONE.search(str(exc)):
                # The migrations made every table and column this code asks for: one missing at
                # start means the schema text in the file was changed (a flipped byte), not a
                # new database. Say so, as for any other damage.
                raise StorageUnavailable(
                    f"database damaged: its schema no longer has what this version wrote ({exc})"
                ) from exc
            raise

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        loop = asyncio.get_running_loop()
        # Queued jobs run first (the executor is FIFO), then the connections close.
        await loop.run_in_executor(executor, self._close_clean)
        executor.shutdown(wait=False)

    # -- clean shutdown: what lets the next start skip reading every page ------------------------
    @property
    def clean_marker(self) -> Path:
        return self.path.with_name(self.path.name + ".clean")

    def _files_stat(self) -> dict[str, list[int]]:
        out = {}
        for path in (self.path, self.journal_path):
            info = os.stat(path)
            out[path.name] = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        return out

    def _close_clean(self) -> None:
        """Checkpoint, close, then record the files' size, times and inode in `<db>.clean`. The
        next open() trusts the files only if they are exactly those (any write, copy, restore or
        edit changes the change time or inode) and no WAL is left; else it checks every page."""
        self._close_readers()  # first: a reader still open would keep the WAL from emptying
        clean = self._db is not None and self._journal is not None
        for conn in (self._db, self._journal):
            if conn is not None:
                try:
                    busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                    clean = clean and busy == 0
                except sqlite3.Error:
                    clean = False
        self._close_sync()
        if not clean:
            return
        try:
            marker = json.dumps(self._files_stat()).encode()
            tmp = self.clean_marker.with_name(self.clean_marker.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, marker)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.clean_marker)
            _fsync_dir(self.path.parent)
        except OSError:
            pass  # no marker: the next start runs the full check, the safe side

    def _take_clean_marker(self) -> bool:
        """True when the last close was clean and the files are untouched since. Removes the
        marker (durably) either way: a crash from now on must lead to a full check."""
        try:
            saved = json.loads(self.clean_marker.read_bytes())
        except (OSError, ValueError):
            return False
        try:
            same = saved == self._files_stat() and all(
                _header_consistent(p) for p in (self.path, self.journal_path)
            ) and not any(
                os.path.getsize(f"{p}-wal") for p in (self.path, self.journal_path)
                if os.path.exists(f"{p}-wal")
            )  # fmt: skip
        except OSError:
            same = False
        os.remove(self.clean_marker)
        _fsync_dir(self.path.parent)
        return same

    def _close_sync(self) -> None:
        self._close_readers()
        for conn in (self._db, self._journal):
            if conn is not None:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
        self._db = self._journal = None

    def _connect(self, path: Path) -> sqlite3.Connection:
        _precreate(path)
        conn = sqlite3.connect(path, timeout=self.busy_timeout, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            conn.close()
            raise StorageError(f"{path}: cannot switch to WAL mode")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        # Revoking destroys a server share: overwrite freed bytes instead of leaving them in
        # free pages. Bound the WAL, which also holds old page images, after checkpoints.
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA journal_size_limit = 4194304")
        return conn

    def _open_sync(self) -> None:
        self.clean_start = self._take_clean_marker()
        db = self._connect(self.path)
        try:
            self._migrate(db)
            journal = self._connect(self.journal_path)
        except BaseException:
            db.close()
            raise
        self._db, self._journal = db, journal
        try:
            journal.execute(_JOURNAL_SCHEMA)
            self._reconcile_journal()
        except BaseException:
            self._close_sync()
            raise

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"
        )
        current = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
        if current[0] > len(MIGRATIONS):
            raise StorageError(
                f"the database has schema version {current[0]}; this server knows up to "
                f"{len(MIGRATIONS)}: upgrade the server"
            )
        for version in range(current[0] + 1, len(MIGRATIONS) + 1):
            db.execute("BEGIN IMMEDIATE")
            try:
                # Another process sharing the file may have applied it while we waited.
                done = db.execute(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", (version,)
                ).fetchone()
                if not done:
                    for statement in MIGRATIONS[version - 1]:
                        db.execute(statement)
                    db.execute(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                        (version, int(time.time())),
                    )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def _reconcile_journal(self) -> None:
        """Journal -> database: revoke what the journal says is revoked (a restored backup).
        Database -> journal: record revocations the journal misses (it was lost or replaced)."""
        assert self._journal is not None
        journal = self._journal
        journaled = dict(journal.execute("SELECT split_id, revoked_at FROM revocations"))

        def body(db: sqlite3.Connection) -> list[tuple[str, int]]:
            for (split_id,) in db.execute(
                "SELECT id FROM splits WHERE status = 'active'"
            ).fetchall():
                if split_id in journaled:
                    db.execute(
                        "UPDATE splits SET status = 'revoked', sealed_server_share = NULL, "
                        "sealed_user_share = NULL, revoked_at = ? WHERE id = ?",
                        (journaled[split_id], split_id),
                    )
            return [
                (split_id, at if at is not None else int(time.time()))
                for split_id, at in db.execute(
                    "SELECT id, revoked_at FROM splits WHERE status = 'revoked'"
                ).fetchall()
                if split_id not in journaled
            ]

        missing = self._nohook(body)
        if missing:
            journal.execute("BEGIN IMMEDIATE")
            try:
                journal.executemany(
                    "INSERT OR IGNORE INTO revocations (split_id, revoked_at) VALUES (?, ?)",
                    missing,
                )
                journal.execute("COMMIT")
            except BaseException:
                if journal.in_transaction:
                    journal.execute("ROLLBACK")
                raise

    def _nohook(self, body: Callable[[sqlite3.Connection], T]) -> T:
        # Recovery at open is not one of the operations faults are injected into.
        hook, self.fault_hook = self.fault_hook, None
        try:
            return self._write("open", body)
        finally:
            self.fault_hook = hook

    def _journal_add(self, rows: list[tuple[str, int]]) -> list[str]:
        """Durably journal revocations BEFORE the main commit; returns the ids newly added (what
        undo must take back if the main transaction then fails)."""
        assert self._journal is not None
        added = []
        journal = self._journal
        journal.execute("BEGIN IMMEDIATE")
        try:
            for split_id, at in rows:
                cur = journal.execute(
                    "INSERT OR IGNORE INTO revocations (split_id, revoked_at) VALUES (?, ?)",
                    (split_id, at),
                )
                if cur.rowcount == 1:
                    added.append(split_id)
            journal.execute("COMMIT")
        except BaseException:
            if journal.in_transaction:
                journal.execute("ROLLBACK")
            raise
        return added

    def _journal_remove(self, split_ids: list[str]) -> None:
        if split_ids and self._journal is not None:
            self._journal.executemany(
                "DELETE FROM revocations WHERE split_id = ?", [(s,) for s in split_ids]
            )

    async def check(self, full: bool = False) -> bool:
        """The cheap check (default; /ready, a clean start): both files answer on the database
        thread, their schema reads and their page count matches the file, whatever the size.
        full=True runs integrity_check (every page, every index against its table) and
        foreign_key_check: after an unclean shutdown, on demand, before a backup."""
        try:
            return await self._call(self._check_sync, full)
        except StorageError:
            return False

    def _check_sync(self, full: bool) -> bool:
        for conn in (self._conn(), self._journal):
            if conn is None:
                return False
            if full:
                if conn.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                    return False
            elif not _cheap_check(conn):
                return False
        if full and self._conn().execute("PRAGMA foreign_key_check").fetchall():
            return False
        return True

    async def backup(self, dest: str | os.PathLike[str]) -> None:
        """A consistent copy of the main database taken while the server runs (SQLite's online
        backup). The journal is not part of it on purpose: see restore_file()."""
        await self._call(self._backup_sync, Path(dest))

    def _backup_sync(self, dest: Path) -> None:
        _precreate(dest)
        target = sqlite3.connect(dest)
        try:
            self._conn().backup(target)
        finally:
            target.close()

    # -- key rotation (cosigner_server/kek_rotation.py) -------------------------------------------
    async def sealed_blobs(self) -> list[tuple[str, str, bytes]]:
        """(column, row key, blob) of every non-empty sealed value, for re-sealing under a new
        key-encryption key and for counting what each key still seals. Columns are those of
        SEALED_COLUMNS; a wallet set up by 0Chain's /setup has an empty secret and is skipped."""

        def read() -> list[tuple[str, str, bytes]]:
            out = []
            for column, (table, key) in SEALED_COLUMNS.items():
                rows = self._conn().execute(
                    f"SELECT {key}, {column} FROM {table} "
                    f"WHERE {column} IS NOT NULL AND length({column}) > 0"
                )
                out.extend((column, row_key, bytes(blob)) for row_key, blob in rows)
            return out

        return await self._call(read)

    async def replace_sealed(self, column: str, row_key: str, old: bytes, new: bytes) -> bool:
        """Swap one sealed value for its re-sealed form, only if it is still `old` (one
        transaction, compare-and-swap): a revocation or share retrieval that NULLed it in the
        meantime wins, and is not brought back. False when nothing was replaced."""
        table, key = SEALED_COLUMNS[column]

        def body(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                f"UPDATE {table} SET {column} = ? WHERE {key} = ? AND {column} = ?",
                (bytes(new), row_key, bytes(old)),
            )
            return cur.rowcount == 1

        return await self._call(self._write, "replace_sealed", body)

    # -- users -----------------------------------------------------------------------------------
    async def add_user(self, user: User) -> None:
        def body(db: sqlite3.Connection) -> None:
            db.execute(
                f"INSERT INTO users ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user.id, user.issuer, user.subject, user.role, int(user.enabled),
                 user.created_at, user.tokens_valid_after),
            )  # fmt: skip

        await self._call(self._write, "add_user", body)

    async def get_user(self, user_id: str) -> User | None:
        rows = await self._point_read(f"SELECT {USER_COLUMNS} FROM users WHERE id = ?", (user_id,))
        return user_of(rows[0]) if rows else None

    async def find_user(self, issuer: str, subject: str) -> User | None:
        rows = await self._call(
            self._read,
            f"SELECT {USER_COLUMNS} FROM users WHERE issuer = ? AND subject = ?",
            (issuer, subject),
        )
        return user_of(rows[0]) if rows else None

    async def list_users(self) -> list[User]:
        rows = await self._call(
            self._read, f"SELECT {USER_COLUMNS} FROM users ORDER BY created_at, id"
        )
        return [user_of(r) for r in rows]

    async def set_user_enabled(self, user_id: str, enabled: bool, now: int) -> bool:
        def body(db: sqlite3.Connection) -> bool:
            if enabled:
                cur = db.execute("UPDATE users SET enabled = 1 WHERE id = ?", (user_id,))
            else:
                # Inside this write transaction, so no other disable runs between check and act.
                others = db.execute(
                    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND enabled = 1 AND id != ?",
                    (user_id,),
                ).fetchone()[0]
                target = db.execute(
                    "SELECT role = 'admin' AND enabled = 1 FROM users WHERE id = ?", (user_id,)
                ).fetchone()
                if target is not None and target[0] and others == 0:
                    raise LastAdministrator(user_id)
                # Never move the cut-off back: a later disable must not revive older tokens.
                cur = db.execute(
                    "UPDATE users SET enabled = 0, "
                    "tokens_valid_after = MAX(tokens_valid_after, ?) WHERE id = ?",
                    (now, user_id),
                )
            return cur.rowcount == 1

        return await self._call(self._write, "set_user_enabled", body)

    # -- enrollment codes -------------------------------------------------------------------------
    async def add_enrollment_code(self, code: EnrollmentCode) -> None:
        def body(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO enrollment_codes (code_digest, user_id, expires_at, used_at) "
                "VALUES (?, ?, ?, ?)",
                (code.code_digest, code.user_id, code.expires_at, code.used_at),
            )

        await self._call(self._write, "add_enrollment_code", body)

    async def use_enrollment_code(self, code_digest: str, now: int) -> EnrollmentCode | None:
        def body(db: sqlite3.Connection) -> EnrollmentCode | None:
            row = db.execute(
                "SELECT user_id, expires_at FROM enrollment_codes "
                "WHERE code_digest = ? AND used_at IS NULL AND expires_at > ?",
                (code_digest, now),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE enrollment_codes SET used_at = ? WHERE code_digest = ?", (now, code_digest)
            )
            return EnrollmentCode(code_digest, row[0], row[1], now)

        return await self._call(self._write, "use_enrollment_code", body)

    # -- wallets ---------------------------------------------------------------------------------
    async def add_wallet(self, wallet: Wallet) -> None:
        def body(db: sqlite3.Connection) -> None:
            db.execute(
                f"INSERT INTO wallets ({WALLET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (wallet.client_id, wallet.public_key, wallet.owner_id, wallet.created_at,
                 bytes(wallet.sealed_secret), wallet.custody, int(wallet.frozen),
                 wallet.delete_after),
            )  # fmt: skip

        await self._call(self._write, "add_wallet", body)

    async def get_wallet(self, client_id: str) -> Wallet | None:
        rows = await self._point_read(
            f"SELECT {WALLET_COLUMNS} FROM wallets WHERE client_id = ?", (client_id,)
        )
        return wallet_of(rows[0]) if rows else None

    async def last_nonce(self, client_id: str) -> int | None:
        # One step down the wallet's part of cosigns_wallet_nonce (numeric order), and what
        # pruning kept of the wallet's nonces.
        rows = await self._point_read(LAST_NONCE_SQL, (client_id, client_id))
        return None if rows[0][0] is None else int(rows[0][0])

    async def list_wallets(self, owner_id: str | None = None) -> list[Wallet]:
        if owner_id is None:
            sql, params = (
                f"SELECT {WALLET_COLUMNS} FROM wallets ORDER BY created_at, client_id",
                (),
            )
        else:
            sql = (
                f"SELECT {WALLET_COLUMNS} FROM wallets WHERE owner_id = ? "
                "ORDER BY created_at, client_id"
            )
            params = (owner_id,)
        return [wallet_of(r) for r in await self._call(self._read, sql, params)]

    async def set_wallet_frozen(self, client_id: str, frozen: bool) -> bool:
        def body(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                "UPDATE wallets SET frozen = ? WHERE client_id = ?", (int(frozen), client_id)
            )
            return cur.rowcount == 1

        return await self._call(self._write, "set_wallet_frozen", body)

    async def schedule_wallet_deletion(self, client_id: str, delete_after: int | None) -> bool:
        def body(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                "UPDATE wallets SET delete_after = ? WHERE client_id = ?", (delete_after, client_id)
            )
            return cur.rowcount == 1

        return await self._call(self._write, "schedule_wallet_deletion", body)

    async def delete_wallet(self, client_id: str) -> bool:
        added: list[str] = []

        def body(db: sqlite3.Connection) -> bool:
            if not db.execute("SELECT 1 FROM wallets WHERE client_id = ?", (client_id,)).fetchone():
                return False
            active = db.execute(
                "SELECT id FROM splits WHERE client_id = ? AND status = 'active'", (client_id,)
            ).fetchall()
            db.execute("DELETE FROM wallets WHERE client_id = ?", (client_id,))  # cascades
            # Journal the deleted splits as revoked: a restored backup brings the wallet row
            # back, but none of its splits may sign again.
            now = int(time.time())
            added.extend(self._journal_add([(split_id, now) for (split_id,) in active]))
            return True

        return await self._call(
            self._write_and_scrub, "delete_wallet", body, lambda: self._journal_remove(added)
        )

    # -- splits ----------------------------------------------------------------------------------
    async def add_split(self, split: Split) -> None:
        def body(db: sqlite3.Connection) -> None:
            # An id in the revocation journal stays revoked forever (open() would revoke it
            # again): refuse to reuse it rather than hand out a split that dies on restart.
            assert self._journal is not None
            if self._journal.execute(
                "SELECT 1 FROM revocations WHERE split_id = ?", (split.id,)
            ).fetchone():
                raise Conflict(f"split id {split.id} was revoked before and cannot be reused")
            db.execute(
                f"INSERT INTO splits ({SPLIT_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (split.id, split.client_id, split.holder_id, split.label, split.share_public_key,
                 permissions_json(split.permissions), split.created_at,
                 _blob(split.sealed_server_share), _blob(split.sealed_user_share), split.status,
                 split.uses, split.last_used, split.revoked_at),
            )  # fmt: skip

        await self._call(self._write, "add_split", body)

    async def get_split(self, split_id: str) -> Split | None:
        rows = await self._point_read(
            f"SELECT {SPLIT_COLUMNS} FROM splits WHERE id = ?", (split_id,)
        )
        return split_of(rows[0]) if rows else None

    async def find_split(self, client_id: str, share_public_key: str) -> Split | None:
        # The active split first; else the latest revoked one (so callers can say "revoked").
        rows = await self._call(
            self._read,
            f"SELECT {SPLIT_COLUMNS} FROM splits WHERE client_id = ? AND share_public_key = ? "
            "ORDER BY status = 'active' DESC, created_at DESC, id LIMIT 1",
            (client_id, share_public_key),
        )
        return split_of(rows[0]) if rows else None

    async def list_splits(
        self, client_id: str | None = None, holder_id: str | None = None
    ) -> list[Split]:
        where, params = [], []
        if client_id is not None:
            where.append("client_id = ?")
            params.append(client_id)
        if holder_id is not None:
            where.append("holder_id = ?")
            params.append(holder_id)
        sql = f"SELECT {SPLIT_COLUMNS} FROM splits"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at, id"
        return [split_of(r) for r in await self._call(self._read, sql, tuple(params))]

    async def set_permissions(self, split_id: str, permissions: Permissions) -> bool:
        text = permissions_json(permissions)

        def body(db: sqlite3.Connection) -> bool:
            cur = db.execute("UPDATE splits SET permissions = ? WHERE id = ?", (text, split_id))
            return cur.rowcount == 1

        return await self._call(self._write, "set_permissions", body)

    async def revoke_split(self, split_id: str, now: int) -> bool:
        added: list[str] = []

        def body(db: sqlite3.Connection) -> bool:
            row = db.execute(
                "SELECT status, revoked_at FROM splits WHERE id = ?", (split_id,)
            ).fetchone()
            if row is None:
                return False
            at = now
            if row[0] == SPLIT_ACTIVE:
                db.execute(
                    "UPDATE splits SET status = ?, sealed_server_share = NULL, "
                    "sealed_user_share = NULL, revoked_at = ? WHERE id = ?",
                    (SPLIT_REVOKED, now, split_id),
                )
            else:
                at = row[1] if row[1] is not None else now
            # Journal first (durable), database second: once acknowledged, both hold it.
            added.extend(self._journal_add([(split_id, at)]))
            return True

        return await self._call(
            self._write_and_scrub, "revoke_split", body, lambda: self._journal_remove(added)
        )

    async def take_user_share(self, split_id: str, holder_id: str) -> bytes | None:
        def body(db: sqlite3.Connection) -> bytes | None:
            row = db.execute(
                "SELECT sealed_user_share FROM splits WHERE id = ? AND holder_id = ? "
                "AND status = 'active' AND sealed_user_share IS NOT NULL",
                (split_id, holder_id),
            ).fetchone()
            if row is None:
                return None
            db.execute("UPDATE splits SET sealed_user_share = NULL WHERE id = ?", (split_id,))
            return bytes(row[0])

        return await self._call(self._write_and_scrub, "take_user_share", body)

    async def replace_split_share(
        self, split_id: str, old_public_key: str, new_public_key: str, sealed_server_share: bytes
    ) -> bool:
        def body(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                "UPDATE splits SET share_public_key = ?, sealed_server_share = ? "
                "WHERE id = ? AND share_public_key = ? AND status = 'active'",
                (new_public_key, sealed_server_share, split_id, old_public_key),
            )
            return cur.rowcount == 1

        # scrubbed: the old server share must not linger in the WAL or free pages
        return await self._call(self._write_and_scrub, "replace_split_share", body)

    # -- share codes -----------------------------------------------------------------------------
    async def add_share_code(self, code: ShareCode) -> None:
        def body(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO share_codes (code_digest, split_id, expires_at, redeemed_by) "
                "VALUES (?, ?, ?, ?)",
                (code.code_digest, code.split_id, code.expires_at, code.redeemed_by),
            )

        await self._call(self._write, "add_share_code", body)

    async def redeem_share_code(self, code_digest: str, user_id: str, now: int) -> str | None:
        def body(db: sqlite3.Connection) -> str | None:
            # Only for a split that is still active: a code for a revoked split is dead.
            row = db.execute(
                "SELECT c.split_id FROM share_codes c JOIN splits s ON s.id = c.split_id "
                "WHERE c.code_digest = ? AND c.redeemed_by IS NULL AND c.expires_at > ? "
                "AND s.status = 'active'",
                (code_digest, now),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE share_codes SET redeemed_by = ? WHERE code_digest = ?",
                (user_id, code_digest),
            )
            db.execute("UPDATE splits SET holder_id = ? WHERE id = ?", (user_id, row[0]))
            return row[0]

        return await self._call(self._write, "redeem_share_code", body)

    # -- co-signing accounting ------------------------------------------------------------------
    async def consume(
        self,
        split_id: str,
        request_key: str,
        nonce_key: str | None,
        value: int,
        now: int,
        decide: Callable[[UsageSummary], Refusal | None],
    ) -> ConsumeResult:
        """See Storage.consume. decide() runs on the database thread inside the transaction: it
        must be a quick pure function."""
        if type(value) is not int or value < 0:
            raise ValueError("value must be a whole number of SAS >= 0")

        at = int(time.time()) if now is None else now

        def body(db: sqlite3.Connection) -> ConsumeResult:
            seen = db.execute(
                "SELECT split_id, answer, at FROM cosigns WHERE request_key = ?", (request_key,)
            ).fetchone()
            if seen is not None:
                if not abandoned(*seen[:3], split_id, at):
                    return replay_or_refusal(seen[0], seen[1], split_id)
                db.execute("DELETE FROM cosigns WHERE request_key = ?", (request_key,))
                db.execute("UPDATE splits SET uses = MAX(uses - 1, 0) WHERE id = ?", (split_id,))
            row = db.execute(
                "SELECT s.status, s.permissions, s.sealed_server_share, s.uses, w.frozen "
                "FROM splits s JOIN wallets w ON w.client_id = s.client_id WHERE s.id = ?",
                (split_id,),
            ).fetchone()
            if row is None:
                return refused_missing(decide, at)
            status, permissions_text, share, uses, frozen = row
            permissions = permissions_of(permissions_text)
            signed_before = 0
            if nonce_key is not None:
                (signed_before,) = db.execute(
                    "SELECT COUNT(*) FROM cosigns WHERE nonce_key = ?", (nonce_key,)
                ).fetchone()
            period_value, period_count = db.execute(
                "SELECT COALESCE(SUM(value), 0), COUNT(*) FROM cosigns "
                "WHERE split_id = ? AND at > ?",
                (split_id, at - permissions.period_seconds),
            ).fetchone()
            usage = UsageSummary(period_value, period_count, uses)
            snapshot = ConsumeSnapshot(
                at, True, status, permissions, share is not None, bool(frozen), signed_before,
                usage,
            )  # fmt: skip
            refusal = decide(snapshot)
            if refusal is not None:
                return ConsumeResult(refusal=refusal)
            require_share(snapshot)
            db.execute(
                "INSERT INTO cosigns (request_key, split_id, at, value, nonce_key) "
                "VALUES (?, ?, ?, ?, ?)",
                (request_key, split_id, at, value, nonce_key),
            )
            db.execute(
                "UPDATE splits SET uses = uses + 1, "
                "last_used = MAX(COALESCE(last_used, ?), ?) WHERE id = ?",
                (at, at, split_id),
            )
            return accepted(bytes(share), usage, value, signed_before)

        return await self._grouped("consume", body)

    async def use_once(self, digest: str, expires_at: int, now: int) -> bool:
        def body(db: sqlite3.Connection) -> bool:
            db.execute("DELETE FROM used_once WHERE expires_at < ?", (now,))
            cur = db.execute(
                "INSERT OR IGNORE INTO used_once (digest, expires_at) VALUES (?, ?)",
                (digest, expires_at),
            )
            return cur.rowcount == 1

        return await self._call(self._write, "use_once", body)

    async def prune_cosigns(self, now: int, retention: int, limit: int = 500) -> int:
        """See Storage.prune_cosigns. One transaction of at most `limit` rows, oldest first, so
        co-signs queued on the database thread wait for one short batch, not the whole sweep."""
        if retention <= 0 or limit <= 0:
            raise ValueError("retention and limit must be > 0")

        def body(db: sqlite3.Connection) -> int:
            # A row counts in its split's window while at > now - period (see consume), so it
            # may go once at <= now - max(retention, period). The split's period is read now:
            # a split whose period is longer than the retention keeps its rows longer.
            rows = db.execute(
                "SELECT c.rowid, c.nonce_key FROM cosigns c "
                "JOIN splits s ON s.id = c.split_id "
                "WHERE c.at <= ? AND c.at <= ? - json_extract(s.permissions, '$.period_seconds') "
                "ORDER BY c.at LIMIT ?",
                (now - retention, now, limit),
            ).fetchall()
            highest: dict[str, int] = {}
            for _rowid, nonce_key in rows:
                parts = nonce_key and _nonce_parts(nonce_key)
                if parts:
                    highest[parts[0]] = max(parts[1], highest.get(parts[0], parts[1]))
            db.executemany(
                "INSERT INTO pruned_nonces (client_id, highest) VALUES (?, ?) "
                "ON CONFLICT (client_id) DO UPDATE SET highest = MAX(highest, excluded.highest)",
                highest.items(),
            )
            db.executemany("DELETE FROM cosigns WHERE rowid = ?", [(r[0],) for r in rows])
            return len(rows)

        return await self._call(self._write, "prune_cosigns", body)

    async def complete(self, request_key: str, answer: str) -> None:
        def body(db: sqlite3.Connection) -> None:
            # The first answer stands: a replay must return what the first caller got.
            db.execute(
                "UPDATE cosigns SET answer = ? WHERE request_key = ? AND answer IS NULL",
                (answer, request_key),
            )

        await self._grouped("complete", body)

    async def release(self, request_key: str) -> None:
        def body(db: sqlite3.Connection) -> None:
            row = db.execute(
                "SELECT split_id FROM cosigns WHERE request_key = ? AND answer IS NULL",
                (request_key,),
            ).fetchone()
            if row is None:
                return  # unknown, already released, or answered (then it counted: keep it)
            db.execute("DELETE FROM cosigns WHERE request_key = ?", (request_key,))
            db.execute("UPDATE splits SET uses = MAX(uses - 1, 0) WHERE id = ?", (row[0],))

        await self._grouped("release", body)


def _cheap_check(conn: sqlite3.Connection) -> bool:
    """O(1) in the data: page 1 (header, schema) reads and the file holds every page the
    header counts (a truncated file fails). Damage inside data pages is the full check's job."""
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    (path,) = [row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    # Pages still in the WAL are not in the file yet: the file may be shorter, never absent.
    return pages >= 1 and os.path.getsize(path) >= page_size


def _header_consistent(path: Path) -> bool:
    """The 100-byte header of a checkpointed SQLite file: its magic, and (when the header's
    page count is current, i.e. its "version valid for" equals its change counter) exactly
    that many pages in the file."""
    with open(path, "rb") as f:
        header = f.read(100)
    if len(header) < 100 or header[:16] != b"SQLite format 3\x00":
        return False
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if header[92:96] != header[24:28] or pages == 0:
        return False
    return os.path.getsize(path) == pages * page_size


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _nonce_parts(nonce_key: str) -> tuple[str, int] | None:
    client_id, _, nonce = nonce_key.rpartition(":")
    try:
        return client_id, int(nonce)
    except ValueError:
        return None


def _blob(value: bytes | None) -> bytes | None:
    return None if value is None else bytes(value)
