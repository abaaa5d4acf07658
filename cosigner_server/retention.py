"""Retention: co-sign records older than `cosign_retention` (and than their split's rolling
period) are pruned, in short batches, once at start and then every SWEEP_SECONDS.

What a co-sign record holds and who still needs it: the rolling caps (only inside the split's
period), the replay answer of its request id (IDEMPOTENCY_WINDOW, which the retention never
undercuts) and its nonce (the highest pruned one per wallet is kept; see Storage.prune_cosigns).
The audit log is the history and is never pruned here."""

from __future__ import annotations

import asyncio
import logging

from .state import ServerState, now

log = logging.getLogger("splitkey.cosigner")
SWEEP_SECONDS = 3600
BATCH = 500


async def prune(state: ServerState, at: int | None = None) -> int:
    """Prune everything due at `at` (default now); returns how many records went."""
    at = now() if at is None else at
    total = 0
    while True:
        try:
            n = await state.storage.prune_cosigns(at, state.config.cosign_retention, BATCH)
        except NotImplementedError:
            return total
        total += n
        if n < BATCH:
            return total
        await asyncio.sleep(0)  # let queued requests in between batches


async def sweep(state: ServerState) -> None:
    pruned = await prune(state)
    if pruned:
        log.info("retention: pruned %d co-sign records", pruned)
