"""The stand-in network's servers: a 0dns, miners and sharders, each an aiohttp app on its own
127.0.0.1 port, with the node's paths, JSON and error shapes (research note §2), and faults.

    0dns     GET /dns/network (and /network)            {"miners": [...], "sharders": [...]}
    miner    POST /v1/transaction/put                   200 {"async": true, "entity": {...}}
             GET  /v1/fees_table                        {"transfer": {"transfer": fee}, ...}
    sharder  GET  /v1/client/get/balance?client_id=     {"txn","round","balance","nonce"}
                                                        400 {"error": "value not present"}
             GET  /v1/transaction/get/confirmation?hash=[&content=lfb]
             GET  /v1/block/get/latest_finalized

Faults a test sets on a node (`node.fault = ...`):
    sharder  "lie"     balance inflated; confirmations altered so they no longer verify
             "forge"   a self-consistent made-up block confirming whatever is asked (only the
                       agreement of several sharders exposes it)
             "stale"   an older view: balance and round one block behind
             "timeout" answers nothing for `hang` seconds
             "down"    503
    miner    "refuse"  400 in the plain {"error": "..."} shape
             "down"    503
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from app.transaction import MINER_SC_ADDRESS, STORAGE_SC_ADDRESS
from tests.netsim.chain import (
    ZCN,
    Chain,
    NodeError,
    PlainError,
    block_hash,
    merkle_levels,
    merkle_path,
    sha3,
)

_HEX64 = re.compile(r"[0-9a-f]{64}")


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(
        body, status=status, dumps=lambda v: json.dumps(v, separators=(",", ":"))
    )


@dataclass
class Node:
    kind: str
    id: str
    url: str = ""
    fault: str | None = None
    hang: float = 30.0
    requests: int = 0
    seen: list[str] = field(default_factory=list)  # hashes of transactions sent to a miner


async def _fault_gate(node: Node) -> web.Response | None:
    node.requests += 1
    if node.fault == "down":
        return web.Response(status=503, text="Service Unavailable")
    if node.fault == "timeout":
        await asyncio.sleep(node.hang)
        return web.Response(status=504, text="too late")
    return None


def dns_app(network) -> web.Application:
    async def listing(request: web.Request) -> web.Response:
        return _json(
            {
                "miners": [n.url for n in network.miners],
                "sharders": [n.url for n in network.sharders],
            }
        )

    async def fund(request: web.Request) -> web.Response:
        """Not 0dns: the stand-in's own faucet for `make demo` and tests in other processes."""
        body = await request.json()
        network.chain.fund(body["client_id"], int(body["sas"]))
        return _json(network.chain.balance(body["client_id"]))

    app = web.Application()
    app.router.add_get("/dns/network", listing)
    app.router.add_get("/network", listing)
    app.router.add_post("/_netsim/fund", fund)
    return app


def miner_app(network, node: Node) -> web.Application:
    chain: Chain = network.chain

    async def put(request: web.Request) -> web.Response:
        if (gate := await _fault_gate(node)) is not None:
            return gate
        if not request.content_type.startswith("application/json"):
            return web.Response(status=400, text="Header Content-type=application/json not found")
        try:
            txn = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="Error decoding json")
        if isinstance(txn, dict) and isinstance(txn.get("hash"), str):
            node.seen.append(txn["hash"])
        if node.fault == "refuse":
            return _json({"error": "miner is not accepting transactions"}, 400)
        try:
            entity = chain.submit(txn)
        except PlainError as exc:
            return web.Response(status=400, text=str(exc))
        except NodeError as exc:
            return _json(exc.body(), exc.status)
        return _json({"async": True, "entity": entity})

    async def fees(request: web.Request) -> web.Response:
        if (gate := await _fault_gate(node)) is not None:
            return gate
        fee = chain.rules.transfer_fee
        return _json(
            {
                "transfer": {"transfer": fee},
                STORAGE_SC_ADDRESS: {"new_allocation_request": fee * 2, "update_settings": fee},
                MINER_SC_ADDRESS: {"collect_reward": fee},
            }
        )

    app = web.Application()
    app.router.add_post("/v1/transaction/put", put)
    app.router.add_get("/v1/fees_table", fees)
    return app


