"""Is a real Secret Service (gnome-keyring) on this session bus? For the tests that need one.

`make test` runs the suite under tests/keyring_session.sh, which provides it. Elsewhere those
tests skip, saying why; under CI (CI=true) a missing Secret Service is a failure instead, so a CI
machine without gnome-keyring cannot pass by skipping them."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def secret_service_problem() -> str | None:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return (
            "no D-Bus session (DBUS_SESSION_BUS_ADDRESS unset): run the tests under "
            "tests/keyring_session.sh, as `make test` does"
        )
    try:
        import secretstorage

        connection = secretstorage.dbus_init()
        try:
            if not secretstorage.check_service_availability(connection):
                return "no Secret Service on the session bus (is gnome-keyring-daemon running?)"
            collection = secretstorage.get_default_collection(connection)
            if collection.is_locked():
                return "the default keyring collection is locked"
        finally:
            connection.close()
    except Exception as exc:  # no bus, no daemon, a refused connection: all mean "absent"
        return f"the Secret Service cannot be used ({exc.__class__.__name__}: {exc})"
    return None


def require_secret_service() -> None:
    problem = secret_service_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide a Secret Service: {problem}", pytrace=False)
    pytest.skip(problem)


@contextlib.contextmanager
def private_secret_service(folder: Path) -> Iterator[str]:
    """A Secret Service of its own: a new D-Bus session bus and an unlocked gnome-keyring with
    its files under `folder`. Yields the bus address (for DBUS_SESSION_BUS_ADDRESS).

    For tests that need the keyring to themselves: one that deletes and restores a KEK, or checks
    what a fresh keyring holds, must not see or disturb what other tests keep meanwhile."""
    daemon, keyring_daemon = shutil.which("dbus-daemon"), shutil.which("gnome-keyring-daemon")
    if daemon is None or keyring_daemon is None:
        problem = "dbus-daemon or gnome-keyring-daemon is not installed"
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide a Secret Service: {problem}", pytrace=False)
        pytest.skip(problem)
    home, run = folder / "home", folder / "run"
    home.mkdir(parents=True)
    run.mkdir(mode=0o700)
    bus = subprocess.Popen(
        [daemon, "--session", "--nofork", "--print-address=1", f"--address=unix:path={run}/bus"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        address = bus.stdout.readline().strip()
        env = {
            **os.environ,
            "DBUS_SESSION_BUS_ADDRESS": address,
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(run),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
        }
        # The daemon forks into the background and ends by itself when its bus goes away.
        subprocess.run(
            [keyring_daemon, "--unlock", "--components=secrets"],
            input="pw",
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        yield address
    finally:
        bus.terminate()
        bus.wait(10)
