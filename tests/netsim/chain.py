"""The stand-in network's chain: accounts, a transaction pool, the miner's checks and blocks.

Everything here follows the 0Chain node as cited in ../shared/research/0chain-wire.md §2-§3 and
is written independently of app/ (the wallet's code is what these tests check, so the stand-in
does not borrow its transaction or merkle code; it only uses the BLS library to verify).

Hashes are SHA3-256 hex of text. A merkle tree's leaves are hex hashes; a parent is the hash of
the two children's hex strings concatenated; an odd level repeats its last node (0chain
core/util/merkle_tree.go). A block's hash is
sha3(miner_id:prev_hash:creation_date:round:round_random_seed:state_changes_count:merkle_root:
receipt_root) (0chain chaincore/block/entity.go ComputeHash).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from app.crypto import CryptoError, PublicKey, Signature

ZCN = 10**10
MAX_TOKEN_SUPPLY = 400_000_000 * ZCN
_HEX64 = re.compile(r"[0-9a-f]{64}")


def sha3(text: str | bytes) -> str:
    return hashlib.sha3_256(text.encode() if isinstance(text, str) else text).hexdigest()


# -- merkle trees and block hashes ---------------------------------------------------------------


def merkle_levels(leaves: list[str]) -> list[list[str]]:
    """Every level of the tree, leaves first, root last (a single leaf is its own root)."""
    levels = [list(leaves) or [sha3("")]]
    while len(levels[-1]) > 1:
        level = levels[-1]
        if len(level) % 2:
            level = [*level, level[-1]]
        levels.append([sha3(level[i] + level[i + 1]) for i in range(0, len(level), 2)])
    return levels


def merkle_path(levels: list[list[str]], index: int) -> dict[str, Any]:
    """{"nodes": [...], "leaf_index": i}: the siblings from leaf to root."""
    nodes, at = [], index
    for level in levels[:-1]:
        sibling = at ^ 1
        nodes.append(level[sibling] if sibling < len(level) else level[at])
        at //= 2
    return {"nodes": nodes, "leaf_index": index}


def block_hash(block: dict[str, Any]) -> str:
    return sha3(
        f"{block['miner_id']}:{block['prev_hash']}:{block['creation_date']}:{block['round']}:"
        f"{block['round_random_seed']}:{block['state_changes_count']}:"
        f"{block['merkle_tree_root']}:{block['receipt_merkle_tree_root']}"
    )


# -- the node's errors ---------------------------------------------------------------------------


class NodeError(Exception):
    """A common.Error: {"error": "<code>: <msg>", "code": "<code>"}, status 400 by default."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status

    def body(self) -> dict[str, str]:
        return {"error": f"{self.code}: {self.message}", "code": self.code}


class PlainError(Exception):
    """The plain-text 400 a node answers before its handler runs (header, JSON, properties)."""


# -- accounts, pool, blocks ----------------------------------------------------------------------


@dataclass
class Account:
    balance: int = 0
    nonce: int = 0
    txn: str = ""
    round: int = 0


@dataclass
class Rules:
    chain_id: str
    transfer_fee: int = ZCN // 100  # 0.01 ZCN, the fee table's transfer entry
    min_fee: int = ZCN // 100
    clock_tolerance: int = 30  # server_chain.transaction.timeout
    future_nonce: int = 10


@dataclass
class Block:
    header: dict[str, Any]
    txns: list[dict[str, Any]]
    levels: list[list[str]] = field(default_factory=list)
    receipt_levels: list[list[str]] = field(default_factory=list)


def txn_hash(txn: dict[str, Any]) -> str:
    return sha3(
        f"{txn['creation_date']}:{txn.get('transaction_nonce', 0)}:{txn['client_id']}:"
        f"{txn.get('to_client_id', '')}:{txn.get('transaction_value', 0)}:"
        f"{sha3(txn.get('transaction_data', ''))}"
    )


