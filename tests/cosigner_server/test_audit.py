"""The audit chain: every tampering detected, fail-closed writes that leave nothing half-written,
torn tails reported by verify and recovered (on the record) by the writer."""

from __future__ import annotations

import asyncio
import errno
import io
import itertools
import json
import os
import random
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cosigner_server import audit
from cosigner_server.audit import (
    AuditLog,
    AuditUnavailable,
    canonical,
    digest_identifier,
    read,
    record_mac,
    verify,
    verify_stream,
)

KEY = b"k" * 32
REPO = Path(__file__).resolve().parents[2]


def make_log(path: Path, n: int, key: bytes = KEY) -> AuditLog:
    log = AuditLog(path, key, clock=lambda: 1_700_000_000)
    events = ["cosign", "refused", "revoke", "issue", "retrieve", "permissions"]
    for i in range(n):
        log.append(
            events[i % len(events)],
            actor=f"user-{i % 3}",
            wallet=f"wallet-{i % 4}" if i % 5 else None,
            split=f"split-{i % 7}",
            outcome="ok" if i % 3 else "refused",
            details={"value": i * 10**9, "rule": "max_uses", "note": "caf\u00e9 \u2713", "n": [i]},
        )
    return log


def test_append_returns_seq_and_verifies(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = make_log(path, 10)
    assert log.head[0] == 10
    report = verify(path, KEY)
    assert report.ok and report.records == 10 and report.head == log.head
    lines = path.read_bytes().splitlines()
    first = json.loads(lines[0])
    assert first["seq"] == 1 and first["prev"] == audit.GENESIS
    assert set(first) == {*audit.FIELDS, "mac"}
    assert all(json.loads(b)["prev"] == json.loads(a)["mac"] for a, b in itertools.pairwise(lines))
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_wrong_key_fails(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    make_log(path, 3)
    report = verify(path, b"x" * 32)
    assert not report.ok and report.first_bad_seq == 1
    with pytest.raises(AuditUnavailable, match="does not verify"):
        AuditLog(path, b"x" * 32).open()


def test_reopen_continues_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    make_log(path, 5).close()
    log = AuditLog(path, KEY)
    assert log.append("cosign", actor="a", outcome="ok") == 6
    assert verify(path, KEY).records == 6


def test_empty_or_missing_log(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    assert not verify(path, KEY).ok  # missing: nothing to vouch for
    path.write_bytes(b"")
    assert verify(path, KEY).ok and verify(path, KEY).records == 0


# -- tampering ------------------------------------------------------------------------------------


def _tamper(lines: list[bytes], rng: random.Random, kind: str) -> list[bytes]:
    lines = list(lines)
    n = len(lines)
    if kind == "byte":
        i = rng.randrange(n)
        line = bytearray(lines[i] + b"\n")
        j = rng.randrange(len(line))
        line[j] = (line[j] + rng.randrange(1, 256)) % 256
        lines[i] = bytes(line)
        return [x if k == i else x + b"\n" for k, x in enumerate(lines)]
    if kind == "field":
        # A well-formed, canonical record with one value changed: only the MAC can tell.
        i = rng.randrange(n)
        record = json.loads(lines[i])
        name = rng.choice(["at", "event", "actor", "wallet", "split", "outcome", "details"])
        record[name] = {"at": record["at"] + 1, "details": {"value": 1}}.get(name, "forged")
        lines[i] = canonical(record)
    elif kind == "remac":
        # Edited and re-MACed under a key the attacker chose: still not ours.
        i = rng.randrange(n)
        record = json.loads(lines[i])
        record["outcome"] = "ok" if record["outcome"] != "ok" else "refused"
        record["mac"] = record_mac(b"attacker-key-123", record)
        lines[i] = canonical(record)
    elif kind == "whitespace":
        i = rng.randrange(n)
        lines[i] = lines[i].replace(b",", b", ", 1)
    elif kind == "delete":
        del lines[rng.randrange(n - 1)]  # the last one needs an anchor: see below
    elif kind == "insert_copy":
        lines.insert(rng.randrange(n + 1), lines[rng.randrange(n)])
    elif kind == "insert_forged":
        record = json.loads(lines[rng.randrange(n)])
        record["event"] = "forged"
        record["mac"] = f"{rng.getrandbits(256):064x}"
        lines.insert(rng.randrange(n + 1), canonical(record))
    elif kind == "swap":
        i, j = rng.sample(range(n), 2)
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "move":
        i = rng.randrange(n)
        line = lines.pop(i)
        j = rng.choice([k for k in range(n) if k != i])
        lines.insert(j, line)
    elif kind == "truncate_middle":
        i = rng.randrange(1, n - 1)
        lines[i] = lines[i][: rng.randrange(len(lines[i]))]
    elif kind == "torn_tail":
        return [x + b"\n" for x in lines[:-1]] + [lines[-1][: rng.randrange(1, len(lines[-1]))]]
    return [x + b"\n" for x in lines]


KINDS = ["byte", "field", "remac", "whitespace", "delete", "insert_copy", "insert_forged",
         "swap", "move", "truncate_middle", "torn_tail"]  # fmt: skip


def test_random_tampering_always_detected(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    make_log(path, 40)
    original = path.read_bytes()
    lines = original.splitlines()
    rng = random.Random(20260101)
    detected = dict.fromkeys(KINDS, 0)
    trials = 1650
    for t in range(trials):
        kind = KINDS[t % len(KINDS)]
        tampered = b"".join(_tamper(lines, rng, kind))
        assert tampered != original
        report = verify_stream(io.BytesIO(tampered), KEY)
        assert not report.ok, (kind, tampered)
        assert report.problem and report.first_bad_seq is not None
        detected[kind] += 1
    assert sum(detected.values()) == trials and all(v >= 150 for v in detected.values())


def test_tail_deletion_needs_the_anchor(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = make_log(path, 10)
    anchor = log.head
    lines = path.read_bytes().splitlines(keepends=True)
    cut = b"".join(lines[:-2])
    # Without an anchor a clean cut at a record boundary is a valid shorter chain ...
    assert verify_stream(io.BytesIO(cut), KEY).records == 8
    # ... with the last acknowledged (seq, mac) it is caught.
    report = verify_stream(io.BytesIO(cut), KEY, anchor=anchor)
    assert not report.ok and "truncated" in report.problem
    assert verify(path, KEY, anchor=anchor).ok
    assert not verify_stream(io.BytesIO(b"".join(lines)), KEY, anchor=(10, "0" * 64)).ok


def test_first_bad_seq_points_at_the_damage(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    make_log(path, 10)
    lines = path.read_bytes().splitlines(keepends=True)
    del lines[4]  # seq 5
    report = verify_stream(io.BytesIO(b"".join(lines)), KEY)
    assert report.records == 4 and report.first_bad_seq == 5


# -- torn tails -----------------------------------------------------------------------------------


def test_torn_tail_reported_then_recovered_on_the_record(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    make_log(path, 5).close()
    whole = path.read_bytes()
    partial = b'{"actor":"a","at":1,"details":{},"ev'
    path.write_bytes(whole + partial)
    report = verify(path, KEY)
    assert not report.ok and "torn" in report.problem
    assert report.records == 5 and report.first_bad_seq == 6

    log = AuditLog(path, KEY)
    log.open()
    report = verify(path, KEY)
    assert report.ok and report.records == 6
    note = read(path)[-1]
    assert note["event"] == "audit_recovered" and note["details"]["cut_bytes"] == len(partial)
    assert note["details"]["after_seq"] == 5
    assert log.append("cosign", actor="a", outcome="ok") == 7
    assert verify(path, KEY).ok


def test_torn_only_record(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b'{"seq":1,"at"')
    assert not verify(path, KEY).ok
    AuditLog(path, KEY).open()
    report = verify(path, KEY)
    assert report.ok and report.records == 1
    assert read(path)[0]["event"] == "audit_recovered"


def test_long_torn_tail_and_long_lines(tmp_path: Path) -> None:
    # Both longer than the backwards-reading chunk.
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, KEY)
    log.append("big", actor="a", outcome="ok", details={"blob": "x" * 150_000})
    log.append("big", actor="a", outcome="ok", details={"blob": "y" * 100_000})
    log.close()
    with open(path, "ab") as f:
        f.write(b"z" * 200_000)
    log = AuditLog(path, KEY)
    assert log.append("after", actor="a", outcome="ok") == 4
    report = verify(path, KEY)
    assert report.ok and report.records == 4


def test_damaged_last_complete_record_refuses_to_append(tmp_path: Path) -> None:
    # A complete line that does not verify is not a crash artefact: fail closed.
    path = tmp_path / "audit.jsonl"
    make_log(path, 3).close()
    data = bytearray(path.read_bytes())
    data[-10] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(AuditUnavailable):
        AuditLog(path, KEY).append("x", actor="a", outcome="ok")


# -- fail closed ----------------------------------------------------------------------------------


def test_dev_full_is_unavailable() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    log = AuditLog("/dev/full", KEY)
    for _ in range(3):
        with pytest.raises(AuditUnavailable, match="cannot write"):
            log.append("cosign", actor="a", outcome="ok")


@pytest.mark.parametrize("where", ["missing/dir/audit.jsonl", "file/audit.jsonl"])
def test_unwritable_path_is_unavailable(tmp_path: Path, where: str) -> None:
    (tmp_path / "file").write_text("not a directory")
    log = AuditLog(tmp_path / where, KEY)
    with pytest.raises(AuditUnavailable, match="cannot open"):
        log.append("cosign", actor="a", outcome="ok")
    (tmp_path / "missing" / "dir").mkdir(parents=True)
    if where.startswith("missing"):
        assert log.append("cosign", actor="a", outcome="ok") == 1  # recovered without restart


def test_partial_write_is_taken_back(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "audit.jsonl"
    log = make_log(path, 4)
    before = path.read_bytes()
    real_write = os.write
    calls = {"n": 0}

    def half_then_full(fd: int, data) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(audit.os, "write", half_then_full)
    with pytest.raises(AuditUnavailable, match="No space"):
        log.append("cosign", actor="a", outcome="ok", details={"x": 1})
    assert path.read_bytes() == before  # nothing half-written
    monkeypatch.setattr(audit.os, "write", real_write)
    assert log.append("cosign", actor="a", outcome="ok") == 5  # space is back
    assert verify(path, KEY).ok and verify(path, KEY).records == 5


def _fail_io(*args: object) -> None:
    raise OSError(errno.EIO, "Input/output error")


def test_unremovable_failed_record_is_cut_before_the_next(tmp_path: Path, monkeypatch) -> None:
    # fsync fails after the whole line was written, and the disk refuses the truncate too: the
    # complete but unacknowledged line must not become part of the chain.
    path = tmp_path / "audit.jsonl"
    log = make_log(path, 2)
    before = path.read_bytes()
    monkeypatch.setattr(audit.os, "fsync", _fail_io)
    monkeypatch.setattr(audit.os, "ftruncate", _fail_io)
    with pytest.raises(AuditUnavailable):
        log.append("ghost", actor="a", outcome="ok")
    assert path.read_bytes() != before  # the line is there, for now
    monkeypatch.undo()
    assert log.append("cosign", actor="a", outcome="ok") == 4
    events = [r["event"] for r in read(path)]
    assert events == ["cosign", "refused", "audit_recovered", "cosign"]
    assert read(path)[2]["details"]["reason"] == "unacknowledged write removed"
    assert verify(path, KEY).ok


def test_fsync_failure_is_a_failure(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "audit.jsonl"
    log = make_log(path, 2)
    before = path.read_bytes()
    real_fsync = os.fsync
    monkeypatch.setattr(audit.os, "fsync", _fail_io)
    with pytest.raises(AuditUnavailable):
        log.append("cosign", actor="a", outcome="ok")
    monkeypatch.setattr(audit.os, "fsync", real_fsync)
    # The cut could not be made durable (fsync failed again inside the undo): remembered and
    # done before the next record, and noted on the record.
    assert log.append("cosign", actor="a", outcome="ok") >= 3
    report = verify(path, KEY)
    assert report.ok
    assert path.read_bytes().startswith(before)
    assert [r["event"] for r in read(path)][2:] in (["cosign"], ["audit_recovered", "cosign"])


_FSIZE_CHILD = r"""
import os, resource, signal, sys
from cosigner_server.audit import AuditLog, AuditUnavailable, verify
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
path, key = sys.argv[1], b"k" * 32
log = AuditLog(path, key)
log.append("start", actor="a", outcome="ok")
size = os.path.getsize(path)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (size + 1000, hard))
ok = failed = 0
for i in range(50):
    try:
        log.append("cosign", actor="a", outcome="ok", details={"pad": "p" * 150, "i": i})
        ok += 1
    except AuditUnavailable:
        failed += 1
        # Whatever the failed write put there was taken back: the file ends on a record.
        assert open(path, "rb").read().endswith(b"\n")
resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
after = log.append("after", actor="a", outcome="ok")
report = verify(path, key)
print(ok, failed, after, report.ok, report.records)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE semantics")
def test_real_short_writes_leave_no_partial_record(tmp_path: Path) -> None:
    # A file-size limit makes the kernel accept part of a write and refuse the rest: a real
    # "disk full" in the middle of a record, in a child so the limit touches nothing else.
    path = tmp_path / "audit.jsonl"
    out = subprocess.run(
        [sys.executable, "-c", _FSIZE_CHILD, str(path)],
        capture_output=True, text=True, cwd=REPO, timeout=60, check=True,
    )  # fmt: skip
    ok, failed, after, verified, records = out.stdout.split()
    assert int(failed) > 0 and int(ok) > 0
    assert verified == "True" and int(records) == int(after) == int(ok) + 2


_KILL_CHILD = r"""
import sys
from cosigner_server.audit import AuditLog
log = AuditLog(sys.argv[1], b"k" * 32)
i = 0
while True:
    log.append("cosign", actor="a", outcome="ok", details={"pad": "p" * 2000, "i": i})
    i += 1
    if i == 20:
        print("ready", flush=True)
"""


def test_kill_during_appends_then_recover(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    rng = random.Random(7)
    for _ in range(4):
        child = subprocess.Popen(
            [sys.executable, "-c", _KILL_CHILD, str(path)],
            cwd=REPO, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        threading.Event().wait(rng.uniform(0.0, 0.05))
        child.kill()
        child.wait()
        child.stdout.close()
        AuditLog(path, KEY).open()  # cuts a torn tail, if the kill made one
        assert verify(path, KEY).ok


# -- concurrency, reading, details ---------------------------------------------------------------


def test_threads_append_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, KEY)
    seqs: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(50):
            seq = log.append("cosign", actor=f"t{n}", outcome="ok", details={"i": i})
            with lock:
                seqs.append(seq)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seqs) == list(range(1, 401))
    assert verify(path, KEY).records == 400


def _appending_threads(log: AuditLog, threads: int, each: int) -> tuple[list[int], int]:
    """Appends from many threads at once: (seqs acknowledged, appends refused)."""
    seqs: list[int] = []
    refused = 0
    lock = threading.Lock()

    def worker(n: int) -> None:
        nonlocal refused
        for i in range(each):
            try:
                seq = log.append("cosign", actor=f"t{n}", outcome="ok", details={"i": i})
            except AuditUnavailable:
                with lock:
                    refused += 1
                continue
            with lock:
                seqs.append(seq)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return seqs, refused


def test_concurrent_appends_share_fsyncs(tmp_path: Path, monkeypatch) -> None:
    """Group commit: appends that arrive while an fsync waits for the disk are made durable by
    the next one, instead of one fsync each."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, KEY)
    log.open()
    real_fsync, syncs = os.fsync, []

    def slow_fsync(fd: int) -> None:  # a disk that takes 20 ms per flush
        syncs.append(fd)
        threading.Event().wait(0.02)
        real_fsync(fd)

    monkeypatch.setattr(audit.os, "fsync", slow_fsync)
    seqs, refused = _appending_threads(log, threads=8, each=20)
    assert refused == 0 and sorted(seqs) == list(range(1, 161))
    assert len(syncs) <= 160 // 3, len(syncs)
    assert verify(path, KEY).records == 160


def test_a_failed_group_fsync_refuses_every_record_it_covered(tmp_path: Path, monkeypatch):
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, KEY)
    log.open()
    real_fsync, calls = os.fsync, itertools.count()

    def flaky_fsync(fd: int) -> None:
        threading.Event().wait(0.005)
        if next(calls) == 5:
            raise OSError(errno.EIO, "I/O error")
        real_fsync(fd)

    monkeypatch.setattr(audit.os, "fsync", flaky_fsync)
    seqs, refused = _appending_threads(log, threads=6, each=15)
    monkeypatch.setattr(audit.os, "fsync", real_fsync)
    assert refused >= 1 and len(seqs) + refused == 90
    # Every acknowledged record is in the file, under the seq it was acknowledged with; none
    # of the refused ones is; the chain verifies.
    report = verify(path, KEY)
    assert report.ok
    records = read(path)
    cosigns = {r["seq"] for r in records if r["event"] == "cosign"}
    assert set(seqs) <= cosigns and len(cosigns) == len(seqs)


def test_async_wrapper(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, KEY)

    async def main() -> list[int]:
        return await asyncio.gather(
            *(log.append_async("cosign", actor="a", outcome="ok") for _ in range(30))
        )

    assert sorted(asyncio.run(main())) == list(range(1, 31))
    assert verify(path, KEY).ok


def test_read_filters(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    make_log(path, 30)
    everything = read(path)
    assert [r["seq"] for r in everything] == list(range(1, 31))
    mine = read(path, wallet="wallet-1")
    assert mine and all(r["wallet"] == "wallet-1" for r in mine)
    both = read(path, wallet=["wallet-1", "wallet-2"])
    assert {r["wallet"] for r in both} == {"wallet-1", "wallet-2"}
    page = read(path, since=10, limit=5)
    assert [r["seq"] for r in page] == [11, 12, 13, 14, 15]
    assert read(path, limit=0) == []
    assert read(tmp_path / "absent") == []
    with open(path, "ab") as f:
        f.write(b'{"torn')
    assert len(read(path)) == 30


def test_details_refuse_secrets_and_non_json(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", KEY)
    for details in ({"share_code": "ABCD"}, {"nested": {"Mnemonic": "x"}}, {"list": [{"token": 1}]},
                    {"raw": b"\x00"}, {1: "x"}, {"x": object()}, {"x": float("nan")}):  # fmt: skip
        with pytest.raises(ValueError):
            log.append("issue", actor="a", outcome="ok", details=details)
    code = "SHARE-CODE-1234"
    seq = log.append(
        "issue",
        actor="a",
        outcome="ok",
        details={"share_code_digest": digest_identifier(KEY, code)},
    )
    assert seq == 1
    data = (tmp_path / "audit.jsonl").read_bytes()
    assert code.encode() not in data
    assert digest_identifier(KEY, code) == digest_identifier(KEY, code.encode())
    assert digest_identifier(KEY, code) != digest_identifier(b"other-key-123456", code)
    with pytest.raises(ValueError):
        log.append("", actor="a", outcome="ok")
    with pytest.raises(ValueError):
        AuditLog(tmp_path / "x", b"short")


def test_verify_reads_records_whose_details_look_like_the_chain_fields(tmp_path: Path) -> None:
    """verify reads seq, prev and mac at their canonical places; details that hold the same
    names (nested, or inside strings) neither confuse it nor let an edit through."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, KEY)
    tricky = {"a": 1, "mac": "f" * 64, "prev": "0" * 64, "note": '","prev":"' + "1" * 64 + '"'}
    for i in range(5):
        log.append("cosign", actor="a", outcome='x","outcome":"y', details={**tricky, "i": i})
    assert verify(path, KEY).ok and verify(path, KEY).records == 5
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b'"i":2', b'"i":7')
    path.write_bytes(b"\n".join(lines))
    report = verify(path, KEY)
    assert not report.ok and report.first_bad_seq == 3 and "MAC" in report.problem


# -- verifying on several cores ------------------------------------------------------------------


@pytest.mark.parametrize("key", [KEY, b"long key " * 20])  # > one SHA-256 block: hashed first
def test_keyed_record_macs_match_the_reference(tmp_path: Path, key: bytes) -> None:
    path = tmp_path / "audit.jsonl"
    make_log(path, 6, key)
    for line in path.read_bytes().splitlines():
        record = json.loads(line)
        seq, prev, mac = audit._authentic(line, audit._RecordMacs(key))
        assert (seq, prev.decode(), mac.decode()) == (record["seq"], record["prev"], record["mac"])
        assert mac.decode() == record_mac(key, record)


def test_parallel_verify_reports_what_serial_does(tmp_path: Path, monkeypatch) -> None:
    from cosigner_server import audit_parallel

    monkeypatch.setattr(audit_parallel, "MIN_BYTES", 0)  # split even a small file
    path = tmp_path / "audit.jsonl"
    log = make_log(path, 60)
    log.close()
    # A good chain is verified in pieces (not by the serial fallback) and says the same.
    assert audit_parallel.verify_parallel(path, KEY, 3, log.head) == log.head
    assert audit_parallel.verify(path, KEY, processes=3) == verify(path, KEY)
    assert audit_parallel.verify(path, KEY, anchor=log.head, processes=3).ok
    assert not audit_parallel.verify(path, KEY, anchor=(60, "0" * 64), processes=3).ok
    assert not audit_parallel.verify(path, KEY, anchor=(61, log.head[1]), processes=3).ok
    original = path.read_bytes()
    lines = original.splitlines()
    rng = random.Random(11)
    for t in range(len(KINDS) * 6):
        tampered = b"".join(_tamper(lines, rng, KINDS[t % len(KINDS)]))
        path.write_bytes(tampered)
        serial = verify(path, KEY)
        assert not serial.ok
        assert audit_parallel.verify(path, KEY, processes=3) == serial
        assert audit_parallel.verify_parallel(path, KEY, 3, None) is None
    path.write_bytes(original)
    assert audit_parallel.verify(path, b"x" * 32, processes=2) == verify(path, b"x" * 32)


def test_async_appends_share_fsyncs_and_a_failed_one_refuses_its_group(tmp_path, monkeypatch):
    """append_async writes on the loop and waits for an fsync in a thread: concurrent appends
    share one, each returns only once its record is durable, and a failed fsync refuses every
    append it covered while the ones after it succeed."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, KEY)
    log.open()
    real_fsync, calls, durable_at_return = os.fsync, itertools.count(), []

    def slow_flaky_fsync(fd: int) -> None:
        threading.Event().wait(0.01)
        if next(calls) == 2:
            raise OSError(errno.EIO, "I/O error")
        real_fsync(fd)

    monkeypatch.setattr(audit.os, "fsync", slow_flaky_fsync)

    async def one(i: int):
        await asyncio.sleep(0.002 * (i % 10))
        try:
            seq = await log.append_async("cosign", actor="a", outcome="ok", details={"i": i})
        except AuditUnavailable:
            return None
        durable_at_return.append(log._durable >= path.stat().st_size or seq <= log._durable_head[0])
        return seq

    async def main():
        return await asyncio.gather(*(one(i) for i in range(60)))

    seqs = asyncio.run(main())
    syncs = next(calls)
    monkeypatch.setattr(audit.os, "fsync", real_fsync)
    acknowledged = [s for s in seqs if s is not None]
    assert 1 <= seqs.count(None) < 60 and syncs < 60 // 2  # refused some; shared fsyncs
    assert all(durable_at_return)
    report = verify(path, KEY)
    assert report.ok
    cosigns = {r["seq"] for r in read(path) if r["event"] == "cosign"}
    assert set(acknowledged) == cosigns
