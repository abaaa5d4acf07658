"""Verifying a large audit file on several cores: the file is cut at line boundaries into one
piece per process; each process checks its records' MACs and their chain inside the piece, and
the parent links the pieces (a piece's first `prev` and seq must follow the previous piece's
last record). Verifying is one HMAC per record in Python, so one process is bound to one core.

Only the plain case is done here: a chain that verifies on the fast path end to end. Anything
else -- a record that fails, a torn tail, an anchor that does not match -- returns None and the
caller verifies serially, which names the exact record; so a report never depends on how the
file was cut.
"""

from __future__ import annotations

import hmac
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .audit import GENESIS, VerifyReport, _authentic, _RecordMacs
from .audit import verify as verify_serial

# Below this a second process costs more (fork, pickling) than it saves.
MIN_BYTES = 8 * 1024 * 1024
_READ = 1024 * 1024


def usable_processes(wanted: int | None) -> int:
    """How many processes to verify with: `wanted`, or one per core; 1 when forking is unsafe
    (other threads running, whose locks a fork would copy held) or not available."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    return max(1, wanted if wanted is not None else (os.cpu_count() or 1))


def verify_parallel(
    path: Path, key: bytes, processes: int, anchor: tuple[int, str] | None
) -> tuple[int, str] | None:
    """The head (seq, mac) if the whole file is one good chain (and matches the anchor); None
    when anything is unusual, or the file is too small to be worth splitting."""
    try:
        size = os.stat(path).st_size
        if size < MIN_BYTES or processes < 2:
            return None
        bounds = _line_starts(path, size, processes)
    except OSError:
        return None
    pieces = list(zip(bounds, bounds[1:], strict=False))
    anchor_seq = anchor[0] if anchor is not None else 0
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(len(pieces), mp_context=context) as pool:
        results = list(
            pool.map(
                _verify_piece,
                [str(path)] * len(pieces),
                [key] * len(pieces),
                [a for a, _ in pieces],
                [b for _, b in pieces],
                [anchor_seq] * len(pieces),
            )
        )
    seq, prev, anchor_mac = 0, GENESIS, None
    for result in results:
        if result is None:
            return None
        first_seq, first_prev, last_seq, last_mac, at_anchor = result
        if first_seq != seq + 1 or not hmac.compare_digest(first_prev, prev):
            return None
        seq, prev = last_seq, last_mac
        anchor_mac = at_anchor or anchor_mac
    if anchor is not None and not hmac.compare_digest(anchor_mac or "", anchor[1]):
        return None  # not acknowledged here, or past the end: the serial path says which
    return seq, prev


def _line_starts(path: Path, size: int, pieces: int) -> list[int]:
    """Offsets where pieces start (each just past a newline), ending with the file's size."""
    starts = [0]
    with open(path, "rb") as stream:
        for i in range(1, pieces):
            stream.seek(max(starts[-1], size * i // pieces))
            stream.readline()  # the rest of the line this offset fell into
            at = stream.tell()
            if at < size and at > starts[-1]:
                starts.append(at)
    return [*starts, size]


def _verify_piece(
    path: str, key: bytes, start: int, end: int, anchor_seq: int
) -> tuple[int, str, int, str, str | None] | None:
    """(first seq, its prev, last seq, last mac, the mac at anchor_seq if in this piece) for
    the records in bytes [start, end) if each verifies and follows the one before; else None."""
    macs = _RecordMacs(key)
    first: tuple[int, bytes] | None = None
    seq, prev, at_anchor = 0, b"", None
    for line in _piece_lines(path, start, end):
        if line is None:
            return None  # torn tail: the serial path reports it
        fast = _authentic(line, macs)
        if fast is None:
            return None
        if first is None:
            first = fast[0], fast[1]
        elif fast[0] != seq + 1 or fast[1] != prev:
            return None
        seq, prev = fast[0], fast[2]
        if seq == anchor_seq:
            at_anchor = prev.decode("ascii")
    if first is None:
        return None
    return first[0], first[1].decode("ascii"), seq, prev.decode("ascii"), at_anchor


def _piece_lines(path: str, start: int, end: int):
    """The lines (without newline) in bytes [start, end), read in large blocks; None for a
    last line without its newline."""
    with open(path, "rb", buffering=0) as stream:
        stream.seek(start)
        left, rest = end - start, b""
        while left > 0:
            block = stream.read(min(_READ, left))
            if not block:
                break
            left -= len(block)
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            yield from lines
        if rest or left > 0:
            yield None


def verify(
    path: str | os.PathLike[str],
    key: bytes,
    *,
    anchor: tuple[int, str] | None = None,
    processes: int | None = None,
) -> VerifyReport:
    """audit.verify on `processes` cores (None: one per core) for a large file; a problem is
    found again serially, so the report is the same as audit.verify's either way."""
    head = verify_parallel(Path(path), key, usable_processes(processes), anchor)
    if head is not None:
        return VerifyReport(True, head[0], None, None, head)
    return verify_serial(path, key, anchor=anchor)
