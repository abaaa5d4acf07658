"""What every `splitkey-cosigner` command module shares: the exit statuses, the error that ends
a command, the common and remote options, loading the configuration and the server's secrets,
output, and the admin client with the admin token it mints beside the server.

Heavy imports (the server's modules, httpx, psycopg) stay inside functions: `serve` and the
help text start without them.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import re
import sqlite3
import ssl
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from app.protocol.exit_codes import ExitStatus

if TYPE_CHECKING:  # only for annotations: the configuration module loads on use
    from ..config import ServerConfig

PROG = "splitkey-cosigner"


LOG_LEVELS = ("debug", "info", "warning", "error")


DATA_DIR_ENV = "SPLITKEY_COSIGNER_DATA_DIR"


ADMIN_TOKEN_TTL = 120


HTTP_TIMEOUT = 30.0


# The product's table (app/protocol/exit_codes.py), under the names this CLI's modules use.
EXIT_OK = ExitStatus.OK
EXIT_PROBLEM = ExitStatus.FAILED
EXIT_BAD_INPUT = ExitStatus.USAGE
EXIT_REFUSED = ExitStatus.REFUSED
EXIT_UNREACHABLE = ExitStatus.UNREACHABLE
EXIT_UNTRUSTED = ExitStatus.UNTRUSTED


class CliError(Exception):
    """A failure to report on one line, with the exit code it maps to."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block; keep errors to one line (exit 2 as argparse).
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def default_data_dir() -> Path:
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_data_dir("splitkey-cosigner", appauthor=False))


def common_options() -> argparse.ArgumentParser:
    # SUPPRESS: the options work before or after the command without the later one resetting
    # what the earlier one set.
    common = Parser(add_help=False)
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


def remote_options() -> argparse.ArgumentParser:
    remote = Parser(add_help=False)
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


def non_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError("must be a whole number >= 0")
    return int(text)


def data_dir_of(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "data_dir", None) or default_data_dir()).expanduser()


def config_of(args: argparse.Namespace, overrides: dict[str, Any] | None = None) -> ServerConfig:
    from ..config import ConfigError, load_config

    try:
        return load_config(data_dir_of(args), overrides)
    except ConfigError as exc:
        raise CliError(f"configuration: {exc}") from None


def require_initialised(config: ServerConfig) -> None:
    from ..bootstrap import SECRETS_FILE

    if config.database_url:
        return  # the replicas' database holds the sealed server secrets (serve checks them)
    if not (config.data_dir / SECRETS_FILE).is_file():
        raise CliError(f"{config.data_dir} is not initialised: run `{PROG} init` first")


def configured_ring(config: ServerConfig, *, required: bool = True):
    """The KEK ring from the configured source; no key at all is an error naming where it was
    looked for (unless not `required`)."""
    from ..bootstrap import kek_config
    from ..envelope import ENV_VAR, KekError, load_kek

    try:
        ring = load_kek(kek_config(config))
    except KekError as exc:
        raise CliError(str(exc)) from None
    if ring is None and required:
        where = {
            "file": f"no key file {config.path('kek_file')}",
            "env": f"${ENV_VAR} is not set",
            "keyring": "nothing in the OS keyring",
        }[config.kek_source]
        raise CliError(f"no key-encryption key ({where})")
    return ring


def open_secrets(config: ServerConfig):
    """The server's own secrets (token key, audit key), opened with the KEK."""
    from ..bootstrap import SECRETS_FILE, SECRETS_RECORD, ServerSecrets
    from ..envelope import SealedDataError

    require_initialised(config)
    ring = configured_ring(config)
    try:
        blob = _shared_secrets(config) or (config.data_dir / SECRETS_FILE).read_bytes()
        return ServerSecrets.from_bytes(ring.open(blob, SECRETS_RECORD))
    except SealedDataError:
        raise CliError(
            f"the key-encryption key does not open {SECRETS_FILE} (a key of another server?)"
        ) from None
    except (OSError, ValueError, KeyError) as exc:
        raise CliError(f"{SECRETS_FILE} cannot be read: {exc.__class__.__name__}") from None


def _shared_secrets(config: ServerConfig) -> bytes | None:
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


