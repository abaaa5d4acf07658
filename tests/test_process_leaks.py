"""The suite's leftover-process check (tests/process_leaks.py, run at the end of every session by
tests/conftest.py) finds what a test leaves running, orphans included; and the co-signer's crypto
workers no longer outlive a server that was killed (the leak issue 16 found)."""

from __future__ import annotations

import subprocess
import sys
import time

from tests import process_leaks
from tests.helpers import REPO


def wait_until(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_the_check_finds_a_child_and_an_orphan():
    child = subprocess.Popen(["sleep", "60"])
    # an orphan: its shell exits at once, init adopts the sleep
    subprocess.run(["sh", "-c", "sleep 61 >/dev/null 2>&1 &"], check=True)
    try:
        # (a process just started may show an empty environment for a moment)
        assert wait_until(lambda: child.pid in process_leaks.leftovers(), timeout=10)
        assert wait_until(lambda: "sleep 61" in process_leaks.leftovers().values(), timeout=10), (
            process_leaks.leftovers()
        )
    finally:
        process_leaks.kill([pid for pid, c in process_leaks.leftovers().items() if "sleep 6" in c])
        child.wait()
    assert not any("sleep 6" in c for c in process_leaks.wait_for_leftovers(5).values())


SERVER_STAND_IN = """
import time
from cosigner_server.crypto_pool import CryptoPool
pool = CryptoPool(workers=2, max_queue=4, mode="process")
pool.start()
print("started", flush=True)
time.sleep(300)
"""


def test_crypto_workers_exit_when_their_server_is_killed():
    parent = subprocess.Popen(
        [sys.executable, "-c", SERVER_STAND_IN], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout.readline().strip() == "started"
        # its children: the spawn workers (and multiprocessing's resource tracker)
        found = process_leaks.leftovers()
        workers = [pid for pid in found if process_leaks.parent_of(pid) == parent.pid]
        assert len(workers) >= 2
    finally:
        parent.kill()  # kill -9: no shutdown, as a crash or the OOM killer would
        parent.wait()

    def still_running() -> list[int]:
        return [pid for pid in workers if pid in process_leaks.leftovers()]

    assert wait_until(lambda: still_running() == [], timeout=30), process_leaks.leftovers()
