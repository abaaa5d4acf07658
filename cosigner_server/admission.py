"""Admission to the signing pipeline: at most `crypto_queue` signing requests inside the server
at once, counted from before the token check to the answer; one more is refused AT ONCE with 503
(Overloaded, Retry-After: 1) before it touches the database.

Why here and not only at the crypto pool: a co-sign spends most of its time outside the crypto
(the token's user read, consume and complete, two SQLite commits on the one database thread, the
audit fsync). When those are the bottleneck the crypto queue never fills, and without this gate
an overload queued without bound in front of the database thread: at 10x capacity accepted
requests waited ~a minute, and the refusals too. With the gate the wait is bounded by about
crypto_queue / capacity (64 / ~140 per second here: under half a second), and what does not fit
is told so in milliseconds. The event loop is single-threaded: a plain counter is exact."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable, Iterator

from aiohttp import web

from .crypto_pool import Overloaded
from .state import STATE, ServerState


class SigningGate:
    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.inside = 0
        self.refused = 0

    def refuse_if_full(self) -> None:
        if self.inside >= self.limit:
            self.refused += 1
            raise Overloaded()

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        self.refuse_if_full()
        self.inside += 1
        try:
            yield
        finally:
            self.inside -= 1


def gate_of(state: ServerState) -> SigningGate:
    if state.admission is None:
        state.admission = SigningGate(state.config.crypto_queue)
    return state.admission


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def gated(handler: Handler) -> Handler:
    """For the signing routes (v1 and 0Chain's): a slot or an immediate 503."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        with gate_of(request.app[STATE]).slot():
            return await handler(request)

    wrapper.gated = True  # type: ignore[attr-defined]  # read by `full_gate_first`
    return wrapper


@web.middleware
async def full_gate_first(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A signing request that meets a full gate is refused before the rate limits, the body
    read, the deadline timer and the handler (the error middleware shapes the 503). Under
    overload nearly every request is such a refusal, and they all cost the one event loop: the
    less each costs, the more of them it can answer at once. The gate is still taken in the
    handler (a request may find it full only by then)."""
    if getattr(request.match_info.handler, "gated", False):
        gate_of(request.app[STATE]).refuse_if_full()
    return await handler(request)