class Chain:
    """One chain shared by every stand-in node (they agree, unless a test makes one lie)."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.accounts: dict[str, Account] = {}
        self.pool: dict[str, dict[str, Any]] = {}
        self.blocks: list[Block] = []
        self.by_txn: dict[str, tuple[int, int]] = {}  # txn hash -> (block index, txn index)
        self.lock = threading.RLock()
        self.clock = time.time  # tests may move it
        self.miner_ids: list[str] = []
        genesis = {
            "miner_id": sha3("genesis"),
            "prev_hash": "",
            "creation_date": int(self.clock()),
            "round": 0,
            "round_random_seed": 0,
            "state_changes_count": 0,
            "merkle_tree_root": sha3(""),
            "receipt_merkle_tree_root": sha3(""),
        }
        genesis["hash"] = block_hash(genesis)
        self.blocks.append(Block(genesis, []))

    @property
    def round(self) -> int:
        return self.blocks[-1].header["round"]

    def fund(self, client_id: str, amount: int) -> None:
        """Tokens from nowhere (a faucet/genesis allocation), at the current round."""
        with self.lock:
            account = self.accounts.setdefault(client_id, Account())
            account.balance += amount
            account.round = self.round

    # -- the miner's checks (0chain chaincore/chain/handler.go, transaction/entity.go) --

    def submit(self, txn: Any) -> dict[str, Any]:
        """Check a transaction as a miner does and pool it; the stored entity comes back."""
        if not isinstance(txn, dict):
            raise PlainError("Error decoding json")
        public_key = txn.get("public_key")
        client_id = txn.get("client_id")
        if not isinstance(public_key, str) or not public_key:
            raise PlainError("Error computing properties")
        try:
            key = PublicKey.from_hex(public_key)
        except CryptoError:
            raise PlainError("Error computing properties") from None
        if client_id != sha3(key.to_bytes()):
            raise PlainError("Error computing properties")
        for name in ("transaction_value", "transaction_fee", "transaction_nonce", "creation_date"):
            if type(txn.get(name, 0)) is not int:
                raise PlainError("Error decoding json")
        self._validate(txn, key)
        entity = {**txn, "txn_output_hash": "", "transaction_status": 0}
        entity.pop("transaction_output", None)
        with self.lock:
            self._check_state(txn)
            self.pool.setdefault(txn["hash"], entity)
        return entity

    def _validate(self, txn: dict[str, Any], key: PublicKey) -> None:
        rules = self.rules
        to = txn.get("to_client_id", "")
        if not isinstance(to, str) or not _HEX64.fullmatch(to):
            raise NodeError("invalid_request", "invalid to client id")
        if txn.get("chain_id", rules.chain_id) != rules.chain_id:
            raise NodeError("invalid_chain_id", "invalid chain id")
        if not txn.get("hash"):
            raise NodeError("invalid_request", "hash required for transaction")
        if abs(int(self.clock()) - txn["creation_date"]) > rules.clock_tolerance:
            raise NodeError("invalid_request", "transaction creation time not within tolerance")
        if txn["client_id"] == to:
            raise NodeError("invalid_request", "from and to client should be different")
        if txn_hash(txn) != txn["hash"]:
            raise NodeError("invalid_request", "hash of the transaction does not match")
        try:
            ok = key.verify_hash(txn["hash"], Signature.from_hex(txn.get("signature", "")))
        except CryptoError:
            ok = False
        if not ok:
            raise NodeError("invalid_signature", "Invalid Signature")
        if txn.get("transaction_value", 0) > MAX_TOKEN_SUPPLY:
            raise NodeError("invalid_request", "value exceeds max token supply")

    def _check_state(self, txn: dict[str, Any]) -> None:
        account = self.accounts.get(txn["client_id"], Account())
        nonce = txn.get("transaction_nonce", 0)
        if nonce <= account.nonce:
            raise NodeError("invalid_nonce", "invalid transaction nonce")
        if nonce > account.nonce + self.rules.future_nonce:
            raise NodeError("invalid_nonce", "invalid future transaction")
        value, fee = txn.get("transaction_value", 0), txn.get("transaction_fee", 0)
        if nonce == account.nonce + 1 and account.balance < value:
            raise NodeError("insufficient_balance", "insufficient balance to send")
        if fee < self.rules.min_fee:
            raise NodeError("invalid_request", "insufficient transaction fee")
        if account.balance < fee:
            raise NodeError("insufficient_balance", "insufficient balance to pay the fee")

    # -- blocks --

    def make_block(self, miner_id: str) -> Block | None:
        """Apply every pooled transaction whose nonce is next; drop the expired and stale."""
        with self.lock:
            now = int(self.clock())
            chosen, changes = [], 0
            for txn in sorted(self.pool.values(), key=lambda t: t["transaction_nonce"]):
                account = self.accounts.setdefault(txn["client_id"], Account())
                if txn["transaction_nonce"] <= account.nonce or (
                    now - txn["creation_date"] > self.rules.clock_tolerance
                ):
                    del self.pool[txn["hash"]]  # dropped: its nonce stays unused
                    continue
                if txn["transaction_nonce"] != account.nonce + 1:
                    continue  # a future nonce waits for its turn
                del self.pool[txn["hash"]]
                chosen.append(self._apply(txn, account))
                changes += 1
            if not chosen:
                return None
            return self._seal(chosen, miner_id, changes)

    def _apply(self, txn: dict[str, Any], account: Account) -> dict[str, Any]:
        value, fee = txn["transaction_value"], txn["transaction_fee"]
        account.nonce = txn["transaction_nonce"]
        if account.balance >= value + fee:
            account.balance -= value + fee
            to = self.accounts.setdefault(txn["to_client_id"], Account())
            to.balance += value
            to.round, to.txn = self.round + 1, txn["hash"]
            status = 1
            output = json.dumps(
                {"from": txn["client_id"], "to": txn["to_client_id"], "amount": value},
                separators=(",", ":"),
            )
        else:  # a chargeable error: the fee is taken, the nonce used, nothing sent
            account.balance -= min(fee, account.balance)
            status = 2
            output = "insufficient balance"
        account.round, account.txn = self.round + 1, txn["hash"]
        return {
            **txn,
            "transaction_output": output,
            "txn_output_hash": sha3(output),
            "transaction_status": status,
        }

    def _seal(self, txns: list[dict[str, Any]], miner_id: str, changes: int) -> Block:
        levels = merkle_levels([t["hash"] for t in txns])
        receipts = merkle_levels([t["txn_output_hash"] for t in txns])
        header = {
            "miner_id": miner_id,
            "prev_hash": self.blocks[-1].header["hash"],
            "creation_date": int(self.clock()),
            "round": self.round + 1,
            "round_random_seed": secrets.randbits(63) - 2**62,
            "state_changes_count": changes,
            "merkle_tree_root": levels[-1][0],
            "receipt_merkle_tree_root": receipts[-1][0],
        }
        header["hash"] = block_hash(header)
        block = Block(header, txns, levels, receipts)
        self.blocks.append(block)
        for index, txn in enumerate(txns):
            self.by_txn[txn["hash"]] = (len(self.blocks) - 1, index)
        return block

    # -- what sharders answer --

    def balance(self, client_id: str) -> dict[str, Any] | None:
        with self.lock:
            account = self.accounts.get(client_id)
            if account is None:
                return None
            return {
                "txn": account.txn,
                "round": account.round,
                "balance": account.balance,
                "nonce": account.nonce,
            }

    def confirmation(self, hash_: str) -> dict[str, Any] | None:
        """The sharder's Confirmation object for a transaction in a block, else None."""
        with self.lock:
            where = self.by_txn.get(hash_)
            if where is None:
                return None
            block = self.blocks[where[0]]
            txn = block.txns[where[1]]
            header = block.header
            return {
                "version": "1.0",
                "hash": hash_,
                "block_hash": header["hash"],
                "previous_block_hash": header["prev_hash"],
                "txn": txn,
                "creation_date": header["creation_date"],
                "miner_id": header["miner_id"],
                "round": header["round"],
                "transaction_status": txn["transaction_status"],
                "round_random_seed": header["round_random_seed"],
                "state_changes_count": header["state_changes_count"],
                "merkle_tree_root": header["merkle_tree_root"],
                "merkle_tree_path": merkle_path(block.levels, where[1]),
                "receipt_merkle_tree_root": header["receipt_merkle_tree_root"],
                "receipt_merkle_tree_path": merkle_path(block.receipt_levels, where[1]),
            }

    def latest_block(self) -> dict[str, Any]:
        with self.lock:
            header = self.blocks[-1].header
            return {**header, "num_txns": len(self.blocks[-1].txns)}
