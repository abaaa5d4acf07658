"""`splitkey-cosigner`: the co-signer's administration CLI (init, serve, status, users, enroll,
wallets, splits, revoke, freeze, audit, stats).

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

Exit codes: 0 ok; 1 a problem found or an operation failed (audit verify found a problem, the
server answered 5xx or is not ready); 2 bad input (arguments, data directory, configuration, a
4xx answer); 3 the server cannot be reached. Errors are one line on stderr, never a traceback.
Nothing secret is printed except what is meant to be shown once: an enrollment code and, for
`init --kek-source env`, the KEK.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import ipaddress
import json
import logging
import os
import re
import sqlite3
import ssl
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, NoReturn

from app.addresses import is_loopback_host
from app.version import __version__

PROG = "splitkey-cosigner"
LOG_LEVELS = ("debug", "info", "warning", "error")
DATA_DIR_ENV = "SPLITKEY_COSIGNER_DATA_DIR"
# Minted per CLI call: long enough for one request, short enough to be worthless if it leaked.
ADMIN_TOKEN_TTL = 120
HTTP_TIMEOUT = 30.0

EXIT_OK, EXIT_PROBLEM, EXIT_BAD_INPUT, EXIT_UNREACHABLE = 0, 1, 2, 3


class CliError(Exception):
    """A failure to report on one line, with the exit code it maps to."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


# -- argument parsing ------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block; keep errors to one line (exit 2 as argparse).
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def default_data_dir() -> Path:
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_data_dir("splitkey-cosigner", appauthor=False))


def _common() -> argparse.ArgumentParser:
    # SUPPRESS: the options work before or after the command without the later one resetting
    # what the earlier one set.
    common = _Parser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help=f"the server's data directory (default: ${DATA_DIR_ENV} or the user data dir)",
    )
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output"
    )
    return common


def _remote() -> argparse.ArgumentParser:
    remote = _Parser(add_help=False)
    remote.add_argument(
        "--url",
        default=argparse.SUPPRESS,
        help="the server's base URL (default: from the data directory's host and port)",
    )
    remote.add_argument(
        "--unix-socket",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="reach the server on this Unix socket (serve --unix-socket)",
    )
    remote.add_argument(
        "--admin-id",
        default=argparse.SUPPRESS,
        help="act as this admin user id (default: the first enabled admin)",
    )
    return remote


def build_parser() -> argparse.ArgumentParser:
    common, remote = _common(), _remote()
    parser = _Parser(
        prog=PROG,
        parents=[common],
        description="Administer a Splitkey co-signer server.",
        epilog="Exit codes: 0 ok, 1 problem found or operation failed, 2 bad input, "
        "3 server unreachable.",
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

    users = sub.add_parser("users", parents=[common], help="list, add, disable, enable users")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    p = users_sub.add_parser("list", parents=[common, remote], help="all users")
    p.set_defaults(func=cmd_users_list)
    p = users_sub.add_parser("add", parents=[common, remote], help="a user + enrollment code")
    p.add_argument("subject")
    p.add_argument("--role", choices=("admin", "user"), default="user")
    p.set_defaults(func=cmd_users_add)
    for action, enabled in (("disable", False), ("enable", True)):
        p = users_sub.add_parser(action, parents=[common, remote], help=f"{action} a user")
        p.add_argument("user_id")
        p.set_defaults(func=cmd_users_enabled, enabled=enabled)
    p = users_sub.add_parser(
        "recover-admin",
        parents=[common],
        help="no enabled administrator left: make a new one (local, server stopped)",
    )
    p.add_argument("subject")
    p.set_defaults(func=cmd_users_recover_admin)

    p = sub.add_parser("enroll", parents=[common, remote], help="a new enrollment code")
    p.add_argument("user_id")
    p.set_defaults(func=cmd_enroll)
    p = sub.add_parser(
        "enroll-approve",
        parents=[common, remote],
        help="second half of a wallet owner's code (another administrator)",
    )
    p.add_argument("ref")
    p.set_defaults(func=cmd_enroll_approve)

    p = sub.add_parser("wallets", parents=[common, remote], help="all wallets")
    p.add_argument("action", nargs="?", choices=("list",), default="list")
    p.set_defaults(func=cmd_wallets)

    p = sub.add_parser("splits", parents=[common, remote], help="all splits")
    p.add_argument("action", nargs="?", choices=("list",), default="list")
    p.add_argument("--wallet", default=None, metavar="CLIENT_ID")
    p.set_defaults(func=cmd_splits)

    p = sub.add_parser("revoke", parents=[common, remote], help="revoke a split (idempotent)")
    p.add_argument("split_id")
    p.set_defaults(func=cmd_revoke)

    p = sub.add_parser("freeze", parents=[common, remote], help="freeze or unfreeze a wallet")
    p.add_argument("client_id")
    p.add_argument("--off", action="store_true", help="unfreeze")
    p.set_defaults(func=cmd_freeze)

    p = sub.add_parser(
        "remove-record",
        parents=[common, remote],
        help="remove a wallet record made by 0Chain's /setup (e.g. squatted); audited",
    )
    p.add_argument("client_id")
    p.add_argument("--reason", required=True, help="why, for the audit log")
    p.set_defaults(func=cmd_remove_record)

    audit = sub.add_parser("audit", parents=[common], help="read or verify the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = audit_sub.add_parser("show", parents=[common], help="records, oldest first")
    p.add_argument("--wallet", default=None, metavar="CLIENT_ID")
    p.add_argument("--since", type=_non_negative, default=None, metavar="SEQ")
    p.add_argument("--limit", type=_non_negative, default=100, metavar="N")
    p.set_defaults(func=cmd_audit_show)
    p = audit_sub.add_parser("verify", parents=[common], help="check the whole chain")
    p.add_argument(
        "--anchor",
        default=None,
        metavar="SEQ:MAC",
        help="a head kept earlier; also detects records cut off the end",
    )
    p.set_defaults(func=cmd_audit_verify)

    p = sub.add_parser("stats", parents=[common, remote], help="counts")
    p.set_defaults(func=cmd_stats)

    # backup, restore, rotate-kek...: the operations commands live in cli_ops.py (which builds
    # on this module's helpers, hence the import here and not at the top).
    from . import cli_ops

    cli_ops.register(sub)
    return parser


def _non_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError("must be a whole number >= 0")
    return int(text)


# -- shared helpers --------------------------------------------------------------------------------


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "data_dir", None) or default_data_dir()).expanduser()


