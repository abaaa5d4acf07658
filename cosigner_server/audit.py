"""The append-only audit log: JSON lines chained by HMAC-SHA256.

Each line is one record {seq, at, event, actor, wallet, split, outcome, details, prev, mac} in
canonical JSON (sorted keys, no spaces, ASCII). `mac` is HMAC(key, canonical record without mac)
and `prev` is the previous record's mac, so editing, deleting, inserting or reordering any record
breaks the chain at that point; the verifier also insists that every line is byte-for-byte the
canonical form, so not even whitespace can be changed unnoticed.

Writes are fail-closed: append() returns only after the record is on disk (write + fsync); when
it cannot, it raises AuditUnavailable, removes whatever part of the record reached the file, and
the caller answers 503 without the signature. The next append tries again, so the service
recovers by itself once the disk has room.

What a hash chain alone cannot show is whole records cut cleanly off the end; pass the last
acknowledged (seq, mac) -- the `head` a caller kept, e.g. from a receipt -- as verify's `anchor`
to catch that too.

Details never carry secrets: identifiers of secrets (share codes, enrollment codes) go in as
digest_identifier(key, value), and keys that name secrets are refused outright.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import hmac
import json
import os
import stat
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from app.files import fsync_dir

GENESIS = "0" * 64
FIELDS = ("seq", "at", "event", "actor", "wallet", "split", "outcome", "details", "prev")
_ALL_FIELDS = frozenset((*FIELDS, "mac"))
_MAC_CONTEXT = b"splitkey/audit/v1/record\x00"
_ID_CONTEXT = b"splitkey/audit/v1/identifier\x00"
# Detail keys that would name a secret in the clear. Exact names, so "share_code_digest" is fine.
FORBIDDEN_DETAIL_KEYS = frozenset(
    {
        "code", "enrollment_code", "jwt", "mnemonic", "password", "private_key", "secret",
        "secret_key", "seed", "server_share", "share", "share_code", "token", "user_share",
    }
)  # fmt: skip
_TAIL_CHUNK = 64 * 1024


class AuditError(Exception):
    """The audit log cannot be used."""


class AuditUnavailable(AuditError):
    """The record could not be written durably: fail closed (503, no signature leaves)."""


def canonical(obj: Any) -> bytes:
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def record_mac(key: bytes, record: dict[str, Any]) -> str:
    body = {name: record[name] for name in FIELDS}
    return hmac.new(key, _MAC_CONTEXT + canonical(body), hashlib.sha256).hexdigest()


def digest_identifier(key: bytes, value: str | bytes) -> str:
    """A stable stand-in for a secret identifier (share code, enrollment code): the same value
    always gives the same digest, so the trail can be correlated, but it does not reveal it."""
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return hmac.new(key, _ID_CONTEXT + data, hashlib.sha256).hexdigest()


def checked_fields(
    event: str,
    actor: str,
    wallet: str | None,
    split: str | None,
    outcome: str,
    details: dict[str, Any] | None,
) -> dict[str, Any]:
    """A record's fields as every audit sink (this file, the database chain) takes them: names
    non-empty text, ids text or None, details a JSON object naming no secret. Returns details."""
    for name, value in (("event", event), ("actor", actor), ("outcome", outcome)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} must be non-empty text")
    for name, value in (("wallet", wallet), ("split", split)):
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be text or None")
    details = {} if details is None else details
    if not isinstance(details, dict):
        raise ValueError("details must be a JSON object")
    _check_details(details)
    return details


def _check_details(value: Any, where: str = "details") -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"{where}: keys must be text")
            if k.lower() in FORBIDDEN_DETAIL_KEYS:
                raise ValueError(f"{where}.{k}: secrets never go into the audit log; digest it")
            _check_details(v, f"{where}.{k}")
    elif isinstance(value, list | tuple):
        for item in value:
            _check_details(item, where)
    elif isinstance(value, bytes | bytearray):
        raise ValueError(f"{where}: bytes are not allowed (hex or digest them)")
    elif not (value is None or isinstance(value, str | int | float | bool)):
        raise ValueError(f"{where}: {type(value).__name__} is not JSON")


class AuditLog:
    """One audit file, appended by this process. Thread-safe; append_async for the event loop."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        key: bytes,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(key, bytes) or len(key) < 16:
            raise ValueError("the audit key is at least 16 bytes")
        self.path = Path(path)
        self._key = key
        self._clock = clock
        self._lock = threading.Lock()
        self._synced = threading.Condition(self._lock)  # an fsync finished
        self._syncing = False  # one fsync at a time
        self._fd: int | None = None
        self._seq = 0
        self._prev = GENESIS
        self._size = 0  # bytes of complete records written (durable up to _durable)
        # Group commit: appends write under the lock, then one fsync makes every record written
        # so far durable at once. _durable is how far the file is known to be on disk, with the
        # chain head there; _epoch changes when records not yet durable are cut off (their
        # appends then fail: nothing is acknowledged that is not on disk).
        self._durable = 0
        self._durable_head: tuple[int, str] = (0, GENESIS)
        self._epoch = 0
        self._opened = False
        # After a failed write whose partial bytes could not be removed at once: where the
        # file must be cut back to before anything else is appended.
        self._cut_to: int | None = None
        # The fsync append_async's callers are waiting for: (loop, up to where, its future).
        self._async_sync: tuple[asyncio.AbstractEventLoop, int, asyncio.Future] | None = None

    # -- opening and recovery --------------------------------------------------------------------
    def open(self) -> None:
        """Open (creating it 0600) and recover a torn tail. append() opens by itself; calling
        this at start-up only surfaces problems early."""
        with self._lock:
            if self._fd is None:
                self._open_locked()

    def close(self) -> None:
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None

    def _open_locked(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise AuditUnavailable(f"audit log {self.path}: cannot open ({exc.strerror})") from None
        try:
            cut = self._recover(fd)
            if cut is not None:
                self._write_recovery_note(*cut)
        except AuditError:
            os.close(fd)
            raise
        except OSError as exc:
            os.close(fd)
            raise AuditUnavailable(
                f"audit log {self.path}: cannot recover ({exc.strerror})"
            ) from None
        self._cut_to = None
        self._fd = fd
        # What recovery read back is on disk, except on a reopen after a failed write: then the
        # records past _durable were written by us and still wait for their fsync.
        if not self._opened or cut is not None or self._size < self._durable:
            self._durable, self._durable_head = self._size, (self._seq, self._prev)
        self._opened = True

    def _recover(self, fd: int) -> tuple[int, str] | None:
        """Find the last good record; return (bytes to cut, why) when something follows it."""
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            # A device (e.g. /dev/full in tests) has no tail to read: start a fresh chain.
            self._seq, self._prev, self._size = 0, GENESIS, 0
            return None
        size = good_end = info.st_size
        reason = "torn last record cut off"  # a write a crash interrupted, never acknowledged
        if self._cut_to is not None and size > self._cut_to:
            good_end, reason = self._cut_to, "unacknowledged write removed"
        last, end = _last_line(fd, good_end)
        if last is None:
            self._seq, self._prev = 0, GENESIS
        else:
            record = _parse_line(last)
            if record is None or not hmac.compare_digest(
                record["mac"], record_mac(self._key, record)
            ):
                raise AuditUnavailable(
                    f"audit log {self.path}: the last record does not verify (wrong key or "
                    "tampered); run `splitkey-cosigner audit verify`"
                )
            self._seq, self._prev = record["seq"], record["mac"]
        self._size = end
        if info.st_size == 0:
            _fsync_dir(self.path.parent)
        return (size - end, reason) if size > end else None

    def _write_recovery_note(self, cut: int, reason: str) -> None:
        """Write an "audit_recovered" record over the bytes being cut, then trim the file.
        Writing over them (instead of truncating first) means a crash in between leaves either
        the old torn tail or a torn note, which the next open recovers again: a cut is never
        silent."""
        line, record = self._make_line(
            "audit_recovered",
            actor="system",
            wallet=None,
            split=None,
            outcome="recovered",
            details={"cut_bytes": cut, "reason": reason, "after_seq": self._seq},
        )
        # A descriptor without O_APPEND: pwrite at an offset (Linux appends on O_APPEND ones).
        fd = os.open(self.path, os.O_WRONLY | os.O_CLOEXEC)
        try:
            view, offset = memoryview(line), self._size
            while view:
                written = os.pwrite(fd, view, offset)
                view, offset = view[written:], offset + written
            os.ftruncate(fd, offset)
            os.fsync(fd)
        finally:
            os.close(fd)
        self._seq, self._prev = record["seq"], record["mac"]
        self._size += len(line)

    # -- appending -------------------------------------------------------------------------------
    def _write(self, event, actor, wallet, split, outcome, details) -> tuple[int, int, int]:
        """The record's line written (not yet durable): its seq, and the file's end and epoch
        that a durable-making step needs."""
        details = checked_fields(event, actor, wallet, split, outcome, details)
        with self._lock:
            if self._fd is None:
                self._open_locked()
            seq = self._append_locked(
                event, actor=actor, wallet=wallet, split=split, outcome=outcome, details=details
            )
            return seq, self._size, self._epoch

    def append(
        self,
        event: str,
        *,
        actor: str,
        wallet: str | None = None,
        split: str | None = None,
        outcome: str,
        details: dict[str, Any] | None = None,
    ) -> int:
        """Write one record durably and return its seq; AuditUnavailable if it cannot."""
        seq, end, epoch = self._write(event, actor, wallet, split, outcome, details)
        self._make_durable(end, epoch)
        return seq

    def _make_durable(self, end: int, epoch: int) -> None:
        """Return once the file is on disk up to `end` (this caller's record): by this call's
        fsync, or by one another append made meanwhile that covered it (its caller waits for
        that one to finish). The fsync runs outside the lock, so appends keep writing while it
        waits for the disk; on a duplicate of the descriptor, which a failed write closing the
        original cannot pull away."""
        with self._lock:
            while True:
                if self._epoch != epoch:
                    raise AuditUnavailable(f"audit log {self.path}: cannot write (a sync failed)")
                if self._durable >= end:
                    return
                if not self._syncing:
                    break
                self._synced.wait()
            try:
                if self._fd is None:  # closed by a failed write after ours: reopen
                    self._open_locked()
                assert self._fd is not None
                fd = os.dup(self._fd)
            except OSError as exc:
                raise AuditUnavailable(
                    f"audit log {self.path}: cannot write ({exc.strerror or exc})"
                ) from None
            target, head = self._size, (self._seq, self._prev)
            self._syncing = True
        failure: OSError | None = None
        try:
            os.fsync(fd)
        except OSError as exc:
            failure = exc
        finally:
            os.close(fd)
            with self._lock:
                self._syncing = False
                if failure is None:
                    self._durable, self._durable_head = target, head
                elif self._epoch == epoch:  # cut back to what is on disk; fail the rest
                    self._epoch += 1
                    self._seq, self._prev = self._durable_head
                    self._size = self._durable
                    if self._fd is not None:
                        self._undo(self._fd, self._durable)
                self._synced.notify_all()
        if failure is not None:
            raise AuditUnavailable(
                f"audit log {self.path}: cannot write ({failure.strerror or failure})"
            ) from None

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
        # The line is written here (a write to the page cache, microseconds); the fsync, which
        # takes milliseconds, runs in a thread, and appends that arrive while one runs share the
        # next: one thread hand-off per fsync instead of one per record.
        seq, end, epoch = self._write(event, actor, wallet, split, outcome, details)
        await self._durable_async(end, epoch)
        return seq

    async def _durable_async(self, end: int, epoch: int) -> None:
        """As _make_durable, awaited: join the fsync under way if it covers `end`, else start
        the next one (which every append waiting meanwhile joins)."""
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                if self._epoch != epoch:
                    raise AuditUnavailable(f"audit log {self.path}: cannot write (a sync failed)")
                if self._durable >= end:
                    return
                target = self._size
            running = self._async_sync
            if running is None or running[0] is not loop or running[2].done():
                future = loop.run_in_executor(None, self._make_durable, target, epoch)
                running = self._async_sync = (loop, target, future)
            try:
                await asyncio.shield(running[2])
            except AuditUnavailable:
                if running[1] >= end:
                    raise

    def _append_locked(
        self,
        event: str,
        *,
        actor: str,
        wallet: str | None,
        split: str | None,
        outcome: str,
        details: dict[str, Any],
    ) -> int:
        assert self._fd is not None
        line, record = self._make_line(
            event, actor=actor, wallet=wallet, split=split, outcome=outcome, details=details
        )
        fd, good = self._fd, self._size
        try:
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                if written <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                view = view[written:]
        except OSError as exc:
            self._undo(fd, good)
            raise AuditUnavailable(
                f"audit log {self.path}: cannot write ({exc.strerror or exc})"
            ) from None
        self._seq, self._prev = record["seq"], record["mac"]
        self._size = good + len(line)
        return record["seq"]

    def _make_line(
        self,
        event: str,
        *,
        actor: str,
        wallet: str | None,
        split: str | None,
        outcome: str,
        details: dict[str, Any],
    ) -> tuple[bytes, dict[str, Any]]:
        record: dict[str, Any] = {
            "seq": self._seq + 1,
            "at": int(self._clock()),
            "event": event,
            "actor": actor,
            "wallet": wallet,
            "split": split,
            "outcome": outcome,
            "details": details,
            "prev": self._prev,
        }
        try:
            record["mac"] = record_mac(self._key, record)
            return canonical(record) + b"\n", record
        except (TypeError, ValueError) as exc:
            raise ValueError(f"details are not JSON: {exc}") from None

    def _undo(self, fd: int, good: int) -> None:
        """Take back the bytes of a failed record, so nothing half-written stays behind."""
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                _truncate(fd, good)
        except OSError:
            # Could not cut now (the disk is failing): remember to cut before the next record.
            self._cut_to = good
        # Reopen on the next append: the file may have been replaced or the disk remounted.
        self._close_locked()

    @property
    def head(self) -> tuple[int, str]:
        """(seq, mac) of the last record written: keep it to anchor a later verify."""
        with self._lock:
            return self._seq, self._prev


def _truncate(fd: int, size: int) -> None:
    os.ftruncate(fd, size)
    os.fsync(fd)


def _fsync_dir(path: Path) -> None:
    # Best effort, as before: the trimmed file itself was fsynced already.
    with contextlib.suppress(OSError):
        fsync_dir(path)


def _last_line(fd: int, size: int) -> tuple[bytes | None, int]:
    """(last complete line of the first `size` bytes, without its newline; offset just past
    it). Reads backwards in chunks, so opening a large log does not read all of it."""
    pos, end, tail = size, None, b""
    while pos > 0:
        start = max(0, pos - _TAIL_CHUNK)
        chunk = os.pread(fd, pos - start, start)
        pos = start
        if end is None:
            nl = chunk.rfind(b"\n")
            if nl < 0:
                continue  # still inside the torn tail
            end = start + nl + 1
            chunk = chunk[:nl]
        nl = chunk.rfind(b"\n")
        if nl >= 0:
            return chunk[nl + 1 :] + tail, end
        tail = chunk + tail
    if end is None:
        return None, 0
    return tail, end


_MAC_MEMBER = b',"mac":"'
_AFTER_MAC = b'","outcome":'
_PREV_MEMBER = b',"prev":"'
_SEQ_MEMBER = b'","seq":'


class _RecordMacs:
    """HMAC-SHA256 under the audit key with the record context absorbed once (RFC 2104's inner
    and outer states): a record then costs two C-level hash copies instead of the hmac module's
    per-call Python wrapper, the bulk of verify's time per record. record_mac stays the
    reference; a test checks the two agree."""

    def __init__(self, key: bytes) -> None:
        block = hashlib.sha256().block_size
        if len(key) > block:
            key = hashlib.sha256(key).digest()
        key = key.ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._inner.update(_MAC_CONTEXT)
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def hexdigest(self, head: bytes, tail: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(head)
        inner.update(tail)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest().encode("ascii")


def _authentic(line: bytes, macs: _RecordMacs) -> tuple[int, bytes, bytes] | None:
    """(seq, prev, mac) of the record, if its MAC verifies over the line's own bytes without
    "mac" and "mac" sits where canonical order puts it (just before "outcome"): then the line is
    byte for byte what the writer made (canonical(body) with the mac added), with every field,
    so seq and prev can be read at their canonical places without parsing the JSON. Else None,
    and the caller takes the slow path. "mac" and "prev" come after the last member that can
    hold an object (details), and strings inside are escaped, so the LAST ',"mac":"' and
    ',"prev":"' are the top-level ones. prev and mac come back as ASCII bytes."""
    at = line.rfind(_MAC_MEMBER)
    if at < 0:
        return None
    start = at + len(_MAC_MEMBER)
    mac = line[start : start + 64]
    if line[start + 64 : start + 64 + len(_AFTER_MAC)] != _AFTER_MAC:
        return None
    if not hmac.compare_digest(mac, macs.hexdigest(line[: at + 1], line[start + 64 + 2 :])):
        return None
    # Authentic, so canonical: ..."prev":"<64 hex>","seq":<int>,"split":...
    at = line.rfind(_PREV_MEMBER)
    start = at + len(_PREV_MEMBER)
    seq_from = start + 64 + len(_SEQ_MEMBER)
    seq_to = line.find(b",", seq_from)
    if at < 0 or line[start + 64 : seq_from] != _SEQ_MEMBER or seq_to < 0:
        return None
    try:
        seq = int(line[seq_from:seq_to])
    except ValueError:
        return None
    return seq, line[start : start + 64], mac


def _parse_line(line: bytes) -> dict[str, Any] | None:
    """A record only if the line parses, has exactly the record's fields with sane types and is
    byte-for-byte canonical."""
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict) or set(record) != _ALL_FIELDS:
        return None
    if type(record["seq"]) is not int or not isinstance(record["mac"], str):
        return None
    try:
        if canonical(record) != line:
            return None
    except ValueError:
        return None
    return record


# -- verifying and reading ---------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    records: int  # records that verified, in order, before the first problem
    first_bad_seq: int | None = None  # the seq expected where the problem is
    problem: str | None = None
    head: tuple[int, str] | None = None  # (seq, mac) of the last record that verified


def _lines(stream: IO[bytes]) -> Iterator[tuple[bytes, bool]]:
    """(line without newline, complete?) for each line; only the last can be incomplete."""
    for raw in stream:
        if raw.endswith(b"\n"):
            yield raw[:-1], True
        else:
            yield raw, False


def verify_stream(
    stream: IO[bytes], key: bytes, *, anchor: tuple[int, str] | None = None
) -> VerifyReport:
    prev, seq, head = GENESIS, 0, None
    macs = _RecordMacs(key)
    prev_ascii = prev.encode("ascii")

    def bad(problem: str) -> VerifyReport:
        return VerifyReport(False, seq, seq + 1, problem, head)

    for line, complete in _lines(stream):
        expected = seq + 1
        if not complete:
            return bad(
                f"torn last record: {len(line)} bytes without an end of line after seq {seq}"
            )
        fast = _authentic(line, macs)
        if fast is not None and fast[0] == expected and fast[1] == prev_ascii:
            prev_ascii, seq = fast[2], expected
            prev = prev_ascii.decode("ascii")
            head = (expected, prev)
            if anchor is not None and seq == anchor[0] and not hmac.compare_digest(prev, anchor[1]):
                return VerifyReport(
                    False, seq - 1, seq, f"record {seq} is not the one acknowledged", head
                )
            continue
        # Anything unusual takes the slow path, which says exactly what is wrong.
        record = _parse_line(line)
        if record is None:
            return bad(f"record {expected} is not a well-formed canonical record (edited)")
        if record["seq"] != expected:
            return bad(
                f"expected seq {expected}, found {record['seq']} "
                "(records deleted, inserted or reordered)"
            )
        if not hmac.compare_digest(str(record["prev"]), prev):
            return bad(f"record {expected} does not follow the previous one (chain broken)")
        mac = record_mac(key, record)
        if not hmac.compare_digest(record["mac"], mac):
            return bad(f"record {expected}: MAC does not verify (edited, forged or wrong key)")
        prev, seq, head = mac, expected, (expected, mac)
        prev_ascii = mac.encode("ascii")
        if anchor is not None and seq == anchor[0] and not hmac.compare_digest(mac, anchor[1]):
            return VerifyReport(
                False, seq - 1, seq, f"record {seq} is not the one acknowledged", head
            )
    if anchor is not None and seq < anchor[0]:
        return bad(f"the log ends at seq {seq} but seq {anchor[0]} was acknowledged (truncated)")
    return VerifyReport(True, seq, None, None, head)


def verify(
    path: str | os.PathLike[str], key: bytes, *, anchor: tuple[int, str] | None = None
) -> VerifyReport:
    """Check the whole chain. A torn last record is a problem to report, never accepted.
    (audit_parallel.verify does the same on several cores; the server keeps this one: it must
    not fork its threads.)"""
    try:
        with open(path, "rb") as stream:
            return verify_stream(stream, key, anchor=anchor)
    except OSError as exc:
        return VerifyReport(False, 0, 1, f"cannot read {path}: {exc.strerror}")


def read(
    path: str | os.PathLike[str],
    wallet: str | Collection[str] | None = None,
    since: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Records in order: all (admins) or those of one or several wallets (owners), after seq
    `since` (exclusive, for paging), at most `limit`. Does not verify (verify does); skips a
    torn last line."""
    wallets: Collection[str] | None = {wallet} if isinstance(wallet, str) else wallet
    if wallets is not None and not isinstance(wallets, set | frozenset):
        wallets = set(wallets)
    out: list[dict[str, Any]] = []
    if limit is not None and limit <= 0:
        return out
    try:
        stream = open(path, "rb")
    except FileNotFoundError:
        return out
    except OSError as exc:
        raise AuditUnavailable(f"audit log {path}: cannot read ({exc.strerror})") from None
    with stream:
        for line, complete in _lines(stream):
            if not complete:
                break
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            if since is not None and not (
                isinstance(record.get("seq"), int) and record["seq"] > since
            ):
                continue
            if wallets is not None and record.get("wallet") not in wallets:
                continue
            out.append(record)
            if limit is not None and len(out) >= limit:
                break
    return out