def sharder_app(network, node: Node) -> web.Application:
    chain: Chain = network.chain

    async def balance(request: web.Request) -> web.Response:
        if (gate := await _fault_gate(node)) is not None:
            return gate
        client_id = request.query.get("client_id", "")
        answer = chain.balance(client_id)
        if answer is None and network.faucet and _HEX64.fullmatch(client_id):
            chain.fund(client_id, network.faucet)
            answer = chain.balance(client_id)
        if answer is None:
            if node.fault == "lie":
                return _json({"txn": "", "round": chain.round, "balance": 1000 * ZCN, "nonce": 0})
            return _json({"error": "value not present"}, 400)
        if node.fault == "lie":
            answer["balance"] += 1000 * ZCN
        elif node.fault == "stale":
            answer["balance"] += ZCN
            answer["round"] = max(answer["round"] - 1, 0)
        return _json(answer)

    async def confirmation(request: web.Request) -> web.Response:
        if (gate := await _fault_gate(node)) is not None:
            return gate
        hash_ = request.query.get("hash", "")
        found = chain.confirmation(hash_)
        if node.fault == "lie" and found is not None:
            found = {
                **found,
                "transaction_status": 3,
                "txn": {**found["txn"], "transaction_status": 3},
            }
            found["merkle_tree_path"] = {**found["merkle_tree_path"], "nodes": [sha3("x")]}
        elif node.fault == "forge":
            found = _forged(chain, hash_)
        lfb = chain.latest_block()
        if found is None:
            error = NodeError("entity_not_found", f"txn_summary not found with id = {hash_}").body()
            if request.query.get("content", "confirmation") == "confirmation":
                return _json(error, 400)
            return _json({"error": error, "latest_finalized_block": lfb})
        if request.query.get("content", "confirmation") == "confirmation":
            return _json(found)
        return _json({"confirmation": found, "latest_finalized_block": lfb})

    async def latest(request: web.Request) -> web.Response:
        if (gate := await _fault_gate(node)) is not None:
            return gate
        return _json(chain.latest_block())

    app = web.Application()
    app.router.add_get("/v1/client/get/balance", balance)
    app.router.add_get("/v1/transaction/get/confirmation", confirmation)
    app.router.add_get("/v1/block/get/latest_finalized", latest)
    return app


def _forged(chain: Chain, hash_: str) -> dict[str, Any] | None:
    """A confirmation whose proofs all check out, in a block no other sharder has."""
    with chain.lock:
        txn = chain.pool.get(hash_)
        where = chain.by_txn.get(hash_)
        if where is not None:
            txn = chain.blocks[where[0]].txns[where[1]]
    if txn is None:
        return None
    output = "forged"
    txn = {
        **txn,
        "transaction_output": output,
        "txn_output_hash": sha3(output),
        "transaction_status": 1,
    }
    levels, receipts = merkle_levels([hash_]), merkle_levels([txn["txn_output_hash"]])
    header = {
        "miner_id": sha3("forger"),
        "prev_hash": sha3("nowhere"),
        "creation_date": txn["creation_date"],
        "round": chain.round + 1,
        "round_random_seed": secrets.randbits(62),
        "state_changes_count": 1,
        "merkle_tree_root": levels[-1][0],
        "receipt_merkle_tree_root": receipts[-1][0],
    }
    return {
        "version": "1.0",
        "hash": hash_,
        "block_hash": block_hash(header),
        "previous_block_hash": header["prev_hash"],
        "txn": txn,
        "creation_date": header["creation_date"],
        "miner_id": header["miner_id"],
        "round": header["round"],
        "transaction_status": 1,
        "round_random_seed": header["round_random_seed"],
        "state_changes_count": 1,
        "merkle_tree_root": header["merkle_tree_root"],
        "merkle_tree_path": merkle_path(levels, 0),
        "receipt_merkle_tree_root": header["receipt_merkle_tree_root"],
        "receipt_merkle_tree_path": merkle_path(receipts, 0),
    }
