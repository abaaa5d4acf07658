"""The wallet's sent transactions, kept on this computer so that pending ones are followed
until confirmed, failed or expired, across restarts: <data dir>/history.json, one list of
entries, written atomically. Nothing secret: what a block explorer would show.

    book = History(path)
    book.add(HistoryEntry.pending(signed_tx, network="mainnet"))
    book.update(hash_, status="confirmed", round=..., block_hash=..., output=...)
    book.for_wallet(client_id)        # newest first
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from app.transaction import Transaction

PENDING, CONFIRMED, FAILED = "pending", "confirmed", "failed"


@dataclass(frozen=True)
class HistoryEntry:
    hash: str
    client_id: str
    to_client_id: str
    amount: int  # SAS
    fee: int  # SAS
    nonce: int
    creation_date: int
    network: str
    status: str = PENDING  # pending | confirmed | failed
    transaction_status: int | None = None
    round: int | None = None
    block_hash: str | None = None
    output: str | None = None

    @classmethod
    def pending(cls, tx: Transaction, network: str) -> HistoryEntry:
        return cls(
            hash=tx.hash,
            client_id=tx.client_id,
            to_client_id=tx.to_client_id,
            amount=tx.transaction_value,
            fee=tx.transaction_fee,
            nonce=tx.transaction_nonce,
            creation_date=tx.creation_date,
            network=network,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HistoryEntry:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class History:
    """A small JSON file; every change rewrites it (a wallet sends tens, not millions)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries = self._read()

    def _read(self) -> list[HistoryEntry]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [HistoryEntry.from_dict(item) for item in data["entries"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError):
            # A damaged file must not stop the wallet; it is kept aside, not overwritten.
            os.replace(self.path, self.path.with_suffix(".damaged"))
            return []

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        body = {"entries": [asdict(e) for e in self._entries]}
        tmp.write_text(json.dumps(body, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)

    def add(self, entry: HistoryEntry) -> None:
        with self._lock:
            self._entries = [e for e in self._entries if e.hash != entry.hash] + [entry]
            self._write()

    def update(self, hash_: str, **changes: Any) -> HistoryEntry | None:
        with self._lock:
            for index, entry in enumerate(self._entries):
                if entry.hash == hash_:
                    self._entries[index] = replace(entry, **changes)
                    self._write()
                    return self._entries[index]
        return None

    def entries(self) -> list[HistoryEntry]:
        with self._lock:
            return sorted(self._entries, key=lambda e: e.creation_date, reverse=True)

    def for_wallet(self, client_id: str) -> list[HistoryEntry]:
        return [e for e in self.entries() if e.client_id == client_id]

    def pending(self) -> list[HistoryEntry]:
        return [e for e in self.entries() if e.status == PENDING]
