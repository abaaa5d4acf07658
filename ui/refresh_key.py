"""Refresh: move this computer's key of a wallet and the co-signer's share to a new pair of the
same wallet key, (a, b) -> (a + r, b - r). A copy of the old key (a stolen laptop's backup, a
lost device) no longer co-signs afterwards. Offered after a lost device and whenever the owner
wants; the wallet's address and its delegates' keys are unchanged."""

from __future__ import annotations

import asyncio

from app.client import ShareInfo
from app.crypto import SecretKey
from ui.context import AppContext
from ui.runner import Job, report


class KeyNotHere(Exception):
    """The key to refresh is not stored on this computer."""


def refresh_job(ctx: AppContext, split_id: str) -> Job:
    """Refresh the key `split_id` held here; the job's result is the new ShareInfo."""
    refreshed = SecretKey.generate()

    async def run(api) -> ShareInfo:
        share = await asyncio.to_thread(ctx.load_share, split_id)
        if share is None:
            raise KeyNotHere("this computer does not hold that key")
        report("Refreshing your key with the co-signer…")
        _split, new = await api.refresh(share, refreshed)
        report("Storing the new key in the keyring…")
        await asyncio.to_thread(ctx.save_share, new)
        return new

    return ctx.cosigner(run, label="Refreshing your key")
