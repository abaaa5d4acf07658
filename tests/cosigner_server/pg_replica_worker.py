"""A co-signer replica's storage in a process of its own, for test_pg_replicas.py: it opens its own
PostgresStorage (its own pool, its own clock) on the shared database and runs the scenario it is
sent, starting it at the same moment as the other replica (a barrier). Everything is decided by
the real policy (cosigner_server.policy.check_consume) and audited by the real DatabaseAuditLog."""

from __future__ import annotations

import asyncio
import time
import traceback
from typing import Any

from cosigner_server import policy
from cosigner_server.audit_db import DatabaseAuditLog
from cosigner_server.storage.postgres import PostgresStorage

AUDIT_KEY = b"k" * 32
RACE_DELAY = 0.005


async def _widen(_op: str) -> None:
    await asyncio.sleep(RACE_DELAY)


def serve(name: str, commands, results, barrier) -> None:
    """The process's loop: (scenario, url, race, args) in, (name, result or error) out."""
    while True:
        command = commands.get()
        if command is None:
            return
        scenario, url, race, args = command
        try:
            result = asyncio.run(_run(name, scenario, url, race, args, barrier))
            results.put((name, result, None))
        except BaseException:
            results.put((name, None, traceback.format_exc()))


async def _run(name: str, scenario: str, url: str, race: bool, args: dict, barrier) -> Any:
    storage = PostgresStorage(url, pool_size=8, race_hook=_widen if race else None)
    await storage.open()
    try:
        audit = DatabaseAuditLog(storage, AUDIT_KEY)
        await asyncio.to_thread(barrier.wait, 30)
        return await SCENARIOS[scenario](name, storage, audit, **args)
    finally:
        await storage.close()


def _decide(value: int):
    return lambda snapshot: policy.check_consume(snapshot, value=value)


async def _cosign(storage, audit, name, split_id, key, nonce_key=None, value=1,
                  answer=True) -> dict:  # fmt: skip
    """What signing.py does around the crypto: consume, audit, complete (answer=False leaves
    the use row as consume committed it, for commit-order checks on it)."""
    started = time.monotonic()
    result = await storage.consume(split_id, key, nonce_key, value, None, _decide(value))
    out = {"key": key, "started": started, "rule": result.refusal and result.refusal.rule,
           "replay": result.replay}  # fmt: skip
    if result.sealed_server_share is not None:
        seq = await audit.append_async("cosign_transaction", actor=name, split=split_id,
                                       outcome="signed", details={"request": key})  # fmt: skip
        if answer:
            await storage.complete(key, f"answer-{key}")
        out.update(accepted=True, seq=seq, signed_before=result.nonce_signed_before)
    return out


async def cap(name, storage, audit, split_id: str, n: int) -> list[dict]:
    return list(await asyncio.gather(
        *(_cosign(storage, audit, name, split_id, f"{name}-{i}") for i in range(n))
    ))  # fmt: skip


async def nonces(name, storage, audit, split_id: str, wallet: str, n: int) -> list[dict]:
    return list(await asyncio.gather(
        *(_cosign(storage, audit, name, split_id, f"{name}-n{i}", f"{wallet}:{i}")
          for i in range(n))
    ))  # fmt: skip


async def replays(name, storage, audit, split_id: str, keys: list[str], rounds: int) -> list:
    out = []
    for _ in range(rounds):
        out += await asyncio.gather(*(_cosign(storage, audit, name, split_id, k) for k in keys))
    return out


async def revoke_after(name, storage, audit, split_id: str, delay: float) -> dict:
    await asyncio.sleep(delay)
    started = time.monotonic()
    assert await storage.revoke_split(split_id, int(time.time()))
    return {"revoke_started": started, "revoke_acked": time.monotonic()}


async def sign_until_refused(name, storage, audit, split_id: str, workers: int) -> list[dict]:
    out: list[dict] = []

    async def loop(w: int) -> None:
        i = 0
        while True:
            i += 1
            got = await _cosign(storage, audit, name, split_id, f"{name}-{w}-{i}", value=0,
                                answer=False)
            out.append(got)
            if got["rule"] == "revoked":
                # keep going a little: every later request must be refused too
                for j in range(5):
                    out.append(await _cosign(storage, audit, name, split_id,
                                             f"{name}-{w}-{i}-after{j}", value=0,
                                             answer=False))  # fmt: skip
                return

    await asyncio.gather(*(loop(w) for w in range(workers)))
    return out


async def take_share(name, storage, audit, split_id: str, holder: str, n: int) -> int:
    got = await asyncio.gather(*(storage.take_user_share(split_id, holder) for _ in range(n)))
    return sum(g is not None for g in got)


async def appends(name, storage, audit, n: int, in_flight: int) -> list[int]:
    seqs: list[int] = []

    async def worker(w: int) -> None:
        for i in range(w, n, in_flight):
            seqs.append(await audit.append_async("test", actor=name, outcome="ok",
                                                 details={"i": i}))  # fmt: skip

    await asyncio.gather(*(worker(w) for w in range(in_flight)))
    return seqs


SCENARIOS = {
    "cap": cap,
    "nonces": nonces,
    "replays": replays,
    "revoke_after": revoke_after,
    "sign_until_refused": sign_until_refused,
    "take_share": take_share,
    "appends": appends,
}
