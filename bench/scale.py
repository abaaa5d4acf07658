"""How the co-signer's costs grow with its data, written to docs/benchmarks.md (scale section)
with a plot, docs/scale.png.

    python bench/scale.py [--sizes 1000,100000,1000000] [--splits 100000] [--no-write]

For each size N: a fresh data directory filled THROUGH THE STORAGE API (SQLiteStorage's own
consume/complete, add_wallet/add_split, values sealed with the KEK, the audit records through the
audit writer; synchronous=OFF while filling only, so it takes minutes, not hours) with `--splits`
split keys and N co-sign records spread over the last 60 days, and N matching audit records.
Then, on the real `serve` process: start to ready after a clean shutdown and with
startup_check=full, /ready latency, co-sign latency (sequential real co-signs of a fresh split,
partials made beforehand), `audit verify` records/s, backup and restore time (the CLI), and the
database and audit bytes per co-sign record.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

try:
    from bench import report  # python -m bench.scale
    from bench.cosign_load import children_of, free_port, percentile, proc_cpu_seconds
except ImportError:  # python bench/scale.py
    import report
    from cosign_load import children_of, free_port, percentile, proc_cpu_seconds

import httpx

from app.crypto import SecretKey
from app.permissions import Permissions
from app.transaction import Transaction
from cosigner_server import audit_parallel, identity
from cosigner_server.bootstrap import close_state, init_data_dir, load_state
from cosigner_server.config import DEFAULT_CHAIN_ID, load_config
from cosigner_server.model import Split, Wallet

SECTION = "scale"
PLOT = report.REPO / "docs" / "scale.png"
RECIPIENT = "cd" * 32
SPREAD = 60 * 86_400  # co-sign records over the last 60 days: inside the default retention
CHUNK = 500  # concurrent storage calls while filling (they share commits)
PROBES = 200  # co-signs and /ready requests measured per size
# Issue 11, target 3 (at the largest size, against the smallest).
COSIGN_GROWTH_TARGET = 1.3
START_TARGET_S = 3.0
READY_TARGET_MS = 5.0
VERIFY_TARGET = 100_000


@dataclass
class SizeResult:
    records: int
    splits: int
    fill_s: float = 0.0
    start_clean_s: float = 0.0
    start_full_s: float = 0.0
    start_cpu_s: float = 0.0  # CPU the server (and its crypto workers) used to get ready
    ready_ms: dict[str, float] = field(default_factory=dict)
    cosign_ms: dict[str, float] = field(default_factory=dict)
    verify_per_s: float = 0.0
    backup_s: float = 0.0
    restore_s: float = 0.0
    db_bytes: int = 0
    audit_bytes: int = 0


# -- filling ------------------------------------------------------------------------------------


async def fill(data_dir: Path, records: int, splits: int) -> str:
    """Fill an initialised data directory; returns a server token for the bench user."""
    config = load_config(data_dir)
    state = await load_state(config, start_pool=False)
    storage = state.storage
    try:
        await storage._call(lambda: storage._conn().execute("PRAGMA synchronous = OFF"))
        user, _code = await identity.create_user(state, None, "scale", "user")
        token = identity.mint(state, user)["token"]
        now = int(time.time())
        per_wallet = 10
        split_ids: list[tuple[str, str]] = []
        limited = Permissions(groups=frozenset({"token_transfers"}))
        for w in range(0, splits, per_wallet):
            client_id = os.urandom(32).hex()
            await storage.add_wallet(
                Wallet(client_id, "pk-" + client_id[:16], user.id, now - SPREAD,
                       state.kek.seal(b'{"filler": true}', f"wallet:{client_id}"))
            )  # fmt: skip
            calls = []
            for _ in range(min(per_wallet, splits - w)):
                split_id = uuid.uuid4().hex
                split_ids.append((split_id, client_id))
                share = state.kek.seal(os.urandom(32), f"split:{split_id}:server")
                calls.append(storage.add_split(Split(
                    id=split_id, client_id=client_id, holder_id=user.id, label="filler",
                    share_public_key="spk-" + split_id, permissions=limited,
                    created_at=now - SPREAD, sealed_server_share=share, sealed_user_share=None,
                )))  # fmt: skip
            await asyncio.gather(*calls)
        answer = json.dumps({"signature": "ab" * 48, "hash": "cd" * 32, "pad": "x" * 900})

        def allow(_usage):
            return None

        nonces: dict[str, int] = {}
        log = state.audit
        for start in range(0, records, CHUNK):
            batch = []
            for i in range(start, min(records, start + CHUNK)):
                split_id, client_id = split_ids[i % len(split_ids)]
                nonce = nonces[client_id] = nonces.get(client_id, 0) + 1
                at = now - SPREAD + (i * SPREAD) // max(1, records)
                batch.append((split_id, client_id, nonce, at))
            await asyncio.gather(*(
                storage.consume(s, f"{s}:{n}", f"{c}:{n}", 1, at, allow) for s, c, n, at in batch
            ))  # fmt: skip
            await asyncio.gather(*(storage.complete(f"{s}:{n}", answer) for s, _c, n, _ in batch))
            # The matching audit records, written as the writer writes them; one fsync at the
            # end instead of one per group (what concurrent traffic would share anyway).
            with log._lock:
                for s, c, n, _at in batch:
                    log._append_locked("cosign_transaction", actor=user.id, wallet=c, split=s,
                                       outcome="signed", details={"hash": "cd" * 32, "to":
                                       RECIPIENT, "value": 1, "nonce": n, "type": 0})  # fmt: skip
            if start // CHUNK % 200 == 0:
                print(f"    {start + len(batch):,} / {records:,} records", flush=True)
        log.append("scale_fill_done", actor="system", outcome="ok")  # the durable end
        await storage._call(lambda: storage._conn().execute("PRAGMA synchronous = FULL"))
        return token
    finally:
        await close_state(state)


# -- the running server -------------------------------------------------------------------------


class Serve:
    def __init__(self, data_dir: Path, port: int, **env: str) -> None:
        self.url = f"http://127.0.0.1:{port}"
        # Without PYTHONDONTWRITEBYTECODE (a developer's shell may set it): an installed server
        # has its bytecode compiled (pip, the .deb), so a start must not compile every module.
        full_env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("SPLITKEY_COSIGNER_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        full_env.update({f"SPLITKEY_COSIGNER_{k.upper()}": v for k, v in env.items()})
        self.log = open(data_dir.parent / f"serve-{port}.log", "ab")  # noqa: SIM115
        command = [sys.executable, "-m", "cosigner_server", "serve", "--data-dir", str(data_dir)]
        self.t0 = time.monotonic()
        self.process = subprocess.Popen(command, env=full_env, stdout=self.log,
                                        stderr=subprocess.STDOUT, cwd=report.REPO)  # fmt: skip

    def wait_ready(self, timeout: float = 300.0) -> float:
        with httpx.Client(timeout=5) as http:
            while time.monotonic() - self.t0 < timeout:
                if self.process.poll() is not None:
                    raise SystemExit(f"the server exited ({self.process.returncode}); see its log")
                try:
                    if http.get(self.url + "/ready").status_code == 200:
                        elapsed = time.monotonic() - self.t0
                        pids = [self.process.pid, *children_of(self.process.pid)]
                        self.cpu = sum(proc_cpu_seconds(pid) for pid in pids)
                        return elapsed
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
        raise SystemExit("the server did not become ready")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.close()


def measure_live(url: str, token: str) -> tuple[dict[str, float], dict[str, float]]:
    """(/ready latency, co-sign latency) in ms, p50 and p99, over PROBES sequential requests."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        ready = []
        for _ in range(PROBES):
            t0 = time.perf_counter()
            assert http.get("/ready").status_code == 200
            ready.append((time.perf_counter() - t0) * 1000)
        made = http.post("/v1/wallets", json={})
        made.raise_for_status()
        wallet = made.json()["wallet"]
        split = http.post(f"/v1/wallets/{wallet['client_id']}/splits", json={"label": "probe"})
        split.raise_for_status()
        split_id = split.json()["split"]["id"]
        share = SecretKey.from_hex(http.post(f"/v1/splits/{split_id}/key").json()["private_key"])
        bodies = []
        for nonce in range(1, PROBES + 21):
            tx = Transaction(client_id=wallet["client_id"], public_key=wallet["public_key"],
                             chain_id=DEFAULT_CHAIN_ID, creation_date=int(time.time()),
                             to_client_id=RECIPIENT, transaction_value=1,
                             transaction_nonce=nonce)  # fmt: skip
            partial = share.sign_hash(tx.hash).to_hex()
            bodies.append({"split_id": split_id, "request_id": uuid.uuid4().hex,
                           "transaction": {**tx.to_dict(), "signature": partial}})  # fmt: skip
        cosign = []
        for i, body in enumerate(bodies):
            t0 = time.perf_counter()
            answer = http.post("/v1/sign/transaction", json=body)
            elapsed = (time.perf_counter() - t0) * 1000
            if answer.status_code != 200:
                raise SystemExit(f"co-sign refused: {answer.text}")
            if i >= 20:  # the first ones warm the pool and caches
                cosign.append(elapsed)
    pick = {"p50": 50, "p99": 99}
    return (
        {k: percentile(ready, q) for k, q in pick.items()},
        {k: percentile(cosign, q) for k, q in pick.items()},
    )


