"""The process crypto pool: real worker processes answering over their pipes, errors raised to
the caller, a dead worker failing only its own job and replaced, the queue bound refusing."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import time
from multiprocessing import resource_tracker

import pytest

from cosigner_server import crypto_jobs
from cosigner_server.crypto_pool import CryptoPool, Overloaded, WorkerDied


@pytest.fixture(autouse=True, scope="module")
def _no_tracker_left():
    """Spawning workers from this process starts multiprocessing's resource tracker here too
    (in a server it ends with the server); stop it so the test leaves no process behind."""
    yield
    resource_tracker._resource_tracker._stop()


@pytest.fixture
def pool():
    pool = CryptoPool(workers=2, max_queue=64, mode="process")
    pool.start()
    try:
        yield pool
    finally:
        pool.stop()
    assert all(not w.process.is_alive() for w in pool._procs)


def test_jobs_run_in_the_workers_and_answer_in_order_of_their_callers(pool) -> None:
    material = crypto_jobs.key_from_secret(b"\x01" * 32)

    async def main():
        pids = await asyncio.gather(*(pool.run(os.getpid) for _ in range(40)))
        keys = await asyncio.gather(*(pool.run(crypto_jobs.key_from_secret, b"\x01" * 32)
                                      for _ in range(10)))  # fmt: skip
        roots = await asyncio.gather(*(pool.run(math.isqrt, n * n) for n in range(60)))
        return pids, keys, roots

    pids, keys, roots = asyncio.run(main())
    assert os.getpid() not in pids and len(set(pids)) == 2  # both workers, not the caller
    assert all(k == material for k in keys)
    assert roots == list(range(60))  # each answer reaches its own caller
    assert pool.pending == 0 and pool.jobs["key_from_secret"] == 10


def test_an_error_in_a_job_is_raised_to_its_caller_only(pool) -> None:
    async def main():
        return await asyncio.gather(
            pool.run(int, "12"), pool.run(int, "twelve"), pool.run(int, "13"),
            return_exceptions=True,
        )  # fmt: skip

    twelve, error, thirteen = asyncio.run(main())
    assert (twelve, thirteen) == (12, 13)
    assert isinstance(error, ValueError) and "twelve" in str(error)


def test_a_killed_worker_fails_its_job_and_is_replaced(pool) -> None:
    async def main():
        slow = asyncio.ensure_future(pool.run(time.sleep, 30))
        await asyncio.sleep(0.5)  # the job is in a worker now
        victim = next(w for w in pool._procs if w.sent)
        os.kill(victim.process.pid, signal.SIGKILL)
        with pytest.raises(WorkerDied):
            await asyncio.wait_for(slow, 20)
        assert victim not in pool._procs and len(pool._procs) == 2
        return await asyncio.gather(*(pool.run(math.isqrt, 49) for _ in range(8)))

    assert asyncio.run(main()) == [7] * 8


def test_a_full_queue_is_refused_at_once() -> None:
    pool = CryptoPool(workers=1, max_queue=2, mode="process")
    pool.start()
    try:

        async def main():
            busy = [asyncio.ensure_future(pool.run(time.sleep, 0.5)) for _ in range(2)]
            await asyncio.sleep(0)
            with pytest.raises(Overloaded):
                await pool.run(math.isqrt, 4)
            await asyncio.gather(*busy)
            return await pool.run(math.isqrt, 4)

        assert asyncio.run(main()) == 2
        assert pool.rejected == 1
    finally:
        pool.stop()
