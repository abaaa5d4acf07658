"""The stand-in's merkle trees and block hashes against public 0Chain data, and the wallet's
checks (app/network/proofs.py) against the stand-in's independently written blocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.network.proofs import ProofError, block_hash_of, merkle_root_of_path, verify_confirmation
from tests.netsim.chain import block_hash, merkle_levels, merkle_path, sha3

RECORDED = json.loads((Path(__file__).parent / "recorded_confirmation.json").read_text())


def test_the_recorded_confirmations_merkle_paths_verify_in_the_wallet_and_the_stand_in():
    r = RECORDED
    assert merkle_root_of_path(r["hash"], r["merkle_tree_path"]) == r["merkle_tree_root"]
    receipt = merkle_root_of_path(r["txn_output_hash"], r["receipt_merkle_tree_path"])
    assert receipt == r["receipt_merkle_tree_root"]
    # one altered node, or the wrong side, and the path leads elsewhere
    bad = {**r["merkle_tree_path"], "leaf_index": 1}
    assert merkle_root_of_path(r["hash"], bad) != r["merkle_tree_root"]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13])
def test_every_leaf_of_a_stand_in_tree_proves_its_way_to_the_root(count):
    leaves = [sha3(str(i)) for i in range(count)]
    levels = merkle_levels(leaves)
    for index, leaf in enumerate(leaves):
        assert merkle_root_of_path(leaf, merkle_path(levels, index)) == levels[-1][0]


def test_the_recorded_path_is_what_the_stand_in_would_build_with_those_siblings():
    """Build a 16-leaf tree whose leaf 0 and siblings are the recorded ones: same root."""
    r = RECORDED
    nodes = r["merkle_tree_path"]["nodes"]
    level = [r["hash"], nodes[0]]
    for sibling in nodes[1:]:
        level = [sha3(level[0] + level[1]), sibling]
    assert sha3(level[0] + level[1]) == r["merkle_tree_root"]


def test_block_hash_formula_agrees_between_stand_in_and_wallet():
    header = {
        "miner_id": sha3("m"),
        "prev_hash": sha3("p"),
        "creation_date": 1700000000,
        "round": 42,
        "round_random_seed": -55809941478188169,
        "state_changes_count": 3,
        "merkle_tree_root": sha3("a"),
        "receipt_merkle_tree_root": sha3("b"),
    }
    conf = {**header, "previous_block_hash": header["prev_hash"]}
    assert block_hash(header) == block_hash_of(conf)


def test_a_confirmation_without_its_proofs_is_refused():
    with pytest.raises(ProofError):
        verify_confirmation({"txn": {}}, RECORDED["hash"])
    with pytest.raises(ProofError, match="another transaction"):
        verify_confirmation({"hash": "00" * 32, "txn": {"hash": "00" * 32}}, RECORDED["hash"])
