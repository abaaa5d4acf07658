"""The fault suite's tools: a real `splitkey-cosigner serve` subprocess in a fresh data directory,
a multi-threaded client that runs mixed issue / revoke / co-sign operations and remembers every
answer it was given, and the checks that compare what the client was told with what the database
and the audit log hold.

Sizes: CI sizes by default; SPLITKEY_SOAK=1 (`make soak`) runs the long ones. Figures go to
$SPLITKEY_FAULTS_RESULTS/<name>.json when set; tests/faults/report.py turns them into
docs/reliability.md.

Crypto runs on the native backend (herumi mcl) in the server and in the client: these tests are
about crashes, disks and keys, not about the pure-Python curve code, and native is ~50x faster.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.crypto import PublicKey, SecretKey, Signature
from app.transaction import Transaction
from cosigner_server import cli
from cosigner_server.audit import verify as audit_verify
from cosigner_server.bootstrap import SECRETS_FILE, SECRETS_RECORD, ServerSecrets, kek_config
from cosigner_server.config import DEFAULT_CHAIN_ID, load_config
from cosigner_server.envelope import load_kek

REPO = Path(__file__).resolve().parents[2]
SOAK = os.environ.get("SPLITKEY_SOAK") == "1"
RECIPIENT = "ab" * 32
TRANSPORT_ERRORS = (httpx.TransportError,)


def sizes(ci: Any, soak: Any) -> Any:
    return soak if SOAK else ci


def record_figures(name: str, figures: dict[str, Any]) -> None:
    """Keep a test's measured figures for docs/reliability.md (soak) and show them (-s)."""
    figures = {"name": name, "soak": SOAK, **figures}
    print(f"\n[figures] {name}: {json.dumps(figures, sort_keys=True)}")
    out = os.environ.get("SPLITKEY_FAULTS_RESULTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        Path(out, f"{name}.json").write_text(json.dumps(figures, indent=2, sort_keys=True))


def native_or_skip() -> None:
    from app.crypto.errors import BackendUnavailableError
    from app.crypto.native import load_native

    try:
        load_native()
    except BackendUnavailableError as exc:
        pytest.skip(f"the fault suite runs on the native crypto backend: {exc}")


@contextlib.contextmanager
def native_backend():
    """This process's crypto on native for the test, then whatever it was before."""
    from app.crypto import backend

    before = backend._current
    backend.use_backend("native")
    try:
        yield
    finally:
        with backend._lock:
            backend._current = before


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the CLI in-process --------------------------------------------------------------------------


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(*argv: str | Path) -> Result:
    """cli.main in this process (imports are paid once)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main([str(a) for a in argv])
        except SystemExit as exc:  # argparse
            code = exc.code
    return Result(code, out.getvalue(), err.getvalue())


def server_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPLITKEY_COSIGNER_")}
    env.update(
        {
            # Threads, not spawned worker processes: the same code, a second faster to start.
            "SPLITKEY_COSIGNER_CRYPTO_MODE": "thread",
            "SPLITKEY_CRYPTO_BACKEND": "native",
            # One client address and a few tokens carry all the load here: the rate limits
            # (tested on their own) would turn it into 429s. 0 turns a bucket off.
            "SPLITKEY_COSIGNER_RATE_PER_IP": "0",
            "SPLITKEY_COSIGNER_RATE_PER_TOKEN": "0",
        }
    )
    env.update(extra)
    return env


# -- the server ----------------------------------------------------------------------------------


# Every server process a test started, so that the suite's fixture can stop what a failing test
# left running (tests/faults/conftest.py).
STARTED: list[subprocess.Popen] = []


class Server:
    """A data directory and the `serve` subprocess on it (restartable, killable)."""

    def __init__(self, data: Path, env: dict[str, str]) -> None:
        self.data = data
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.log = data.parent / f"{data.name}-server.log"
        self.starts = 0
        self.start_seconds: list[float] = []
        self.cpus: set[int] | None = None  # pin the server (and its crypto workers) to these

    @classmethod
    def init(cls, root: Path, *, name: str = "srv", env: dict[str, str] | None = None,
             **settings: Any) -> Server:  # fmt: skip
        """init through the CLI; settings go into config.toml first (port, token_ttl, paths)."""
        data = root / name
        data.mkdir(mode=0o700, parents=True)
        values = {"port": free_port(), "token_ttl": 3600, "kek_source": "file", **settings}
        text = "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
        (data / "config.toml").write_text(text)
        result = run_cli("init", "--data-dir", data, "--json")
        assert result.code == 0, result.err
        return cls(data, env or server_env())

    @property
    def config(self):
        return load_config(self.data)

    @property
    def url(self) -> str:
        return cli.server_url(self.config)

    def verify(self) -> Any:
        """What httpx should verify: the data directory's own certificate when TLS is on."""
        config = self.config
        if not (config.tls_cert and config.tls_key):
            return True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        context.load_verify_locations(cafile=str(config.path("tls_cert")))
        return context

    def http(self, token: str | None = None, timeout: float = 30.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(
            base_url=self.url, headers=headers, timeout=timeout, verify=self.verify(),
            trust_env=False,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, deadline: float = 30.0) -> None:
        assert self.proc is None or self.proc.poll() is not None
        started = time.monotonic()
        with open(self.log, "ab") as log:
            cpus = self.cpus
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cosigner_server", "serve", "--data-dir", str(self.data)],
                stdout=subprocess.DEVNULL, stderr=log, env=self.env, cwd=REPO,
                preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
            )  # fmt: skip
        STARTED.append(self.proc)
        self.wait_health(deadline)
        self.starts += 1
        self.start_seconds.append(time.monotonic() - started)

    def wait_health(self, deadline: float = 30.0) -> None:
        stop = time.monotonic() + deadline
        verify = self.verify()
        while time.monotonic() < stop:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"server exited {self.proc.returncode}: {self.log_tail()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/health", timeout=1, verify=verify).status_code == 200:
                    return
            time.sleep(0.05)
        raise AssertionError(f"server did not answer /health: {self.log_tail()}")

    def kill9(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def terminate(self, timeout: float = 40.0) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds until exit)."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = -9
        return code, time.monotonic() - started

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            code, _ = self.terminate()
            assert code == 0, self.log_tail()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- offline views of the data directory (the server may be running: reads only) ----------

    def secrets(self) -> ServerSecrets:
        config = self.config
        ring = load_kek(kek_config(config))
        return ServerSecrets.from_bytes(
            ring.open((config.data_dir / SECRETS_FILE).read_bytes(), SECRETS_RECORD)
        )

    def ro(self, path: Path | None = None) -> sqlite3.Connection:
        path = path or self.config.db_path
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=10)
        conn.execute("PRAGMA busy_timeout = 10000")
        return conn

    def journal_path(self) -> Path:
        db = self.config.db_path
        return db.with_name(db.name + ".revocations")

    def integrity(self) -> bool:
        for path in (self.config.db_path, self.journal_path()):
            with contextlib.closing(self.ro(path)) as db:
                if db.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                    return False
                if db.execute("PRAGMA foreign_key_check").fetchall():
                    return False
        return True

    def audit_records(self) -> list[dict[str, Any]]:
        records = []
        with open(self.config.audit_path, "rb") as stream:
            for line in stream:
                if line.endswith(b"\n"):
                    records.append(json.loads(line))
        return records

    def audit_verify(self, anchor: tuple[int, str] | None = None):
        report = audit_verify(self.config.audit_path, self.secrets().audit_key, anchor=anchor)
        if not report.ok and (report.problem or "").startswith("torn last record"):
            time.sleep(0.5)  # an append in progress (write, then fsync): look again
            report = audit_verify(self.config.audit_path, self.secrets().audit_key, anchor=anchor)
        return report

    def admin_user(self, subject: str) -> tuple[str, str]:
        """A user through the admin CLI, signed in with its enrollment code: (id, token)."""
        added = run_cli("users", "add", subject, "--data-dir", self.data, "--json")
        assert added.code == 0, added.err
        return added.json()["user"]["id"], self.enroll(added.json()["enrollment_code"])

    def enroll(self, code: str) -> str:
        with self.http() as http:
            answer = http.post("/v1/auth/enroll", json={"code": code})
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]

    def fresh_token(self, user_id: str) -> str:
        """Tokens live at most an hour: a long run signs its users in again."""
        code = run_cli("enroll", user_id, "--data-dir", self.data, "--json")
        assert code.code == 0, code.err
        return self.enroll(code.json()["enrollment_code"])