def cli(*args: str | Path) -> float:
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "cosigner_server", *map(str, args)],
                          capture_output=True, text=True, cwd=report.REPO)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"cosigner_server {args[0]} failed: {done.stderr[-2000:]}")
    return time.monotonic() - t0


def run_size(tmp: Path, records: int, splits: int) -> SizeResult:
    result = SizeResult(records, splits)
    data_dir = tmp / f"data-{records}"
    data_dir.mkdir(mode=0o700)
    port = free_port()
    settings = {"port": port, "kek_source": "file", "rate_per_ip": 0, "rate_per_token": 0}
    (data_dir / "config.toml").write_text("".join(f"{k} = {json.dumps(v)}\n"
                                                  for k, v in settings.items()))  # fmt: skip
    config = load_config(data_dir)
    init_data_dir(config)
    print(f"  filling {records:,} co-sign records over {splits:,} splits ...", flush=True)
    t0 = time.monotonic()
    token = asyncio.run(fill(data_dir, records, splits))
    result.fill_s = time.monotonic() - t0
    result.db_bytes = config.db_path.stat().st_size
    result.audit_bytes = config.audit_path.stat().st_size

    # A first start warms the page cache and the bytecode cache: the two measured starts below
    # then differ only in the database check.
    first = Serve(data_dir, port)
    first.wait_ready()
    first.stop()
    clean = Serve(data_dir, port)
    result.start_clean_s = clean.wait_ready()
    result.start_cpu_s = clean.cpu
    try:
        result.ready_ms, result.cosign_ms = measure_live(clean.url, token)
    finally:
        clean.stop()
    full = Serve(data_dir, port, startup_check="full")
    result.start_full_s = full.wait_ready()
    full.stop()

    secrets = asyncio.run(_audit_key(data_dir))
    t0 = time.monotonic()
    report_ = audit_parallel.verify(config.audit_path, secrets)  # as `audit verify`
    verify_s = time.monotonic() - t0
    assert report_.ok, report_.problem
    result.verify_per_s = report_.records / verify_s

    archive = tmp / f"backup-{records}.tar.gz"
    result.backup_s = cli("backup", "--data-dir", data_dir, "--out", archive)
    target = tmp / f"restored-{records}"
    result.restore_s = cli("restore", "--data-dir", target, "--from", archive,
                           "--kek-file", data_dir / "kek.key")  # fmt: skip
    shutil.rmtree(target, ignore_errors=True)
    archive.unlink(missing_ok=True)
    return result


