"""Making a data directory (init) and turning one into a running server's state (load).

Data directory layout (0700):
  config.toml      settings (optional)
  kek.key          the key-encryption key, 0600 (unless it lives in the keyring or $SPLITKEY_KEK)
  secrets.sealed   the server's own secrets (token signing key, audit and code HMAC keys),
                   sealed with the KEK
  cosigner.db      SQLite database (+ -wal, and the .revocations journal)
  audit.log        the HMAC-chained audit log
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .audit import AuditLog
from .config import ServerConfig
from .crypto_pool import CryptoPool
from .envelope import (
    ENV_VAR,
    KekConfig,
    KekRing,
    SealedDataError,
    format_kek,
    generate_kek,
    load_kek,
    store_kek_in_keyring,
    write_kek_file,
)
from .state import ServerState
from .storage.base import StorageError
from .storage.sqlite import SQLiteStorage
from .tokens import IssuerKey, ServerIssuer, TokenVerifier, TrustedIssuer

log = logging.getLogger("splitkey.cosigner")
SECRETS_FILE = "secrets.sealed"
SECRETS_RECORD = "server-secrets"


class InitError(Exception):
    """The data directory cannot be initialised as asked."""


@dataclass(frozen=True)
class ServerSecrets:
    issuer_key: bytes
    audit_key: bytes
    hmac_key: bytes

    @classmethod
    def generate(cls) -> ServerSecrets:
        return cls(
            issuer_key=ServerIssuer.generate(issuer="x", audience="x").private_bytes(),
            audit_key=secrets.token_bytes(32),
            hmac_key=secrets.token_bytes(32),
        )

    def to_bytes(self) -> bytes:
        return json.dumps(
            {k: getattr(self, k).hex() for k in ("issuer_key", "audit_key", "hmac_key")}
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> ServerSecrets:
        raw = json.loads(data)
        return cls(**{k: bytes.fromhex(raw[k]) for k in ("issuer_key", "audit_key", "hmac_key")})


def kek_keyring_username(config: ServerConfig) -> str:
    """The KEK's name in the OS keyring, one per data directory: two co-signers on one machine
    (an organisation's and the desktop's built-in one, or a reinstall) never share an entry."""
    digest = hashlib.sha256(str(config.data_dir).encode()).hexdigest()[:16]
    return f"kek-{digest}"


def kek_config(config: ServerConfig) -> KekConfig:
    return KekConfig(
        env_var=ENV_VAR,
        file=config.path("kek_file") if config.kek_source == "file" else None,
        use_keyring=config.kek_source == "keyring",
        keyring_username=kek_keyring_username(config),
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def init_data_dir(config: ServerConfig) -> str | None:
    """Create the data directory's keys and secrets. Returns the KEK text when it must be kept
    by the administrator ($SPLITKEY_KEK source), else None. Refuses to overwrite anything."""
    data_dir = config.data_dir
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    secrets_path = data_dir / SECRETS_FILE
    if secrets_path.exists():
        raise InitError(f"{data_dir} is already initialised ({SECRETS_FILE} exists)")
    ring_text = format_kek(generate_kek())
    ring = _ring_from_text(ring_text)
    shown = None
    if config.kek_source == "file":
        if config.path("kek_file").exists():
            raise InitError(f"{config.path('kek_file')} exists; refusing to replace a key")
        write_kek_file(config.path("kek_file"), ring_text)
    elif config.kek_source == "keyring":
        store_kek_in_keyring(ring_text, kek_config(config))
    else:
        shown = ring_text
    _write_private(secrets_path, ring.seal(ServerSecrets.generate().to_bytes(), SECRETS_RECORD))
    return shown


def _ring_from_text(text: str) -> KekRing:
    from .envelope import parse_kek_text

    return parse_kek_text(text, "new key")


def enterprise_issuers(config: ServerConfig) -> list[TrustedIssuer]:
    out = []
    for item in config.issuers:
        if item.secret_file:
            path = config.data_dir / item.secret_file
            keys = (IssuerKey.from_secret_file(path, item.algorithm, kid=item.kid),)
        elif item.jwks_file:
            keys = IssuerKey.from_jwks_file(config.data_dir / item.jwks_file, item.algorithm)
        elif item.pem_file:
            path = config.data_dir / item.pem_file
            keys = (IssuerKey.from_pem_file(path, item.algorithm, kid=item.kid),)
        else:
            raise InitError(f"issuer {item.issuer}: give pem_file, jwks_file or secret_file")
        out.append(TrustedIssuer(item.issuer, keys, item.audience))
    return out


async def _open_postgres(config: ServerConfig):
    from .storage.postgres import PostgresStorage

    storage = PostgresStorage(config.database_url)
    try:
        await storage.open()
    except StorageError as exc:
        raise InitError(f"PostgreSQL (database_url): {exc}") from None
    return storage


async def _shared_secrets(storage, secrets_path) -> bytes:
    from app.files import write_private_atomic

    local = secrets_path.read_bytes() if secrets_path.exists() else None
    try:
        blob = await storage.shared_secrets(local)
    except StorageError as exc:
        await storage.close()
        raise InitError(str(exc)) from None
    if blob != local:
        write_private_atomic(secrets_path, blob)  # for the offline CLI on this host
    return blob


async def open_storage_and_audit(config: ServerConfig, audit_key: bytes, storage=None):
    """The storage and audit sink the configuration names: PostgreSQL (database_url, replicas)
    or the SQLite file and audit file (one server)."""
    if config.database_url:
        from .audit_db import DatabaseAuditLog

        if storage is None:
            storage = await _open_postgres(config)
        if not await storage.check(full=True):
            await storage.close()
            raise InitError("the PostgreSQL database is unreachable or its revocations disagree")
        return storage, DatabaseAuditLog(storage, audit_key)
    storage = SQLiteStorage(config.db_path)
    await storage.open()
    # Sealed values are authenticated, the other columns (permissions, status, keys) are not: a
    # damaged page must stop the start with a clear message rather than be served as read.
    # integrity_check reads every page and cross-checks every index against its table: O(size),
    # so it runs after an unclean shutdown or when the files changed since a clean one (copied,
    # restored, edited); files exactly as a clean close left them get the cheap check.
    full = config.startup_check == "full" or not storage.clean_start
    log.info("start-up database check: %s", "full integrity_check" if full else "cheap")
    if not await storage.check(full=full):
        await storage.close()
        raise InitError(
            f"{config.db_path} fails SQLite's integrity check (the file is damaged); restore a "
            "backup with `splitkey-cosigner restore --from FILE`"
        )
    audit = AuditLog(config.audit_path, audit_key)
    audit.open()
    return storage, audit


async def load_state(config: ServerConfig, *, start_pool: bool = True) -> ServerState:
    """A ready state, or a sealed one (only health answers) when no KEK is available."""
    state = ServerState(config=config)
    ring = load_kek(kek_config(config))
    if ring is None:
        return state
    secrets_path = config.data_dir / SECRETS_FILE
    shared = None
    if config.database_url:
        # Replicas: the database holds the one sealed copy; this data directory's file follows it.
        shared = await _open_postgres(config)
        blob = await _shared_secrets(shared, secrets_path)
    elif not secrets_path.exists():
        raise InitError(f"{config.data_dir} is not initialised: run `splitkey-cosigner init`")
    else:
        blob = secrets_path.read_bytes()
    try:
        server_secrets = ServerSecrets.from_bytes(ring.open(blob, SECRETS_RECORD))
    except SealedDataError:
        if shared is not None:
            await shared.close()
        # E.g. restarted with the key ring from before a rotation: say which key is needed.
        raise InitError(
            f"the key-encryption key does not open {SECRETS_FILE} (sealed under "
            f"{ring.kek_id_of(blob)}; loaded: {', '.join(ring.ids)})"
        ) from None
    storage, audit = await open_storage_and_audit(config, server_secrets.audit_key, shared)
    issuer = ServerIssuer.from_private_bytes(
        server_secrets.issuer_key, issuer=config.issuer, audience=config.audience
    )
    verifier = TokenVerifier(
        [issuer.trusted_issuer(), *enterprise_issuers(config)],
        config.audience,
        max_lifetime=config.max_token_lifetime,
    )
    pool = CryptoPool(config.crypto_workers, config.crypto_queue, config.crypto_mode)
    if start_pool:
        pool.start()
    state.storage, state.kek, state.audit = storage, ring, audit
    state.issuer, state.verifier, state.pool = issuer, verifier, pool
    state.audit_key, state.hmac_key = server_secrets.audit_key, server_secrets.hmac_key
    return state


async def close_state(state: ServerState) -> None:
    if state.pool is not None:
        state.pool.stop()
    if state.storage is not None:
        await state.storage.close()
    if state.audit is not None:
        state.audit.close()
