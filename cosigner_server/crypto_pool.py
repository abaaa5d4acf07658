"""Where the co-signer's CPU work runs: a process pool (the default) or a thread pool, behind a
bounded number of queued jobs. When the queue is full the caller gets Overloaded at once and
answers 503: a busy server says so quickly instead of letting latency grow without bound."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import multiprocessing
import os
import pickle
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


# Jobs in one worker's pipe at a time: enough that it never waits for the next, few enough that
# the pipe's buffer never fills.
_DEPTH = 4


class WorkerDied(RuntimeError):
    """A crypto worker exited (killed, out of memory) while it had this job; it is replaced."""


def _worker_main(conn: Any, backend: str | None, server_pid: int) -> None:
    """A worker process: jobs in, (job id, ok, result or exception) out, over one pipe."""
    _init_worker(backend, server_pid)
    conn.send(None)  # started and warmed up
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        job_id, fn, args = job
        try:
            answer = (job_id, True, fn(*args))
        except BaseException as exc:  # noqa: BLE001 - it goes back to the caller as raised
            answer = (job_id, False, exc)
        try:
            conn.send(answer)
        except (pickle.PicklingError, TypeError, AttributeError):
            conn.send((job_id, False, RuntimeError(f"{type(answer[2]).__name__} (unpicklable)")))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    """One worker process and the jobs it was sent, in order."""

    def __init__(self, ctx: Any, backend: str | None) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child, backend, os.getpid()), name="splitkey-crypto"
        )
        self.process.daemon = True
        self.process.start()
        child.close()
        self.sent: dict[int, asyncio.Future] = {}
        self.reading: asyncio.AbstractEventLoop | None = None

    def wait_started(self) -> None:
        if self.conn.recv() is not None:
            raise RuntimeError("crypto worker did not start")


class CryptoPool:
    """Process mode: worker processes fed over one pipe each, read by the event loop itself
    (add_reader). concurrent.futures' process pool hands every job and every answer through
    two threads of its own (a queue feeder and a result manager) that wake the loop with
    call_soon_threadsafe; in a server whose one core is the limit, those hand-offs and their
    interpreter-lock switches were a tenth of the main process's time per co-sign. A worker
    that dies fails only its own jobs and is replaced."""

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
        self._procs: list[_Worker] = []
        self._ctx: Any = None
        self._backend: str | None = None
        self._next_id = 0
        self._backlog: collections.deque = collections.deque()  # jobs not yet in a pipe

    def start(self) -> None:
        backend = os.environ.get("SPLITKEY_CRYPTO_BACKEND")
        if self.mode == "process":
            # spawn, never fork: the parent has threads (storage) that fork would copy.
            self._ctx, self._backend = multiprocessing.get_context("spawn"), backend
            self._procs = [_Worker(self._ctx, backend) for _ in range(self.workers)]
            for worker in self._procs:  # every worker started now, not on the first request
                worker.wait_started()
        else:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                self.workers, thread_name_prefix="crypto", initializer=crypto_jobs.warm_up
            )

    def stop(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        procs, self._procs = self._procs, []
        backlog, self._backlog = self._backlog, collections.deque()
        for *_job, future in backlog:
            if not future.done():
                with contextlib.suppress(RuntimeError):
                    future.set_exception(RuntimeError("crypto pool stopped"))
        for worker in procs:
            self._forget(worker, RuntimeError("crypto pool stopped"))
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
        for worker in procs:
            worker.process.join(10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(5)
            worker.conn.close()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._executor is None and not self._procs:
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
            if self._executor is not None:
                return await loop.run_in_executor(self._executor, fn, *args)
            return await self._send(loop, fn, args)
        finally:
            self.pending -= 1

    async def _send(self, loop: asyncio.AbstractEventLoop, fn: Callable[..., T], args) -> T:
        self._next_id += 1
        future = loop.create_future()
        self._backlog.append((self._next_id, fn, args, future))
        self._feed(loop)
        return await future

    def _feed(self, loop: asyncio.AbstractEventLoop) -> None:
        """Send waiting jobs to the least busy workers, at most _DEPTH in each one's pipe: the
        pipe never fills, so a send never blocks the loop (and the rest wait here)."""
        while self._backlog and self._procs:
            worker = min(self._procs, key=lambda w: len(w.sent))
            if len(worker.sent) >= _DEPTH:
                return
            job_id, fn, args, future = self._backlog.popleft()
            if future.done():  # its caller gave up (deadline) before it was sent
                continue
            if worker.reading is not loop:
                self._read_with(loop, worker)
            worker.sent[job_id] = future
            try:
                worker.conn.send((job_id, fn, args))
            except (OSError, ValueError):
                self._lost(worker)

    def _read_with(self, loop: asyncio.AbstractEventLoop, worker: _Worker) -> None:
        if worker.reading is not None:
            with contextlib.suppress(RuntimeError, ValueError, OSError):
                worker.reading.remove_reader(worker.conn.fileno())
        loop.add_reader(worker.conn.fileno(), self._answered, worker)
        worker.reading = loop

    def _answered(self, worker: _Worker) -> None:
        try:
            job_id, ok, value = worker.conn.recv()
        except (EOFError, OSError):
            self._lost(worker)
            return
        future = worker.sent.pop(job_id, None)
        if future is None or future.done():
            if worker.reading is not None:
                self._feed(worker.reading)
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
        if worker.reading is not None:
            self._feed(worker.reading)

    def _forget(self, worker: _Worker, error: BaseException) -> None:
        if worker.reading is not None:
            with contextlib.suppress(RuntimeError, ValueError, OSError):
                worker.reading.remove_reader(worker.conn.fileno())
            worker.reading = None
        sent, worker.sent = worker.sent, {}
        for future in sent.values():
            if not future.done():
                with contextlib.suppress(RuntimeError):  # its loop already closed
                    future.set_exception(error)

    def _lost(self, worker: _Worker) -> None:
        """The worker is gone: fail its jobs and start another in its place."""
        self._forget(worker, WorkerDied("a crypto worker exited during the job"))
        worker.conn.close()
        worker.process.join(1)
        if worker not in self._procs:
            return
        # Started at once (a worker's spawn and warm-up hold the loop for a moment): a rare
        # event, and a pool with fewer workers would stay slower until a restart.
        replacement = _Worker(self._ctx, self._backend)
        replacement.wait_started()
        self._procs[self._procs.index(worker)] = replacement