# -- the client's model --------------------------------------------------------------------------


@dataclass
class WalletRec:
    client_id: str
    public_key: str
    token: str
    user_id: str
    nonce: int = 0


@dataclass
class SplitRec:
    id: str
    wallet: WalletRec
    share: SecretKey | None = None
    revoked: bool = False  # acknowledged revoked
    revoking: bool = False  # a revoke was sent (its outcome may be unknown)
    revoked_t: float | None = None  # when the revocation was acknowledged (monotonic)


@dataclass
class Cosigned:
    split: SplitRec
    body: dict[str, Any]
    nonce: int
    signature: str
    audit_seq: int


@dataclass
class Acks:
    """Everything the client was told succeeded, in order (t = monotonic time of the answer)."""

    issued: list[tuple[float, SplitRec]] = field(default_factory=list)
    retrieved: list[tuple[float, SplitRec]] = field(default_factory=list)
    revoked: list[tuple[float, SplitRec]] = field(default_factory=list)
    cosigned: list[tuple[float, Cosigned]] = field(default_factory=list)

    def before(self, t: float) -> Acks:
        return Acks(*[[x for x in getattr(self, f) if x[0] < t] for f in
                      ("issued", "retrieved", "revoked", "cosigned")])  # fmt: skip


class Load:
    """Mixed operations from several threads against one server, with every answer judged:
    expected success, expected refusal, "unknown" (the connection broke: the server died),
    or unexpected (recorded with its status and body; a test asserts there are none)."""

    WEIGHTS = {"issue": 22, "revoke": 10, "cosign": 55, "replay": 6, "revoked_sign": 4,
               "retrieve_check": 3}  # fmt: skip

    def __init__(self, server: Server, *, workers: int = 4, users: int = 3, seed: int = 1,
                 allow_503: bool = False) -> None:  # fmt: skip
        self.server = server
        self.workers = workers
        self.users = users
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.wallets: list[WalletRec] = []
        self.active: list[SplitRec] = []
        self.revoked: list[SplitRec] = []
        self.acks = Acks()
        self.counts: Counter[str] = Counter()
        self.unexpected: list[tuple[str, int, str]] = []
        self.violations: list[str] = []  # a security property broken (e.g. a duplicate nonce)
        self.latencies: list[float] = []
        self.allow_503 = allow_503
        self.up = threading.Event()
        self.up.set()
        self._op_index = 0
        self.hooks: dict[int, Any] = {}
        self._stop = threading.Event()

    # -- set-up ------------------------------------------------------------------------------
    def setup(self, splits_per_wallet: int = 2) -> None:
        for i in range(self.users):
            user_id, token = self.server.admin_user(f"user{i}-{uuid.uuid4().hex[:6]}")
            with self.server.http(token) as http:
                answer = http.post("/v1/wallets", json={})
                assert answer.status_code == 201, answer.text
                wallet = answer.json()["wallet"]
            self.wallets.append(
                WalletRec(wallet["client_id"], wallet["public_key"], token, user_id)
            )
        self.tokens_at = time.monotonic()
        with self.server.http() as http:
            for wallet in self.wallets:
                for _ in range(splits_per_wallet):
                    self._issue(http, wallet)
        assert not self.unexpected, self.unexpected

    def bulk_splits(self, n: int) -> None:
        """n more splits whose user shares stay on the server (two sealed values each): data for
        the key rotation to re-seal, cheaper to make than issued-and-retrieved ones."""
        with self.server.http() as http:
            for i in range(n):
                wallet = self.wallets[i % len(self.wallets)]
                made = http.post(f"/v1/wallets/{wallet.client_id}/splits",
                                 json={"label": "bulk"}, headers=self._auth(wallet))  # fmt: skip
                assert made.status_code == 201, made.text

    def refresh_tokens(self, older_than: float = 2400.0) -> None:
        """Call while no operation runs."""
        if time.monotonic() - self.tokens_at > older_than:
            for wallet in self.wallets:
                wallet.token = self.server.fresh_token(wallet.user_id)
            self.tokens_at = time.monotonic()

    # -- running -----------------------------------------------------------------------------
    def run(self, n_ops: int) -> None:
        """Run n_ops operations on `workers` threads; returns when all are done."""
        remaining = [n_ops]

        def worker() -> None:
            with self.server.http(timeout=60) as http:
                while not self._stop.is_set():
                    with self.lock:
                        if remaining[0] <= 0:
                            return
                        remaining[0] -= 1
                        index = self._op_index
                        self._op_index += 1
                        hook = self.hooks.pop(index, None)
                    if hook is not None:
                        hook()
                    self.up.wait()
                    self.one(http)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(self.workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def run_background(self) -> threading.Thread:
        """Operations until stop_background()."""
        self._stop.clear()

        def loop() -> None:
            while not self._stop.is_set():
                self.run(self.workers * 10)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        return thread

    def stop_background(self, thread: threading.Thread) -> None:
        self._stop.set()
        thread.join(120)
        assert not thread.is_alive()

    @property
    def op_index(self) -> int:
        return self._op_index

    def one(self, http: httpx.Client) -> None:
        with self.lock:
            kind = self.rng.choices(list(self.WEIGHTS), weights=list(self.WEIGHTS.values()))[0]
            if kind in ("revoke", "cosign") and len(self.active) < 2:
                kind = "issue"
            if kind == "replay" and not self.acks.cosigned:
                kind = "cosign"
            if kind == "revoked_sign" and not self.revoked:
                kind = "cosign"
            if kind == "retrieve_check" and not self.acks.retrieved:
                kind = "cosign"
            wallet = self.rng.choice(self.wallets)
            split = self.rng.choice(self.active) if self.active else None
            if kind == "revoke":
                self.active.remove(split)
                split.revoking = True
            earlier = self.rng.choice(self.acks.cosigned)[1] if self.acks.cosigned else None
            revoked = self.rng.choice(self.revoked) if self.revoked else None
            retrieved = self.rng.choice(self.acks.retrieved)[1] if self.acks.retrieved else None
        self.counts[kind] += 1
        started = time.monotonic()
        try:
            if kind == "issue":
                self._issue(http, wallet)
            elif kind == "revoke":
                self._revoke(http, split)
            elif kind == "cosign":
                self._cosign(http, split)
            elif kind == "replay":
                self._replay(http, earlier)
            elif kind == "revoked_sign":
                self._revoked_sign(http, revoked)
            else:
                self._retrieve_again(http, retrieved)
        except TRANSPORT_ERRORS:
            self.counts["unknown"] += 1  # the answer never came: the server died meanwhile
        self.latencies.append(time.monotonic() - started)

    # -- operations --------------------------------------------------------------------------
    def _judge(self, kind: str, answer: httpx.Response, ok: tuple[int, ...]) -> bool:
        if "Traceback" in answer.text or 'File "' in answer.text:
            self.violations.append(f"{kind}: a traceback reached the client: {answer.text[:200]}")
        if answer.status_code in ok:
            return True
        if answer.status_code == 503 and self.allow_503:
            self.counts["503"] += 1
            return False
        self.unexpected.append((kind, answer.status_code, answer.text[:300]))
        return False

    def _auth(self, wallet: WalletRec) -> dict[str, str]:
        return {"Authorization": f"Bearer {wallet.token}"}

    def _issue(self, http: httpx.Client, wallet: WalletRec) -> None:
        made = http.post(
            f"/v1/wallets/{wallet.client_id}/splits", json={"label": "fault"},
            headers=self._auth(wallet),
        )  # fmt: skip
        if not self._judge("issue", made, (201,)):
            return
        split = SplitRec(made.json()["split"]["id"], wallet)
        with self.lock:
            self.acks.issued.append((time.monotonic(), split))
        key = http.post(f"/v1/splits/{split.id}/key", headers=self._auth(wallet))
        if not self._judge("retrieve", key, (200,)):
            return
        share = SecretKey.from_hex(key.json()["private_key"])
        if share.public_key().to_hex() != key.json()["public_key"]:
            self.violations.append(f"retrieve: the share of {split.id} is not its key's")
        split.share = share
        with self.lock:
            self.acks.retrieved.append((time.monotonic(), split))
            self.active.append(split)

    def _revoke(self, http: httpx.Client, split: SplitRec) -> None:
        answer = http.post(f"/v1/splits/{split.id}/revoke", headers=self._auth(split.wallet))
        if self._judge("revoke", answer, (200,)):
            split.revoked, split.revoked_t = True, time.monotonic()
            with self.lock:
                self.acks.revoked.append((time.monotonic(), split))
                self.revoked.append(split)

    def _tx(self, split: SplitRec, nonce: int) -> Transaction:
        return Transaction(
            client_id=split.wallet.client_id, public_key=split.wallet.public_key,
            chain_id=DEFAULT_CHAIN_ID, creation_date=int(time.time()), to_client_id=RECIPIENT,
            transaction_value=1000 + nonce, transaction_nonce=nonce,
        )  # fmt: skip

    def _cosign(self, http: httpx.Client, split: SplitRec) -> None:
        with self.lock:
            split.wallet.nonce += 1
            nonce = split.wallet.nonce
        tx = self._tx(split, nonce)
        body = {
            "split_id": split.id,
            "request_id": uuid.uuid4().hex,
            "transaction": {**tx.to_dict(), "signature": split.share.sign_hash(tx.hash).to_hex()},
        }
        started = time.monotonic()
        answer = http.post("/v1/sign/transaction", json=body, headers=self._auth(split.wallet))
        if answer.status_code == 403 and _rule(answer) == "revoked":
            if not (split.revoking or split.revoked):
                self.violations.append(f"cosign: {split.id} refused as revoked, never revoked")
            return
        if not self._judge("cosign", answer, (200,)):
            return
        data = answer.json()
        if split.revoked_t is not None and split.revoked_t < started:
            # Linearizable revocation: a co-sign that STARTS after the acknowledgement fails.
            self.violations.append(f"cosign: revoked split {split.id} signed")
        if not PublicKey.from_hex(split.wallet.public_key).verify_hash(
            tx.hash, Signature.from_hex(data["signature"])
        ):
            self.violations.append(f"cosign: a signature of {split.id} does not verify")
        done = Cosigned(split, body, nonce, data["signature"], data["receipt"]["audit_seq"])
        with self.lock:
            self.acks.cosigned.append((time.monotonic(), done))

    def _replay(self, http: httpx.Client, earlier: Cosigned) -> None:
        """The same request again (the same answer, nothing counted twice) or the same
        transaction under a new request id (a nonce may be signed again: a new, counted
        signature, acknowledged like any co-sign)."""
        auth = self._auth(earlier.split.wallet)
        same = self.rng.random() < 0.5
        body = earlier.body if same else {**earlier.body, "request_id": uuid.uuid4().hex}
        answer = http.post("/v1/sign/transaction", json=body, headers=auth)
        if answer.status_code == 200:
            data = answer.json()
            if not same:
                done = Cosigned(earlier.split, body, earlier.nonce, data["signature"],
                                data["receipt"]["audit_seq"])  # fmt: skip
                with self.lock:
                    self.acks.cosigned.append((time.monotonic(), done))
                self.counts["resigned_nonce"] += 1
                return
            if data["signature"] != earlier.signature:
                self.violations.append("replay: a different answer to the same request")
            self.counts["replay_same_answer"] += 1
            return
        if answer.status_code == 403 and _rule(answer) == "creation_time":
            # Older than max_clock_skew (long runs): refused before anything is counted.
            self.counts["replay_refused_stale"] += 1
            return
        if answer.status_code == 403 and _rule(answer) == "revoked":
            if not (earlier.split.revoking or earlier.split.revoked):
                self.violations.append("replay: refused as revoked, never revoked")
            self.counts["replay_refused"] += 1
            return
        self._judge("replay", answer, ())

    def _revoked_sign(self, http: httpx.Client, split: SplitRec) -> None:
        with self.lock:
            split.wallet.nonce += 1
            nonce = split.wallet.nonce
        tx = self._tx(split, nonce)
        body = {
            "split_id": split.id,
            "request_id": uuid.uuid4().hex,
            "transaction": {**tx.to_dict(), "signature": split.share.sign_hash(tx.hash).to_hex()},
        }
        answer = http.post("/v1/sign/transaction", json=body, headers=self._auth(split.wallet))
        if answer.status_code == 200:
            self.violations.append(f"revoked split {split.id} signed")
        elif answer.status_code == 403 and _rule(answer) == "revoked":
            self.counts["revoked_refused"] += 1
        else:
            self._judge("revoked_sign", answer, ())

    def _retrieve_again(self, http: httpx.Client, split: SplitRec) -> None:
        """A share is delivered once: asking again is 410 (or 404/410 once revoked)."""
        answer = http.post(f"/v1/splits/{split.id}/key", headers=self._auth(split.wallet))
        if answer.status_code == 200:
            self.violations.append(f"the share of {split.id} was delivered twice")
        else:
            self._judge("retrieve_again", answer, (410,))


def _rule(answer: httpx.Response) -> str | None:
    try:
        return answer.json()["error"].get("rule")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


# -- the checks ----------------------------------------------------------------------------------


def check_acknowledged(
    server: Server, acks: Acks, *, revoked_extra: list[str] = (), strict: bool = True
) -> dict:
    """Every acknowledged issue, share retrieval, revocation and co-sign is in the database and
    has its audit record; no nonce was signed twice. Returns counts (losses and duplicates
    included); raises on a loss unless strict=False, for a test that records the count first."""
    with contextlib.closing(server.ro()) as db:
        splits = {
            row[0]: (row[1], row[2] is None)
            for row in db.execute("SELECT id, status, sealed_user_share FROM splits")
        }
        nonces = {row[0] for row in db.execute("SELECT nonce_key FROM cosigns") if row[0]}
    with contextlib.closing(server.ro(server.journal_path())) as db:
        journal = {row[0] for row in db.execute("SELECT split_id FROM revocations")}
    records = server.audit_records()
    by_seq = {r["seq"]: r for r in records}
    events: dict[str, set[str]] = {}
    # A nonce may be signed again, and each signature's record says how many came before it
    # (details.nonce_signed_before): two records with the same count are two signatures that did
    # not see each other, i.e. a lost or forked use.
    signed: Counter[tuple[str, int, int]] = Counter()
    for r in records:
        events.setdefault(r["event"], set()).add(r["split"])
        if r["event"] == "cosign_transaction" and r["outcome"] == "signed":
            before = r["details"].get("nonce_signed_before", 0)
            signed[(r["wallet"], r["details"]["nonce"], before)] += 1
    lost = []
    for _t, s in acks.issued:
        if s.id not in splits:
            lost.append(f"issued split {s.id} missing from the database")
        if s.id not in events.get("split_created", ()):
            lost.append(f"issued split {s.id} has no split_created audit record")
    for _t, s in acks.retrieved:
        if s.id in splits and not splits[s.id][1]:
            lost.append(f"the retrieved share of {s.id} is still stored")
        if s.id not in events.get("share_retrieved", ()):
            lost.append(f"retrieval of {s.id} has no audit record")
    for _t, s in acks.revoked:
        if splits.get(s.id, ("revoked",))[0] != "revoked":
            lost.append(f"revoked split {s.id} is active again")
        if s.id not in journal:
            lost.append(f"revoked split {s.id} is not in the revocation journal")
        if s.id not in events.get("split_revoked", ()):
            lost.append(f"revocation of {s.id} has no audit record")
    for split_id in revoked_extra:
        if splits.get(split_id, ("revoked",))[0] != "revoked":
            lost.append(f"revoked split {split_id} is active again")
    for _t, c in acks.cosigned:
        record = by_seq.get(c.audit_seq)
        if (
            record is None
            or record["event"] != "cosign_transaction"
            or record["split"] != c.split.id
            or record["details"].get("nonce") != c.nonce
        ):
            lost.append(f"co-sign of {c.split.id} nonce {c.nonce}: no audit record {c.audit_seq}")
        if f"{c.split.wallet.client_id}:{c.nonce}" not in nonces:
            lost.append(f"co-sign of {c.split.id} nonce {c.nonce}: its nonce is not recorded")
    duplicates = [k for k, n in signed.items() if n > 1]
    if strict:
        assert not lost, f"{len(lost)} acknowledged operations lost, e.g. {lost[:5]}"
        assert not duplicates, f"nonces signed twice without counting: {duplicates[:5]}"
    return {
        "lost": len(lost),
        "lost_examples": lost[:5],
        "issued": len(acks.issued),
        "retrieved": len(acks.retrieved),
        "revoked": len(acks.revoked),
        "cosigned": len(acks.cosigned),
        "audit_records": len(records),
        "duplicate_nonces": len(duplicates),
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def sealed_census(server: Server, ring=None) -> tuple[Counter[str], int]:
    """(sealed values per KEK id, how many do NOT open with the key source's ring), read from
    the database file and secrets.sealed: what a restart would be able to read."""
    from cosigner_server.kek_rotation import record_id
    from cosigner_server.storage.sqlite import SEALED_COLUMNS

    ring = ring or load_kek(kek_config(server.config))
    per_key: Counter[str] = Counter()
    unreadable = 0
    blobs = []
    with contextlib.closing(server.ro()) as db:
        for column, (table, key) in SEALED_COLUMNS.items():
            for row_key, blob in db.execute(
                f"SELECT {key}, {column} FROM {table} WHERE length({column}) > 0"
            ):
                blobs.append((record_id(column, row_key), bytes(blob)))
    blobs.append((SECRETS_RECORD, (server.config.data_dir / SECRETS_FILE).read_bytes()))
    for rid, blob in blobs:
        per_key[ring.kek_id_of(blob)] += 1
        try:
            ring.open(blob, rid)
        except Exception:
            unreadable += 1
    return per_key, unreadable