def _config(args: argparse.Namespace, overrides: dict[str, Any] | None = None):
    from .config import ConfigError, load_config

    try:
        return load_config(_data_dir(args), overrides)
    except ConfigError as exc:
        raise CliError(f"configuration: {exc}") from None


def _require_initialised(config) -> None:
    from .bootstrap import SECRETS_FILE

    if config.database_url:
        return  # the replicas' database holds the sealed server secrets (serve checks them)
    if not (config.data_dir / SECRETS_FILE).is_file():
        raise CliError(f"{config.data_dir} is not initialised: run `{PROG} init` first")


def _open_secrets(config):
    """The server's own secrets (token key, audit key), opened with the KEK."""
    from .bootstrap import SECRETS_FILE, SECRETS_RECORD, ServerSecrets, kek_config
    from .envelope import ENV_VAR, KekError, SealedDataError, load_kek

    _require_initialised(config)
    try:
        ring = load_kek(kek_config(config))
    except KekError as exc:
        raise CliError(str(exc)) from None
    if ring is None:
        where = {
            "file": f"no key file {config.path('kek_file')}",
            "env": f"${ENV_VAR} is not set",
            "keyring": "nothing in the OS keyring",
        }[config.kek_source]
        raise CliError(f"no key-encryption key ({where})")
    try:
        blob = _shared_secrets(config) or (config.data_dir / SECRETS_FILE).read_bytes()
        return ServerSecrets.from_bytes(ring.open(blob, SECRETS_RECORD))
    except SealedDataError:
        raise CliError(
            f"the key-encryption key does not open {SECRETS_FILE} (a key of another server?)"
        ) from None
    except (OSError, ValueError, KeyError) as exc:
        raise CliError(f"{SECRETS_FILE} cannot be read: {exc.__class__.__name__}") from None


def _shared_secrets(config) -> bytes | None:
    """With database_url: the one sealed copy the replicas share (None: not seeded yet)."""
    if not config.database_url:
        return None
    import psycopg

    try:
        with psycopg.connect(config.database_url, connect_timeout=5, autocommit=True) as db:
            row = db.execute("SELECT sealed FROM splitkey_journal.server_secrets").fetchone()
    except psycopg.Error as exc:
        raise CliError(f"cannot read PostgreSQL: {type(exc).__name__}", EXIT_PROBLEM) from None
    return bytes(row[0]) if row else None


