"""app/network against the stand-in network (tests/netsim, a test double of 0Chain on real
ports): what a wallet sees — balances the sharders agree on, sends that miners take or refuse
with the node's reason, confirmations that verify — and the faults: lying, stale, silent
sharders and refusing miners."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.network import (
    CONFIRMED,
    FAILED,
    PENDING,
    AsyncNetworkClient,
    NetworkUnreachable,
    NoConsensus,
    TransactionRefused,
    UntrustedConfirmation,
)
from app.transaction import NetworkRuleError
from tests.network_helpers import ZCN, KeyWallet, client, netsim, settings_for

__all__ = ["netsim"]  # the fixture, used by name
OTHER = "cd" * 32


def test_discovery_lists_the_stand_ins_nodes(netsim):
    with client(netsim) as net:
        nodes = net.nodes()
    assert list(nodes.miners) == [m.url for m in netsim.miners]
    assert list(nodes.sharders) == [s.url for s in netsim.sharders]


def test_a_new_account_has_balance_and_nonce_zero(netsim):
    with client(netsim) as net:
        balance = net.balance(OTHER)
    assert (balance.balance, balance.nonce) == (0, 0)
    assert balance.sharders_asked == 4 and balance.sharders_agreeing == 4


def test_send_then_confirmed_moves_value_plus_fee(netsim):
    alice = KeyWallet(netsim, zcn=10)
    with client(netsim) as net:
        before = net.balance(alice.client_id)
        fee = net.transfer_fee()
        sent = net.send(
            alice.builder(OTHER, 15 * ZCN // 10, note="rent <june> & more"), alice.client_id
        )
        assert sent.accepted_by >= 1 and sent.sent_to == 3  # max(3, ceil(50% of 4))
        assert sent.transaction.transaction_nonce == before.nonce + 1
        final = net.wait(sent.hash, sent.transaction.creation_date, poll=0.1)
        assert final.status == CONFIRMED and final.transaction_status == 1
        assert final.sharders_agreeing >= 2 and final.block_hash
        after = net.balance(alice.client_id)
        assert after.balance == before.balance - 15 * ZCN // 10 - fee
        assert after.nonce == before.nonce + 1
        assert net.balance(OTHER).balance == 15 * ZCN // 10


def test_a_lying_sharder_is_outvoted_and_two_disagreeing_halves_are_no_consensus(netsim):
    alice = KeyWallet(netsim, zcn=10)
    netsim.sharders[0].fault = "lie"
    with client(netsim) as net:
        balance = net.balance(alice.client_id)
        assert balance.balance == 10 * ZCN and balance.sharders_agreeing == 3
        assert balance.sharders_asked == 4
        netsim.sharders[0].fault = None
        netsim.sharders[1].fault = "stale"
        netsim.sharders[2].fault = "stale"
        with pytest.raises(NoConsensus, match="do not agree"):
            net.balance(alice.client_id)


def test_silent_sharders_are_skipped_and_a_dead_network_is_unreachable(netsim):
    alice = KeyWallet(netsim, zcn=3)
    netsim.sharders[3].fault = "timeout"
    netsim.sharders[3].hang = 5
    with client(netsim, timeout=0.5) as net:
        assert net.balance(alice.client_id).balance == 3 * ZCN
        for node in netsim.sharders:
            node.fault = "down"
        with pytest.raises(NetworkUnreachable):
            net.balance(alice.client_id)
    from app.network import NetworkClient
    from app.network.settings import network_by_name

    with NetworkClient(network_by_name("http://127.0.0.1:9/dns")) as net:
        with pytest.raises(NetworkUnreachable, match="no answer"):
            net.nodes()


def test_miners_refusals_are_the_nodes_reason(netsim):
    poor = KeyWallet(netsim, zcn=1)
    with client(netsim) as net:
        with pytest.raises(TransactionRefused, match="insufficient balance"):
            net.send(poor.builder(OTHER, 5 * ZCN), poor.client_id)
        with pytest.raises(TransactionRefused, match="insufficient transaction fee"):
            net.send(poor.builder(OTHER, ZCN // 10), poor.client_id, fee=1)
        for miner in netsim.miners:
            miner.fault = "refuse"
        with pytest.raises(TransactionRefused, match="not accepting"):
            net.send(poor.builder(OTHER, ZCN // 10), poor.client_id)
        for miner in netsim.miners:
            miner.fault = "down"
        with pytest.raises(NetworkUnreachable, match="miners"):
            net.send(poor.builder(OTHER, ZCN // 10), poor.client_id)
        # none of those used the nonce
        assert net.balance(poor.client_id).nonce == 0


def test_one_refusing_miner_does_not_stop_a_send(netsim):
    alice = KeyWallet(netsim, zcn=2)
    netsim.miners[0].fault = "refuse"
    netsim.miners[1].fault = "down"
    with client(netsim) as net:
        sent = net.send(alice.builder(OTHER, ZCN), alice.client_id)
        assert sent.accepted_by >= 1
        assert net.wait(sent.hash, poll=0.1).status == CONFIRMED


def test_a_stale_nonce_is_fetched_again_and_the_send_signed_again(netsim):
    alice = KeyWallet(netsim, zcn=5)
    built = []

    def build(nonce, fee):
        # the first build uses nonce 1 although the chain is already past it
        tx = alice.send(OTHER, ZCN, 1 if not built else nonce, fee)
        built.append(tx)
        return tx

    with client(netsim) as net:
        first = net.send(alice.builder(OTHER, ZCN), alice.client_id)
        net.wait(first.hash, poll=0.1)
        net2 = client(netsim)
        sent = net2.send(build, alice.client_id)
        net2.close()
    assert len(built) == 2 and built[0].hash != built[1].hash
    assert sent.transaction.transaction_nonce == 2


def test_a_forged_or_tampered_confirmation_is_never_confirmed(netsim):
    alice = KeyWallet(netsim, zcn=5)
    for sharder in netsim.sharders[:3]:
        sharder.fault = "forge"  # made-up blocks whose proofs verify, each a different block
    with client(netsim) as net:
        netsim.paused = True
        tx = net.send(alice.builder(OTHER, ZCN), alice.client_id).transaction
        assert net.status(tx.hash).status == PENDING  # forged "success" before any block
        netsim.paused = False
        deadline = time.time() + 3
        while not netsim.chain.confirmation(tx.hash) and time.time() < deadline:
            time.sleep(0.05)
        assert net.status(tx.hash).status == PENDING  # 1 true vs 3 different forgeries
        for sharder in netsim.sharders:
            sharder.fault = "lie"  # the real block, altered: proofs that do not verify
        with pytest.raises(UntrustedConfirmation, match="does not verify"):
            net.status(tx.hash)
        netsim.sharders[0].fault = netsim.sharders[1].fault = None
        final = net.status(tx.hash)  # two honest sharders are min_confirmation (50 %) of 4
        assert final.status == CONFIRMED and len(final.rejected) == 2
        assert final.block_hash == netsim.chain.confirmation(tx.hash)["block_hash"]


def test_the_node_rules_are_checked_before_anything_is_sent(netsim):
    alice = KeyWallet(netsim, zcn=5)
    fee = netsim.chain.rules.transfer_fee
    with client(netsim) as net:
        with pytest.raises(NetworkRuleError, match="nonce"):
            net.submit(alice.send(OTHER, ZCN, 0, fee))
        with pytest.raises(NetworkRuleError, match="own sender"):
            net.submit(alice.send(alice.client_id, ZCN, 1, fee))
    assert all(not m.seen for m in netsim.miners)


def test_the_async_client_does_the_same(netsim):
    alice = KeyWallet(netsim, zcn=4)

    async def scenario():
        async with AsyncNetworkClient(settings_for(netsim)) as net:
            balance = await net.balance(alice.client_id)

            async def build(nonce, fee):
                return alice.send(OTHER, ZCN, nonce, fee)

            sent = await net.send(build, alice.client_id)
            final = await net.wait(sent.hash, poll=0.1)
            return balance, final

    balance, final = asyncio.run(scenario())
    assert balance.balance == 4 * ZCN and final.status == CONFIRMED


def test_a_send_that_fails_in_its_block_is_failed(netsim):
    alice = KeyWallet(netsim, zcn=2)
    fee = netsim.chain.rules.transfer_fee
    with client(netsim) as net:
        netsim.paused = True
        first = alice.send(OTHER, ZCN, 1, fee)
        second = alice.send(OTHER, ZCN, 2, fee)  # both pass the miner; the second overdraws
        net.submit(first)
        net.submit(second)
        netsim.paused = False
        assert net.wait(first.hash, poll=0.1).status == CONFIRMED
        failed = net.wait(second.hash, poll=0.1)
    assert failed.status == FAILED and failed.transaction_status == 2
    assert "insufficient" in failed.output
