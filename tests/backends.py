"""The known-answer vectors and the crypto backends, for tests and their parametrize lists
(conftest.py turns them into the `vectors` and `backend` fixtures)."""

from __future__ import annotations

import json
import os
import platform
import sys
from functools import cache
from pathlib import Path

import pytest

from app.crypto import BackendUnavailableError, use_backend
from tests.helpers import REPO


def shared_dir() -> Path:
    """../shared beside the repository, or $SPLITKEY_SHARED_DIR."""
    configured = os.environ.get("SPLITKEY_SHARED_DIR")
    return Path(configured) if configured else REPO.parent / "shared"


@cache
def load_vectors() -> dict:
    """bls0chain.json; usable at import time (for parametrize), as the `vectors` fixture is not."""
    path = shared_dir() / "vectors" / "bls0chain.json"
    if not path.is_file():
        pytest.fail(
            f"known-answer vectors not found at {path}: put shared/ beside the repository "
            "or set SPLITKEY_SHARED_DIR",
            pytrace=False,
        )
    return json.loads(path.read_text(encoding="utf-8"))


def native_expected() -> bool:
    """Where the pymcl wheel exists, the native backend must work: a failure there is a bug."""
    return sys.platform == "linux" and platform.machine() == "x86_64"


BACKENDS = ("pure", "native")


def select_backend(name: str):
    """Switch to the named backend; skips native only where its wheel cannot be installed."""
    try:
        return use_backend(name)
    except BackendUnavailableError as exc:
        if name == "native" and not native_expected():
            pytest.skip(f"native backend unavailable on {platform.machine()}: {exc}")
        raise