def _fmt_time(value: int | None) -> str:
    if value is None:
        return "-"
    return dt.datetime.fromtimestamp(value, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _table(rows: list[list[str]], headers: list[str]) -> str:
    if not rows:
        return "(none)"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _emit(args: argparse.Namespace, data: Any, human: Callable[[Any], str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        print(human(data))


def server_url(config) -> str:
    """Where this machine reaches the configured server. A wildcard bind is reached on loopback."""
    host = config.host
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    scheme = "https" if config.tls_cert and config.tls_key else "http"
    return f"{scheme}://{host}:{config.port}"


# -- talking to the running server -----------------------------------------------------------------


def _base_url(args: argparse.Namespace, config) -> str:
    default = "http://localhost" if getattr(args, "unix_socket", None) else None
    url = (getattr(args, "url", None) or default or server_url(config)).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CliError("--url must start with http:// or https://")
    return url


def _pin(config, url: str) -> str | None:
    """Pin the data directory's own certificate: the server's cert is usually self-signed, and
    the CLI runs beside it, so it knows exactly which certificate to expect."""
    if not (url.startswith("https://") and config.tls_cert):
        return None
    from app.client import certificate_fingerprint

    try:
        pem = config.path("tls_cert").read_text()
        return certificate_fingerprint(ssl.PEM_cert_to_DER_cert(pem))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read the TLS certificate {config.tls_cert}: {exc}") from None


@contextlib.contextmanager
def admin_client(args: argparse.Namespace):
    """app/client.py's CosignerClient (the one client of the API, answers parsed with app/wire),
    holding an admin token minted here; its errors become one line and an exit code."""
    from app.client import ClientError, CosignerClient, CosignerError, CosignerUnreachable

    config = _config(args)
    url = _base_url(args, config)
    token = _admin_token(config, getattr(args, "admin_id", None))
    try:
        unix_socket = getattr(args, "unix_socket", None)
        with CosignerClient(
            url,
            token=token,
            tls_fingerprint=_pin(config, url),
            unix_socket=str(unix_socket) if unix_socket else None,
        ) as client:
            yield client
    except CosignerUnreachable as exc:
        raise CliError(f"{exc}; is `{PROG} serve` running?", EXIT_UNREACHABLE) from None
    except CosignerError as exc:
        message = exc.message + (f" [{exc.field}]" if getattr(exc, "field", None) else "")
        code = EXIT_BAD_INPUT if 400 <= exc.status < 500 else EXIT_PROBLEM
        raise CliError(f"server refused ({exc.status}): {message}", code) from None
    except ClientError as exc:  # a malformed answer, a pin mismatch: not to be used as data
        raise CliError(f"{exc.__class__.__name__}: {exc}", EXIT_PROBLEM) from None


def _admin_token(config, admin_id: str | None) -> str:
    """A short-lived token of an enabled admin, minted with the server's own issuer key: the CLI
    runs as the server's OS user, so it can open secrets.sealed like the server does."""
    from .principal import LOCAL_OPERATOR_CLAIM
    from .tokens import ServerIssuer

    server_secrets = _open_secrets(config)
    subject = find_admin(config, admin_id)
    issuer = ServerIssuer.from_private_bytes(
        server_secrets.issuer_key, issuer=config.issuer, audience=config.audience
    )
    return issuer.mint(
        subject,
        role="admin",
        ttl=min(ADMIN_TOKEN_TTL, config.token_ttl),
        extra_claims={LOCAL_OPERATOR_CLAIM: True},
    )


def _probe(url: str, path: str, verify: Any, unix_socket: Any = None) -> tuple[int, Any]:
    """An unauthenticated GET that keeps the body of a 503: /ready answers 503 with the checks
    that failed, which is what `status` is for (the client library turns a 503 into an error)."""
    import httpx

    options: dict[str, Any] = {}
    if unix_socket:
        options["transport"] = httpx.HTTPTransport(uds=str(unix_socket))
    try:
        # trust_env=False: a proxy configured for the outside world is not for this server.
        with httpx.Client(
            timeout=HTTP_TIMEOUT, verify=verify, trust_env=False, **options
        ) as http:
            answer = http.get(url + path)
    except httpx.TransportError as exc:
        raise CliError(
            f"cannot reach the server at {url} ({exc.__class__.__name__}); "
            f"is `{PROG} serve` running?",
            EXIT_UNREACHABLE,
        ) from None
    try:
        return answer.status_code, answer.json()
    except ValueError:
        return answer.status_code, None


def find_admin(config, wanted: str | None = None) -> str:
    """An enabled admin's user id, read from the database without writing anything.

    The database is opened read-only (URI mode=ro) on purpose: SQLiteStorage.open() migrates and
    reconciles the revocation journal, i.e. writes, and the running server is the only writer."""
    if config.database_url:
        return _find_admin_postgres(config.database_url, wanted)
    path = config.db_path
    if not path.is_file():
        raise CliError(f"no database at {path}: is the data directory initialised?")
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5.0)) as db:
            if wanted is not None:
                row = db.execute(
                    "SELECT id, role, enabled FROM users WHERE id = ?", (wanted,)
                ).fetchone()
                if row is None or row[1] != "admin" or not row[2]:
                    raise CliError(f"{wanted} is not an enabled admin")
                return row[0]
            row = db.execute(
                "SELECT id FROM users WHERE role = 'admin' AND enabled = 1 "
                "ORDER BY created_at, id LIMIT 1"
            ).fetchone()
    except sqlite3.Error as exc:
        raise CliError(f"cannot read users from {path}: {exc}", EXIT_PROBLEM) from None
    if row is None:
        raise CliError(
            f"no enabled admin in the database (all disabled?); see `{PROG} users recover-admin`"
        )
    return row[0]


def cmd_users_recover_admin(args: argparse.Namespace) -> int:
    """The recovery for a server left with no enabled administrator: a new administrator and
    its one-time enrollment code, written by this process with the server stopped (the audit log
    has one writer) and recorded in the audit log. Needs the data directory and its KEK."""
    import asyncio

    from .backup import database_in_use
    from .views import user_view

    config = _config(args)
    try:
        admin = find_admin(config)
    except CliError as exc:
        if "no enabled admin" not in str(exc):
            raise
    else:
        raise CliError(
            f"administrator {admin} is enabled: use `{PROG} users add {args.subject} --role "
            "admin` instead"
        )
    pid = database_in_use(config.db_path)
    if pid is not None:
        raise CliError(f"the server (pid {pid}) has the database open: stop it first")
    user, code = asyncio.run(_create_first_admin(config, args.subject, recovery=True))
    data = {"user": user_view(user), "enrollment_code": code}
    _emit(args, data, lambda d: _code_text(d["user"], d["enrollment_code"]))
    return EXIT_OK
def _find_admin_postgres(url: str, wanted: str | None) -> str:
    """find_admin on the replicas' PostgreSQL, in a read-only transaction."""
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5, options="-c search_path=splitkey") as db:
            db.read_only = True
            if wanted is not None:
                row = db.execute(
                    "SELECT id, role, enabled FROM users WHERE id = %s", (wanted,)
                ).fetchone()
                if row is None or row[1] != "admin" or not row[2]:
                    raise CliError(f"{wanted} is not an enabled admin")
                return row[0]
            row = db.execute(
                "SELECT id FROM users WHERE role = 'admin' AND enabled "
                "ORDER BY created_at, id LIMIT 1"
            ).fetchone()
    except ImportError:
        raise CliError("database_url needs the psycopg driver: pip install 'splitkey[postgres]'",
                       EXIT_PROBLEM) from None  # fmt: skip
    except psycopg.Error as exc:
        raise CliError(f"cannot read users from PostgreSQL: {type(exc).__name__}",
                       EXIT_PROBLEM) from None  # fmt: skip
    if row is None:
        raise CliError("no enabled admin in the database (all disabled?)")
    return row[0]


