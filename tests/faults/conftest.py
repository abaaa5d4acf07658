"""The fault suite (tests/faults/harness.py): real server processes killed, disks filled, bytes
flipped, keys rotated under load. CI sizes by default, long sizes with SPLITKEY_SOAK=1."""

from __future__ import annotations

import os

import pytest

from .harness import native_backend, native_or_skip


@pytest.fixture(autouse=True)
def _fault_environment(monkeypatch):
    native_or_skip()
    # A developer's exported SPLITKEY_COSIGNER_* must not reach the in-process CLI.
    for name in list(os.environ):
        if name.startswith("SPLITKEY_COSIGNER_"):
            monkeypatch.delenv(name)
    with native_backend():
        yield
