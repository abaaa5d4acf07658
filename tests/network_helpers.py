"""Shared by the network tests: a stand-in network per test and wallets that sign sends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.crypto import SecretKey
from app.keys import client_id_of
from app.network import NetworkClient, network_by_name
from app.network.settings import NetworkSettings
from app.transaction import Transaction, new_send
from cosigner_server.bootstrap import init_data_dir
from tests.cosigner_server.conftest import RunningServer, make_config, run_server
from tests.netsim import NETSIM_CHAIN_ID, ZCN, StandInNetwork

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
        return new_send(
            client_id=self.client_id, public_key=self.public_key.to_hex(),
            chain_id=self.chain_id, to_client_id=to, value=value, fee=fee, nonce=nonce,
            note=note,
        ).sign(self.key)  # fmt: skip

    def builder(self, to: str, value: int, note: str = ""):
        return lambda nonce, fee: self.send(to, value, nonce, fee, note)


def netsim_cosigner(tmp_path: Path) -> Iterator[RunningServer]:
    """A real co-signer (tests/cosigner_server/conftest.py) signing for the stand-in's chain."""
    config = make_config(tmp_path / "cosigner", chain_id=NETSIM_CHAIN_ID)
    init_data_dir(config)
    yield from run_server(config)


def client(net: StandInNetwork, **overrides) -> NetworkClient:
    return NetworkClient(settings_for(net, **overrides))
