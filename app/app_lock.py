"""The app lock's password: kept only as an Argon2id hash (argon2-cffi's PasswordHasher), never
the password itself. The lock guards the screen and the signing buttons of a running app against
someone at an unlocked desktop; the keys themselves are protected by the keyring (or the share
file's passphrase), not by this password.

    stored = hash_password("open sesame 7")      # to keep in the settings
    check_password(stored, attempt)             # True / False; blocks ~0.1 s: off the GUI thread
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# A 6-digit PIN is allowed: it guards a screen, not a file open to offline guessing.
MIN_PASSWORD = 6
# Minutes of inactivity before the app locks by itself; 0 never. The choices offered.
IDLE_CHOICES = (0, 1, 2, 5, 10, 15, 30, 60)
DEFAULT_IDLE_MINUTES = 5

_HASHER = PasswordHasher()


class AppLocked(Exception):
    """The app is locked: nothing is signed or loaded until the person unlocks it."""


class AppLockError(ValueError):
    """A password that cannot be used; the message is for the user."""


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"use at least {MIN_PASSWORD} characters"
    if password.strip() != password:
        return "a password cannot start or end with a space"
    return None


def hash_password(password: str) -> str:
    problem = password_problem(password)
    if problem is not None:
        raise AppLockError(problem)
    return _HASHER.hash(password)


def check_password(stored: str, attempt: str) -> bool:
    """Whether attempt is the password; a damaged stored hash matches nothing."""
    try:
        return _HASHER.verify(stored, attempt)
    except (VerificationError, InvalidHashError):
        return False
