"""The checks the fault tests rely on must fail when something IS lost: a self-test on purpose-
damaged copies (an acknowledged split deleted, a revocation undone in the database and its
journal, an audit record cut off the end, a nonce signed twice)."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3

import pytest

from .harness import Load, Server, check_acknowledged


def _edit(server: Server, sql: str, *params, journal: bool = False) -> None:
    path = server.journal_path() if journal else server.config.db_path
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(sql, params)
        db.commit()


def test_the_checks_catch_each_kind_of_loss(tmp_path):
    server = Server.init(tmp_path)
    server.start()
    load = Load(server, workers=2, seed=41)
    load.setup()
    load.run(60)
    server.stop()
    assert load.acks.revoked and load.acks.cosigned
    check_acknowledged(server, load.acks)  # the undamaged state passes
    head = server.audit_verify().head

    def damaged(name: str) -> Server:
        copy = Server(tmp_path / name, server.env)
        shutil.copytree(server.data, copy.data)
        return copy

    lost_split = damaged("lost-split")
    _edit(lost_split, "DELETE FROM splits WHERE id = ?", load.acks.issued[-1][1].id)
    with pytest.raises(AssertionError, match="missing from the database"):
        check_acknowledged(lost_split, load.acks)

    revived = damaged("revived")
    split_id = load.acks.revoked[0][1].id
    _edit(revived, "UPDATE splits SET status = 'active' WHERE id = ?", split_id)
    _edit(revived, "DELETE FROM revocations WHERE split_id = ?", split_id, journal=True)
    with pytest.raises(AssertionError, match="active again"):
        check_acknowledged(revived, load.acks)

    cut = damaged("cut-audit")
    lines = cut.config.audit_path.read_bytes().splitlines(keepends=True)
    cut.config.audit_path.write_bytes(b"".join(lines[:-1]))
    assert cut.audit_verify().ok  # a clean cut verifies as a chain...
    assert not cut.audit_verify(anchor=head).ok  # ...the anchor of the last head catches it

    twice = damaged("nonce-twice")
    records = twice.config.audit_path.read_bytes().splitlines(keepends=True)
    signed = next(r for r in records if b'"outcome":"signed"' in r)
    twice.config.audit_path.write_bytes(b"".join(records) + signed)
    with pytest.raises(AssertionError, match="signed twice"):
        check_acknowledged(twice, load.acks)
