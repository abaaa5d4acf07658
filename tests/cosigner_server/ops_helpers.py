"""Helpers of the operations tests (test_ops_*.py): a real `splitkey-cosigner serve` subprocess on
a data directory made by `init`, TLS contexts that trust its certificate, and a signed-in
holder of a split built through app/client.py.

A subprocess, not the in-process fixture, wherever what is measured is the served process itself:
TLS as `serve` sets it up, latency without the test's client competing for the same GIL,
SIGTERM, and the JSON logs on stderr."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.client import CosignerClient, certificate_fingerprint
from cosigner_server import cli

REPO = Path(__file__).resolve().parents[2]
# A long-running loop's size: CI runs the small figure, `make soak` (SPLITKEY_SOAK=1) the full one.
SOAK = os.environ.get("SPLITKEY_SOAK") == "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def server_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPLITKEY_COSIGNER_")}
    # Threads, not spawned workers: the same code paths, seconds faster to start.
    env["SPLITKEY_COSIGNER_CRYPTO_MODE"] = "thread"
    env.update({f"SPLITKEY_COSIGNER_{k.upper()}": str(v) for k, v in settings.items()})
    return env


@dataclass
class Served:
    data: Path
    url: str
    code: str  # the first admin's one-time enrollment code
    proc: subprocess.Popen
    fingerprint: str | None
    stderr_path: Path
    init: dict = field(default_factory=dict)

    def verify(self) -> Any:
        """What httpx verifies: exactly this server's certificate (or plain HTTP)."""
        if self.fingerprint is None:
            return True
        return trusting_context(self.data / "tls.crt")

    def http(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=self.verify(), trust_env=False, **kwargs)

    def client(self, token: str | None = None) -> CosignerClient:
        return CosignerClient(self.url, token=token, tls_fingerprint=self.fingerprint)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self, timeout: float = 40.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def trusting_context(cert_path: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False  # the certificate itself is the identity (pinned)
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    context.load_verify_locations(cafile=str(cert_path))
    return context


def start(
    root: Path,
    *,
    tls: bool = True,
    serve_args: tuple[str, ...] = (),
    config: dict[str, Any] | None = None,
    extra_env: dict[str, str] | None = None,
    **env_settings: Any,
) -> Served:
    """init (TLS unless tls=False) and `serve` in a subprocess; returns once /health answers.
    config: settings written to config.toml before init (lists and numbers as TOML)."""
    data = root / "srv"
    port = free_port()
    args = ["init", "--data-dir", str(data), "--json"]
    if config:
        data.mkdir(mode=0o700, parents=True)
        settings = {"port": port, "kek_source": "file", **config}
        if tls:
            settings.update(tls_cert="tls.crt", tls_key="tls.key")
        text = "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
        (data / "config.toml").write_text(text)
    else:
        args += ["--port", str(port)] + ([] if tls else ["--no-tls"])
    code, out, err = run_cli(*args)
    assert code == 0, err
    made = json.loads(out)
    fingerprint = made["tls"]["fingerprint"] if tls else None
    stderr_path = root / "serve.stderr"
    with open(stderr_path, "w") as stderr:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cosigner_server",
                "serve",
                "--data-dir",
                str(data),
                *serve_args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**server_env(**env_settings), **(extra_env or {})},
            cwd=REPO,
        )
    served = Served(
        data, made["url"], made["enrollment_code"], proc, fingerprint, stderr_path, made
    )
    wait_for_health(served)
    return served


def wait_for_health(served: Served, deadline: float = 30.0) -> None:
    stop = time.monotonic() + deadline
    with served.http(timeout=1.0) as http:
        while time.monotonic() < stop:
            if served.proc.poll() is not None:
                raise AssertionError(f"serve exited: {served.stderr()[-2000:]}")
            try:
                if http.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise AssertionError("serve did not answer /health")


@contextlib.contextmanager
def serving(root: Path, **kwargs) -> Iterator[Served]:
    served = start(root, **kwargs)
    try:
        yield served
    finally:
        served.stop()


@dataclass
class Holder:
    token: str
    client_id: str
    wallet_public_key: str
    split_id: str
    share: Any  # app.crypto.SecretKey


def make_holder(served: Served) -> Holder:
    """The first admin signs in with init's code, makes a wallet and a split held by itself,
    and takes the split's user share."""
    with served.client() as api:
        session = api.enroll(served.code)
        created = api.create_wallet()
        split = api.create_split(created.wallet.client_id, label="ops").split
        share = api.retrieve_share(split.id)
    return Holder(
        token=session.token,
        client_id=created.wallet.client_id,
        wallet_public_key=created.wallet.public_key,
        split_id=split.id,
        share=share.secret_key(),
    )


def fingerprint_of(cert_path: Path) -> str:
    return certificate_fingerprint(ssl.PEM_cert_to_DER_cert(cert_path.read_text()))


def metric(text: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus text (0.0 when the sample is absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{want}}} " if labels else f"{name} "
    total = 0.0
    for line in text.splitlines():
        if line.startswith(prefix):
            total += float(line[len(prefix) :])
    return total


def served_routes(config) -> set[tuple[str, str]]:
    """(method, path template) of every route the app registers (HEAD aside)."""
    from cosigner_server.app import create_app

    app = create_app(config)
    served = set()
    for resource in app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter")
        for route in resource:
            if route.method != "HEAD":
                served.add((route.method.lower(), path))
    return served
