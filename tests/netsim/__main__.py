"""`python -m tests.netsim [--miners 4] [--sharders 4] [--port 9000] [--fund ID=ZCN ...]`:
run the stand-in network (a test double of 0Chain) until interrupted; prints its block_worker
URL and chain id as one JSON line, then serves."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from decimal import Decimal

from tests.netsim import NETSIM_CHAIN_ID, ZCN, StandInNetwork


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.netsim", description=__doc__)
    parser.add_argument("--miners", type=int, default=4)
    parser.add_argument("--sharders", type=int, default=4)
    parser.add_argument("--port", type=int, default=0, help="the 0dns port (default: any)")
    parser.add_argument("--block-time", type=float, default=0.5, help="seconds between blocks")
    parser.add_argument("--fund", action="append", default=[], metavar="CLIENT_ID=ZCN")
    parser.add_argument("--chain-id", default=NETSIM_CHAIN_ID, help="64 hex digits")
    parser.add_argument(
        "--faucet",
        type=Decimal,
        default=Decimal(0),
        metavar="ZCN",
        help="give every new account this much on first sight (for demos)",
    )
    args = parser.parse_args()
    net = StandInNetwork(
        miners=args.miners,
        sharders=args.sharders,
        block_time=args.block_time,
        dns_port=args.port,
        chain_id=args.chain_id,
        faucet=int(args.faucet * ZCN),
    ).start()
    for item in args.fund:
        client_id, _, amount = item.partition("=")
        net.fund(client_id, int(Decimal(amount or "100") * ZCN))
    print(json.dumps({"block_worker": net.block_worker, "chain_id": net.chain_id}), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    net.stop()


if __name__ == "__main__":
    main()
