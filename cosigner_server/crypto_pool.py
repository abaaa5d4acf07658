"""Where the co-signer's CPU work runs: a process pool (the default) or a thread pool, behind a
bounded number of queued jobs. When the queue is full the caller gets Overloaded at once and
answers 503: a busy server says so quickly instead of letting latency grow without bound."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from . import crypto_jobs

T = TypeVar("T")


class Overloaded(Exception):
    """The crypto queue is full."""


# Worker processes run below the event loop's priority: under overload the loop, which answers
# refusals, health probes and finished co-signs, preempts the CPU-bound signing instead of
# waiting for its scheduler slice. Measured at 10x signing capacity with the server on one core:
# refusals seen by the client p50 90 -> 1.5 ms, p95 132 -> 44 ms; signing capacity unchanged
# within the noise (tests/faults/test_overload.py).
WORKER_NICENESS = 10


def _init_worker(backend: str | None, server_pid: int | None = None) -> None:
    with contextlib.suppress(OSError, AttributeError):  # no os.nice on some platforms
        os.nice(WORKER_NICENESS)
    # The server's pid comes from the server: a worker still starting when the server died has
    # already been adopted by another process, so its own getppid() would be the wrong one.
    _exit_with_parent(server_pid or os.getppid())
    if backend:
        os.environ["SPLITKEY_CRYPTO_BACKEND"] = backend
    crypto_jobs.warm_up()


def _exit_with_parent(parent: int) -> None:
    """A worker whose server died (kill -9, a crash) would wait on its job queue forever: each
    worker holds that queue's write end too, so it never sees end-of-file. Watch the parent."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class CryptoPool:
    def __init__(self, workers: int, max_queue: int, mode: str = "process") -> None:
        if mode not in ("process", "thread"):
            raise ValueError("crypto pool mode must be 'process' or 'thread'")
        self.workers = max(1, workers)
        self.max_queue = max_queue
        self.mode = mode
        self.pending = 0  # queued + running; read by /metrics
        # Counted here, in the parent, because process workers' counters would stay in them.
        self.jobs: Counter[str] = Counter()  # admitted jobs by function name
        self.pairing_checks = 0  # see crypto_jobs.PAIRING_CHECKS
        self.rejected = 0  # Overloaded answers
        self._executor: concurrent.futures.Executor | None = None

    def start(self) -> None:
        backend = os.environ.get("SPLITKEY_CRYPTO_BACKEND")
        if self.mode == "process":
            # forkserver/spawn, never fork: the parent has threads (storage) that fork would copy.
            ctx = multiprocessing.get_context("spawn")
            self._executor = concurrent.futures.ProcessPoolExecutor(
                self.workers,
                mp_context=ctx,
                initializer=_init_worker,
                initargs=(backend, os.getpid()),
            )
            # start every worker now, not on the first request
            list(self._executor.map(_noop, range(self.workers)))
        else:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                self.workers, thread_name_prefix="crypto", initializer=crypto_jobs.warm_up
            )

    def stop(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            raise RuntimeError("crypto pool is not started")
        if self.pending >= self.max_queue:
            self.rejected += 1
            raise Overloaded()
        name = getattr(fn, "__name__", "job")
        self.jobs[name] += 1
        self.pairing_checks += crypto_jobs.PAIRING_CHECKS.get(name, 0)
        self.pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, fn, *args)
        finally:
            self.pending -= 1


def _noop(_: int) -> None:
    return None