# -- init ------------------------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # A JSON string with ensure_ascii is a valid TOML basic string.
    return json.dumps(str(value), ensure_ascii=True)


@contextlib.contextmanager
def _kek_env(text: str | None) -> Iterator[None]:
    """During init, $SPLITKEY_COSIGNER_KEK is exactly the new key (env source) or absent (file,
    keyring): load_kek tries the environment first, and a KEK exported for another server must
    not be the one init's own load uses."""
    from .envelope import ENV_VAR

    saved = os.environ.pop(ENV_VAR, None)
    if text is not None:
        os.environ[ENV_VAR] = text
    try:
        yield
    finally:
        os.environ.pop(ENV_VAR, None)
        if saved is not None:
            os.environ[ENV_VAR] = saved


def cmd_init(args: argparse.Namespace) -> int:
    import asyncio

    from .bootstrap import SECRETS_FILE, init_data_dir, kek_config
    from .config import CONFIG_FILE
    from .envelope import KekError, load_kek
    from .tls import CERT_FILE, KEY_FILE, make_self_signed

    data_dir = _data_dir(args).resolve()
    settings = {
        name: value
        for name, value in (
            ("kek_source", args.kek_source),
            ("chain_id", args.chain_id),
            ("port", args.port),
        )
        if value is not None
    }
    if (data_dir / SECRETS_FILE).exists():
        raise CliError(f"{data_dir} is already initialised; refusing to re-initialise")
    config_path = data_dir / CONFIG_FILE
    if config_path.exists() and settings:
        # A prepared config.toml (e.g. with enterprise issuers) is used as is; mixing it with
        # flags would leave the file and the flags disagreeing about what was initialised.
        raise CliError(f"{config_path} exists: put the settings there, or remove it")
    if data_dir.exists() and not data_dir.is_dir():
        raise CliError(f"{data_dir} exists and is not a directory")
    if args.no_tls and args.tls_name:
        raise CliError("--tls-name names the certificate's hosts; it cannot go with --no-tls")
    for name in args.tls_name:
        _check_tls_name(name)
    if not args.no_tls and not config_path.exists():
        settings.update(tls_cert=CERT_FILE, tls_key=KEY_FILE)
    # Validate everything before the first byte is written.
    config = _config(argparse.Namespace(data_dir=data_dir), settings)
    # The certificate to make: init's own files, or the ones a prepared config.toml names.
    make_tls = not args.no_tls and bool(config.tls_cert)
    if make_tls:
        cert_path, key_path = config.path("tls_cert"), config.path("tls_key")
        if cert_path.exists() and key_path.exists():
            make_tls = False  # a prepared config with the administrator's own certificate
        elif cert_path.exists() or key_path.exists():
            raise CliError(f"only one of {cert_path} and {key_path} exists; give both or neither")
    if not args.admin or len(args.admin) > 200:
        raise CliError("--admin must be 1 to 200 characters")
    to_create = [data_dir / SECRETS_FILE, config.db_path, config.audit_path]
    if config.kek_source == "file":
        to_create.append(config.path("kek_file"))
    for path in to_create:
        if path.exists():
            raise CliError(f"{path} exists: not a fresh data directory")
    if make_tls:
        to_create += [cert_path, key_path]
    if config.kek_source == "keyring":
        try:
            existing = load_kek(replace(kek_config(config), env_var=None, file=None))
        except KekError:
            existing = True
        if existing is not None:
            # The entry is named after the data directory: an existing one is an earlier
            # server's key for this very directory, which must not be overwritten.
            raise CliError(
                "the OS keyring already holds a co-signer KEK for this data directory; "
                "refusing to replace it"
            )

    dir_existed = data_dir.exists()
    if not config_path.exists():
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        text = f"# {PROG} settings; environment variables SPLITKEY_COSIGNER_* override.\n"
        # kek_source always: where the key lives is what an operator looks for first.
        written = {**settings, "kek_source": config.kek_source}
        text += "".join(f"{k} = {_toml_value(v)}\n" for k, v in sorted(written.items()))
        fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        to_create.append(config_path)
        with os.fdopen(fd, "w") as out:
            out.write(text)
    try:
        if make_tls:
            make_self_signed(cert_path, key_path, extra_names=tuple(args.tls_name))
        shown_kek = init_data_dir(config)
        with _kek_env(shown_kek):
            user, code = asyncio.run(_create_first_admin(config, args.admin))
    except (CliError, KeyboardInterrupt):
        _undo_init(to_create, data_dir, dir_existed)
        raise
    except Exception as exc:
        # All-or-nothing, so that running init again is the fix. The modules' messages name
        # files and settings, never key material.
        _undo_init(to_create, data_dir, dir_existed)
        raise CliError(
            f"init failed ({exc.__class__.__name__}: {exc}); nothing was kept", EXIT_PROBLEM
        ) from None
    os.chmod(data_dir, 0o700)

    url = server_url(config)
    result = {
        "data_dir": str(data_dir),
        "url": url,
        "kek_source": config.kek_source,
        "admin": {"id": user.id, "subject": user.subject, "role": user.role},
        "enrollment_code": code,
        "enrollment_code_expires_in": config.enrollment_code_ttl,
    }
    if shown_kek is not None:
        result["kek"] = shown_kek
    if config.tls_cert:
        result["tls"] = _tls_info(config)
    _emit(args, result, lambda r: _init_text(r, config))
    return EXIT_OK


