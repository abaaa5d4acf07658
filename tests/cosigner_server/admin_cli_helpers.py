"""Helpers for driving the admin CLI `splitkey-cosigner` (in-process, or `serve` as a subprocess),
shared by test_admin_cli.py and other server tests; not a test module, so pytest collects none of it
twice."""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from cosigner_server import cli

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def run(*argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse
            code = exc.code
    return Result(code, out.getvalue(), err.getvalue())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPLITKEY_COSIGNER_")}
    # Threads instead of spawned worker processes: the same code paths, seconds faster to start.
    env["SPLITKEY_COSIGNER_CRYPTO_MODE"] = "thread"
    env.update(extra)
    return env


def init(data_dir: Path, *extra: str) -> Result:
    return run("init", "--data-dir", str(data_dir), *extra)


def wait_for_health(url: str, proc: subprocess.Popen, deadline: float = 30.0) -> None:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read()}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("server did not answer /health")
