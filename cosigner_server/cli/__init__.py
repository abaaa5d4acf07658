"""`splitkey-cosigner`: the co-signer's administration CLI (init, serve, status, users, enroll,
wallets, splits, revoke, freeze, audit, stats, backup, restore, rotate-kek).

Who writes what:
* `init` is the only command that writes the data directory itself: no server runs yet.
* Commands that change state (users add/disable/enable, enroll, revoke, freeze) go through the
  RUNNING server's HTTP API. The audit chain must have exactly one appending process, and a
  second writer next to a live server would fork it; the server is that one writer.
  The CLI authenticates with a short-lived admin token it mints itself: it can open
  secrets.sealed with the KEK (it runs as the server's OS user, on the same machine), and picks
  an enabled admin by reading the database READ-ONLY.
* Read-only listings go through the server too (one view of the data, the server's checks);
  `audit show` and `audit verify` read the audit file directly, so they work with the server down
  and `verify` checks the file the server actually wrote, not an answer about it.

The modules: _base.py (options, configuration, secrets, output, the admin client), admin.py
(the admin commands of app/cli/admin.py, shared with `splitkey admin`), initialise.py (init,
users recover-admin), serve.py (serve, status), audit.py (audit show | verify), ops.py (backup,
restore, rotate-kek). Each imports only _base; this file imports them all.

Exit statuses: app/protocol/exit_codes.py, the product's one table (0 ok; 1 a problem found or
an operation failed: audit verify found a problem, a 5xx answer, not ready; 2 bad input:
arguments, data directory, configuration; 3 the server refused the request, a 4xx answer; 4 the
server cannot be reached; 5 an untrusted answer). Errors are one line on stderr, never a
traceback. Nothing secret is printed except what is meant to be shown once: an enrollment code
and, for `init --kek-source env`, the KEK.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app.cli.errors import InputError
from app.protocol import exit_codes
from app.protocol.exit_codes import ExitStatus
from app.version import __version__

from . import admin, ops
from ._base import (
    DATA_DIR_ENV,
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_PROBLEM,
    LOG_LEVELS,
    PROG,
    CliError,
    Parser,
    common_options,
    non_negative,
    remote_options,
    server_url,
)
from .audit import cmd_audit_show, cmd_audit_verify
from .initialise import cmd_init
from .serve import cmd_serve, cmd_status

__all__ = ["DATA_DIR_ENV", "CliError", "build_parser", "main", "server_url"]


def build_parser() -> argparse.ArgumentParser:
    common, remote = common_options(), remote_options()
    parser = Parser(
        prog=PROG,
        parents=[common],
        description="Administer a Splitkey co-signer server.",
        epilog=exit_codes.epilog(),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("init", parents=[common], help="create a data directory and first admin")
    p.add_argument("--kek-source", choices=("file", "env", "keyring"), default=None)
    p.add_argument("--admin", default="admin", metavar="NAME", help="the first admin's name")
    p.add_argument("--chain-id", default=None, metavar="ID")
    p.add_argument("--port", type=int, default=None, metavar="P")
    p.add_argument(
        "--tls-name",
        action="append",
        default=[],
        metavar="NAME",
        help="another host name or address for the certificate (repeatable; localhost, "
        "127.0.0.1 and ::1 are always in it)",
    )
    p.add_argument(
        "--no-tls",
        action="store_true",
        help="no certificate: plain HTTP, which serve allows on loopback addresses only",
    )
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", parents=[common], help="run the server")
    p.add_argument("--host", default=None, metavar="H")
    p.add_argument("--port", type=int, default=None, metavar="P")
    p.add_argument("--role", choices=("all", "vault", "auth"), default=None)
    p.add_argument("--log-level", choices=LOG_LEVELS, default="info")
    p.add_argument(
        "--unix-socket",
        type=Path,
        default=None,
        metavar="PATH",
        help="listen on this Unix socket (0600) instead of host and port",
    )
    p.add_argument(
        "--ready-file",
        type=Path,
        default=None,
        metavar="PATH",
        help="once listening, write a JSON file (0600) with pid, url, unix_socket and "
        "tls_fingerprint; removed on stop (docs/cosigner.md)",
    )
    p.add_argument(
        "--parent-fd",
        type=int,
        default=None,
        metavar="FD",
        help="stop when this inherited pipe closes (the process that started it is gone)",
    )
    p.add_argument(
        "--log-format",
        choices=("json", "text"),
        default="json",
        help="json: one JSON object per line (default); text: for reading in a terminal",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("status", parents=[common, remote], help="health and readiness")
    p.set_defaults(func=cmd_status)

    # users, enroll, wallets, splits, revoke, freeze, stats...: defined once in app/cli/admin.py
    admin.register(sub, common, remote)

    audit = sub.add_parser("audit", parents=[common], help="read or verify the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = audit_sub.add_parser("show", parents=[common], help="records, oldest first")
    p.add_argument("--wallet", default=None, metavar="CLIENT_ID")
    p.add_argument("--since", type=non_negative, default=None, metavar="SEQ")
    p.add_argument("--limit", type=non_negative, default=100, metavar="N")
    p.set_defaults(func=cmd_audit_show)
    p = audit_sub.add_parser("verify", parents=[common], help="check the whole chain")
    p.add_argument(
        "--anchor",
        default=None,
        metavar="SEQ:MAC",
        help="a head kept earlier; also detects records cut off the end",
    )
    p.set_defaults(func=cmd_audit_verify)

    # backup, restore, rotate-kek
    ops.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.code
    except InputError as exc:  # from the shared admin commands (app/cli/admin.py)
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # `... | head`: the reader left; nothing more to say.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # silence the flush at exit
        return EXIT_OK
    except Exception as exc:
        # One line, never a traceback (and never the exception's repr, which may hold data).
        print(f"{PROG}: error: unexpected {exc.__class__.__name__}", file=sys.stderr)
        return EXIT_PROBLEM