async def _create_first_admin(config, name: str, *, recovery: bool = False):
    from . import identity
    from .bootstrap import close_state, load_state
    from .errors import ApiError
    from .services import record

    # No crypto pool: creating a user signs nothing, and spawning workers costs seconds.
    state = await load_state(config, start_pool=False)
    try:
        if state.sealed:
            raise CliError("the new KEK cannot be loaded back", EXIT_PROBLEM)
        try:
            user, code = await identity.create_user(state, None, name, "admin")
            if recovery:
                await record(state, "admin_recovered", None, details={"user": user.id})
            return user, code
        except ApiError as exc:
            raise CliError(exc.body.message) from None
    finally:
        await close_state(state)


def _undo_init(created: list[Path], data_dir: Path, dir_existed: bool) -> None:
    """Remove what this init made (all of it was checked absent before), so a failed init can
    simply be run again."""
    for path in created:
        # SQLite's companions: the WAL, its index and the revocation journal (and its own), and
        # the clean-shutdown marker (storage/sqlite.py).
        for suffix in ("", "-wal", "-shm", ".revocations", ".revocations-wal", ".revocations-shm",
                       ".clean"):  # fmt: skip
            with contextlib.suppress(FileNotFoundError):
                path.with_name(path.name + suffix).unlink()
    if not dir_existed:
        with contextlib.suppress(OSError):
            data_dir.rmdir()


def _check_tls_name(name: str) -> None:
    try:
        ipaddress.ip_address(name)
        return
    except ValueError:
        pass
    labels = name.split(".")
    if not (0 < len(name) <= 253 and all(_DNS_LABEL.fullmatch(label) for label in labels)):
        raise CliError(f"--tls-name {name!r} is neither an IP address nor a DNS name")