async def _audit_key(data_dir: Path) -> bytes:
    state = await load_state(load_config(data_dir), start_pool=False)
    try:
        return state.audit_key
    finally:
        await close_state(state)


# -- the report ---------------------------------------------------------------------------------


def render(results: list[SizeResult], argv_text: str, load: tuple[float, float]) -> str:
    lines = [
        "## Scale: cost as the data grows",
        "",
        f"`python bench/scale.py{argv_text}`, {report.machine_info()}; 1-min load average "
        f"{load[0]:.1f} before, {load[1]:.1f} after (the machine is shared: figures are noisy).",
        "Each size: a data directory filled through the storage API (co-sign records spread "
        "over 60 days, the matching audit records), then the real `serve` process. Start = "
        "process start to the first `/ready` 200 (Python start-up, crypto pool, database check; "
        "on a loaded machine most of it is waiting for a core: 'its CPU' is the CPU time the "
        "server and its workers used to get there); "
        "co-sign = one client, sequential real co-signs (crypto included) of a fresh split; "
        "backup/restore = the CLI commands (restore into a new directory, every sealed record "
        "opened).",
        "",
        "| co-sign records | splits | fill s | start (clean) s | its CPU s | start (full check) s "
        "| /ready p50 ms | /ready p99 ms | co-sign p50 ms | co-sign p99 ms | audit verify rec/s "
        "| backup s | restore s | DB bytes/record | audit bytes/record |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.records:,} | {r.splits:,} | {r.fill_s:.0f} | {r.start_clean_s:.2f} | "
            f"{r.start_cpu_s:.2f} | "
            f"{r.start_full_s:.2f} | {r.ready_ms['p50']:.2f} | {r.ready_ms['p99']:.2f} | "
            f"{r.cosign_ms['p50']:.1f} | {r.cosign_ms['p99']:.1f} | {r.verify_per_s:,.0f} | "
            f"{r.backup_s:.1f} | {r.restore_s:.1f} | {r.db_bytes / r.records:,.0f} | "
            f"{r.audit_bytes / r.records:,.0f} |"
        )
    small, big = results[0], results[-1]
    growth = big.cosign_ms["p50"] / small.cosign_ms["p50"]
    lines += [
        "",
        f"Targets (issue 11) at {big.records:,} records:",
        "",
        "| target | measured | verdict |",
        "|---|---:|---|",
        f"| co-sign p50 within {COSIGN_GROWTH_TARGET}x of {small.records:,} records | "
        f"{growth:.2f}x | {report.verdict(growth <= COSIGN_GROWTH_TARGET)} |",
        f"| start to ready < {START_TARGET_S:.0f} s (clean shutdown before) | "
        f"{big.start_clean_s:.2f} s (CPU {big.start_cpu_s:.2f} s) | "
        f"{report.verdict(big.start_clean_s < START_TARGET_S)} |",
        f"| /ready < {READY_TARGET_MS:.0f} ms (p50) | {big.ready_ms['p50']:.2f} ms | "
        f"{report.verdict(big.ready_ms['p50'] < READY_TARGET_MS)} |",
        f"| audit verify ≥ {VERIFY_TARGET:,} records/s | {big.verify_per_s:,.0f} | "
        f"{report.verdict(big.verify_per_s >= VERIFY_TARGET)} |",
        "",
        "![co-sign latency and start time against the number of co-sign records](scale.png)",
    ]
    return "\n".join(lines)


