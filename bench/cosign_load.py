"""Co-signing throughput of a real co-signer under concurrent clients, written to
docs/benchmarks.md between the cosign-load markers.

    python bench/cosign_load.py [--seconds S] [--clients N] [--backend pure|native|both]

For each backend: a fresh data directory (KEK file, process crypto pool with 2 workers), the
server started as a SUBPROCESS on a free loopback port (so the load generator never shares its
GIL), one wallet with one unrestricted split per client, then N clients co-signing valid
transfers for S seconds while a separate process polls /health every 50 ms. The users' partial
signatures are computed before the timed run so that the clients' own crypto does not limit what
is measured; each request has its own nonce and request id, so every one is a real co-sign
(policy, use counting, pairings, audit record), never an idempotent replay. The clients send
pre-built keep-alive HTTP/1.1 requests (--http httpx for a full client) so that their CPU, taken
from the same 2 cores, stays small; --wait-quiet waits for an idle machine before each run and
the report shows the CPU other processes used meanwhile; --profile records the server with
py-spy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import importlib.util
import json
import math
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

try:
    from bench import report  # python -m bench.cosign_load
except ImportError:  # python bench/cosign_load.py
    import report

import httpx

from app.crypto import PublicKey, SecretKey, Signature
from app.crypto.errors import BackendUnavailableError
from app.crypto.native import load_native
from app.transaction import Transaction
from cosigner_server import identity
from cosigner_server.bootstrap import close_state, init_data_dir, load_state
from cosigner_server.config import DEFAULT_CHAIN_ID, ServerConfig, load_config

SECTION = "cosign-load"
TARGETS = {"pure": 20.0, "native": 300.0}  # co-signs per second, spec issue 3
# Issue 11: the share of the crypto ceiling (co-sign rounds/s of CRYPTO_WORKERS processes doing
# nothing else, measured in the same run) the server must reach, and pure's absolute floor.
CEILING_SHARE = {"pure": 0.9, "native": 0.5}
RATE_FLOOR = {"pure": 170.0, "native": 0.0}
CEILING_SECONDS = 4.0
HEALTH_P99_TARGET_MS = 50.0
HEALTH_INTERVAL = 0.05
RECIPIENT = "ab" * 32
# Ceiling on the rate we prepare requests for; a client that runs dry stops and the report says
# so (the figure is then a lower bound). Preparing costs ~0.2 ms per request with native crypto.
PREPARE_RATE = {"pure": 300, "native": 2000}
SAMPLE_VERIFY = 20  # co-signed answers per client process checked against the wallet key
SERVER_READY_TIMEOUT = 90.0
RATE_LIMITS = ("rate_per_ip", "rate_per_token")  # 0 turns a limit off
CRYPTO_WORKERS = 2


# -- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(data_dir: Path, runner: str | None = None) -> list[str]:
    """The real `serve` command when the package has one, else bench/cosign_server.py (or a
    --runner script, for experiments). All read host, port and pool settings from
    data_dir/config.toml."""
    if runner:
        return [sys.executable, runner, str(data_dir)]
    if importlib.util.find_spec("cosigner_server.__main__") is not None:
        return [sys.executable, "-m", "cosigner_server", "serve", "--data-dir", str(data_dir)]
    return [sys.executable, str(Path(__file__).with_name("cosign_server.py")), str(data_dir)]


@dataclass
class Server:
    backend: str
    data_dir: Path
    url: str = ""
    token: str = ""
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    command: list[str] = field(default_factory=list)
    runner: str | None = None

    def start(self) -> None:
        port = free_port()
        settings = {
            "host": "127.0.0.1",
            "port": port,
            "kek_source": "file",
            "crypto_mode": "process",
            "crypto_workers": CRYPTO_WORKERS,
        }
        # All clients come from one address with one user's token: the per-address and per-token
        # rate limits (when this server has them) would measure the limiter, not signing.
        known = {f.name for f in dataclasses.fields(ServerConfig)}
        settings.update({name: 0 for name in RATE_LIMITS if name in known})
        self.data_dir.mkdir(mode=0o700, parents=True)
        toml = "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
        (self.data_dir / "config.toml").write_text(toml)
        config = load_config(self.data_dir)
        init_data_dir(config)
        self.token = asyncio.run(_offline_user(config))
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "SPLITKEY_CRYPTO_BACKEND": self.backend}
        env = {k: v for k, v in env.items() if not k.startswith("SPLITKEY_COSIGNER_")}
        self.command = server_command(self.data_dir, self.runner)
        self.log_path = self.data_dir.parent / f"server-{self.backend}.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=report.REPO
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/ready", timeout=1).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"the server was not ready in {SERVER_READY_TIMEOUT} s")

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # run_app's clean shutdown (pool, database)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


async def _offline_user(config) -> str:
    """A user and a server token, made on the data directory before the server runs (what
    enrollment would give), so the bench needs no admin route."""
    state = await load_state(config, start_pool=False)
    try:
        user, _code = await identity.create_user(state, None, "bench", "user")
        return identity.mint(state, user)["token"]
    finally:
        await close_state(state)


@dataclass
class Fixture:
    wallet: dict
    splits: list[tuple[str, str]]  # (split id, user share hex), one per client


def set_up_wallet(server: Server, clients: int) -> Fixture:
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
        made = http.post("/v1/wallets", json={})
        made.raise_for_status()
        wallet = made.json()["wallet"]
        splits = []
        for i in range(clients):
            split = http.post(
                f"/v1/wallets/{wallet['client_id']}/splits", json={"label": f"bench-{i}"}
            )
            split.raise_for_status()
            split_id = split.json()["split"]["id"]
            share = http.post(f"/v1/splits/{split_id}/key")
            share.raise_for_status()
            splits.append((split_id, share.json()["private_key"]))
    return Fixture(wallet=wallet, splits=splits)


# -- the crypto ceiling ----------------------------------------------------------------------


def ceiling_process(backend: str, seconds: float, go, results) -> None:
    """Run the co-sign job the workers run (verify the partial, sign, add, verify the sum) flat
    out on one core for `seconds`; report how many rounds it did."""
    os.environ["SPLITKEY_CRYPTO_BACKEND"] = backend
    from cosigner_server import crypto_jobs

    wallet = SecretKey.generate()
    material = crypto_jobs.split(wallet.to_bytes())
    user = SecretKey.from_bytes(material.user_share)
    messages = [os.urandom(32) for _ in range(64)]
    partials = [user.sign_hash(m.hex()).to_hex() for m in messages]
    wallet_pk = wallet.public_key().to_hex()
    crypto_jobs.cosign(messages[0], partials[0], material.user_public_key, wallet_pk,
                       material.server_share)  # fmt: skip
    go.wait()
    rounds, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        i = rounds % len(messages)
        out = crypto_jobs.cosign(messages[i], partials[i], material.user_public_key, wallet_pk,
                                 material.server_share)  # fmt: skip
        assert out.signature is not None, out.error
        rounds += 1
    results.put(rounds)


def crypto_ceiling(backend: str, seconds: float = CEILING_SECONDS) -> float:
    """Co-sign rounds per second that CRYPTO_WORKERS processes reach with nothing else to do:
    what the server's crypto allows on this machine now."""
    ctx = multiprocessing.get_context("spawn")
    go, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=ceiling_process, args=(backend, seconds, go, results))
             for _ in range(CRYPTO_WORKERS)]  # fmt: skip
    for proc in procs:
        proc.start()
    time.sleep(1.0)  # imports and key set-up, outside the timed part
    go.set()
    total = sum(results.get(timeout=seconds + 120) for _ in procs)
    for proc in procs:
        proc.join(30)
    return total / seconds


