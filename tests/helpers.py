"""Running the real `splitkey` command in a subprocess, as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The console script that `pip install -e .` puts next to the interpreter.
CONSOLE_SCRIPT = Path(sys.executable).with_name("splitkey")
MODULE_COMMAND = [sys.executable, "-m", "app.cli"]


def splitkey_command() -> list[str]:
    return [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.exists() else list(MODULE_COMMAND)


def run_splitkey(
    *args: str, stdin: str | None = None, command: list[str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*(command or splitkey_command()), *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def run_ok(*args: str, stdin: str | None = None) -> dict:
    """Run a command that must succeed; its stdout must be one JSON object."""
    done = run_splitkey(*args, stdin=stdin)
    assert done.returncode == 0, f"splitkey {' '.join(args)} -> {done.returncode}: {done.stderr}"
    assert done.stderr == ""
    return json.loads(done.stdout)
