"""Co-signs/s on one SQLite server against one and two PostgreSQL replicas, and audit appends/s
(the file against the chain in PostgreSQL from one and two processes), written to
docs/benchmarks.md between the pg-replicas markers.

    python bench/pg_replicas.py [--seconds S] [--clients N] [--appends N]

The servers are real `serve` processes (native crypto, 2 crypto worker processes each) driven by
bench/cosign_load.py's load clients (pre-built keep-alive requests, every one a new nonce and
request id). PostgreSQL is a private cluster with its durable defaults (fsync and
synchronous_commit on), like SQLite's synchronous=FULL and the fsync'd audit file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cosign_load as load  # noqa: E402
from bench import report  # noqa: E402
from cosigner_server.audit import AuditLog  # noqa: E402
from cosigner_server.audit_db import DatabaseAuditLog  # noqa: E402
from cosigner_server.bootstrap import init_data_dir  # noqa: E402
from cosigner_server.config import load_config  # noqa: E402
from cosigner_server.storage.postgres import PostgresStorage  # noqa: E402
from tests.pg_cluster import Cluster, server_bin  # noqa: E402

SECTION = "pg-replicas"
KEY = b"b" * 32


def _start(data_dir: Path, port: int, env: dict) -> subprocess.Popen:
    text = (data_dir / "config.toml").read_text()
    (data_dir / "config.toml").write_text(text.replace("port = 0", f"port = {port}"))
    log = open(data_dir.parent / f"{data_dir.name}.log", "wb")  # noqa: SIM115
    return subprocess.Popen([sys.executable, "-m", "cosigner_server", "serve", "--data-dir",
                             str(data_dir)], env=env, stdout=log, stderr=subprocess.STDOUT,
                            cwd=report.REPO)  # fmt: skip


def _ready(url: str, proc: subprocess.Popen) -> None:
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"a server exited at start ({url})")
        try:
            if httpx.get(url + "/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not ready")


def run_servers(kind: str, replicas: int, tmp: Path, url: str | None, args) -> dict:
    """kind sqlite|postgres; the same split of clients across the replicas' addresses."""
    base = tmp / f"{kind}-{replicas}"
    base.mkdir()
    first = base / "r0"
    first.mkdir(mode=0o700)
    settings = {"host": "127.0.0.1", "port": 0, "kek_source": "file", "crypto_mode": "process",
                "crypto_workers": load.CRYPTO_WORKERS, "rate_per_ip": 0, "rate_per_token": 0}
    if url:
        settings["database_url"] = url
    (first / "config.toml").write_text("".join(f"{k} = {json.dumps(v)}\n"
                                               for k, v in settings.items()))  # fmt: skip
    config = load_config(first)
    init_data_dir(config)
    token = asyncio.run(load._offline_user(config))
    dirs = [first]
    for i in range(1, replicas):
        d = base / f"r{i}"
        shutil.copytree(first, d)
        dirs.append(d)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPLITKEY_COSIGNER_")}
    env["SPLITKEY_CRYPTO_BACKEND"] = "native"
    ports = [load.free_port() for _ in dirs]
    procs = [_start(d, p, env) for d, p in zip(dirs, ports, strict=True)]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for u, proc in zip(urls, procs, strict=True):
            _ready(u, proc)
        server = load.Server("native", first, url=urls[0], token=token)
        fixture = load.set_up_wallet(server, args.clients)
        per_client = math.ceil(load.PREPARE_RATE["native"] * args.seconds / args.clients) + 20
        ctx = multiprocessing.get_context("spawn")
        ready, results = ctx.Queue(), ctx.Queue()
        go = ctx.Event()
        clients = []
        for p in range(2):  # two client processes, each on one replica (both on one if 1)
            mine = [(sid, share, (i + 1) * 10_000_000)
                    for i, (sid, share) in enumerate(fixture.splits) if i % 2 == p]  # fmt: skip
            job = {"url": urls[p % len(urls)], "token": token, "wallet": fixture.wallet,
                   "clients": mine, "per_client": per_client, "seconds": args.seconds,
                   "http": "raw"}  # fmt: skip
            clients.append(ctx.Process(target=load.client_process,
                                       args=(job, ready, go, results)))  # fmt: skip
        for c in clients:
            c.start()
        for _ in clients:
            ready.get(timeout=600)
        busy_before, load_before = load.busy_cpu_seconds(), os.getloadavg()[0]
        go.set()
        outcomes = [results.get(timeout=args.seconds + 120) for _ in clients]
        busy = load.busy_cpu_seconds() - busy_before
        for c in clients:
            c.join(30)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
    samples = [s for out in outcomes for s in out["samples"]]
    ok = [lat for end, lat, status in samples if status == "200" and end <= args.seconds]
    errors = sum(status != "200" for _e, _l, status in samples)
    return {"kind": kind, "replicas": replicas, "rate": len(ok) / args.seconds,
            "p50": load.percentile(ok, 50) * 1000, "p95": load.percentile(ok, 95) * 1000,
            "errors": errors, "cpu": busy / args.seconds, "load_before": load_before}  # fmt: skip


