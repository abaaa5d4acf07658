"""The `splitkey` network commands (issue 8's contract) against the stand-in network (a test
double of 0Chain, tests/netsim) and a real co-signer: every command and every exit status."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from app.permissions import ZCN
from cosigner_server import identity
from tests.cli_cosigner_helpers import enrolled, my_wallet_and_share, people
from tests.helpers import run_splitkey
from tests.netsim import NETSIM_CHAIN_ID
from tests.network_helpers import KeyWallet, netsim, netsim_cosigner

__all__ = ["netsim", "people"]  # fixtures, used by name
OTHER = "cd" * 32


@pytest.fixture
def cosigner(tmp_path: Path):
    yield from netsim_cosigner(tmp_path)


@pytest.fixture
def admin(cosigner, people):
    _, code = cosigner.call(identity.create_user(cosigner.state, None, "admin", "admin"))
    user = people("admin")
    user.ok("cosigner", "login", "--url", cosigner.url, "--code", code)
    return user


@pytest.fixture
def on_netsim(netsim, monkeypatch):
    monkeypatch.setenv("SPLITKEY_NETWORK", netsim.block_worker)
    monkeypatch.setenv("SPLITKEY_CHAIN_ID", netsim.chain_id)
    monkeypatch.setenv("SPLITKEY_NETWORK_TIMEOUT", "2")
    return netsim


def _sent_anything(net) -> bool:
    return any(m.seen for m in net.miners)


def test_network_and_balance(on_netsim, people):
    me = people("me")
    alice = KeyWallet(on_netsim, zcn=3)
    out = me.ok("network")
    assert out["block_worker"] == on_netsim.block_worker and out["chain_id"] == NETSIM_CHAIN_ID
    assert out["miners"] == [m.url for m in on_netsim.miners]
    assert out["sharders"] == [s.url for s in on_netsim.sharders]
    balance = me.ok("balance", alice.client_id)
    assert balance["balance"] == 3 * ZCN and balance["zcn"] == "3" and balance["nonce"] == 0
    assert balance["client_id"] == alice.client_id and isinstance(balance["round"], int)
    assert balance["sharders_asked"] >= 3 and balance["sharders_agreeing"] >= 2
    new = me.ok("balance", OTHER)
    assert (new["balance"], new["nonce"], new["zcn"]) == (0, 0, "0")
    me.fails(2, "CLIENT_ID must be 64 hex digits", "balance", "xyz")
    me.fails(2, "neither a known name", "--network", "moonnet", "balance", OTHER)


def test_send_with_a_private_key_then_status(on_netsim, people):
    me = people("me")
    alice = KeyWallet(on_netsim, zcn=5)
    key = alice.key.to_hex()
    sent = me.ok(
        "send",
        "--private-key",
        "-",
        "--to",
        OTHER,
        "--amount",
        "1.5",
        "--note",
        "<rent>",
        "--wait",
        stdin=key,
    )
    assert sent["status"] == "confirmed" and sent["transaction_status"] == 1
    assert sent["accepted_by"] >= 1 and sent["sent_to"] == 3
    assert sent["transaction"]["transaction_value"] == 15 * ZCN // 10
    assert json.loads(sent["transaction"]["transaction_data"])["input"]["note"] == "<rent>"
    status = me.ok("tx", "status", sent["hash"])
    assert status == {
        k: sent[k]
        for k in ("hash", "status", "transaction_status", "round", "block_hash", "output")
    }
    fee = sent["transaction"]["transaction_fee"]
    assert me.ok("balance", alice.client_id)["balance"] == 5 * ZCN - 15 * ZCN // 10 - fee
    pending = me.ok("send", "--private-key", key, "--to", OTHER, "--amount", "0.1")
    assert pending["status"] == "pending" and pending["transaction"]["transaction_nonce"] == 2
    assert (
        pending["transaction_status"] is None and pending["hash"] == pending["transaction"]["hash"]
    )


def test_tx_submit_of_a_signed_file(on_netsim, people, tmp_path):
    me = people("me")
    alice = KeyWallet(on_netsim, zcn=5)
    tx = alice.send(OTHER, ZCN, 1, on_netsim.chain.rules.transfer_fee)
    path = tmp_path / "signed.json"
    path.write_text(tx.to_json())
    out = me.ok("tx", "submit", "--file", str(path), "--wait")
    assert out["hash"] == tx.hash and out["status"] == "confirmed" and out["accepted_by"] >= 1
    # the same nonce again: the node's reason, exit 6
    again = alice.send(OTHER, 2 * ZCN, 1, on_netsim.chain.rules.transfer_fee)
    path.write_text(again.to_json())
    me.fails(6, "invalid transaction nonce", "tx", "submit", "--file", str(path))


def test_what_a_node_refuses_is_exit_2_before_sending(on_netsim, people, tmp_path):
    me = people("me")
    alice = KeyWallet(on_netsim, zcn=5)
    path = tmp_path / "tx.json"
    path.write_text(alice.send(OTHER, ZCN, 0, 10**8).to_json())
    me.fails(2, "transaction_nonce: must be at least 1", "tx", "submit", "--file", str(path))
    old = alice.send(OTHER, ZCN, 1, 10**8)
    from dataclasses import replace

    path.write_text(replace(old, creation_date=int(time.time()) - 120).sign(alice.key).to_json())
    me.fails(2, "creation_date", "tx", "submit", "--file", str(path))
    me.fails(
        2,
        "--to is the sending wallet",
        "send",
        "--private-key",
        alice.key.to_hex(),
        "--to",
        alice.client_id,
        "--amount",
        "1",
    )
    me.fails(
        2, "--amount", "send", "--private-key", alice.key.to_hex(), "--to", OTHER, "--amount", "-1"
    )
    assert not _sent_anything(on_netsim)


def test_refusals_and_failures_are_exit_6(on_netsim, people, tmp_path):
    me = people("me")
    poor = KeyWallet(on_netsim, zcn=1)
    me.fails(
        6,
        "insufficient balance",
        "send",
        "--private-key",
        poor.key.to_hex(),
        "--to",
        OTHER,
        "--amount",
        "2",
    )
    # two sends pooled before a block: the second overdraws in its block (status 2)
    fee = on_netsim.chain.rules.transfer_fee
    on_netsim.paused = True
    first, second = poor.send(OTHER, ZCN // 2, 1, fee), poor.send(OTHER, ZCN // 2, 2, fee)
    for i, tx in enumerate((first, second)):
        path = tmp_path / f"{i}.json"
        path.write_text(tx.to_json())
        me.ok("tx", "submit", "--file", str(path))
    on_netsim.paused = False
    deadline = time.time() + 10
    while on_netsim.chain.confirmation(second.hash) is None and time.time() < deadline:
        time.sleep(0.05)
    done = me.run("tx", "status", second.hash)
    assert done.status == 6 and done.out["status"] == "failed"
    assert done.out["transaction_status"] == 2 and "insufficient balance" in done.err


def test_an_unreachable_network_or_no_consensus_is_exit_7(on_netsim, people, monkeypatch):
    me = people("me")
    alice = KeyWallet(on_netsim, zcn=1)
    # three of four sharders each say something else: whichever three are asked, no answer
    # has the agreement it needs
    for sharder, fault in zip(on_netsim.sharders, ("stale", "lie", "down"), strict=False):
        sharder.fault = fault
    me.fails(7, "do not agree", "balance", alice.client_id)
    for sharder in on_netsim.sharders:
        sharder.fault = "down"
    me.fails(7, "none of the", "balance", alice.client_id)
    me.fails(
        7, "no answer from http://127.0.0.1:9/dns", "--network", "http://127.0.0.1:9/dns", "network"
    )


def test_a_confirmation_that_does_not_verify_is_exit_5(on_netsim, people):
    me = people("me")
    alice = KeyWallet(on_netsim, zcn=2)
    sent = me.ok(
        "send", "--private-key", alice.key.to_hex(), "--to", OTHER, "--amount", "1", "--wait"
    )
    for sharder in on_netsim.sharders:
        sharder.fault = "lie"
    me.fails(5, "does not verify", "tx", "status", sent["hash"])
    unknown = me.ok("tx", "status", "ee" * 32)
    assert unknown["status"] == "pending" and unknown["transaction_status"] is None


def test_send_through_the_cosigner_and_a_delegate_over_its_cap(on_netsim, cosigner, admin, people):
    alice = enrolled(cosigner, admin, people, "alice")
    wallet, _, share = my_wallet_and_share(alice)
    on_netsim.fund(wallet["client_id"], 10 * ZCN)
    sent = alice.ok("send", "--share-file", share, "--to", OTHER, "--amount", "1.5", "--wait")
    assert sent["status"] == "confirmed"
    assert alice.ok("balance", wallet["client_id"])["balance"] == (
        10 * ZCN - 15 * ZCN // 10 - sent["transaction"]["transaction_fee"]
    )
    made = alice.ok(
        "split", "create", "--wallet", wallet["client_id"], "--label", "bob", "--holder", "code",
        "--groups", "token_transfers", "--max-per-tx", "1",
    )  # fmt: skip
    bob = enrolled(cosigner, admin, people, "bob")
    bob.ok("share", "redeem", made["share_code"], "--out", bob.file("bob.share"))
    seen = sum(len(m.seen) for m in on_netsim.miners)
    bob.fails(
        3,
        r"refused \(per_transaction_cap\)",
        "send",
        "--share-file",
        bob.file("bob.share"),
        "--to",
        OTHER,
        "--amount",
        "2",
    )
    assert sum(len(m.seen) for m in on_netsim.miners) == seen  # nothing reached a miner


def test_an_unreachable_cosigner_is_exit_4(on_netsim, cosigner, admin, people):
    alice = enrolled(cosigner, admin, people, "alice")
    wallet, _, share = my_wallet_and_share(alice)
    on_netsim.fund(wallet["client_id"], 2 * ZCN)
    session = alice.home / "cosigner-session.json"
    data = json.loads(session.read_text())
    session.write_text(json.dumps({**data, "url": "http://127.0.0.1:9"}))
    alice.fails(
        4, "co-signer unreachable", "send", "--share-file", share, "--to", OTHER, "--amount", "1"
    )


def test_a_send_refused_by_the_miners_can_be_sent_again_with_the_same_nonce(
    on_netsim, cosigner, admin, people
):
    """A refused transaction does not use its nonce on chain, so the next send co-signs the
    same nonce again. Needs the co-signer to allow a nonce to be co-signed again (the storage
    change of issue 8's nonce rule); without it the co-signer refuses with nonce_reused."""
    alice = enrolled(cosigner, admin, people, "alice")
    wallet, _, share = my_wallet_and_share(alice)
    on_netsim.fund(wallet["client_id"], 5 * ZCN)
    for miner in on_netsim.miners:
        miner.fault = "refuse"
    refused = alice.fails(
        6, "not accepting", "send", "--share-file", share, "--to", OTHER, "--amount", "1"
    )
    assert refused
    for miner in on_netsim.miners:
        miner.fault = None
    sent = alice.ok("send", "--share-file", share, "--to", OTHER, "--amount", "1", "--wait")
    assert sent["status"] == "confirmed" and sent["transaction"]["transaction_nonce"] == 1


def test_the_installed_command_reads_splitkey_network(on_netsim, tmp_path):
    env_before = dict(os.environ)
    try:
        os.environ["SPLITKEY_CONFIG_DIR"] = str(tmp_path)
        done = run_splitkey("network")
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sharders"] == [s.url for s in on_netsim.sharders]
