"""Checking a sharder's confirmation instead of trusting it (gosdk zcncore Verify):
the transaction inside hashes to the asked hash, its merkle path leads to the block's
merkle_tree_root, the receipt path (over txn_output_hash = sha3(transaction_output)) leads to the
receipt_merkle_tree_root, and the block's fields hash to block_hash:
sha3(miner_id:previous_block_hash:creation_date:round:round_random_seed:state_changes_count:
merkle_tree_root:receipt_merkle_tree_root) (0chain chaincore/block/entity.go)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.transaction import HEX64, sha3_hex


class ProofError(ValueError):
    """A confirmation that does not verify; the message says which check failed."""


def merkle_root_of_path(leaf: str, path: Any) -> str:
    """Walk {"nodes": [...], "leaf_index": i} up from leaf; a parent is sha3(left + right)."""
    if not isinstance(path, dict) or not isinstance(path.get("nodes"), list):
        raise ProofError("merkle path is not {nodes, leaf_index}")
    index = path.get("leaf_index")
    if type(index) is not int or index < 0:
        raise ProofError("merkle path has no leaf_index")
    value = leaf
    for node in path["nodes"]:
        if not isinstance(node, str) or not HEX64.fullmatch(node):
            raise ProofError("merkle path node is not a hash")
        value = sha3_hex(node + value) if index & 1 else sha3_hex(value + node)
        index >>= 1
    return value


def block_hash_of(conf: dict[str, Any]) -> str:
    return sha3_hex(
        f"{conf['miner_id']}:{conf['previous_block_hash']}:{conf['creation_date']}:"
        f"{conf['round']}:{conf['round_random_seed']}:{conf['state_changes_count']}:"
        f"{conf['merkle_tree_root']}:{conf['receipt_merkle_tree_root']}"
    )


def txn_hash_of(txn: dict[str, Any]) -> str:
    return sha3_hex(
        f"{txn['creation_date']}:{txn.get('transaction_nonce', 0)}:{txn['client_id']}:"
        f"{txn.get('to_client_id', '')}:{txn.get('transaction_value', 0)}:"
        f"{sha3_hex(txn.get('transaction_data', ''))}"
    )


@dataclass(frozen=True)
class VerifiedConfirmation:
    hash: str
    block_hash: str
    round: int
    transaction_status: int
    output: str


def verify_confirmation(conf: Any, hash_: str) -> VerifiedConfirmation:
    """The confirmation's facts once every check passed; ProofError names the first that fails."""
    if not isinstance(conf, dict) or not isinstance(conf.get("txn"), dict):
        raise ProofError("the confirmation has no transaction")
    try:
        txn = conf["txn"]
        if conf.get("hash") != hash_ or txn.get("hash") != hash_:
            raise ProofError("the confirmation is for another transaction")
        if txn_hash_of(txn) != hash_:
            raise ProofError("the transaction in the confirmation does not hash to its hash")
        if merkle_root_of_path(hash_, conf["merkle_tree_path"]) != conf["merkle_tree_root"]:
            raise ProofError("the merkle path does not lead to the block's merkle root")
        output = txn.get("transaction_output", "")
        output_hash = txn.get("txn_output_hash", "")
        if not isinstance(output, str) or sha3_hex(output) != output_hash:
            raise ProofError("the transaction output does not hash to txn_output_hash")
        receipt_root = merkle_root_of_path(output_hash, conf["receipt_merkle_tree_path"])
        if receipt_root != conf["receipt_merkle_tree_root"]:
            raise ProofError("the receipt path does not lead to the block's receipt root")
        if block_hash_of(conf) != conf.get("block_hash"):
            raise ProofError("the block's fields do not hash to its block_hash")
        status = conf.get("transaction_status")
        if status not in (1, 2, 3) or txn.get("transaction_status", status) != status:
            raise ProofError("the transaction status is missing or contradicts itself")
        if type(conf["round"]) is not int:
            raise ProofError("the round is not a number")
    except (KeyError, TypeError) as exc:
        raise ProofError(f"the confirmation lacks {exc}") from None
    return VerifiedConfirmation(hash_, conf["block_hash"], conf["round"], status, output)
