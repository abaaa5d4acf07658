"""The co-signer's configuration: a TOML file in the data directory, then environment variables
(SPLITKEY_COSIGNER_<NAME>) on top. Every value has a safe default: loopback only, short tokens."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from app.transaction import MAINNET_CHAIN_ID

CONFIG_FILE = "config.toml"
ENV_PREFIX = "SPLITKEY_COSIGNER_"
# 0Chain mainnet's chain id, the default a wallet signs for; set chain_id for another network.
DEFAULT_CHAIN_ID = MAINNET_CHAIN_ID


# A request id is answered the same (its first answer) for at least this long: a client may
# retry a co-sign whose answer it lost for up to a week. Co-sign retention is never shorter.
IDEMPOTENCY_WINDOW = 7 * 86_400
# How long co-sign records (usage, replay answers, nonces) are kept by default; a split whose
# rolling period is longer keeps its records for its period. See docs/cosigner.md, retention.
DEFAULT_COSIGN_RETENTION = 90 * 86_400


class ConfigError(ValueError):
    """The configuration is unusable; the message names the setting."""


@dataclass(frozen=True)
class IssuerConfig:
    """An enterprise identity provider whose JWTs the server accepts for token exchange."""

    issuer: str
    audience: str
    algorithm: str  # EdDSA | ES256 | RS256, one per key; HS256 | HS512 with secret_file
    pem_file: str | None = None
    jwks_file: str | None = None
    # HMAC issuers (0box): a file holding the shared secret (>= 32 bytes), kept 0600 like the KEK.
    secret_file: str | None = None
    kid: str | None = None  # the key id the issuer puts in its tokens (with pem_file)
    auto_enroll: bool = True  # first exchange creates a "user"; admins are made by admins


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8787
    role: str = "all"  # all | vault | auth
    chain_id: str = DEFAULT_CHAIN_ID
    audience: str = "splitkey-cosigner"
    issuer: str = "splitkey-cosigner"
    token_ttl: int = 900
    max_token_lifetime: int = 7200  # enterprise access tokens (Entra) live up to ~90 min
    max_clock_skew: int = 300  # accepted distance of a transaction's creation_date from now
    # How far above the wallet's last co-signed nonce a key with limits may go (policy.check_nonce)
    nonce_window: int = 100
    deletion_wait: int = 7 * 86_400
    share_code_ttl: int = 600
    # "allowed" | "forbidden": whether wallets whose master key the vault holds may be created
    # or imported here (keyless wallets always may).
    custodial: str = "allowed"
    enrollment_code_ttl: int = 86_400
    challenge_ttl: int = 120
    cosign_retention: int = DEFAULT_COSIGN_RETENTION
    # auto: SQLite's full integrity_check at start only after an unclean shutdown (or when the
    # files changed since the clean one); full: on every start (reads every page).
    startup_check: str = "auto"
    crypto_workers: int = 2
    crypto_queue: int = 64
    crypto_mode: str = "process"  # process | thread
    max_body_bytes: int = 64 * 1024
    kek_source: str = "file"  # file | env | keyring
    kek_file: str = "kek.key"
    db_file: str = "cosigner.db"
    # postgresql://... : keep all state (and the audit chain) in PostgreSQL, shared by replicas;
    # unset: the SQLite file db_file and the audit file audit_file (one server).
    database_url: str | None = None
    audit_file: str = "audit.log"
    tls_cert: str | None = None
    tls_key: str | None = None
    # Host names clients may put in the Host header besides the loopback names and the bound
    # address (DNS-rebinding defence); Origins a browser may send (none by default: no page of
    # another site may call the API).
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    # Token buckets (requests per second, burst); 0 turns a bucket off. Failed logins (enroll,
    # exchange, proof) have their own, much smaller bucket per client address.
    rate_per_ip: int = 100
    burst_per_ip: int = 200
    rate_per_token: int = 30
    burst_per_token: int = 60
    login_failures_per_minute: int = 10
    login_failure_burst: int = 10
    # Request line and header limits (414/431 before any handler runs).
    max_url_bytes: int = 4096
    max_header_bytes: int = 8190
    max_headers: int = 64
    # Per-route deadlines in seconds: signing waits for the crypto queue, audit reads whole files.
    request_deadline: int = 10
    sign_deadline: int = 20
    audit_deadline: int = 120
    # Who may read /metrics without an admin token.
    metrics_networks: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    issuers: tuple[IssuerConfig, ...] = field(default_factory=tuple)
    # What /sign/txn answers: "signature" (the combined signature as a JSON string: gosdk_common
    # and 0Chain's system tests) or "transaction" (the signed transaction object: gosdk before
    # 1.18 and zwallet's zauth branch).
    zauth_txn_answer: str = "signature"

    def path(self, name: str) -> Path:
        """A file setting resolved against the data directory."""
        return (self.data_dir / getattr(self, name)).resolve()

    @property
    def db_path(self) -> Path:
        return self.path("db_file")

    @property
    def audit_path(self) -> Path:
        return self.path("audit_file")


_INT_FIELDS = {f.name for f in fields(ServerConfig) if f.type in ("int", int)}
_STR_FIELDS = {f.name for f in fields(ServerConfig) if f.type in ("str", "str | None")}
_LIST_FIELDS = {f.name for f in fields(ServerConfig) if f.type == "tuple[str, ...]"}


def _coerce(name: str, value: Any) -> Any:
    if name in _LIST_FIELDS:
        # TOML gives a list; an environment variable gives comma-separated text.
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{name} must be a list of text values")
        return tuple(value)
    if name in _INT_FIELDS:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if type(value) is not int:
            raise ConfigError(f"{name} must be a whole number")
        return value
    if name in _STR_FIELDS:
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be text")
        return value
    raise ConfigError(f"unknown setting {name!r}")


def load_config(
    data_dir: str | os.PathLike, overrides: dict[str, Any] | None = None
) -> ServerConfig:
    """data_dir/config.toml (optional), then SPLITKEY_COSIGNER_* variables, then overrides."""
    data_dir = Path(data_dir).expanduser().resolve()
    settings: dict[str, Any] = {}
    issuers: list[IssuerConfig] = []
    config_path = data_dir / CONFIG_FILE
    if config_path.exists():
        try:
            raw = tomllib.loads(config_path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_path} is not valid TOML: {exc}") from None
        for item in raw.pop("issuers", []):
            try:
                issuers.append(IssuerConfig(**item))
            except TypeError as exc:
                raise ConfigError(f"an [[issuers]] entry is wrong: {exc}") from None
        for name, value in raw.items():
            settings[name] = _coerce(name, value)
    for name in _INT_FIELDS | _STR_FIELDS | _LIST_FIELDS:
        env = os.environ.get(ENV_PREFIX + name.upper())
        if env is not None:
            settings[name] = _coerce(name, env)
    for name, value in (overrides or {}).items():
        settings[name] = _coerce(name, value) if value is not None else None
    config = ServerConfig(data_dir=data_dir, issuers=tuple(issuers), **settings)
    return _checked(config)


def _checked(config: ServerConfig) -> ServerConfig:
    if config.role not in ("all", "vault", "auth"):
        raise ConfigError("role must be all, vault or auth")
    if config.crypto_mode not in ("process", "thread"):
        raise ConfigError("crypto_mode must be process or thread")
    if config.custodial not in ("allowed", "forbidden"):
        raise ConfigError("custodial must be allowed or forbidden")
    if config.zauth_txn_answer not in ("signature", "transaction"):
        raise ConfigError('zauth_txn_answer must be "signature" or "transaction"')
    if config.startup_check not in ("auto", "full"):
        raise ConfigError("startup_check must be auto or full")
    if config.kek_source not in ("file", "env", "keyring"):
        raise ConfigError("kek_source must be file, env or keyring")
    if not 0 <= config.port <= 65535:
        raise ConfigError("port must be between 0 and 65535")
    if config.token_ttl > config.max_token_lifetime:
        raise ConfigError("token_ttl must not exceed max_token_lifetime")
    if len(config.chain_id) != 64:
        raise ConfigError("chain_id must be 64 hex digits")
    for name in (
        "rate_per_ip",
        "burst_per_ip",
        "rate_per_token",
        "burst_per_token",
        "login_failures_per_minute",
        "login_failure_burst",
    ):
        if getattr(config, name) < 0:
            raise ConfigError(f"{name} must be >= 0 (0 turns the limit off)")
    for name in (
        "max_url_bytes",
        "max_header_bytes",
        "max_headers",
        "request_deadline",
        "sign_deadline",
        "audit_deadline",
    ):
        if getattr(config, name) <= 0:
            raise ConfigError(f"{name} must be > 0")
    if config.cosign_retention < IDEMPOTENCY_WINDOW:
        raise ConfigError(
            f"cosign_retention must be at least {IDEMPOTENCY_WINDOW} seconds (7 days, the "
            "window in which a repeated request id gets its first answer)"
        )
    if config.database_url is not None and not config.database_url.startswith(
        ("postgresql://", "postgres://")
    ):
        raise ConfigError("database_url must be a postgresql:// URL (or unset for SQLite)")
    if bool(config.tls_cert) != bool(config.tls_key):
        raise ConfigError("set both tls_cert and tls_key, or neither")
    for network in config.metrics_networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ConfigError(f"metrics_networks: {network!r} is not a network") from None
    return config


def with_overrides(config: ServerConfig, **changes: Any) -> ServerConfig:
    return _checked(replace(config, **changes))
