"""Which processes a test run left behind (issue 16: a crypto pool from an xdist worker was still
running 25 minutes after `make test`). Every process the run starts inherits RUN_VAR from the
environment, orphans reparented to init included, so they are found by it rather than by
parentage. Linux (/proc); elsewhere nothing is found."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

RUN_VAR = "SPLITKEY_TEST_RUN"


def mark_run() -> None:
    """Give this run its own mark; xdist workers keep the one of the run that started them."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        os.environ[RUN_VAR] = f"{os.getpid()}-{uuid.uuid4().hex}"


def parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _ancestors() -> set[int]:
    pids, pid = set(), os.getpid()
    while pid is not None and pid > 1:
        pids.add(pid)
        pid = parent_of(pid)
    return pids


def leftovers() -> dict[int, str]:
    """pid -> command line of live processes carrying this run's mark, except this process
    and its ancestors."""
    mark = f"{RUN_VAR}={os.environ.get(RUN_VAR, '')}".encode()
    if not os.environ.get(RUN_VAR) or not Path("/proc").is_dir():
        return {}
    skip, found = _ancestors(), {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in skip:
            continue
        try:
            if mark not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue  # gone meanwhile, or not ours to read
        if state != "Z":
            found[int(entry.name)] = command.strip()[:200]
    return found


def wait_for_leftovers(timeout: float) -> dict[int, str]:
    """Leftovers still there after up to `timeout` seconds (processes told to stop get time)."""
    deadline = time.monotonic() + timeout
    found = leftovers()
    while found and time.monotonic() < deadline:
        time.sleep(0.2)
        found = leftovers()
    return found


def kill(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
