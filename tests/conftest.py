"""Shared test helpers: the known-answer vectors, the backends, and hypothesis settings."""

from __future__ import annotations

import os

# Qt picks its platform plugin when the first QApplication is made; without a display the
# default (xcb) aborts with a misleading message. Set before anything imports Qt; an explicit
# QT_QPA_PLATFORM (e.g. xcb to watch the GUI tests) still wins.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import platform
import sys
from functools import cache
from pathlib import Path

import keyring
import pytest
from hypothesis import settings

from app.crypto import BackendUnavailableError, use_backend
from tests import process_leaks

REPO = Path(__file__).resolve().parent.parent
process_leaks.mark_run()  # before any test starts a process


@pytest.hookimpl(trylast=True)  # after xdist has stopped its workers
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a test left a process running (and stop those processes)."""
    if "PYTEST_XDIST_WORKER" in os.environ:
        return  # the run that started the workers checks their processes too
    left = process_leaks.wait_for_leftovers(timeout=15)
    if not left:
        return
    lines = [f"  pid {pid}: {command}" for pid, command in sorted(left.items())]
    print("\nA test left these processes running (now killed):\n" + "\n".join(lines))
    process_leaks.kill(left)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


# keyring picks its default backend on first use among every KeyringBackend subclass defined so
# far, and test modules define some (in-memory, chainer fakes). Choose now, before they are
# imported, so the default is what a user's machine would have (the Secret Service under
# tests/keyring_session.sh); a fake chosen by accident would also be handed to the built-in
# co-signer's child processes, which cannot load it.
keyring.get_keyring()


@pytest.fixture(autouse=True)
def _keyring_restored():
    """Whatever a test sets with keyring.set_keyring, the next test starts with the default."""
    default = keyring.get_keyring()
    yield
    keyring.set_keyring(default)


# Pure-Python pairings take milliseconds and CI machines are slow and shared: a per-example
# deadline would only make the property tests flaky.
settings.register_profile("splitkey", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "splitkey"))


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


@pytest.fixture(scope="session")
def vectors() -> dict:
    return load_vectors()


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


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test once per backend, then go back to the default choice."""
    chosen = select_backend(request.param)
    yield chosen
    use_backend()
