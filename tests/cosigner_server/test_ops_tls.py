"""TLS as `init` and `serve` set it up: the self-signed certificate (ECDSA P-256, SAN localhost,
127.0.0.1 and ::1, key 0600, fingerprint printed), TLS 1.0 and 1.1 refused by the server, 1.2 and
1.3 accepted, and app/client.py's pin: the right one works, a wrong one is refused before a
request is sent.

"Which side refused" matters for the TLS 1.0/1.1 figure: a local OpenSSL may refuse to even offer
an old version, which would prove nothing about the server. So the old versions are tried twice:
with Python's ssl (at security level 0, which lets this OpenSSL offer them; if it still cannot,
that is recorded), and with a hand-built ClientHello sent on a raw socket, which no local policy
can stop. The same hand-built hello for TLS 1.2 must get a ServerHello, so the probe itself is
known to work."""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import stat
import struct
import warnings

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from app.client import CosignerUnreachable, PinMismatch

from .ops_helpers import Served, fingerprint_of, make_holder, run_cli, serving

OLD_VERSIONS = ("TLSv1", "TLSv1_1")
RECORD_HANDSHAKE, HANDSHAKE_SERVER_HELLO, RECORD_ALERT = 0x16, 0x02, 0x15


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Served:
    with serving(tmp_path_factory.mktemp("tls")) as served:
        yield served


def test_init_makes_a_pinned_p256_certificate_for_the_loopback_names(tmp_path):
    data = tmp_path / "srv"
    code, out, err = run_cli("init", "--data-dir", str(data), "--tls-name", "cosigner.example")
    assert code == 0, err
    cert = x509.load_pem_x509_certificate((data / "tls.crt").read_bytes())
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {"localhost", "cosigner.example"}
    assert set(san.get_values_for_type(x509.IPAddress)) == {
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    }
    assert stat.S_IMODE((data / "tls.key").stat().st_mode) == 0o600
    fingerprint = fingerprint_of(data / "tls.crt")
    assert fingerprint in out  # SHA-256 of the DER, as app/client.py pins it
    config = (data / "config.toml").read_text()
    assert 'tls_cert = "tls.crt"' in config and 'tls_key = "tls.key"' in config
    # The status command shows the same fingerprint once a server runs (checked below).


def test_init_refuses_a_bad_tls_name_before_writing(tmp_path):
    code, _out, err = run_cli("init", "--data-dir", str(tmp_path / "x"), "--tls-name", "a b")
    assert code == 2 and "--tls-name" in err and not (tmp_path / "x").exists()


def _handshake(port: int, version: str) -> tuple[bool, str]:
    """(succeeded, detail) of a Python ssl handshake capped at `version`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1/TLSv1_1 are deprecated
            tls_version = getattr(ssl.TLSVersion, version)
            context.minimum_version = tls_version
            context.maximum_version = tls_version
        context.set_ciphers("ALL:@SECLEVEL=0")  # let this OpenSSL offer what it still can
    except (ValueError, ssl.SSLError) as exc:
        return False, f"client refused to configure it: {exc}"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                return True, tls.version() or "?"
    except ssl.SSLError as exc:
        side = "client" if "NO_PROTOCOLS_AVAILABLE" in str(exc).upper() else "server"
        return False, f"{side}: {exc.__class__.__name__}: {exc}"
    except OSError as exc:
        return False, f"server: {exc.__class__.__name__}: {exc}"


def client_hello(version: int) -> bytes:
    """A minimal ClientHello offering `version` (0x0301 TLS 1.0 ... 0x0303 TLS 1.2), ECDHE and
    RSA suites, P-256/X25519 and SHA-256 signature algorithms."""
    suites = (0xC02B, 0xC02F, 0xC009, 0xC00A, 0xC013, 0xC014, 0x002F, 0x0035)
    groups = struct.pack("!HHH", 4, 23, 29)
    algorithms = struct.pack("!HHHH", 6, 0x0403, 0x0804, 0x0401)
    extensions = (
        struct.pack("!HH", 10, len(groups))
        + groups
        + struct.pack("!HHBB", 11, 2, 1, 0)
        + struct.pack("!HH", 13, len(algorithms))
        + algorithms
    )
    body = struct.pack("!H", version) + os.urandom(32) + b"\x00"
    body += struct.pack("!H", 2 * len(suites)) + b"".join(struct.pack("!H", s) for s in suites)
    body += b"\x01\x00" + struct.pack("!H", len(extensions)) + extensions
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return struct.pack("!BHH", RECORD_HANDSHAKE, 0x0301, len(handshake)) + handshake


def raw_answer(port: int, version: int) -> bytes:
    """The first bytes the server sends back to a hand-built ClientHello (b"" if it closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(client_hello(version))
        answer = b""
        try:
            while len(answer) < 6:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return answer


def is_server_hello(answer: bytes) -> bool:
    return (
        len(answer) >= 6 and answer[0] == RECORD_HANDSHAKE and answer[5] == HANDSHAKE_SERVER_HELLO
    )


def test_tls_1_0_and_1_1_handshakes_never_succeed(served, record_property):
    port = int(served.url.rsplit(":", 1)[1])
    # The probe works: a TLS 1.2 hello gets a ServerHello.
    assert is_server_hello(raw_answer(port, 0x0303))
    refusals = {}
    for name, wire in (("TLSv1", 0x0301), ("TLSv1_1", 0x0302)):
        answer = raw_answer(port, wire)
        # The server either closes at once or sends an alert; never a ServerHello.
        assert not is_server_hello(answer), name
        assert answer == b"" or answer[0] == RECORD_ALERT, answer[:8].hex()
        succeeded, detail = _handshake(port, name)
        assert not succeeded, detail
        refusals[name] = {
            "raw hello": "closed" if not answer else f"alert {answer[:7].hex()}",
            "python ssl": detail,
        }
    record_property("old_tls_refusals", refusals)


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_tls_1_2_and_1_3_work(served, version):
    port = int(served.url.rsplit(":", 1)[1])
    succeeded, detail = _handshake(port, version)
    assert succeeded, detail
    assert detail == {"TLSv1_2": "TLSv1.2", "TLSv1_3": "TLSv1.3"}[version]


def test_the_client_pins_the_fingerprint(served):
    right = served.fingerprint
    assert right == fingerprint_of(served.data / "tls.crt")
    holder = make_holder(served)  # through CosignerClient with the right pin
    with served.client(holder.token) as api:
        assert api.whoami().role == "admin"
        signed = api.cosign_message(
            holder.split_id, holder.share, "pinned", holder.wallet_public_key
        )
        assert signed.signature
    wrong = "00" * 32
    from app.client import CosignerClient

    with pytest.raises(PinMismatch):
        with CosignerClient(served.url, token=holder.token, tls_fingerprint=wrong) as api:
            api.whoami()
    # Without a pin, the self-signed certificate is not trusted at all.
    with pytest.raises((CosignerUnreachable, PinMismatch)):
        with CosignerClient(served.url, token=holder.token) as api:
            api.whoami()


def test_plain_http_on_the_tls_port_gets_no_api_answer(served):
    port = int(served.url.rsplit(":", 1)[1])
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).raise_for_status()


def test_answers_over_tls_carry_hsts_and_status_shows_the_fingerprint(served):
    with served.http() as http:
        answer = http.get("/health")
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    code, out, err = run_cli("status", "--data-dir", str(served.data), "--json")
    assert code == 0, err
    assert '"tls_fingerprint": "' + served.fingerprint + '"' in out
