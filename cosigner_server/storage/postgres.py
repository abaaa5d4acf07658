"""The shared storage: PostgreSQL, for N co-signer replicas behind a load balancer.

Concurrency (READ COMMITTED; see ../shared/research/postgres-packaging.md §3.3 for the argument):
- consume locks the split row (`FOR NO KEY UPDATE OF s FOR SHARE OF w`) before it reads the
  window, so two consumes of one split on any replicas are serialized and the caps are exact;
  the wallet's share lock makes a freeze wait for consumes in flight and vice versa;
- a nonce's signatures are counted under a transaction-scoped advisory lock on the nonce key,
  so two splits of one wallet signing one nonce at once see each other (the count is exact);
- revoke takes `FOR UPDATE` on the split, which conflicts with consume's lock: revocation is
  linearizable across replicas;
- one-time values (user share, share codes, enrollment codes) are taken with a locking read or
  a conditional UPDATE, which PostgreSQL re-checks against the newest row version.

The revocation journal is a table in its own schema (`splitkey_journal`), written in the same
transaction as the revocation. A data restore (pg_restore -n splitkey) leaves it alone and
open() re-applies it, so an older backup never revives a revoked split. The audit chain lives
there too, so a restore never rolls it back either.

`race_hook(op)`, if set, is awaited between the check and the write of consume, revoke_split,
take_user_share and redeem_share_code: the concurrency tests widen that window with it, without
which they pass even with the locks removed.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from app.permissions import Permissions

from ..audit import GENESIS
from ..audit_db import JOURNAL_SCHEMA
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

try:  # an optional dependency: pip install 'splitkey[postgres]'
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg_pool import AsyncConnectionPool, PoolTimeout
except ImportError:  # pragma: no cover - reported when a postgresql:// URL is configured
    psycopg = None  # type: ignore[assignment]

T = TypeVar("T")
RaceHook = Callable[[str], Awaitable[None]]

SCHEMA = "splitkey"
# pg_advisory_xact_lock key of the migrations: several replicas starting at once apply them once.
_MIGRATION_LOCK = 0x5350_4C49_544B  # "SPLITK"
# ... and of disabling users, so the last enabled administrator stays (set_user_enabled).
_USERS_LOCK = 0x5350_4B55_5345_5253  # "SPKUSERS"
# The database's clock, in whole seconds, for the rolling windows: every replica counts from it.
_DB_NOW = "extract(epoch from statement_timestamp())::bigint"

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
        f"CREATE SCHEMA IF NOT EXISTS {JOURNAL_SCHEMA}",
        f"""CREATE TABLE IF NOT EXISTS {JOURNAL_SCHEMA}.revocations (
            split_id TEXT PRIMARY KEY,
            revoked_at BIGINT NOT NULL
        )""",
        """CREATE TABLE users (
            id TEXT PRIMARY KEY,
            issuer TEXT NOT NULL,
            subject TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
            enabled BOOLEAN NOT NULL,
            created_at BIGINT NOT NULL,
            tokens_valid_after BIGINT NOT NULL DEFAULT 0,
            UNIQUE (issuer, subject)
        )""",
        """CREATE TABLE enrollment_codes (
            code_digest TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users (id),
            expires_at BIGINT NOT NULL,
            used_at BIGINT
        )""",
        """CREATE TABLE wallets (
            client_id TEXT PRIMARY KEY,
            public_key TEXT NOT NULL,
            owner_id TEXT NOT NULL REFERENCES users (id),
            created_at BIGINT NOT NULL,
            sealed_secret BYTEA NOT NULL,
            custody TEXT NOT NULL,
            frozen BOOLEAN NOT NULL DEFAULT FALSE,
            delete_after BIGINT
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
            created_at BIGINT NOT NULL,
            sealed_server_share BYTEA,
            sealed_user_share BYTEA,
            status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
            uses BIGINT NOT NULL DEFAULT 0,
            last_used BIGINT,
            revoked_at BIGINT
        )""",
        "CREATE INDEX splits_by_share ON splits (client_id, share_public_key)",
        """CREATE UNIQUE INDEX splits_active_share ON splits (client_id, share_public_key)
            WHERE status = 'active'""",
        "CREATE INDEX splits_by_holder ON splits (holder_id, created_at)",
        """CREATE TABLE share_codes (
            code_digest TEXT PRIMARY KEY,
            split_id TEXT NOT NULL REFERENCES splits (id) ON DELETE CASCADE,
            expires_at BIGINT NOT NULL,
            redeemed_by TEXT REFERENCES users (id)
        )""",
        "CREATE INDEX share_codes_by_split ON share_codes (split_id)",
        # As in SQLite: one row per accepted co-sign. A nonce may repeat (see policy.py); the
        # wallet and the nonce are also kept apart for last_nonce (a numeric max on an index,
        # never a text range scan, whose order depends on the collation).
        """CREATE TABLE cosigns (
            request_key TEXT PRIMARY KEY,
            split_id TEXT NOT NULL REFERENCES splits (id) ON DELETE CASCADE,
            at BIGINT NOT NULL,
            value BIGINT NOT NULL CHECK (value >= 0),
            nonce_key TEXT,
            nonce_wallet TEXT,
            nonce NUMERIC,
            answer TEXT
        )""",
        "CREATE INDEX cosigns_window ON cosigns (split_id, at) INCLUDE (value)",
        "CREATE INDEX cosigns_by_nonce_key ON cosigns (nonce_key)",
        "CREATE INDEX cosigns_by_wallet_nonce ON cosigns (nonce_wallet, nonce)",
        # The audit chain (cosigner_server/audit_db.py): canonical lines by seq, and the head
        # row every append locks, which orders the one chain across replicas. Beside the journal,
        # in the schema a data restore leaves alone: restoring a dump never rolls the chain back.
        f"""CREATE TABLE IF NOT EXISTS {JOURNAL_SCHEMA}.audit_records (
            seq BIGINT PRIMARY KEY,
            wallet TEXT,
            line TEXT NOT NULL
        )""",
        f"CREATE INDEX IF NOT EXISTS audit_by_wallet "
        f"ON {JOURNAL_SCHEMA}.audit_records (wallet, seq)",
        f"""CREATE TABLE IF NOT EXISTS {JOURNAL_SCHEMA}.audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq BIGINT NOT NULL,
            mac TEXT NOT NULL
        )""",
        f"INSERT INTO {JOURNAL_SCHEMA}.audit_head (id, seq, mac) VALUES (1, 0, '{GENESIS}') "
        "ON CONFLICT DO NOTHING",
        # The server's own secrets (token and audit keys), sealed by the KEK: one copy for every
        # replica, re-sealed once by a key rotation. Beside the journal: a restore keeps it.
        f"""CREATE TABLE IF NOT EXISTS {JOURNAL_SCHEMA}.server_secrets (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            sealed BYTEA NOT NULL
        )""",
    ),
    # 2: redeemed proof challenges, single use across replicas (Storage.use_once)
    (
        """CREATE TABLE used_once (
            digest TEXT PRIMARY KEY,
            expires_at BIGINT NOT NULL
        )""",
        "CREATE INDEX used_once_by_expiry ON used_once (expires_at)",
    ),
    # 3: which KEK ids each replica's ring holds (kek_rotation.settle): a rotation re-seals
    # nothing, and --retire drops nothing, while a live replica lacks the new key. In the
    # journal schema beside server_secrets, the value whose sealing key it is about; seen_at
    # is the database's clock, so replica clock skew does not decide who is live.
    (
        f"""CREATE TABLE IF NOT EXISTS {JOURNAL_SCHEMA}.replicas (
            replica_id TEXT PRIMARY KEY,
            kek_ids TEXT[] NOT NULL,
            seen_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )""",
    ),
)


def _split_nonce(nonce_key: str | None) -> tuple[str | None, int | None]:
    # The server's keys are "<client_id>:<nonce>"; anything else is kept, just not in last_nonce.
    if nonce_key is None or ":" not in nonce_key:
        return None, None
    wallet, _, number = nonce_key.rpartition(":")
    try:
        return wallet, int(number)
    except ValueError:
        return None, None


def _translate(exc: Exception) -> StorageError:
    if isinstance(exc, pg_errors.UniqueViolation):
        return Conflict(f"already exists ({exc.diag.constraint_name})")
    if isinstance(exc, pg_errors.ForeignKeyViolation):
        return StorageError("refers to a user, wallet or split that does not exist")
    if isinstance(exc, pg_errors.IntegrityError):
        return StorageError(f"record refused by the schema ({exc.diag.constraint_name})")
    if isinstance(exc, (psycopg.OperationalError, PoolTimeout, pg_errors.AdminShutdown)):
        return StorageUnavailable(f"database unavailable: {type(exc).__name__}")
    return StorageError(f"database error: {type(exc).__name__}: {exc.diag.message_primary}")


class PostgresStorage(Storage):
    """Storage in one PostgreSQL database, shared by every replica.

    `url` is a libpq URL or DSN (postgresql://user@host/db, or ?host=/socket/dir); `pool_size`
    connections per replica."""

    def __init__(self, url: str, *, pool_size: int = 8, race_hook: RaceHook | None = None) -> None:
        if psycopg is None:
            raise StorageError(
                "PostgreSQL storage needs the psycopg driver: pip install 'splitkey[postgres]'"
            )
        self.url = url
        self.pool_size = pool_size
        self.race_hook = race_hook
        self._pool: AsyncConnectionPool | None = None

    # -- plumbing ----------------------------------------------------------------------------------
    def _connection(self):
        if self._pool is None:
            raise StorageUnavailable("the database is closed")
        return self._pool.connection()

    async def _tx(self, body: Callable[[Any], Awaitable[T]]) -> T:
        """Run body(conn) in one transaction; one retry after a deadlock (the only cycle:
        delete_wallet against consume on the same wallet)."""
        for attempt in (1, 2):
            try:
                async with self._connection() as conn, conn.transaction():
                    return await body(conn)
            except pg_errors.DeadlockDetected as exc:
                if attempt == 2:
                    raise StorageUnavailable("database deadlock; retry") from exc
            except StorageError:
                raise
            except (psycopg.Error, PoolTimeout) as exc:
                raise _translate(exc) from None
        raise AssertionError("unreachable")

    async def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """One statement, its own transaction (autocommit: one round trip, no BEGIN/COMMIT)."""
        try:
            async with self._connection() as conn:
                cur = await conn.execute(sql, params)
                return await cur.fetchall() if cur.description is not None else []
        except StorageError:
            raise
        except (psycopg.Error, PoolTimeout) as exc:
            raise _translate(exc) from None

    async def _race(self, op: str) -> None:
        if self.race_hook is not None:
            await self.race_hook(op)

    # -- lifecycle -----------------------------------------------------------------------------
    async def open(self) -> None:
        if self._pool is not None:
            return
        pool = AsyncConnectionPool(
            self.url,
            min_size=1,
            max_size=self.pool_size,
            open=False,
            timeout=10.0,
            kwargs={"options": f"-c search_path={SCHEMA}", "autocommit": True},
        )
        try:
            await pool.open(wait=True, timeout=10.0)
        except (psycopg.Error, PoolTimeout) as exc:
            await pool.close()
            raise StorageUnavailable(f"cannot connect to PostgreSQL: {exc}") from None
        self._pool = pool
        try:
            await self._tx(self._migrate)
            await self._tx(self._reconcile_journal)
        except BaseException:
            self._pool = None
            await pool.close()
            raise

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    @staticmethod
    async def _migrate(conn) -> None:
        # One transaction under an advisory lock: replicas starting together wait, then see the
        # schema done (PostgreSQL's DDL is transactional: a failed migration leaves nothing).
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_migrations ("
            "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"
        )
        cur = await conn.execute(
            f"SELECT COALESCE(MAX(version), 0) FROM {SCHEMA}.schema_migrations"
        )
        (current,) = await cur.fetchone()
        if current > len(MIGRATIONS):
            raise StorageError(
                f"the database has schema version {current}; this server knows up to "
                f"{len(MIGRATIONS)}: upgrade the server"
            )
        for version in range(current + 1, len(MIGRATIONS) + 1):
            for statement in MIGRATIONS[version - 1]:
                await conn.execute(statement)
            await conn.execute(
                f"INSERT INTO {SCHEMA}.schema_migrations (version, applied_at) VALUES (%s, %s)",
                (version, int(time.time())),
            )

    @staticmethod
    async def _reconcile_journal(conn) -> None:
        """Journal -> data: revoke what the journal says is revoked (a restored older dump).
        Data -> journal: record revocations the journal misses."""
        await conn.execute(
            f"UPDATE splits s SET status = 'revoked', sealed_server_share = NULL, "
            f"sealed_user_share = NULL, revoked_at = r.revoked_at "
            f"FROM {JOURNAL_SCHEMA}.revocations r WHERE r.split_id = s.id AND s.status = 'active'"
        )
        await conn.execute(
            f"INSERT INTO {JOURNAL_SCHEMA}.revocations (split_id, revoked_at) "
            f"SELECT id, COALESCE(revoked_at, {_DB_NOW}) FROM splits WHERE status = 'revoked' "
            "ON CONFLICT DO NOTHING"
        )

    async def check(self, full: bool = False) -> bool:
        """Reachable, and (full) the data and journal agree: no active split is journaled."""
        try:
            rows = await self._rows(
                f"SELECT count(*) FROM splits s JOIN {JOURNAL_SCHEMA}.revocations r "
                "ON r.split_id = s.id WHERE s.status = 'active'"
            )
        except StorageError:
            return False
        return rows == [(0,)]

    async def now(self) -> int:
        """The database's clock (what replicas count windows from)."""
        return (await self._rows(f"SELECT {_DB_NOW}"))[0][0]

    # -- users -----------------------------------------------------------------------------------
    async def add_user(self, user: User) -> None:
        await self._rows(
            f"INSERT INTO users ({USER_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING 1",
            (user.id, user.issuer, user.subject, user.role, bool(user.enabled), user.created_at,
             user.tokens_valid_after),
        )  # fmt: skip

    async def get_user(self, user_id: str) -> User | None:
        rows = await self._rows(f"SELECT {USER_COLUMNS} FROM users WHERE id = %s", (user_id,))
        return user_of(rows[0]) if rows else None

    async def find_user(self, issuer: str, subject: str) -> User | None:
        rows = await self._rows(
            f"SELECT {USER_COLUMNS} FROM users WHERE issuer = %s AND subject = %s",
            (issuer, subject),
        )
        return user_of(rows[0]) if rows else None

    async def list_users(self) -> list[User]:
        rows = await self._rows(f"SELECT {USER_COLUMNS} FROM users ORDER BY created_at, id")
        return [user_of(r) for r in rows]

    async def set_user_enabled(self, user_id: str, enabled: bool, now: int) -> bool:
        if enabled:
            rows = await self._rows(
                "UPDATE users SET enabled = TRUE WHERE id = %s RETURNING 1", (user_id,)
            )
            return bool(rows)

        async def body(conn) -> bool:
            # Disabling is serialized across replicas by one transaction-scoped advisory lock (a
            # rare operation): two administrators disabling each other at once cannot both see
            # the other one still enabled, and row locks taken in changing orders cannot deadlock.
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_USERS_LOCK,))
            cur = await conn.execute(
                "SELECT id FROM users WHERE role = 'admin' AND enabled ORDER BY id"
            )
            admins = [row[0] for row in await cur.fetchall()]
            await self._race("set_user_enabled")
            if user_id in admins and len(admins) == 1:
                raise LastAdministrator(user_id)
            # Never move the cut-off back: a later disable must not revive older tokens.
            cur = await conn.execute(
                "UPDATE users SET enabled = FALSE, "
                "tokens_valid_after = GREATEST(tokens_valid_after, %s) WHERE id = %s RETURNING 1",
                (now, user_id),
            )
            return (await cur.fetchone()) is not None

        return await self._tx(body)

    # -- enrollment codes -------------------------------------------------------------------------
    async def add_enrollment_code(self, code: EnrollmentCode) -> None:
        await self._rows(
            "INSERT INTO enrollment_codes (code_digest, user_id, expires_at, used_at) "
            "VALUES (%s, %s, %s, %s) RETURNING 1",
            (code.code_digest, code.user_id, code.expires_at, code.used_at),
        )

    async def use_enrollment_code(self, code_digest: str, now: int) -> EnrollmentCode | None:
        # A conditional UPDATE: a second taker waits for the first, then matches nothing.
        rows = await self._rows(
            "UPDATE enrollment_codes SET used_at = %s "
            "WHERE code_digest = %s AND used_at IS NULL AND expires_at > %s "
            "RETURNING user_id, expires_at",
            (now, code_digest, now),
        )
        return EnrollmentCode(code_digest, rows[0][0], rows[0][1], now) if rows else None

    # -- wallets ---------------------------------------------------------------------------------
    async def add_wallet(self, wallet: Wallet) -> None:
        await self._rows(
            f"INSERT INTO wallets ({WALLET_COLUMNS}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING 1",
            (wallet.client_id, wallet.public_key, wallet.owner_id, wallet.created_at,
             bytes(wallet.sealed_secret), wallet.custody, bool(wallet.frozen),
             wallet.delete_after),
        )  # fmt: skip

    async def get_wallet(self, client_id: str) -> Wallet | None:
        rows = await self._rows(
            f"SELECT {WALLET_COLUMNS} FROM wallets WHERE client_id = %s", (client_id,)
        )
        return wallet_of(rows[0]) if rows else None

    async def list_wallets(self, owner_id: str | None = None) -> list[Wallet]:
        if owner_id is None:
            sql, params = (
                f"SELECT {WALLET_COLUMNS} FROM wallets ORDER BY created_at, client_id",
                (),
            )
        else:
            sql = (
                f"SELECT {WALLET_COLUMNS} FROM wallets WHERE owner_id = %s "
                "ORDER BY created_at, client_id"
            )
            params = (owner_id,)
        return [wallet_of(r) for r in await self._rows(sql, params)]

    async def last_nonce(self, client_id: str) -> int | None:
        rows = await self._rows(
            "SELECT MAX(nonce) FROM cosigns WHERE nonce_wallet = %s", (client_id,)
        )
        return None if rows[0][0] is None else int(rows[0][0])

    async def set_wallet_frozen(self, client_id: str, frozen: bool) -> bool:
        rows = await self._rows(
            "UPDATE wallets SET frozen = %s WHERE client_id = %s RETURNING 1", (frozen, client_id)
        )
        return bool(rows)

    async def schedule_wallet_deletion(self, client_id: str, delete_after: int | None) -> bool:
        rows = await self._rows(
            "UPDATE wallets SET delete_after = %s WHERE client_id = %s RETURNING 1",
            (delete_after, client_id),
        )
        return bool(rows)

    async def delete_wallet(self, client_id: str) -> bool:
        async def body(conn) -> bool:
            # Splits first, then the wallet: the order consume takes them in (no deadlock).
            cur = await conn.execute(
                "SELECT id, status FROM splits WHERE client_id = %s ORDER BY id FOR UPDATE",
                (client_id,),
            )
            splits = await cur.fetchall()
            cur = await conn.execute(
                "DELETE FROM wallets WHERE client_id = %s RETURNING 1", (client_id,)
            )
            if not await cur.fetchall():
                return False
            # Journal the deleted splits as revoked: a restored backup brings the wallet back,
            # but none of its splits may sign again.
            active = [(sid, int(time.time())) for sid, status in splits if status == SPLIT_ACTIVE]
            if active:
                await _journal_add(conn, active)
            return True

        return await self._tx(body)

    # -- splits ----------------------------------------------------------------------------------
    async def add_split(self, split: Split) -> None:
        async def body(conn) -> None:
            cur = await conn.execute(
                f"SELECT 1 FROM {JOURNAL_SCHEMA}.revocations WHERE split_id = %s", (split.id,)
            )
            if await cur.fetchone():
                raise Conflict(f"split id {split.id} was revoked before and cannot be reused")
            await conn.execute(
                f"INSERT INTO splits ({SPLIT_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (split.id, split.client_id, split.holder_id, split.label, split.share_public_key,
                 permissions_json(split.permissions), split.created_at,
                 _blob(split.sealed_server_share), _blob(split.sealed_user_share), split.status,
                 split.uses, split.last_used, split.revoked_at),
            )  # fmt: skip

        await self._tx(body)

    async def get_split(self, split_id: str) -> Split | None:
        rows = await self._rows(f"SELECT {SPLIT_COLUMNS} FROM splits WHERE id = %s", (split_id,))
        return split_of(rows[0]) if rows else None

    async def find_split(self, client_id: str, share_public_key: str) -> Split | None:
        rows = await self._rows(
            f"SELECT {SPLIT_COLUMNS} FROM splits WHERE client_id = %s AND share_public_key = %s "
            "ORDER BY status = 'active' DESC, created_at DESC, id LIMIT 1",
            (client_id, share_public_key),
        )
        return split_of(rows[0]) if rows else None

    async def list_splits(
        self, client_id: str | None = None, holder_id: str | None = None
    ) -> list[Split]:
        where, params = [], []
        if client_id is not None:
            where.append("client_id = %s")
            params.append(client_id)
        if holder_id is not None:
            where.append("holder_id = %s")
            params.append(holder_id)
        sql = f"SELECT {SPLIT_COLUMNS} FROM splits"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at, id"
        return [split_of(r) for r in await self._rows(sql, tuple(params))]

    async def set_permissions(self, split_id: str, permissions: Permissions) -> bool:
        rows = await self._rows(
            "UPDATE splits SET permissions = %s WHERE id = %s RETURNING 1",
            (permissions_json(permissions), split_id),
        )
        return bool(rows)

    async def revoke_split(self, split_id: str, now: int) -> bool:
        async def body(conn) -> bool:
            # FOR UPDATE conflicts with consume's FOR NO KEY UPDATE: every consume either
            # committed before this or sees the split revoked, on every replica.
            cur = await conn.execute(
                "SELECT status, revoked_at FROM splits WHERE id = %s FOR UPDATE", (split_id,)
            )
            row = await cur.fetchone()
            if row is None:
                return False
            await self._race("revoke_split")
            at = now
            if row[0] == SPLIT_ACTIVE:
                await conn.execute(
                    "UPDATE splits SET status = %s, sealed_server_share = NULL, "
                    "sealed_user_share = NULL, revoked_at = %s WHERE id = %s",
                    (SPLIT_REVOKED, now, split_id),
                )
            elif row[1] is not None:
                at = row[1]
            await _journal_add(conn, [(split_id, at)])
            return True

        return await self._tx(body)

    async def use_once(self, digest: str, expires_at: int, now: int) -> bool:
        async def body(conn) -> bool:
            await conn.execute("DELETE FROM used_once WHERE expires_at < %s", (now,))
            cur = await conn.execute(
                "INSERT INTO used_once (digest, expires_at) VALUES (%s, %s) "
                "ON CONFLICT (digest) DO NOTHING RETURNING 1",
                (digest, expires_at),
            )
            return (await cur.fetchone()) is not None

        return await self._tx(body)

    async def replace_split_share(
        self, split_id: str, old_public_key: str, new_public_key: str, sealed_server_share: bytes
    ) -> bool:
        # A compare-and-set: only the split's current share key, only while it is active.
        rows = await self._rows(
            "UPDATE splits SET share_public_key = %s, sealed_server_share = %s "
            "WHERE id = %s AND share_public_key = %s AND status = %s RETURNING 1",
            (new_public_key, bytes(sealed_server_share), split_id, old_public_key, SPLIT_ACTIVE),
        )
        return bool(rows)

    async def take_user_share(self, split_id: str, holder_id: str) -> bytes | None:
        async def body(conn) -> bytes | None:
            cur = await conn.execute(
                "SELECT sealed_user_share FROM splits WHERE id = %s AND holder_id = %s "
                "AND status = 'active' AND sealed_user_share IS NOT NULL FOR UPDATE",
                (split_id, holder_id),
            )
            row = await cur.fetchone()
            if row is None:
                return None
            await self._race("take_user_share")
            await conn.execute(
                "UPDATE splits SET sealed_user_share = NULL WHERE id = %s", (split_id,)
            )
            return bytes(row[0])

        return await self._tx(body)

    # -- share codes -----------------------------------------------------------------------------
    async def add_share_code(self, code: ShareCode) -> None:
        await self._rows(
            "INSERT INTO share_codes (code_digest, split_id, expires_at, redeemed_by) "
            "VALUES (%s, %s, %s, %s) RETURNING 1",
            (code.code_digest, code.split_id, code.expires_at, code.redeemed_by),
        )

    async def redeem_share_code(self, code_digest: str, user_id: str, now: int) -> str | None:
        async def body(conn) -> str | None:
            cur = await conn.execute(
                "SELECT c.split_id FROM share_codes c JOIN splits s ON s.id = c.split_id "
                "WHERE c.code_digest = %s AND c.redeemed_by IS NULL AND c.expires_at > %s "
                "AND s.status = 'active' FOR UPDATE OF c, s",
                (code_digest, now),
            )
            row = await cur.fetchone()
            if row is None:
                return None
            await self._race("redeem_share_code")
            await conn.execute(
                "UPDATE share_codes SET redeemed_by = %s WHERE code_digest = %s",
                (user_id, code_digest),
            )
            await conn.execute("UPDATE splits SET holder_id = %s WHERE id = %s", (user_id, row[0]))
            return row[0]

        return await self._tx(body)

    # -- co-signing accounting ------------------------------------------------------------------
    async def consume(
        self,
        split_id: str,
        request_key: str,
        nonce_key: str | None,
        value: int,
        now: int | None,
        decide: Callable[[ConsumeSnapshot], Refusal | None],
    ) -> ConsumeResult:
        """See Storage.consume. now=None takes the database's clock."""
        if type(value) is not int or value < 0:
            raise ValueError("value must be a whole number of SAS >= 0")
        nonce_wallet, nonce = _split_nonce(nonce_key)

        async def body(conn) -> ConsumeResult:
            # 1. The split's lock first (and the nonce's): every later read in this transaction
            # sees all consumes of this split, and all signatures of this nonce, committed
            # before it (a second copy of one request waits here too).
            cur = await conn.execute(
                "SELECT s.status, s.permissions, s.sealed_server_share, s.uses, w.frozen, "
                f"{_DB_NOW}, CASE WHEN %s::text IS NULL THEN NULL ELSE "
                "pg_advisory_xact_lock(hashtextextended(%s::text, 0))::text END "
                "FROM splits s JOIN wallets w ON w.client_id = s.client_id "
                "WHERE s.id = %s FOR NO KEY UPDATE OF s FOR SHARE OF w",
                (nonce_key, nonce_key, split_id),
            )
            row = await cur.fetchone()
            period = permissions_of(row[1]).period_seconds if row else 0
            at = now if now is not None else (row[5] if row else None)
            # 2. The request key, the window and the nonce's earlier signatures, in one read.
            cur = await conn.execute(
                "SELECT (SELECT split_id FROM cosigns WHERE request_key = %(rk)s), "
                "(SELECT answer FROM cosigns WHERE request_key = %(rk)s), "
                "(SELECT at FROM cosigns WHERE request_key = %(rk)s), "
                "COALESCE(SUM(value), 0), count(*), "
                "(SELECT count(*) FROM cosigns WHERE nonce_key = %(nk)s), "
                f"{_DB_NOW} FROM cosigns WHERE split_id = %(split)s AND at > %(since)s",
                {"rk": request_key, "nk": nonce_key, "split": split_id,
                 "since": (at or 0) - period},
            )  # fmt: skip
            (
                seen_split,
                answer,
                pending_at,
                period_value,
                period_count,
                signed_before,
                db_now,
            ) = await cur.fetchone()
            if seen_split is not None:
                clock = at if at is not None else db_now
                if not abandoned(seen_split, answer, pending_at, split_id, clock):
                    return replay_or_refusal(seen_split, answer, split_id)
                # Its server died: release that use, then read again without it.
                await conn.execute(
                    "WITH gone AS (DELETE FROM cosigns WHERE request_key = %s) "
                    "UPDATE splits SET uses = GREATEST(uses - 1, 0) WHERE id = %s",
                    (request_key, split_id),
                )
                return await body(conn)
            if row is None:
                return refused_missing(decide, now if now is not None else db_now)
            status, _text, share, uses, frozen = row[:5]
            usage = UsageSummary(int(period_value), period_count, uses)
            snapshot = ConsumeSnapshot(
                at, True, status, permissions_of(row[1]), share is not None, bool(frozen),
                signed_before if nonce_key is not None else 0, usage,
            )  # fmt: skip
            refusal = decide(snapshot)
            if refusal is not None:
                return ConsumeResult(refusal=refusal)
            require_share(snapshot)
            await self._race("consume")
            # 3. The use and the split's counters, in one statement.
            await conn.execute(
                "WITH use AS (INSERT INTO cosigns (request_key, split_id, at, value, nonce_key, "
                "nonce_wallet, nonce) VALUES (%s, %s, %s, %s, %s, %s, %s)) "
                "UPDATE splits SET uses = uses + 1, "
                "last_used = GREATEST(COALESCE(last_used, %s), %s) WHERE id = %s",
                (request_key, split_id, at, value, nonce_key, nonce_wallet, nonce, at, at,
                 split_id),
            )  # fmt: skip
            return accepted(bytes(share), usage, value, snapshot.nonce_signed_before)

        try:
            return await self._tx(body)
        except Conflict:
            # The same request key raced in through another split (different row locks): the
            # winner has committed; answer as the request key now says.
            return await self._tx(body)

    async def complete(self, request_key: str, answer: str) -> None:
        # The first answer stands: a replay must return what the first caller got.
        await self._rows(
            "UPDATE cosigns SET answer = %s WHERE request_key = %s AND answer IS NULL RETURNING 1",
            (answer, request_key),
        )

    async def release(self, request_key: str) -> None:
        async def body(conn) -> None:
            cur = await conn.execute(
                "DELETE FROM cosigns WHERE request_key = %s AND answer IS NULL RETURNING split_id",
                (request_key,),
            )
            row = await cur.fetchone()
            if row is not None:
                await conn.execute(
                    "UPDATE splits SET uses = GREATEST(uses - 1, 0) WHERE id = %s", (row[0],)
                )

        await self._tx(body)

    # -- the sealed server secrets, shared by the replicas -----------------------------------------
    async def shared_secrets(self, local: bytes | None) -> bytes:
        """The sealed server secrets every replica uses: the database's copy; the first replica
        (or init) seeds it with its data directory's `local` copy."""

        async def body(conn) -> bytes:
            lock = " FOR UPDATE" if local is not None else ""  # only a seeding read writes
            cur = await conn.execute(
                f"SELECT sealed FROM {JOURNAL_SCHEMA}.server_secrets WHERE id = 1{lock}"
            )
            row = await cur.fetchone()
            if row is not None:
                return bytes(row[0])
            if local is None:
                raise StorageError(
                    "neither the database nor the data directory holds the sealed server "
                    "secrets: run `splitkey-cosigner init` once, with database_url set"
                )
            await conn.execute(
                f"INSERT INTO {JOURNAL_SCHEMA}.server_secrets (id, sealed) VALUES (1, %s)",
                (bytes(local),),
            )
            return bytes(local)

        return await self._tx(body)

    async def replace_shared_secrets(self, old: bytes, new: bytes) -> bool:
        """Compare-and-swap after a re-seal under a new KEK: once, for all replicas."""
        rows = await self._rows(
            f"UPDATE {JOURNAL_SCHEMA}.server_secrets SET sealed = %s WHERE id = 1 AND sealed = %s "
            "RETURNING 1",
            (bytes(new), bytes(old)),
        )
        return bool(rows)

    # -- the replicas' KEK rings (kek_rotation.settle) -----------------------------------------
    async def replica_seen(self, replica_id: str, kek_ids: list[str]) -> None:
        await self._rows(
            f"INSERT INTO {JOURNAL_SCHEMA}.replicas (replica_id, kek_ids, seen_at) "
            "VALUES (%s, %s, now()) ON CONFLICT (replica_id) DO UPDATE "
            "SET kek_ids = EXCLUDED.kek_ids, seen_at = now()",
            (replica_id, list(kek_ids)),
        )

    async def replicas(self) -> list[tuple[str, list[str], float]]:
        """(replica id, the KEK ids its ring holds, seconds since it was last seen)."""
        rows = await self._rows(
            f"SELECT replica_id, kek_ids, EXTRACT(EPOCH FROM now() - seen_at)::float8 "
            f"FROM {JOURNAL_SCHEMA}.replicas ORDER BY replica_id"
        )
        return [(r[0], list(r[1]), float(r[2])) for r in rows]

    async def replica_gone(self, replica_id: str) -> None:
        await self._rows(
            f"DELETE FROM {JOURNAL_SCHEMA}.replicas WHERE replica_id = %s", (replica_id,)
        )

    # -- key rotation ------------------------------------------------------------------------------
    async def sealed_blobs(self) -> list[tuple[str, str, bytes]]:
        out: list[tuple[str, str, bytes]] = []
        for column, (table, key) in SEALED_COLUMNS.items():
            rows = await self._rows(
                f"SELECT {key}, {column} FROM {table} "
                f"WHERE {column} IS NOT NULL AND length({column}) > 0"
            )
            out.extend((column, row_key, bytes(blob)) for row_key, blob in rows)
        return out

    async def replace_sealed(self, column: str, row_key: str, old: bytes, new: bytes) -> bool:
        table, key = SEALED_COLUMNS[column]
        rows = await self._rows(
            f"UPDATE {table} SET {column} = %s WHERE {key} = %s AND {column} = %s RETURNING 1",
            (bytes(new), row_key, bytes(old)),
        )
        return bool(rows)


async def _journal_add(conn, rows: list[tuple[str, int]]) -> None:
    # In the same transaction as the revocation: both or neither.
    async with conn.cursor() as cur:
        await cur.executemany(
            f"INSERT INTO {JOURNAL_SCHEMA}.revocations (split_id, revoked_at) VALUES (%s, %s) "
            "ON CONFLICT DO NOTHING",
            rows,
        )


def _blob(value: bytes | None) -> bytes | None:
    return None if value is None else bytes(value)
