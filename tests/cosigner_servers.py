"""Servers the client tests talk to, shared by test_client.py and test_cli_cosigner.py: a bare
HTTPS server with a self-signed certificate (for TLS pinning) and a co-signer that trusts an
enterprise issuer (the `enterprise_cosigner` fixture). Not a test module, so collected once."""

from __future__ import annotations

import asyncio
import datetime
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

from app.client import certificate_fingerprint
from cosigner_server.bootstrap import init_data_dir
from tests.cosigner_server.conftest import make_config, run_server


def self_signed(directory: Path, expired: bool = False) -> tuple[Path, Path, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "splitkey-cosigner")])
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3 if expired else 0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return (
        cert_path,
        key_path,
        certificate_fingerprint(cert.public_bytes(serialization.Encoding.DER)),
    )


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def start_tls_server(directory: Path, expired: bool = False) -> tuple[str, str, Callable[[], None]]:
    """A small HTTPS server with a self-signed certificate: (url, its fingerprint, stop)."""
    cert, key, fingerprint = self_signed(directory, expired)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    app = web.Application()
    app.router.add_get("/health", _health)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)

    async def start() -> int:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        return site._server.sockets[0].getsockname()[1]

    port = loop.run_until_complete(start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    return f"https://127.0.0.1:{port}", fingerprint, stop


IDP = "https://idp.example"


@pytest.fixture
def enterprise_cosigner(tmp_path: Path):
    """A co-signer that trusts an enterprise issuer (Ed25519 PEM); yields (server, mint) where
    mint(subject) is a JWT of that issuer."""
    key = ed25519.Ed25519PrivateKey.generate()
    data_dir = tmp_path / "cosigner"
    data_dir.mkdir()
    (data_dir / "idp.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (data_dir / "config.toml").write_text(
        f'[[issuers]]\nissuer = "{IDP}"\naudience = "splitkey"\nalgorithm = "EdDSA"\n'
        'pem_file = "idp.pem"\n'
    )
    config = make_config(data_dir)
    init_data_dir(config)

    def mint(subject: str) -> str:
        now = int(time.time())
        claims = {"iss": IDP, "aud": "splitkey", "sub": subject, "iat": now, "nbf": now}
        claims.update(exp=now + 600, jti=f"{subject}-{now}")
        return jwt.encode(claims, key, algorithm="EdDSA", headers={"typ": "JWT"})

    for server in run_server(config):
        yield server, mint
