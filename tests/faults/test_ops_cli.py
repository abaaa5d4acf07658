"""backup / restore / rotate-kek as a shell sees them: registered in `splitkey-cosigner`, exit
codes 0/1/2/3, one-line errors and no traceback, whatever goes wrong."""

from __future__ import annotations

import subprocess
import sys

from app.protocol.exit_codes import ExitStatus

from .harness import REPO, Server, run_cli, server_env


def one_line(text: str) -> bool:
    single = text.count("\n") == 1 and text.startswith("splitkey-cosigner")
    return single and "Traceback" not in text


def test_the_commands_are_registered_in_the_cli():
    proc = subprocess.run(
        [sys.executable, "-m", "cosigner_server", "--help"],
        capture_output=True, text=True, env=server_env(), cwd=REPO, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0
    for command in ("backup", "restore", "rotate-kek"):
        assert command in proc.stdout


def test_errors_are_one_line_with_their_exit_code(tmp_path):
    nothing = tmp_path / "nothing"
    cases = [
        (("backup", "--out", tmp_path / "b.tar.gz", "--data-dir", nothing), 2, "not initialised"),
        (("restore", "--from", tmp_path / "missing.tar.gz", "--data-dir", nothing), 2,
         "no backup archive"),
        (("rotate-kek", "--keep-retired", tmp_path / "k", "--data-dir", nothing), 2,
         "--keep-retired goes with --retire"),
        (("backup", "--data-dir", nothing), 2, "--out"),
    ]  # fmt: skip
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar file at all")
    server = Server.init(tmp_path)
    cases += [
        (("restore", "--from", junk, "--data-dir", server.data), 1, "not a backup archive"),
        (("rotate-kek", "--data-dir", server.data), ExitStatus.UNREACHABLE, "serve` running?"),
        (
            ("rotate-kek", "--retire", "--data-dir", server.data),
            ExitStatus.UNREACHABLE,
            "serve` running?",
        ),
    ]
    for argv, code, words in cases:
        result = run_cli(*argv)
        assert result.code == code, (argv, result.code, result.err)
        assert one_line(result.err), result.err
        assert words in result.err, result.err
