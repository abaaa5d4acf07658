"""Shared test helpers: the known-answer vectors, the backends, and hypothesis settings."""

from __future__ import annotations

import os

# Qt picks its platform plugin when the first QApplication is made; without a display the
# default (xcb) aborts with a misleading message. Set before anything imports Qt; an explicit
# QT_QPA_PLATFORM (e.g. xcb to watch the GUI tests) still wins.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import keyring
import pytest
from hypothesis import settings

from app.crypto import use_backend
from tests import process_leaks
from tests.backends import BACKENDS, load_vectors, select_backend

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


@pytest.fixture(scope="session")
def vectors() -> dict:
    return load_vectors()


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test once per backend, then go back to the default choice."""
    chosen = select_backend(request.param)
    yield chosen
    use_backend()