_DNS_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def _tls_info(config) -> dict:
    """The certificate's fingerprint (what clients pin), expiry and file."""
    from cryptography import x509

    from .tls import TlsError, colon_hex, fingerprint_file

    path = config.path("tls_cert")
    try:
        fingerprint = fingerprint_file(path)
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (TlsError, OSError, ValueError) as exc:
        raise CliError(f"cannot read the TLS certificate: {exc}", EXIT_PROBLEM) from None
    return {
        "cert": str(path),
        "fingerprint": fingerprint,
        "fingerprint_colons": colon_hex(fingerprint),
        "expires": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _init_text(r: dict, config) -> str:
    hours = r["enrollment_code_expires_in"] / 3600
    kek_line = {
        "file": f"key file {config.path('kek_file')} (0600; back it up apart from the data)",
        "keyring": "stored in the OS keyring",
        "env": "from $SPLITKEY_COSIGNER_KEK, shown below",
    }[r["kek_source"]]
    lines = [
        f"Initialised {r['data_dir']} (mode 0700).",
        f"  server URL:   {r['url']}",
        f"  KEK:          {kek_line}",
        f"  first admin:  {r['admin']['subject']} ({r['admin']['id']})",
    ]
    if "tls" in r:
        lines += [
            f"  TLS:          {r['tls']['cert']} (TLS 1.2+, expires {r['tls']['expires']})",
            "  certificate SHA-256 fingerprint (clients pin it; hand it over with the URL):",
            f"    {r['tls']['fingerprint']}",
        ]
    else:
        lines.append("  TLS:          none (plain HTTP; serve allows loopback addresses only)")
    lines += [
        "",
        f"Enrollment code (shown once, valid {hours:g} h): {r['enrollment_code']}",
    ]
    if "kek" in r:
        lines += [
            "",
            "Key-encryption key (shown once; without it the server stays sealed and the data",
            "is unreadable; keep it in a password manager, not in a file beside the data):",
            f"  export SPLITKEY_COSIGNER_KEK='{r['kek']}'",
        ]
    lines += [
        "",
        "Next:",
        f"  1. start the server:  {PROG} serve --data-dir {r['data_dir']}",
        f"  2. {r['admin']['subject']} signs in once with the enrollment code "
        f"(POST {r['url']}/v1/auth/enroll)",
        f"  3. check it:          {PROG} status --data-dir {r['data_dir']}",
    ]
    return "\n".join(lines)


# -- serve -----------------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    import asyncio

    from .app import create_app
    from .audit import AuditError
    from .bootstrap import InitError
    from .envelope import KekError
    from .logs import setup_logging
    from .serving import serve
    from .storage.base import StorageError
    from .tls import TlsError, server_context

    overrides = {"host": args.host, "port": args.port, "role": args.role}
    config = _config(args, {k: v for k, v in overrides.items() if v is not None})
    _require_initialised(config)
    tls = bool(config.tls_cert and config.tls_key)
    unix_socket = args.unix_socket and args.unix_socket.expanduser().resolve()
    if unix_socket is None and not is_loopback_host(config.host) and not tls:
        raise CliError(
            f"refusing to listen on {config.host} without TLS: set tls_cert and tls_key in "
            f"{config.data_dir / 'config.toml'}, or bind a loopback address (127.0.0.1)"
        )
    ssl_context = None
    if tls:
        try:
            ssl_context = server_context(config.path("tls_cert"), config.path("tls_key"))
        except TlsError as exc:
            raise CliError(str(exc)) from None

    setup_logging(args.log_level, args.log_format)
    log = logging.getLogger("splitkey.cosigner")
    if unix_socket is None and not is_loopback_host(config.host) and not config.allowed_hosts:
        log.warning(
            "listening on %s but allowed_hosts is empty: requests naming this server by any "
            "name other than localhost or its bound address get 421",
            config.host,
        )
    url = server_url(config)
    if unix_socket is not None:
        # Over a socket the host part only fills the Host header; localhost is always allowed.
        url = ("https" if tls else "http") + "://localhost"
    where = str(unix_socket) if unix_socket is not None else f"{config.host}:{config.port}"
    ready = {
        "pid": os.getpid(),
        "url": url,
        "unix_socket": str(unix_socket) if unix_socket is not None else None,
        "tls_fingerprint": _pin(config, url),
        "role": config.role,
        "data_dir": str(config.data_dir),
    }

    def announce() -> None:
        ready["listening"] = True
        if args.ready_file is not None:
            from .kek_rotation import write_private_atomic

            shown = {k: v for k, v in ready.items() if k != "listening"}
            shown["started_at"] = int(time.time())
            write_private_atomic(args.ready_file, json.dumps(shown, sort_keys=True).encode())
        on = f"{url} on {unix_socket}" if unix_socket is not None else url
        print(f"{PROG}: serving {on} (role {config.role}, data {config.data_dir})", flush=True)

    app = create_app(config)
    try:
        asyncio.run(
            serve(
                app,
                config,
                ssl_context=ssl_context,
                announce=announce,
                unix_socket=str(unix_socket) if unix_socket is not None else None,
                parent_fd=args.parent_fd,
            )
        )
    except (InitError, KekError, StorageError, AuditError) as exc:
        raise CliError(f"cannot start: {exc}", EXIT_PROBLEM) from None
    except OSError as exc:
        raise CliError(f"cannot listen on {where}: {exc.strerror or exc}", EXIT_PROBLEM) from None
    finally:
        # Only what this server made: a start that failed leaves another server's files alone.
        for made in (args.ready_file, unix_socket) if ready.get("listening") else ():
            if made is not None:
                with contextlib.suppress(OSError):
                    made.unlink()
    return EXIT_OK


# -- status ----------------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    config = None if getattr(args, "url", None) else _config(args)
    url = _base_url(args, config)
    verify: Any = True
    pin = _pin(config, url) if config is not None else None
    if pin is not None:
        from app.client import CosignerUnreachable, PinMismatch, pinned_context

        parsed = urllib.parse.urlsplit(url)
        try:
            verify = pinned_context(parsed.hostname, parsed.port or 443, pin, HTTP_TIMEOUT)
        except CosignerUnreachable as exc:
            raise CliError(str(exc), EXIT_UNREACHABLE) from None
        except PinMismatch as exc:
            raise CliError(str(exc), EXIT_PROBLEM) from None
    unix_socket = getattr(args, "unix_socket", None)
    health_status, health = _probe(url, "/health", verify, unix_socket)
    _, ready = _probe(url, "/ready", verify, unix_socket)
    if health_status != 200 or not isinstance(health, dict):
        raise CliError(f"{url}/health answered {health_status}", EXIT_PROBLEM)
    result = {"url": url, "health": health, "ready": ready}
    if pin is not None:
        result["tls_fingerprint"] = pin  # the certificate the server showed (it matched)

    def human(r: dict) -> str:
        h, rd = r["health"] or {}, r["ready"] or {}
        checks = ", ".join(
            f"{k} {'ok' if v else 'FAILING'}" for k, v in rd.get("checks", {}).items()
        )
        lines = [
            f"server:  {r['url']}",
            f"health:  {h.get('status', '?')}{' (SEALED: no KEK)' if h.get('sealed') else ''}",
            f"ready:   {'yes' if rd.get('ready') else 'NO'} ({checks})",
        ]
        if "tls_fingerprint" in r:
            lines.append(f"TLS:     certificate SHA-256 {r['tls_fingerprint']}")
        return "\n".join(lines)

    _emit(args, result, human)
    return EXIT_OK if isinstance(ready, dict) and ready.get("ready") else EXIT_PROBLEM


# -- admin commands over HTTP ----------------------------------------------------------------------


def _user_rows(users: list[dict]) -> str:
    rows = [
        [u["id"], u["role"], "yes" if u["enabled"] else "NO", u["issuer"], u["subject"]]
        for u in users
    ]
    return _table(rows, ["ID", "ROLE", "ENABLED", "ISSUER", "SUBJECT"])


def cmd_users_list(args: argparse.Namespace) -> int:
    with admin_client(args) as api:
        data = {"users": [u.to_dict() for u in api.users()]}
    _emit(args, data, lambda d: _user_rows(d["users"]))
    return EXIT_OK


def _code_text(user: dict, code: str) -> str:
    return f"{_user_rows([user])}\n\nEnrollment code for {user['subject']} (shown once): {code}"


def cmd_users_add(args: argparse.Namespace) -> int:
    with admin_client(args) as api:
        new = api.create_user(args.subject, args.role)
    data = {"user": new.user.to_dict(), "enrollment_code": new.enrollment_code}
    _emit(args, data, lambda d: _code_text(d["user"], d["enrollment_code"]))
    return EXIT_OK


def cmd_users_enabled(args: argparse.Namespace) -> int:
    with admin_client(args) as api:
        data = {"user": api.set_enabled(_segment(args.user_id), args.enabled).to_dict()}
    _emit(args, data, lambda d: _user_rows([d["user"]]))
    return EXIT_OK


def cmd_enroll(args: argparse.Namespace) -> int:
    with admin_client(args) as api:
        data = {"user_id": args.user_id, **api.enrollment_code_or_half(_segment(args.user_id))}

    def human(d: dict) -> str:
        if "enrollment_code" in d:
            return f"Enrollment code for {d['user_id']} (shown once): {d['enrollment_code']}"
        return (
            f"First half of the enrollment code for {d['user_id']} (shown once): "
            f"{d['enrollment_code_half']}\n{d['message']}.\nApproval reference: "
            f"{d['approval_ref']}\n(another administrator: `{PROG} enroll-approve REF "
            "--admin-id THEIR_ID`)"
        )

    _emit(args, data, human)
    return EXIT_OK


def cmd_enroll_approve(args: argparse.Namespace) -> int:
    with admin_client(args) as api:
        data = {"enrollment_code_half": api.approve_enrollment(args.ref)}
    _emit(
        args,
        data,
        lambda d: f"Second half of the enrollment code (shown once): {d['enrollment_code_half']}",
    )
    return EXIT_OK


def _wallet_rows(wallets: list[dict]) -> str:
    rows = [
        [
            w["client_id"],
            w["owner_id"],
            "FROZEN" if w["frozen"] else "-",
            _fmt_time(w["created_at"]),
            _fmt_time(w.get("delete_after")),
        ]
        for w in wallets
    ]
    return _table(rows, ["CLIENT_ID", "OWNER", "FROZEN", "CREATED", "DELETE_AFTER"])


def cmd_wallets(args: argparse.Namespace) -> int:
    with admin_client(args) as api:
        data = {"wallets": [w.to_dict() for w in api.all_wallets()]}
    _emit(args, data, lambda d: _wallet_rows(d["wallets"]))
    return EXIT_OK


def _split_rows(splits: list[dict]) -> str:
    rows = [
        [
            s["id"],
            s["client_id"],
            s.get("holder_id") or "(share code)",
            s["status"],
            str(s["uses"]),
            _fmt_time(s.get("last_used")),
            s["label"],
        ]
        for s in splits
    ]
    return _table(rows, ["ID", "WALLET", "HOLDER", "STATUS", "USES", "LAST_USED", "LABEL"])


def cmd_splits(args: argparse.Namespace) -> int:
    with admin_client(args) as api:
        splits = api.all_splits()
    # The admin route lists every split; the wallet filter is the CLI's.
    data = {
        "splits": [s.to_dict() for s in splits if args.wallet is None or s.client_id == args.wallet]
    }
    _emit(args, data, lambda d: _split_rows(d["splits"]))
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    with admin_client(args) as api:
        data = {"split": api.admin_revoke(_segment(args.split_id)).to_dict()}
    _emit(args, data, lambda d: _split_rows([d["split"]]))
    return EXIT_OK


def cmd_freeze(args: argparse.Namespace) -> int:
    with admin_client(args) as api:
        wallet = api.admin_freeze(_segment(args.client_id), frozen=not args.off)
    data = {"wallet": wallet.to_dict()}
    _emit(args, data, lambda d: _wallet_rows([d["wallet"]]))
    return EXIT_OK


def cmd_remove_record(args: argparse.Namespace) -> int:
    with admin_client(args) as api:
        data = api.admin_remove_record(_segment(args.client_id), args.reason)
    _emit(args, data, lambda d: f"removed the record of wallet {d['removed']}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    with admin_client(args) as api:
        data = api.stats()

    def human(d: dict) -> str:
        splits = ", ".join(f"{k} {v}" for k, v in sorted(d.get("splits", {}).items())) or "none"
        return "\n".join(
            [
                f"users:         {d.get('users')}",
                f"wallets:       {d.get('wallets')}",
                f"splits:        {splits}",
                f"co-signs:      {d.get('cosigns')}",
                f"crypto queue:  {d.get('crypto_queue')}",
            ]
        )

    _emit(args, data, human)
    return EXIT_OK


def _segment(value: str) -> str:
    # An id is one path segment: "../x" or "a/b" must not reach another route.
    return urllib.parse.quote(value, safe="")


# -- audit (offline) -------------------------------------------------------------------------------


def cmd_audit_show(args: argparse.Namespace) -> int:
    from .audit import AuditUnavailable, read

    config = _config(args)
    _require_initialised(config)
    try:
        if config.database_url:
            records = _database_audit(
                config, _open_secrets(config).audit_key, "read",
                wallet=args.wallet, since=args.since, limit=args.limit,
            )  # fmt: skip
        else:
            records = read(
                config.audit_path, wallet=args.wallet, since=args.since, limit=args.limit
            )
    except AuditUnavailable as exc:
        raise CliError(str(exc), EXIT_PROBLEM) from None

    def human(d: dict) -> str:
        rows = [
            [
                str(r.get("seq")),
                _fmt_time(r.get("at")) if isinstance(r.get("at"), int) else "?",
                str(r.get("event")),
                str(r.get("outcome")),
                str(r.get("actor")),
                str(r.get("wallet") or "-"),
                str(r.get("split") or "-"),
                json.dumps(r.get("details"), sort_keys=True, separators=(",", ":")),
            ]
            for r in d["records"]
        ]
        headers = ["SEQ", "AT", "EVENT", "OUTCOME", "ACTOR", "WALLET", "SPLIT", "DETAILS"]
        return _table(rows, headers)

    _emit(args, {"records": records}, human)
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from .audit import verify

    config = _config(args)
    anchor = _parse_anchor(args.anchor)
    key = _open_secrets(config).audit_key
    if config.database_url:
        # The one chain the replicas append to, read from PostgreSQL in seq order.
        report = _database_audit(config, key, "verify", anchor=anchor)
        result = asdict(report)
        result["path"] = "postgresql (database_url)"
    else:
        report = verify(config.audit_path, key, anchor=anchor, processes=None)
        result = asdict(report)
        result["path"] = str(config.audit_path)
    if not config.database_url and not report.ok and (
        (report.problem or "").startswith("torn last record")
    ):
        # The server may be halfway through appending (write, then fsync) right now: look again
        # before calling a live tail torn. A real torn tail is still there the second time.
        time.sleep(0.5)
        report = verify(config.audit_path, key, anchor=anchor)
        result = asdict(report)
        result["path"] = str(config.audit_path)

    def human(r: dict) -> str:
        if r["ok"]:
            head = r["head"]
            tail = f"; head {head[0]}:{head[1]}" if head else ""
            return f"audit log OK: {r['records']} records verified ({r['path']}){tail}"
        return (
            f"audit log PROBLEM at seq {r['first_bad_seq']}: {r['problem']}\n"
            f"{r['records']} records verified before it ({r['path']})"
        )

    _emit(args, result, human)
    return EXIT_OK if report.ok else EXIT_PROBLEM


def _database_audit(config, key: bytes, what: str, **kwargs):
    """read or verify the audit chain kept in PostgreSQL (the replicas' shared one)."""
    from .audit_db import DatabaseAuditLog
    from .storage.base import StorageError
    from .storage.postgres import PostgresStorage

    async def run():
        storage = PostgresStorage(config.database_url, pool_size=1)
        try:
            await storage.open()
        except StorageError as exc:
            raise CliError(f"PostgreSQL (database_url): {exc}", EXIT_PROBLEM) from None
        try:
            sink = DatabaseAuditLog(storage, key)
            return await (sink.read(**kwargs) if what == "read" else sink.verify(**kwargs))
        finally:
            await storage.close()

    return asyncio.run(run())


def _parse_anchor(text: str | None) -> tuple[int, str] | None:
    if text is None:
        return None
    seq, sep, mac = text.partition(":")
    if not sep or not seq.isdigit() or len(mac) != 64:
        raise CliError("--anchor is SEQ:MAC (the head a previous verify printed)")
    return int(seq), mac.lower()


# -- entry point -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `... | head`: the reader left; nothing more to say.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # silence the flush at exit
        return EXIT_OK
    except Exception as exc:
        # One line, never a traceback (and never the exception's repr, which may hold data).
        print(f"{PROG}: error: unexpected {exc.__class__.__name__}", file=sys.stderr)
        return EXIT_PROBLEM


if __name__ == "__main__":
    raise SystemExit(main())
