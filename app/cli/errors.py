"""The two ways a command ends without its result. Kept apart from _common.py so that the
server's CLI can share the admin commands (app/cli/admin.py) without loading the crypto."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from the user: reported on one line, exit status USAGE (2)."""


class CommandFailed(Exception):
    """A command that could not be done for a reason other than bad input: one line on stderr
    and its own exit status (app/protocol/exit_codes.py)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
