"""Refresh: move this computer's key of a wallet and the co-signer's share to a new pair of the
same wallet key, (a, b) -> (a + r, b - r). A copy of the old key (a stolen laptop's backup, a
lost device) no longer co-signs afterwards. Offered after a lost device and whenever the owner
wants; the wallet's address and its delegates' keys are unchanged."""

from __future__ import annotations

import asyncio
import logging
import time

from PySide6.QtCore import QCoreApplication, QObject

from app.client import ShareInfo
from app.crypto import SecretKey
from app.keys import KeysError
from app.wallets import WalletEntry
from ui.context import AppContext
from ui.runner import Job, report

log = logging.getLogger(__name__)
DAY = 86_400


class KeyNotHere(KeysError):
    """The key to refresh is not stored on this computer."""


def refresh_job(ctx: AppContext, split_id: str) -> Job:
    """Refresh the key `split_id` held here; the job's result is the new ShareInfo."""
    refreshed = SecretKey.generate()

    async def run(api) -> ShareInfo:
        share = await asyncio.to_thread(ctx.load_share, split_id)
        if share is None:
            raise KeyNotHere("this computer does not hold that key")
        report(QCoreApplication.translate("RefreshKey", "Refreshing your key with the co-signer…"))
        _split, new = await api.refresh(share, refreshed)
        report(QCoreApplication.translate("RefreshKey", "Storing the new key in the keyring…"))
        await asyncio.to_thread(ctx.save_share, new)
        return new

    job = ctx.cosigner(
        run,
        label=QCoreApplication.translate("RefreshKey", "Refreshing your key"),
        split_id=split_id,
    )  # a key token will do
    job.finished.connect(lambda _new: ctx.prefs.set_refreshed_at(split_id, int(time.time())))
    return job


def due(ctx: AppContext, entries: list[WalletEntry], now: int) -> list[str]:
    """The keys held here whose scheduled refresh is due (the owner picks the interval)."""
    days = ctx.prefs.refresh_days
    if not days:
        return []
    out = []
    for entry in entries:
        if not entry.can_sign or entry.split is None:
            continue
        since = ctx.prefs.refreshed_at(entry.split.id) or entry.split.created_at
        if now - since >= days * DAY:
            out.append(entry.split.id)
    return out


class RefreshSchedule(QObject):
    """Refreshes due keys whenever the wallet list is loaded; one attempt per key per run."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.ctx = ctx
        self.tried: set[str] = set()
        self.jobs: list[Job] = []
        ctx.wallets_changed.connect(self.check)

    def check(self, entries: list[WalletEntry]) -> list[Job]:
        started = []
        for split_id in due(self.ctx, entries, int(time.time())):
            if split_id in self.tried:
                continue
            self.tried.add(split_id)
            job = refresh_job(self.ctx, split_id)
            job.failed.connect(lambda exc, s=split_id: log.warning("refresh of %s: %s", s, exc))
            started.append(job)
        self.jobs = [j for j in self.jobs if j.running] + started
        return started
