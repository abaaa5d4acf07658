"""The desktop's one way to do slow work: an asyncio loop on a worker thread.

    job = runner.submit(lambda: client.wallets(), label="Loading wallets")
    job.finished.connect(show)          # called on the GUI thread with the result
    job.failed.connect(explain)         # ... or with the exception
    job.cancel()                        # the task is cancelled at its next await

Every network call (httpx.AsyncClient through app/client.py's AsyncCosignerClient) and every
pure-Python pairing runs here, never on the GUI thread, so the window keeps painting while a
co-sign takes seconds. Results come back through a Qt signal with an explicit queued connection
to an object living on the GUI thread: whatever the Job's listeners are (lambdas included), they
run on the GUI thread, which is the only thread allowed to touch widgets.

The loop thread also runs the client's own CPU work between awaits (the share's partial
signature, the check of the combined signature). That blocks other jobs for a moment but not
the GUI: Python hands the GIL to the GUI thread every few milliseconds. Work that is only CPU
(verifying a signature the user pasted) goes to `in_thread`, which keeps the loop free too.

Inside a job, `report("Waiting for the co-signer")` sends progress to the job's `progress`
signal; it works from threads started with `in_thread` as well (the job travels in a
contextvar, which asyncio.to_thread copies).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

_current_job: contextvars.ContextVar[Job | None] = contextvars.ContextVar("job", default=None)

RUNNING, FINISHED, FAILED, CANCELLED = "running", "finished", "failed", "cancelled"


def report(text: str) -> None:
    """Progress text for the job this code runs in (a no-op outside a job)."""
    job = _current_job.get()
    if job is not None and job._runner is not None:
        job._runner._post(job, "progress", text)


async def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """Run CPU-bound fn(*args) on a worker thread so neither the GUI nor the loop waits."""
    return await asyncio.to_thread(fn, *args)


class Job(QObject):
    """One submitted piece of work. Exactly one of finished / failed / cancelled is emitted,
    on the GUI thread, then `done`."""

    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    progress = Signal(str)
    done = Signal()

    def __init__(self, runner: Runner, label: str) -> None:
        super().__init__()
        self.label = label
        self.state = RUNNING
        self.result: Any = None
        self.error: BaseException | None = None
        self._runner: Runner | None = runner
        self._future: concurrent.futures.Future | None = None

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    def cancel(self) -> None:
        """Stop waiting for the result: `cancelled` is emitted now and any later result is
        dropped. The task itself stops at its next await (a request already sent may still be
        acted on by the server, which is why co-signs carry a request id)."""
        if self.state != RUNNING:
            return
        if self._future is not None:
            self._future.cancel()
        self._end(CANCELLED, None)

    def _end(self, state: str, payload: Any) -> None:
        if self.state != RUNNING:
            return  # cancelled first: a late answer is not delivered
        self.state = state
        if state == FINISHED:
            self.result = payload
            self.finished.emit(payload)
        elif state == FAILED:
            self.error = payload
            self.failed.emit(payload)
        else:
            self.cancelled.emit()
        self.done.emit()
        if self._runner is not None:
            self._runner._forget(self)


class _Bridge(QObject):
    """Lives on the GUI thread; the loop thread emits `post`, Qt queues the call over."""

    post = Signal(object, str, object)

    def __init__(self) -> None:
        super().__init__()
        self.post.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object, str, object)
    def _deliver(self, job: Job, kind: str, payload: Any) -> None:
        if not shiboken6.isValid(job):
            return
        if kind == "progress":
            if job.state == RUNNING:
                job.progress.emit(payload)
        else:
            job._end(kind, payload)


def _quiet_cancelled_wakeup(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The loop's exception handler: drops one known harmless race, reports everything else.

    anyio (under httpx's Unix-socket transport to the built-in co-signer) waits for a socket by
    registering `future.set_result` as the selector callback and unregisters it only in a done
    callback, one loop turn later. When a job is cancelled (a quit cancels all of them) in the
    same turn the socket becomes ready, the queued `set_result` meets a cancelled future and
    asyncio would print "InvalidStateError" on stderr at a quit that went fine."""
    exc = context.get("exception")
    target = getattr(getattr(context.get("handle"), "_callback", None), "__self__", None)
    if (
        isinstance(exc, asyncio.InvalidStateError)
        and isinstance(target, asyncio.Future)
        and target.cancelled()
    ):
        return
    loop.default_exception_handler(context)


class Runner:
    """The worker thread, its event loop, and the jobs in flight. Make it on the GUI thread."""

    def __init__(self) -> None:
        self._bridge = _Bridge()
        self._jobs: set[Job] = set()
        self._closers: list[Callable[[], Awaitable[None]]] = []
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_quiet_cancelled_wakeup)
        self._thread = threading.Thread(target=self._serve, name="splitkey-runner", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def submit(self, factory: Callable[[], Awaitable[Any]], *, label: str = "") -> Job:
        """Run factory() on the loop (the coroutine is made there, so objects it creates belong
        to that loop) and deliver its outcome through the returned Job."""
        job = Job(self, label)
        self._jobs.add(job)

        async def run() -> None:
            _current_job.set(job)
            try:
                result = await factory()
            except asyncio.CancelledError:
                raise  # the GUI side already said "cancelled"
            except Exception as exc:  # every failure reaches the GUI as data, never a crash
                self._post(job, FAILED, exc)
            else:
                self._post(job, FINISHED, result)

        job._future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        return job

    def call(self, fn: Callable[..., Any], *args: Any, label: str = "") -> Job:
        """A plain CPU-bound function as a job (on a worker thread, off the loop too)."""
        return self.submit(lambda: in_thread(fn, *args), label=label)

    def on_close(self, closer: Callable[[], Awaitable[None]]) -> None:
        """An async cleanup (an HTTP client's aclose) to await when the runner stops."""
        self._closers.append(closer)

    def jobs(self) -> list[Job]:
        return [job for job in self._jobs if job.running]

    def _post(self, job: Job, kind: str, payload: Any) -> None:
        self._bridge.post.emit(job, kind, payload)

    def _forget(self, job: Job) -> None:
        self._jobs.discard(job)

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel what runs, close clients, stop the loop and join its thread. Idempotent."""
        if not self._thread.is_alive():
            return
        for job in list(self._jobs):
            job.cancel()

        async def close() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for closer in self._closers:
                try:
                    await closer()
                except Exception:  # closing is best effort; the process is going away
                    log.debug("a closer failed", exc_info=True)

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout)
        except (concurrent.futures.TimeoutError, RuntimeError):
            log.warning("the runner did not close in %.0f s", timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()