# -- the clients (separate processes) -------------------------------------------------------


def prepare_bodies(wallet: dict, split_id: str, share_hex: str, nonce_base: int, count: int):
    """Request bodies, JSON-encoded once: a transfer with its own nonce and the user's partial."""
    share = SecretKey.from_hex(share_hex)
    created = int(time.time())
    bodies = []
    for k in range(count):
        tx = Transaction(
            client_id=wallet["client_id"],
            public_key=wallet["public_key"],
            chain_id=DEFAULT_CHAIN_ID,
            creation_date=created,
            to_client_id=RECIPIENT,
            transaction_value=1 + k % 1000,
            transaction_nonce=nonce_base + k,
        )
        body = {
            "split_id": split_id,
            "request_id": uuid.uuid4().hex,
            "transaction": {**tx.to_dict(), "signature": share.sign_hash(tx.hash).to_hex()},
        }
        bodies.append(json.dumps(body).encode())
    return bodies


def client_process(job: dict, ready, go, results) -> None:
    """One load process: prepare its clients' requests, wait for the start, run them for the
    given time, send back (end time, latency, status) per request and a few answers to check."""
    bodies = [
        prepare_bodies(job["wallet"], split_id, share, nonce_base, job["per_client"])
        for split_id, share, nonce_base in job["clients"]
    ]
    ready.put(os.getpid())
    go.wait()
    drive = _drive_raw if job["http"] == "raw" else _drive_httpx
    results.put(asyncio.run(drive(job, bodies)))


