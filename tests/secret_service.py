"""Is a real Secret Service (gnome-keyring) on this session bus? For the tests that need one.

`make test` runs the suite under tests/keyring_session.sh, which provides it. Elsewhere those
tests skip, saying why; under CI (CI=true) a missing Secret Service is a failure instead, so a CI
machine without gnome-keyring cannot pass by skipping them."""

from __future__ import annotations

import os

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
