"""Shared by the network tests: a stand-in network per test and wallets that sign sends."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from app.crypto import SecretKey
from app.keys import client_id_of
from app.network import NetworkClient, network_by_name
from app.network.settings import NetworkSettings
from app.transaction import Transaction, TransactionType, send_data
from tests.netsim import ZCN, StandInNetwork

__all__ = ["ZCN", "KeyWallet", "netsim", "settings_for"]


@pytest.fixture
def netsim() -> Iterator[StandInNetwork]:
    with StandInNetwork(miners=4, sharders=4, block_time=0.1) as net:
        yield net


def settings_for(net: StandInNetwork, **overrides) -> NetworkSettings:
    settings = network_by_name(net.block_worker, net.chain_id)
    return NetworkSettings(
        **{**settings.to_dict(), "timeout": 2.0, "sharder_consensus": 4, **overrides}
    )


class KeyWallet:
    """An unsplit key that signs gosdk-shaped sends."""

    def __init__(self, net: StandInNetwork, zcn: int = 0) -> None:
        self.key = SecretKey.generate()
        self.public_key = self.key.public_key()
        self.client_id = client_id_of(self.public_key)
        self.chain_id = net.chain_id
        if zcn:
            net.fund(self.client_id, zcn * ZCN)

    def send(self, to: str, value: int, nonce: int, fee: int, note: str = "") -> Transaction:
        return Transaction(
            client_id=self.client_id,
            chain_id=self.chain_id,
            creation_date=int(time.time()),
            to_client_id=to,
            transaction_value=value,
            transaction_fee=fee,
            transaction_nonce=nonce,
            transaction_type=TransactionType.SEND,
            transaction_data=send_data(note),
        ).sign(self.key)

    def builder(self, to: str, value: int, note: str = ""):
        return lambda nonce, fee: self.send(to, value, nonce, fee, note)


def client(net: StandInNetwork, **overrides) -> NetworkClient:
    return NetworkClient(settings_for(net, **overrides))