def emit(args: argparse.Namespace, data: Any, human: Callable[[Any], str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        print(human(data))


def server_url(config: ServerConfig) -> str:
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


def base_url(args: argparse.Namespace, config: ServerConfig | None) -> str:
    default = "http://localhost" if getattr(args, "unix_socket", None) else None
    url = (getattr(args, "url", None) or default or server_url(config)).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CliError("--url must start with http:// or https://")
    return url


def pin_of(config: ServerConfig, url: str) -> str | None:
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
    """app/client.py's CosignerClient (the one client of the API, answers parsed with app/protocol),
    holding an admin token minted here; its errors become one line and an exit code."""
    from app.cli.session import answer_status
    from app.client import ClientError, CosignerClient, CosignerError, CosignerUnreachable

    config = config_of(args)
    url = base_url(args, config)
    token = _admin_token(config, getattr(args, "admin_id", None))
    try:
        unix_socket = getattr(args, "unix_socket", None)
        with CosignerClient(
            url,
            token=token,
            tls_fingerprint=pin_of(config, url),
            unix_socket=str(unix_socket) if unix_socket else None,
        ) as client:
            yield client
    except CosignerUnreachable as exc:
        raise CliError(f"{exc}; is `{PROG} serve` running?", EXIT_UNREACHABLE) from None
    except CosignerError as exc:
        message = exc.message + (f" [{exc.field}]" if getattr(exc, "field", None) else "")
        code = answer_status(exc)
        raise CliError(f"server refused ({exc.status}): {message}", code) from None
    except ClientError as exc:  # a malformed answer, a pin mismatch: not to be used as data
        raise CliError(f"{exc.__class__.__name__}: {exc}", EXIT_UNTRUSTED) from None


def _admin_token(config: ServerConfig, admin_id: str | None) -> str:
    """A short-lived token of an enabled admin, minted with the server's own issuer key: the CLI
    runs as the server's OS user, so it can open secrets.sealed like the server does."""
    from ..principal import LOCAL_OPERATOR_CLAIM
    from ..tokens import ServerIssuer

    server_secrets = open_secrets(config)
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


def probe(url: str, path: str, verify: Any, unix_socket: Any = None) -> tuple[int, Any]:
    """An unauthenticated GET that keeps the body of a 503: /ready answers 503 with the checks
    that failed, which is what `status` is for (the client library turns a 503 into an error)."""
    import httpx

    options: dict[str, Any] = {}
    if unix_socket:
        options["transport"] = httpx.HTTPTransport(uds=str(unix_socket))
    try:
        # trust_env=False: a proxy configured for the outside world is not for this server.
        with httpx.Client(timeout=HTTP_TIMEOUT, verify=verify, trust_env=False, **options) as http:
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


# The admin a minted token speaks for: the one asked for, or the first enabled one.
_ADMIN_BY_ID = "SELECT id, role, enabled FROM users WHERE id = {p}"
_FIRST_ADMIN = (
    "SELECT id FROM users WHERE role = 'admin' AND enabled ORDER BY created_at, id LIMIT 1"
)


def find_admin(config: ServerConfig, wanted: str | None = None) -> str:
    """An enabled admin's user id, read from the database without writing anything.

    SQLite is opened read-only (URI mode=ro) on purpose: SQLiteStorage.open() migrates and
    reconciles the revocation journal, i.e. writes, and the running server is the only writer.
    PostgreSQL (database_url, the replicas' database) is read in a read-only transaction."""
    if config.database_url:
        row = _admin_row_postgres(config.database_url, wanted)
        missing = "no enabled admin in the database (all disabled?)"
    else:
        row = _admin_row_sqlite(config.db_path, wanted)
        missing = (
            f"no enabled admin in the database (all disabled?); see `{PROG} users recover-admin`"
        )
    if wanted is not None:
        if row is None or row[1] != "admin" or not row[2]:
            raise CliError(f"{wanted} is not an enabled admin")
    elif row is None:
        raise CliError(missing)
    return row[0]


def _admin_query(db, wanted: str | None, placeholder: str):
    if wanted is not None:
        return db.execute(_ADMIN_BY_ID.format(p=placeholder), (wanted,)).fetchone()
    return db.execute(_FIRST_ADMIN).fetchone()


def _admin_row_sqlite(path: Path, wanted: str | None):
    if not path.is_file():
        raise CliError(f"no database at {path}: is the data directory initialised?")
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5.0)) as db:
            return _admin_query(db, wanted, "?")
    except sqlite3.Error as exc:
        raise CliError(f"cannot read users from {path}: {exc}", EXIT_PROBLEM) from None


def _admin_row_postgres(url: str, wanted: str | None):
    try:
        import psycopg
    except ImportError:
        raise CliError(
            "database_url needs the psycopg driver: pip install 'splitkey[postgres]'", EXIT_PROBLEM
        ) from None
    try:
        with psycopg.connect(url, connect_timeout=5, options="-c search_path=splitkey") as db:
            db.read_only = True
            return _admin_query(db, wanted, "%s")
    except psycopg.Error as exc:
        raise CliError(
            f"cannot read users from PostgreSQL: {type(exc).__name__}", EXIT_PROBLEM
        ) from None


def check_tls_name(name: str) -> None:
    try:
        ipaddress.ip_address(name)
        return
    except ValueError:
        pass
    labels = name.split(".")
    if not (0 < len(name) <= 253 and all(_DNS_LABEL.fullmatch(label) for label in labels)):
        raise CliError(f"--tls-name {name!r} is neither an IP address nor a DNS name")


_DNS_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def tls_info(config: ServerConfig) -> dict:
    """The certificate's fingerprint (what clients pin), expiry and file."""
    from cryptography import x509

    from ..tls import TlsError, colon_hex, fingerprint_file

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
