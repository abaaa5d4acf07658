"""The TLS certificate of a restored server. A backup never holds the TLS key, so on a new
machine the restored config.toml names certificate files that are not there, and the server would
not start: take the old certificate and key (--tls-cert/--tls-key), or make a new self-signed one
and say which fingerprint clients must pin from now on."""

from __future__ import annotations

import shutil
import ssl
from dataclasses import dataclass
from pathlib import Path

from app.files import write_private_atomic

from .tls import make_self_signed


class RestoreTlsError(Exception):
    pass


@dataclass(frozen=True)
class TlsChoice:
    cert: Path | None = None  # the old certificate and key to install
    key: Path | None = None
    names: tuple[str, ...] = ()  # extra host names for a new certificate

    def check(self) -> None:
        """Before anything is restored: both or neither, and a pair that belongs together."""
        if bool(self.cert) != bool(self.key):
            raise RestoreTlsError("give both --tls-cert and --tls-key, or neither")
        if self.cert and self.names:
            raise RestoreTlsError("--tls-name is for a new certificate; not with --tls-cert")
        if self.cert:
            try:
                ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                    self.cert, self.key
                )
            except (OSError, ssl.SSLError) as exc:
                raise RestoreTlsError(
                    f"--tls-cert/--tls-key cannot be used: {getattr(exc, 'strerror', None) or exc}"
                ) from None


def settle_certificate(config, choice: TlsChoice) -> str | None:
    """Make sure the certificate config.toml names exists. Returns what was done ("kept",
    "installed", "made") or None when the server runs without TLS."""
    if not (config.tls_cert and config.tls_key):
        if choice.cert:
            raise RestoreTlsError(
                "the restored config.toml has TLS off (no tls_cert/tls_key): nothing to install"
            )
        return None
    cert, key = config.path("tls_cert"), config.path("tls_key")
    if choice.cert:
        shutil.copyfile(choice.cert, cert)
        write_private_atomic(key, Path(choice.key).read_bytes())
        return "installed"
    if cert.exists() and key.exists():
        return "kept"
    if cert.exists() or key.exists():
        raise RestoreTlsError(
            f"only one of {cert} and {key} exists: remove it, or give --tls-cert and --tls-key"
        )
    make_self_signed(cert, key, extra_names=choice.names)
    return "made"
