"""The desktop's link to the 0Chain network: one AsyncNetworkClient on the runner's loop (never
on the GUI thread), the network chosen in Settings (app/network/settings.py, shared with the
CLI), and the History of sent transactions, whose pending entries it follows until they are
final, also after a restart.

    link = network_link(ctx)          # one per AppContext
    job = link.balance(client_id)     # a runner Job; finished(Balance) / failed(exc)
    link.record(signed_tx)            # a sent transaction: History + followed until final
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.history import PENDING, History, HistoryEntry
from app.network import AsyncNetworkClient, NetworkSettings, TxStatus, current_network
from app.network.settings import NetworkSettingsError, save_choice
from app.transaction import Transaction
from ui.context import AppContext
from ui.runner import Job

log = logging.getLogger(__name__)

HISTORY_FILE = "history.json"
POLL_SECONDS = 1.0


class NetworkLink(QObject):
    network_changed = Signal()
    history_changed = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        try:
            self.settings = current_network()
        except NetworkSettingsError as exc:  # a hand-edited file: fall back, say why in the log
            log.warning("network choice unusable (%s); using mainnet", exc)
            self.settings = current_network("mainnet")
        self.history = History(ctx.data_dir / HISTORY_FILE)
        self._client: AsyncNetworkClient | None = None
        self._following: dict[str, Job] = {}

    # -- the client, on the runner's loop --

    def _net(self) -> AsyncNetworkClient:
        if self._client is None:
            self._client = AsyncNetworkClient(self.settings)
            self.ctx.runner.on_close(self._client.aclose)
        return self._client

    @property
    def usable(self) -> bool:
        """False once the app is shutting down (the runner's loop stopped): timers that fire
        late must not start work then."""
        return self.ctx.runner.loop.is_running()

    def run(self, work, label: str) -> Job:
        """work(net) -> awaitable, run on the runner."""

        async def call() -> Any:
            return await work(self._net())

        return self.ctx.runner.submit(call, label=label)

    def balance(self, client_id: str) -> Job:
        return self.run(
            lambda net: net.balance(client_id),
            self.tr("Asking the sharders for the balance"),
        )

    def set_network(self, name_or_url: str, chain_id: str | None = None) -> NetworkSettings:
        """Remember the choice (desktop and CLI) and talk to that network from now on."""
        settings = save_choice(name_or_url, chain_id)
        old, self._client = self._client, None
        if old is not None:
            self.ctx.runner.submit(old.aclose, label=self.tr("Closing the old network connection"))
        self.settings = settings
        self.ctx.prefs.chain_id = settings.chain_id  # what Sign composes for
        self.network_changed.emit()
        self.follow_pending()
        return settings

    # -- History --

    def record(self, tx: Transaction) -> HistoryEntry:
        entry = HistoryEntry.pending(tx, self.settings.block_worker)
        self.history.add(entry)
        self.history_changed.emit()
        self.follow(entry)
        return entry

    def follow(self, entry: HistoryEntry) -> Job | None:
        """Poll until the entry is confirmed, failed or expired; History says the outcome."""
        if entry.hash in self._following or entry.network != self.settings.block_worker:
            return self._following.get(entry.hash)
        job = self.run(
            lambda net: net.wait(entry.hash, entry.creation_date, POLL_SECONDS),
            self.tr("Waiting for the confirmation"),
        )
        self._following[entry.hash] = job
        job.finished.connect(lambda status, h=entry.hash: self._final(h, status))
        job.done.connect(lambda h=entry.hash: self._following.pop(h, None))
        return job

    def following(self, hash_: str) -> Job | None:
        return self._following.get(hash_)

    def follow_pending(self) -> None:
        for entry in self.history.pending():
            self.follow(entry)

    def _final(self, hash_: str, status: TxStatus) -> None:
        self.history.update(
            hash_,
            status=status.status,
            transaction_status=status.transaction_status,
            round=status.round,
            block_hash=status.block_hash,
            output=status.output,
        )
        self.history_changed.emit()

    def pending_count(self) -> int:
        return sum(1 for e in self.history.entries() if e.status == PENDING)


def network_link(ctx: AppContext) -> NetworkLink:
    """The one NetworkLink of this app (made on first use, kept on the context)."""
    link = getattr(ctx, "_network_link", None)
    if link is None:
        link = NetworkLink(ctx)
        ctx._network_link = link  # noqa: SLF001 - the context owns it, this module makes it
        link.follow_pending()
    return link
