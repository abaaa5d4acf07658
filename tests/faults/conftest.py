"""The fault suite (tests/faults/harness.py): real server processes killed, disks filled, bytes
flipped, keys rotated under load. CI sizes by default, long sizes with SPLITKEY_SOAK=1."""

from __future__ import annotations

import os
import subprocess

import pytest

from .harness import STARTED, native_backend, native_or_skip


@pytest.fixture(autouse=True)
def _fault_environment(monkeypatch):
    native_or_skip()
    # A developer's exported SPLITKEY_COSIGNER_* must not reach the in-process CLI.
    for name in list(os.environ):
        if name.startswith("SPLITKEY_COSIGNER_"):
            monkeypatch.delenv(name)
    with native_backend():
        yield
    # A test that failed half-way may have left its server running: stop it (only those this
    # suite started, by their process handles).
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