def file_appends(tmp: Path, n: int) -> float:
    log = AuditLog(tmp / "bench-audit.log", KEY)
    log.open()
    threads, per = 8, n // 8

    def work() -> None:
        for i in range(per):
            log.append("bench", actor="bench", outcome="ok", details={"i": i})

    started = time.monotonic()
    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    rate = threads * per / (time.monotonic() - started)
    log.close()
    return rate


def _db_appends(url: str, n: int, in_flight: int, go, out) -> None:
    async def run() -> None:
        storage = PostgresStorage(url, pool_size=in_flight)
        await storage.open()
        sink = DatabaseAuditLog(storage, KEY)

        async def worker(w: int) -> None:
            for i in range(w, n, in_flight):
                await sink.append_async("bench", actor="bench", outcome="ok", details={"i": i})

        go.wait()
        started = time.monotonic()
        await asyncio.gather(*(worker(w) for w in range(in_flight)))
        out.put((n, started, time.monotonic()))
        await storage.close()

    asyncio.run(run())


def db_appends(url: str, processes: int, n: int) -> float:
    ctx = multiprocessing.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_db_appends, args=(url, n, 8, go, out)) for _ in range(processes)]
    for p in procs:
        p.start()
    time.sleep(2.0)  # the processes import and connect
    go.set()
    got = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(30)
    total = sum(g[0] for g in got)
    return total / (max(g[2] for g in got) - min(g[1] for g in got))


def _load_words(rows: list[dict]) -> str:
    """What the load average before the runs says about them (measured, not assumed)."""
    worst = max((r["load_before"] for r in rows), default=0.0)
    return (
        f"The 1-min load average before each run is in the table (at most {worst:.1f} on "
        f"{os.cpu_count()} cores; it includes the tail of the previous run): "
        + ("other work was running, so the figures are pessimistic and noisy."
           if worst > 2 * os.cpu_count() else "no other heavy work was running.")
    )  # fmt: skip


def render(rows: list[dict], appends: dict, args) -> str:
    lines = [
        "## Replicas on PostgreSQL",
        "",
        f"`python bench/pg_replicas.py --seconds {args.seconds:g} --clients {args.clients}`, "
        f"{report.machine_info()}.",
        "Each co-signer is a real `serve` process (native crypto, 2 crypto worker processes); "
        "PostgreSQL 15 is a private cluster on the same machine with its durable defaults (fsync "
        "and synchronous_commit on, over a Unix socket), SQLite runs WAL with synchronous=FULL "
        "and the fsync'd audit file. Clients: bench/cosign_load.py's (2 processes, pre-built "
        "keep-alive requests, every request a new nonce and request id), split across the "
        "replicas. " + _load_words(rows),
        "",
        "| storage | replicas | co-signs/s | p50 ms | p95 ms | errors | machine CPU busy "
        "| load before |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['kind']} | {r['replicas']} | {r['rate']:.1f} | {r['p50']:.1f} | "
                     f"{r['p95']:.1f} | {r['errors']} | {r['cpu'] * 100:.0f}% | "
                     f"{r['load_before']:.1f} |")  # fmt: skip
    lines += [
        "",
        f"Audit appends/s ({args.appends} records per process, 8 in flight per process):",
        "",
        "| audit sink | writers | appends/s |",
        "|---|---:|---:|",
        f"| file (audit.log, fsync per record) | 1 process, 8 threads | {appends['file']:.0f} |",
        f"| PostgreSQL, one chain (head row lock, commit per record) | 1 process | "
        f"{appends['db1']:.0f} |",
        f"| PostgreSQL, one chain | 2 processes | {appends['db2']:.0f} |",
        "",
        "What two cores can and cannot show: every replica, its crypto workers, PostgreSQL and "
        "the load clients share the same 2 cores, so a second replica cannot add CPU here; the "
        "co-signing rate is bounded by the machine, not by the database's locks. What this does "
        "show is the cost of the shared database per co-sign (a round trip to the database "
        "server per statement instead of an in-process SQLite call) and that two replicas serve "
        "correctly at the same time (the exactness itself is proven by "
        "tests/cosigner_server/test_pg_replicas.py, not by these figures). On separate "
        "machines each replica brings its own cores, and the "
        "ceiling becomes the single audit chain's head row: the appends/s above.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true", help="print, do not edit the doc")
    args = parser.parse_args(argv)
    bindir = server_bin()
    if bindir is None:
        print("PostgreSQL's server binaries are not installed", file=sys.stderr)
        return 2
    cluster = Cluster(bindir)
    cluster.start(durable=True)
    tmp = Path(tempfile.mkdtemp(prefix="splitkey-pg-bench-"))
    try:
        rows = [run_servers("sqlite", 1, tmp, None, args)]
        rows.append(run_servers("postgres", 1, tmp, cluster.new_database(), args))
        rows.append(run_servers("postgres", 2, tmp, cluster.new_database(), args))
        appends = {"file": file_appends(tmp, args.appends)}
        url = cluster.new_database()
        asyncio.run(_migrate(url))
        appends["db1"] = db_appends(url, 1, args.appends)
        appends["db2"] = db_appends(url, 2, args.appends)
    finally:
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    text = render(rows, appends, args)
    print(text)
    if not args.no_write:
        report.write_section(SECTION, text)
    return 0


async def _migrate(url: str) -> None:
    storage = PostgresStorage(url, pool_size=1)
    await storage.open()
    await storage.close()


if __name__ == "__main__":
    sys.exit(main())