def plot(results: list[SizeResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r.records for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(sizes, [r.cosign_ms["p50"] for r in results], "o-", label="co-sign p50")
    left.plot(sizes, [r.cosign_ms["p99"] for r in results], "s--", label="co-sign p99")
    left.set(xscale="log", xlabel="co-sign records", ylabel="ms", title="co-sign latency")
    left.set_ylim(bottom=0)
    left.legend()
    right.plot(sizes, [r.start_clean_s for r in results], "o-", label="after a clean shutdown")
    right.plot(sizes, [r.start_full_s for r in results], "s--", label="startup_check = full")
    right.set(xscale="log", xlabel="co-sign records", ylabel="s", title="start to ready")
    right.set_ylim(bottom=0)
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000,1000000",
                        help="co-sign record counts, comma-separated")  # fmt: skip
    parser.add_argument("--splits", type=int, default=100_000, help="split keys per data dir")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    try:
        sizes = sorted(int(s) for s in args.sizes.split(","))
    except ValueError:
        parser.error("--sizes: whole numbers separated by commas")
    if not sizes or sizes[0] < 1 or args.splits < 1:
        parser.error("--sizes and --splits must be positive")
    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="splitkey-scale-"))
    results = []
    argv_text = "".join(f" {a}" for a in (sys.argv[1:] if argv is None else argv))
    try:
        for records in sizes:
            print(f"{records:,} co-sign records:", flush=True)
            result = run_size(tmp, records, args.splits)
            print(f"  {result}", flush=True)
            results.append(result)
            text = render(results, argv_text, (load_before, os.getloadavg()[0]))
            if not args.no_write:  # after each size: a long run cut short keeps what it measured
                plot(results, PLOT)
                report.write_section(SECTION, text)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(text)
    if not args.no_write:
        print(f"\nwritten to {report.BENCHMARKS_MD} and {PLOT}")


if __name__ == "__main__":
    main()
