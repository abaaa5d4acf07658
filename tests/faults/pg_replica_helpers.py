"""A co-signer replica on a shared PostgreSQL database for the fault harness (PgServer) and a
second replica made from a first (_replica_of): used by several PostgreSQL fault tests, so kept
out of the test modules."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import psycopg

from cosigner_server.audit import verify_stream

from .harness import Server, free_port


class PgServer(Server):
    """A replica: the harness's offline views read the shared PostgreSQL database."""

    def ro(self, path: Path | None = None):
        return psycopg.connect(self.config.database_url, autocommit=True,
                               options="-c search_path=splitkey,splitkey_journal")  # fmt: skip

    def journal_path(self) -> Path:
        return self.data  # the journal is a schema of the database: ro() reaches it

    def integrity(self) -> bool:
        with self.ro() as db:
            return not db.execute(
                "SELECT 1 FROM splits s JOIN revocations r ON r.split_id = s.id "
                "WHERE s.status = 'active'"
            ).fetchall()

    def _lines(self) -> list[str]:
        with self.ro() as db:
            return [r[0] for r in db.execute("SELECT line FROM audit_records ORDER BY seq")]

    def audit_records(self) -> list[dict]:
        return [json.loads(line) for line in self._lines()]

    def audit_verify(self, anchor=None):
        stream = io.BytesIO("".join(line + "\n" for line in self._lines()).encode())
        return verify_stream(stream, self.secrets().audit_key, anchor=anchor)


def _replica_of(a: Server, root: Path, name: str) -> PgServer:
    """B: A's config (its own port), KEK and certificate; no state of its own, not even the
    sealed server secrets (the database holds the one copy every replica uses)."""
    data = root / name
    data.mkdir(mode=0o700)
    for item in a.data.iterdir():
        if item.is_file() and item.name != "secrets.sealed":
            shutil.copy2(item, data / item.name)
    text = (data / "config.toml").read_text()
    port = a.config.port
    (data / "config.toml").write_text(text.replace(f"port = {port}", f"port = {free_port()}"))
    return PgServer(data, a.env)
