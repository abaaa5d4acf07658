"""The audit chain in PostgreSQL, for replicas: ONE chain ordered by the database.

Every record is the same canonical line as in audit.log (audit.py makes and checks the format),
so `verify_stream` over the lines in seq order verifies it unchanged. seq and prev are read and
written under the lock of a one-row head table, inside the transaction that inserts the record:
a rolled-back append leaves no gap, two replicas never fork the chain, and the record is durable
(committed) before the caller answers -- the same fail-closed rule as the file.

Why one chain rather than one per replica: one head row serializes appends, which allowed
510-550 appends/s with fsync on an idle machine of this kind (../shared/research/
postgres-packaging.md §3.4) and 243-310/s on a loaded one (docs/benchmarks.md): at or above what
one SQLite server co-signs on the same machine. So a single chain costs replicas little at this
scale and keeps one chain to anchor and verify; per-replica chains are worth their N anchors only
past that ceiling.
"""

from __future__ import annotations

import io
import json
from typing import Any

from .audit import AuditUnavailable, VerifyReport, canonical, checked_fields, record_mac
from .audit import verify_stream as _verify_stream
from .storage.base import StorageError

# The schema a data restore leaves alone (storage/postgres.py creates the tables there).
JOURNAL_SCHEMA = "splitkey_journal"
_HEAD = f"{JOURNAL_SCHEMA}.audit_head"
_RECORDS = f"{JOURNAL_SCHEMA}.audit_records"

_DB_NOW = "extract(epoch from statement_timestamp())::bigint"


class DatabaseAuditLog:
    """The audit sink of the PostgreSQL backend; the same calls the server makes on AuditLog."""

    def __init__(self, storage: Any, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < 16:
            raise ValueError("the audit key is at least 16 bytes")
        self._storage = storage  # a PostgresStorage (its pool and transactions)
        self._key = key
        self.path = None  # no file: readers go through read()/verify() below

    def open(self) -> None:
        """Nothing to recover: a torn record cannot exist (a transaction commits or not)."""

    def close(self) -> None:
        """The connections belong to the storage."""

    async def append_async(
        self,
        event: str,
        *,
        actor: str,
        wallet: str | None = None,
        split: str | None = None,
        outcome: str,
        details: dict[str, Any] | None = None,
    ) -> int:
        details = checked_fields(event, actor, wallet, split, outcome, details)

        async def body(conn) -> int:
            cur = await conn.execute(
                f"SELECT seq, mac, {_DB_NOW} FROM {_HEAD} WHERE id = 1 FOR UPDATE"
            )
            seq, prev, at = await cur.fetchone()
            record: dict[str, Any] = {
                "seq": seq + 1, "at": at, "event": event, "actor": actor, "wallet": wallet,
                "split": split, "outcome": outcome, "details": details, "prev": prev,
            }  # fmt: skip
            record["mac"] = record_mac(self._key, record)
            line = canonical(record).decode("ascii")
            await conn.execute(
                f"WITH line AS (INSERT INTO {_RECORDS} (seq, wallet, line) VALUES (%s, %s, %s)) "
                f"UPDATE {_HEAD} SET seq = %s, mac = %s WHERE id = 1",
                (seq + 1, wallet, line, seq + 1, record["mac"]),
            )
            return seq + 1

        try:
            return await self._storage._tx(body)
        except StorageError as exc:
            raise AuditUnavailable(f"audit chain in the database: cannot write ({exc})") from None

    async def lines(self, wallet: str | None = None, since: int | None = None,
                    limit: int | None = None) -> list[str]:  # fmt: skip
        where, params = ["seq > %s"], [since or 0]
        if wallet is not None:
            where.append("wallet = %s")
            params.append(wallet)
        sql = f"SELECT line FROM {_RECORDS} WHERE {' AND '.join(where)} ORDER BY seq"
        if limit is not None:
            sql += " LIMIT %s"
            params.append(limit)
        try:
            return [row[0] for row in await self._storage._rows(sql, tuple(params))]
        except StorageError as exc:
            raise AuditUnavailable(f"audit chain in the database: cannot read ({exc})") from None

    async def read(self, wallet: str | None = None, since: int | None = None,
                   limit: int | None = None) -> list[dict[str, Any]]:  # fmt: skip
        if limit is not None and limit <= 0:
            return []
        return [json.loads(line) for line in await self.lines(wallet, since, limit)]

    async def verify(self, anchor: tuple[int, str] | None = None) -> VerifyReport:
        """The file's verifier over the database's lines, in seq order."""
        try:
            lines = await self.lines()
        except AuditUnavailable as exc:
            return VerifyReport(False, 0, 1, str(exc))
        stream = io.BytesIO("".join(line + "\n" for line in lines).encode("ascii"))
        return _verify_stream(stream, self._key, anchor=anchor)

    async def writable(self) -> bool:
        try:
            return bool(await self._storage._rows(f"SELECT 1 FROM {_HEAD} WHERE id = 1"))
        except StorageError:
            return False
