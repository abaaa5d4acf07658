"""TLS for the co-signer: the self-signed certificate `init` makes, its fingerprint (what clients
pin), and the server's SSL context (TLS 1.2 and 1.3 only).

The certificate is self-signed on purpose: clients do not trust it through a CA but through its
SHA-256 fingerprint, which the administrator hands them with the server's address. A pin is a
tighter check than a CA (one certificate, not any a CA signs), and it works offline."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import ssl
from pathlib import Path

CERT_FILE = "tls.crt"
KEY_FILE = "tls.key"
# Long enough not to surprise an administrator, short enough that a leaked key ages out. The
# client's pinned context still checks validity dates, so `init` prints the expiry.
VALIDITY_DAYS = 825
LOOPBACK_NAMES = ("localhost",)
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")
# Forward secrecy and AEAD only for TLS 1.2 (TLS 1.3 suites are all of that kind already).
TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"


class TlsError(Exception):
    """The certificate or key cannot be made or used; the message names the file."""


def fingerprint_der(der: bytes) -> str:
    """SHA-256 of the DER certificate as 64 lowercase hex digits (app/client.py's pin format)."""
    return hashlib.sha256(der).hexdigest()


def fingerprint_file(cert_path: Path) -> str:
    try:
        return fingerprint_der(ssl.PEM_cert_to_DER_cert(Path(cert_path).read_text()))
    except (OSError, ValueError) as exc:
        raise TlsError(f"cannot read the certificate {cert_path}: {exc}") from None


def colon_hex(fingerprint: str) -> str:
    """AB:CD:... as browsers and `openssl x509 -fingerprint -sha256` show it."""
    return ":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2)).upper()


def make_self_signed(
    cert_path: Path,
    key_path: Path,
    *,
    extra_names: tuple[str, ...] = (),
    days: int = VALIDITY_DAYS,
) -> tuple[str, dt.datetime]:
    """Write an ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1 (plus extra_names:
    host names or IP addresses) and its key (0600, created exclusively: never overwritten).
    Returns (fingerprint, not_valid_after)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    names: list[x509.GeneralName] = []
    for name in (*LOOPBACK_NAMES, *LOOPBACK_ADDRESSES, *extra_names):
        try:
            entry: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(name))
        except ValueError:
            entry = x509.DNSName(name)
        if entry not in names:
            names.append(entry)

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "splitkey-cosigner")])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    not_after = now + dt.timedelta(days=days)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # A minute of slack for clients whose clocks run a little behind.
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # the server starts unattended; the file mode protects it
    )
    _write_new(key_path, key_pem, 0o600)
    try:
        _write_new(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    except BaseException:
        key_path.unlink(missing_ok=True)
        raise
    return fingerprint_der(cert.public_bytes(serialization.Encoding.DER)), not_after


def _write_new(path: Path, data: bytes, mode: int) -> None:
    # O_EXCL: a certificate or key already there is never replaced (clients pin it).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, mode)  # the umask may have taken bits away; set exactly what was asked


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """TLS 1.2+ only, forward-secret AEAD suites, no compression or renegotiation."""
    key_mode = Path(key_path).stat().st_mode if Path(key_path).exists() else 0
    if key_mode & 0o077:
        raise TlsError(f"the TLS key {key_path} is readable by others (chmod 600 it)")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(TLS12_CIPHERS)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    try:
        context.load_cert_chain(cert_path, key_path)
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(f"TLS certificate or key unusable: {exc}") from None
    return context