class _Tally:
    """What one load process saw: (end time, latency, status) per request, a few answers."""

    def __init__(self, seconds: float) -> None:
        self.start = time.monotonic()
        self.deadline = self.start + seconds
        self.samples: list[tuple[float, float, str]] = []
        self.answers: list[tuple[str, str]] = []
        self.ran_dry = 0

    def add(self, t0: float, status: str, body: bytes | None) -> None:
        t1 = time.monotonic()
        self.samples.append((t1 - self.start, t1 - t0, status))
        if status == "200" and body is not None and len(self.answers) < SAMPLE_VERIFY:
            data = json.loads(body)
            self.answers.append((data["hash"], data["signature"]))

    def result(self) -> dict:
        return {"samples": self.samples, "answers": self.answers, "ran_dry": self.ran_dry}


async def _drive_raw(job: dict, bodies: list[list[bytes]]) -> dict:
    """Keep-alive HTTP/1.1 over asyncio streams with each request's bytes built beforehand: the
    clients share the server's 2 cores, and a full HTTP client costs about as much CPU per
    request as the server's own work (httpx: ~1.5 ms), which would be taken from the server."""
    tally = _Tally(job["seconds"])
    host, port = job["url"].removeprefix("http://").rsplit(":", 1)
    head = (
        f"POST /v1/sign/transaction HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {job['token']}\r\nContent-Type: application/json\r\n"
    ).encode()

    async def one_client(mine: list[bytes]) -> None:
        reader = writer = None
        for body in mine:
            if time.monotonic() >= tally.deadline:
                break
            t0 = time.monotonic()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
                status, answer, close = await _read_answer(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                status, answer, close = type(exc).__name__, None, True
            tally.add(t0, status, answer)
            if close and writer is not None:
                writer.close()
                reader = writer = None
        else:
            tally.ran_dry += 1
        if writer is not None:
            writer.close()

    await asyncio.gather(*(one_client(mine) for mine in bodies))
    return tally.result()


async def _read_answer(reader: asyncio.StreamReader) -> tuple[str, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = head[9:12].decode()
    length, close = None, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    if length is None:
        raise ValueError("an answer without Content-Length")
    return status, await reader.readexactly(length), close


async def _drive_httpx(job: dict, bodies: list[list[bytes]]) -> dict:
    tally = _Tally(job["seconds"])
    headers = {"Authorization": f"Bearer {job['token']}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=len(bodies))
    async with httpx.AsyncClient(
        base_url=job["url"], headers=headers, limits=limits, timeout=30
    ) as http:

        async def one_client(mine: list[bytes]) -> None:
            for body in mine:
                if time.monotonic() >= tally.deadline:
                    return
                t0 = time.monotonic()
                try:
                    answer = await http.post("/v1/sign/transaction", content=body)
                    tally.add(t0, str(answer.status_code), answer.content)
                except httpx.HTTPError as exc:
                    tally.add(t0, type(exc).__name__, None)
            tally.ran_dry += 1

        await asyncio.gather(*(one_client(mine) for mine in bodies))
    return tally.result()


def health_process(url: str, go, stop, results) -> None:
    """Poll /health every 50 ms from a process of its own, so that its latencies are the
    server's and not the load generator's event loop."""
    samples: list[tuple[float, str]] = []
    go.wait()
    with httpx.Client(base_url=url, timeout=10) as http:
        next_at = time.monotonic()
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                status = str(http.get("/health").status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            samples.append((time.monotonic() - t0, status))
            next_at += HEALTH_INTERVAL
            time.sleep(max(0.0, next_at - time.monotonic()))
    results.put({"health": samples})


# -- one run --------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: every figure is an observed latency)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of one process from /proc, in seconds (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_cpu_seconds() -> float:
    """Busy time of all cores since boot (/proc/stat: everything but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def wait_quiet(limit: float, busy_below: float = 0.10, window: float = 2.0) -> float:
    """Wait (up to `limit` seconds) until the machine is idle for a window: other work on a
    2-core box takes its CPU from the server. Returns the busy share of the last window."""
    deadline = time.monotonic() + limit
    while True:
        before = busy_cpu_seconds()
        time.sleep(window)
        busy = (busy_cpu_seconds() - before) / window / (os.cpu_count() or 1)
        if busy < busy_below or time.monotonic() >= deadline:
            return busy


def children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) == pid:
                    out.append(int(entry.name))
    return out


@dataclass
class RunResult:
    backend: str
    seconds: float
    clients: int
    client_procs: int
    ok: int = 0
    rate: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    health_ms: dict[str, float] = field(default_factory=dict)
    health_polls: int = 0
    health_errors: dict[str, int] = field(default_factory=dict)
    verified: str = ""
    ran_dry: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    command: str = ""
    skipped: str = ""
    load_before: float = 0.0
    ceiling: float = 0.0  # crypto co-sign rounds/s of the workers alone, same run

    @property
    def ratio(self) -> float:
        return self.rate / self.ceiling if self.ceiling else 0.0

    @property
    def meets_target(self) -> bool:
        return self.ratio >= CEILING_SHARE[self.backend] and self.rate >= RATE_FLOOR[self.backend]


def start_profiler(profile: str | None, backend: str, pid: int, seconds: float):
    """py-spy on the server for the timed run (--profile), as collapsed stacks."""
    if not profile:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    out_dir = Path(tempfile.gettempdir()) / "splitkey-profiles"
    out_dir.mkdir(exist_ok=True)
    print(f"  profiling the server into {out_dir}/server-{backend}-{profile}.txt", flush=True)
    command = [spy, "record", "-p", str(pid), "--threads", "-r", "100", "--nonblocking"]
    command += ["-d", str(max(1, int(seconds) - 1)), "-f", "raw"]
    # cpu: the main process's running frames; workers: the same with the crypto workers; wall:
    # the main process's threads including waits (where a request sits); gil: only the thread
    # holding the interpreter lock (what keeps the main process at one core).
    modes = {"cpu": [], "workers": ["--subprocesses"], "wall": ["--idle"], "gil": ["--gil"]}
    command += modes[profile]
    command += ["-o", str(out_dir / f"server-{backend}-{profile}.txt")]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_backend(
    backend: str,
    seconds: float,
    clients: int,
    client_procs: int,
    tmp: Path,
    profile: str | None = None,
    runner: str | None = None,
    quiet_wait: float = 0.0,
    http: str = "raw",
):
    result = RunResult(backend, seconds, clients, client_procs)
    print(f"  crypto ceiling: {CRYPTO_WORKERS} processes of co-sign rounds ...", flush=True)
    result.ceiling = crypto_ceiling(backend)
    print(f"  ceiling {result.ceiling:,.0f} rounds/s", flush=True)
    server = Server(backend, tmp / f"data-{backend}", runner=runner)
    procs: list = []
    try:
        server.start()
        result.command = " ".join(Path(c).name if "/" in c else c for c in server.command)
        fixture = set_up_wallet(server, clients)
        per_client = math.ceil(PREPARE_RATE[backend] * seconds / clients) + 20
        if quiet_wait > 0:
            # before preparing: the prepared transactions' creation dates must stay inside the
            # server's +-300 s window however long the wait
            wait_quiet(quiet_wait)
        ctx = multiprocessing.get_context("spawn")
        ready, results = ctx.Queue(), ctx.Queue()
        go, stop = ctx.Event(), ctx.Event()
        procs = []
        for p in range(client_procs):
            mine = [
                (split_id, share, (i + 1) * 10_000_000)
                for i, (split_id, share) in enumerate(fixture.splits)
                if i % client_procs == p
            ]
            job = {
                "url": server.url,
                "token": server.token,
                "wallet": fixture.wallet,
                "clients": mine,
                "per_client": per_client,
                "seconds": seconds,
                "http": http,
            }
            procs.append(ctx.Process(target=client_process, args=(job, ready, go, results)))
        procs.append(ctx.Process(target=health_process, args=(server.url, go, stop, results)))
        for proc in procs:
            proc.start()
        for _ in range(client_procs):
            ready.get(timeout=600)
        server_pids = [server.process.pid, *children_of(server.process.pid)]
        cpu_before = {pid: proc_cpu_seconds(pid) for pid in server_pids}
        client_before = {proc.pid: proc_cpu_seconds(proc.pid) for proc in procs}
        busy_before, load_before = busy_cpu_seconds(), os.getloadavg()[0]
        profiler = start_profiler(profile, backend, server.process.pid, seconds)
        go.set()
        outcomes = [results.get(timeout=seconds + 120) for _ in range(client_procs)]
        stop.set()
        busy = busy_cpu_seconds() - busy_before
        cpu_server = {pid: proc_cpu_seconds(pid) - cpu_before[pid] for pid in server_pids}
        cpu_clients = sum(proc_cpu_seconds(p.pid) - client_before[p.pid] for p in procs)
        health = results.get(timeout=30)["health"]
        if profiler is not None:
            profiler.wait(60)
        for proc in procs:
            proc.join(30)
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        server.stop()
    _summarise(result, outcomes, health, fixture.wallet)
    main_cpu = cpu_server.pop(server.process.pid, 0.0)
    result.cpu = {
        "server main process": main_cpu / seconds,
        "crypto workers": sum(cpu_server.values()) / seconds,
        "load clients + poller": cpu_clients / seconds,
        # other processes on the machine during the run: a noisy neighbour shows here
        "others": max(0.0, busy - main_cpu - sum(cpu_server.values()) - cpu_clients) / seconds,
    }
    result.load_before = load_before
    return result


def _summarise(result: RunResult, outcomes, health, wallet: dict) -> None:
    samples = [s for out in outcomes for s in out["samples"]]
    ok = [lat for end, lat, status in samples if status == "200" and end <= result.seconds]
    result.ok = len(ok)
    result.rate = len(ok) / result.seconds
    ok_all = [lat for _end, lat, status in samples if status == "200"]
    result.latency_ms = {
        p: percentile(ok_all, q) * 1000 for p, q in (("p50", 50), ("p95", 95), ("p99", 99))
    }
    result.errors = dict(Counter(status for _e, _l, status in samples if status != "200"))
    result.ran_dry = sum(out["ran_dry"] for out in outcomes)
    key = PublicKey.from_hex(wallet["public_key"])
    answers = [a for out in outcomes for a in out["answers"]]
    good = sum(key.verify_hash(h, Signature.from_hex(sig)) for h, sig in answers)
    result.verified = f"{good}/{len(answers)}"
    latencies = [lat for lat, status in health if status == "200"]
    result.health_polls = len(health)
    result.health_ms = {
        p: percentile(latencies, q) * 1000 for p, q in (("p50", 50), ("p99", 99), ("max", 100))
    }
    result.health_errors = dict(Counter(status for _l, status in health if status != "200"))


# -- the report -----------------------------------------------------------------------------


def render(results: list[RunResult], argv_text: str) -> str:
    lines = [
        "## Co-signing under load",
        "",
        f"`python bench/cosign_load.py{argv_text}`, {report.machine_info()}.",
        "A fresh co-signer per backend, started as its own process (crypto pool: 2 worker "
        "processes; SQLite WAL, synchronous=FULL; fsync'd audit log); one wallet, one "
        "unrestricted split per client; every request a new transfer with its own nonce and "
        "request id, the user's partial computed beforehand and each request's bytes built "
        "beforehand (keep-alive HTTP/1.1, 2 client processes). Latency is measured by the client "
        "(request sent to answer read); /health is polled every 50 ms by a separate process "
        "during the run. The per-address and per-token rate limits are off (every client is "
        "one address with one token): this measures signing, not the limiter.",
        "",
        "| backend | clients | co-signs/s | p50 ms | p95 ms | p99 ms | errors | /health p50 ms "
        "| /health p99 ms | answers verified |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in results:
        if r.skipped:
            lines.append(f"| {r.backend} | — | skipped: {r.skipped} | | | | | | | |")
            continue
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(r.errors.items())) or "0"
        lines.append(
            f"| {r.backend} | {r.clients} | {r.rate:,.1f} | {r.latency_ms['p50']:.1f} | "
            f"{r.latency_ms['p95']:.1f} | {r.latency_ms['p99']:.1f} | {errors} | "
            f"{r.health_ms['p50']:.1f} | {r.health_ms['p99']:.1f} | {r.verified} |"
        )
    lines += [
        "",
        f"Against the crypto ceiling measured in the same run ({CRYPTO_WORKERS} processes doing "
        "only the co-sign round the workers do: verify the partial, sign, add, verify the sum):",
        "",
        "| backend | crypto ceiling rounds/s | server co-signs/s | ratio | target | verdict |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in results:
        if r.skipped:
            continue
        target = f"≥ {CEILING_SHARE[r.backend]:.1f} of the ceiling"
        if RATE_FLOOR[r.backend]:
            target += f" and ≥ {RATE_FLOOR[r.backend]:.0f}/s"
        lines.append(
            f"| {r.backend} | {r.ceiling:,.0f} | {r.rate:,.1f} | {r.ratio:.2f} | {target} | "
            f"{report.verdict(r.meets_target)} |"
        )
    lines += ["", "| target | measured | verdict |", "|---|---:|---|"]
    for r in results:
        if r.skipped:
            lines.append(f"| ≥ {TARGETS[r.backend]:.0f} co-signs/s ({r.backend}) | — | skipped |")
            continue
        lines.append(
            f"| ≥ {TARGETS[r.backend]:.0f} co-signs/s ({r.backend}) | {r.rate:,.1f} | "
            f"{report.verdict(r.rate >= TARGETS[r.backend])} |"
        )
        lines.append(
            f"| /health p99 < {HEALTH_P99_TARGET_MS:.0f} ms while signing ({r.backend}) | "
            f"{r.health_ms['p99']:.1f} ms | "
            f"{report.verdict(r.health_ms['p99'] < HEALTH_P99_TARGET_MS and not r.health_errors)} |"
        )
    lines.append("")
    for r in results:
        if r.skipped:
            continue
        cpu = ", ".join(f"{k} {v:.0%}" for k, v in r.cpu.items())
        notes = [
            f"CPU (one core = 100%): {cpu}",
            f"1-min load average before the run {r.load_before:.1f}",
            f"{r.health_polls} health polls",
        ]
        if r.health_errors:
            notes.append(f"health errors {r.health_errors}")
        notes.append(limiting(r))
        if r.cpu.get("others", 0.0) > 0.1:
            notes.append(
                "**other work on the machine took CPU during this run**: the figures are "
                "pessimistic; run again on an idle machine"
            )
        if r.ran_dry:
            notes.append(
                f"{r.ran_dry} client(s) used up their prepared requests: the rate is a lower bound"
            )
        lines.append(f"- *{r.backend}*: " + "; ".join(notes) + f"; server: `{r.command}`.")
    lines.append(
        "- The load clients run on the same 2 cores as the server, so their CPU (above) is taken "
        "from the server: the figures are what one machine does with both on it."
    )
    lines.append(
        "- Where the time goes: `--profile cpu|workers|wall|gil` records the server with py-spy "
        "(collapsed stacks in $TMPDIR/splitkey-profiles)."
    )
    return "\n".join(lines)


def limiting(r: RunResult) -> str:
    """What the CPU figures say held the rate: one saturated interpreter, all cores, or none
    (then latency and the number of clients did)."""
    main, workers = r.cpu["server main process"], r.cpu["crypto workers"]
    cores = os.cpu_count() or 1
    total = sum(r.cpu.values())
    one_core = (
        f"the server's main process at {main:.0%} of one core (event loop, SQLite thread, audit "
        "thread and pool plumbing share one interpreter lock)"
    )
    if total >= 0.9 * cores:
        # The machine is full: a faster part would only give its CPU to the others.
        busy = f"limit: all {cores} cores busy ({total:.0%}), {workers:.0%} in the crypto workers"
        return busy + (f", {one_core}" if main >= 0.85 else "")
    if main >= 0.85:
        return f"limit: {one_core}"
    return f"no saturated process ({total:.0%} of {cores * 100}% CPU used): latency bound"


def native_available() -> str:
    try:
        load_native()
    except BackendUnavailableError as exc:
        return str(exc)
    return ""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="timed run per backend")
    parser.add_argument("--clients", type=int, default=16, help="concurrent co-signing clients")
    parser.add_argument("--backend", choices=("pure", "native", "both"), default="both")
    parser.add_argument(
        "--client-procs", type=int, default=2, help="processes the clients are spread over"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--profile",
        choices=("cpu", "workers", "wall", "gil"),
        help="py-spy the server during the run into $TMPDIR/splitkey-profiles (collapsed stacks)",
    )
    parser.add_argument(
        "--http",
        choices=("raw", "httpx"),
        default="raw",
        help="load client: pre-built keep-alive HTTP/1.1 requests (default) or httpx",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=30.0,
        metavar="S",
        help="wait up to S seconds for the machine to be idle before each timed run",
    )
    parser.add_argument(
        "--runner", help="a script serving DATA_DIR to use instead of the serve command"
    )
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.clients < 1 or args.client_procs < 1:
        parser.error("--seconds, --clients and --client-procs must be positive")
    procs = min(args.client_procs, args.clients)
    backends = ("pure", "native") if args.backend == "both" else (args.backend,)
    results = []
    tmp = Path(tempfile.mkdtemp(prefix="splitkey-cosign-load-"))
    try:
        for backend in backends:
            missing = native_available() if backend == "native" else ""
            if missing:
                result = RunResult(backend, args.seconds, args.clients, procs, skipped=missing)
            else:
                print(f"{backend}: {args.clients} clients for {args.seconds:g} s ...", flush=True)
                result = run_backend(
                    backend,
                    args.seconds,
                    args.clients,
                    procs,
                    tmp,
                    args.profile,
                    args.runner,
                    args.wait_quiet,
                    args.http,
                )
                print(
                    f"  {result.rate:,.1f} co-signs/s = {result.ratio:.2f} of the crypto ceiling "
                    f"{result.ceiling:,.0f}/s ({'pass' if result.meets_target else 'FAIL'}), "
                    "p50/p95/p99 "
                    + "/".join(f"{v:.1f}" for v in result.latency_ms.values())
                    + f" ms, errors {result.errors or 0}, /health p50/p99 "
                    + f"{result.health_ms['p50']:.1f}/{result.health_ms['p99']:.1f} ms, "
                    + f"verified {result.verified}, CPU "
                    + ", ".join(f"{k} {v:.0%}" for k, v in result.cpu.items()),
                    flush=True,
                )
            results.append(result)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    argv_text = "".join(f" {a}" for a in (sys.argv[1:] if argv is None else argv))
    text = render(results, argv_text)
    print()
    print(text)
    if not args.no_write:
        report.write_section(SECTION, text)
        print(f"\nwritten to {report.BENCHMARKS_MD}")


if __name__ == "__main__":
    main()
