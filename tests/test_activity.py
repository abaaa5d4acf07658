"""The Activity tab's rows, filter and CSV (app/activity.py), from audit records shaped as the
co-signer writes them."""

from __future__ import annotations

import csv
import io

from app.activity import ALL, ALLOWED, CSV_HEADER, REFUSED, matches, row_of, rows_of, to_csv
from app.permissions import ZCN

ME, DELEGATE = "u_owner", "u_delegate"
TO = "ab" * 32
HASH = "cd" * 32

RECORDS = [
    {"seq": 3, "at": 1_790_000_000, "event": "split_created", "outcome": "ok", "actor": ME,
     "wallet": "w", "split": "spl_1", "details": {"holder": "share code", "label": "=cmd|x",
                                                   "permissions": {"groups": []}}},
    {"seq": 4, "at": 1_790_000_100, "event": "cosign_transaction", "outcome": "signed",
     "actor": DELEGATE, "wallet": "w", "split": "spl_1",
     "details": {"to": TO, "value": 2 * ZCN, "nonce": 1, "type": 0, "hash": HASH}},
    {"seq": 5, "at": 1_790_000_200, "event": "cosign_refused", "outcome": "refused",
     "actor": DELEGATE, "wallet": "w", "split": "spl_1",
     "details": {"rule": "period_value_cap", "to": TO, "value": 9 * ZCN, "nonce": 2,
                 "type": 0}},
    {"seq": 6, "at": 1_790_000_300, "event": "split_revoked", "outcome": "ok", "actor": ME,
     "wallet": "w", "split": "spl_1", "details": {}},
    {"seq": 7, "at": "garbage", "event": "something_new", "outcome": "ok", "actor": 5,
     "details": {"extra": [1, 2]}},
]  # fmt: skip


def test_rows_read_like_sentences_newest_first():
    rows = rows_of(RECORDS, me=ME, names={DELEGATE: "Alice"})
    assert [r.seq for r in rows] == [7, 6, 5, 4, 3]
    new, revoked, refused, signed, created = rows
    assert signed.who == "Alice"
    assert signed.what == "Co-signed a transaction: 2 ZCN to abababab…abab"
    assert signed.hash == HASH and signed.decision == "signed" and not signed.refused
    assert signed.time == "2026-09-21 14:15 UTC"
    assert refused.decision == "refused: period_value_cap" and refused.refused
    assert "9 ZCN" in refused.what and '"nonce":2' in refused.details
    assert revoked.who == "you" and revoked.what == "Revoked a key (spl_1)"  # which key (15.5)
    labelled = rows_of(RECORDS, me=ME, labels={"spl_1": "Sam's laptop"})
    assert labelled[1].what == "Revoked a key (“Sam's laptop”)"
    assert created.what == 'Made a key "=cmd|x"'
    # Unknown events and malformed fields are shown, not dropped or crashed on.
    assert new.what == "something new" and new.who == "?" and new.time == "?"
    assert new.details == '{"extra":[1,2]}'


def test_filter_by_words_and_decision():
    rows = rows_of(RECORDS, me=ME)
    assert [r.seq for r in rows if matches(r, decision=REFUSED)] == [5]
    assert 5 not in [r.seq for r in rows if matches(r, decision=ALLOWED)]
    assert [r.seq for r in rows if matches(r, "PERIOD_value")] == [5]
    assert [r.seq for r in rows if matches(r, "co-signed 2 zcn")] == [4]
    assert [r.seq for r in rows if matches(r, HASH[:10], ALL)] == [4]
    assert [r.seq for r in rows if matches(r, "nothing-like-this")] == []


def test_csv_export_round_trips_and_defuses_formulas():
    rows = rows_of(RECORDS, me=ME)
    parsed = list(csv.reader(io.StringIO(to_csv(rows))))
    assert parsed[0] == CSV_HEADER
    assert len(parsed) == 1 + len(rows)
    by_seq = {line[0]: dict(zip(CSV_HEADER, line, strict=True)) for line in parsed[1:]}
    assert by_seq["4"]["hash"] == HASH and by_seq["4"]["decision"] == "signed"
    # A label someone else chose cannot become a spreadsheet formula.
    assert by_seq["3"]["what"].startswith("Made a key")
    assert all(not cell.startswith(("=", "+", "@")) for line in parsed for cell in line)


def test_a_single_record():
    row = row_of({"seq": 1, "at": 0, "event": "cosign_message", "outcome": "signed",
                  "actor": "system", "details": {"hash": HASH}})  # fmt: skip
    assert (row.what, row.hash, row.who) == ("Co-signed a message", HASH, "system")
