"""A stand-in for a 0Chain network: a TEST DOUBLE, not 0Chain. No 0Chain network is reachable
from the build machines, so the wallet's network code is tested against this: a 0dns, several
miners and several sharders on real 127.0.0.1 ports, with the node's paths, JSON, error shapes
and status codes, the miner's checks of a submitted transaction, a ledger that applies
transfers, and blocks with real merkle trees and block hashes (tests/netsim/chain.py says how
each follows the node). Error codes beyond those the research note cites are our own wording.

    with StandInNetwork(miners=4, sharders=4) as net:
        net.fund(client_id, 10 * ZCN)
        net.block_worker          # http://127.0.0.1:PORT/dns  (its /network lists the nodes)
        net.sharders[0].fault = "lie"

Run by itself: `python -m tests.netsim --fund CLIENT_ID=100` prints the block_worker URL.
"""

from __future__ import annotations

import asyncio
import random
import threading
from typing import Any

from aiohttp import web

from tests.netsim.chain import ZCN, Chain, Rules, sha3
from tests.netsim.nodes import Node, dns_app, miner_app, sharder_app

NETSIM_CHAIN_ID = sha3("splitkey stand-in network")

__all__ = ["NETSIM_CHAIN_ID", "ZCN", "StandInNetwork"]


class StandInNetwork:
    def __init__(
        self,
        *,
        miners: int = 4,
        sharders: int = 4,
        block_time: float = 0.2,
        chain_id: str = NETSIM_CHAIN_ID,
        host: str = "127.0.0.1",
        dns_port: int = 0,
        faucet: int = 0,
    ) -> None:
        self.chain = Chain(Rules(chain_id=chain_id))
        # `make demo`: an account asked about for the first time gets this many SAS, so a
        # wallet made in the desktop has tokens to send. Off (0) in tests.
        self.faucet = faucet
        self.miners = [Node("miner", sha3(f"miner {i}")) for i in range(miners)]
        self.sharders = [Node("sharder", sha3(f"sharder {i}")) for i in range(sharders)]
        self.block_time = block_time
        self.host, self.dns_port = host, dns_port
        self.block_worker = ""
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._runners: list[web.AppRunner] = []
        self._producer: asyncio.Task | None = None
        self.paused = False  # tests hold blocks back to pool several transactions first

    @property
    def chain_id(self) -> str:
        return self.chain.rules.chain_id

    def fund(self, client_id: str, sas: int) -> None:
        self.chain.fund(client_id, sas)

    # -- running --

    async def _serve(self, app: web.Application, port: int = 0) -> str:
        # a "timeout" node's hanging handlers must not hold up stopping the network
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, port)
        await site.start()
        self._runners.append(runner)
        return f"http://{self.host}:{site._server.sockets[0].getsockname()[1]}"

    async def _start(self) -> None:
        for node in self.miners:
            node.url = await self._serve(miner_app(self, node)) + "/"
        for node in self.sharders:
            node.url = await self._serve(sharder_app(self, node)) + "/"
        self.block_worker = await self._serve(dns_app(self), self.dns_port) + "/dns"
        self._producer = asyncio.ensure_future(self._produce())

    async def _produce(self) -> None:
        while True:
            await asyncio.sleep(self.block_time)
            if self.paused:
                continue
            up = [m for m in self.miners if m.fault is None] or self.miners
            self.chain.make_block(random.choice(up).id)

    async def _stop(self) -> None:
        if self._producer is not None:
            self._producer.cancel()
        for runner in self._runners:
            await runner.cleanup()

    def start(self) -> StandInNetwork:
        ready = threading.Event()
        failed: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self._start())
            except BaseException as exc:  # noqa: BLE001 - handed to the starting thread
                failed.append(exc)
            ready.set()
            if not failed:
                self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="netsim", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failed:
            raise failed[0]
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> StandInNetwork:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
