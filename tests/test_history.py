"""app/history.py: the sent-transaction list survives restarts and a damaged file."""

from __future__ import annotations

import time

from app.crypto import SecretKey
from app.history import CONFIRMED, PENDING, History, HistoryEntry
from app.keys import client_id_of
from app.transaction import Transaction, send_data

KEY = SecretKey.generate()


def _tx(nonce: int) -> Transaction:
    return Transaction(
        client_id=client_id_of(KEY.public_key()),
        chain_id="ee" * 32,
        creation_date=int(time.time()) + nonce,
        to_client_id="ab" * 32,
        transaction_value=nonce * 10,
        transaction_fee=1,
        transaction_nonce=nonce,
        transaction_data=send_data(),
    ).sign(KEY)


def test_entries_are_kept_across_restarts_newest_first(tmp_path):
    path = tmp_path / "history.json"
    book = History(path)
    first, second = _tx(1), _tx(2)
    book.add(HistoryEntry.pending(first, "net"))
    book.add(HistoryEntry.pending(second, "net"))
    book.update(first.hash, status=CONFIRMED, round=7, block_hash="cc" * 32, output="ok")
    again = History(path)
    assert [e.hash for e in again.entries()] == [second.hash, first.hash]
    assert [e.hash for e in again.pending()] == [second.hash]
    kept = again.for_wallet(first.client_id)[1]
    assert (kept.status, kept.round, kept.amount, kept.fee) == (CONFIRMED, 7, 10, 1)
    assert again.for_wallet("dd" * 32) == []
    assert again.entries()[0].status == PENDING


def test_a_damaged_file_is_set_aside_not_lost(tmp_path):
    path = tmp_path / "history.json"
    path.write_text("{not json")
    book = History(path)
    assert book.entries() == []
    assert path.with_suffix(".damaged").read_text() == "{not json"
    book.add(HistoryEntry.pending(_tx(1), "net"))
    assert len(History(path).entries()) == 1
