"""Talking to a 0Chain network (0dns, miners, sharders) as gosdk does; no Qt, no aiohttp.
client.py holds the client, proofs.py the confirmation checks, settings.py the networks."""

from app.network.client import AsyncNetworkClient, NetworkClient
from app.network.errors import (
    NetworkError,
    NetworkUnreachable,
    NoConsensus,
    NonceRefused,
    TransactionRefused,
    UntrustedConfirmation,
)
from app.network.results import (
    CONFIRMED,
    FAILED,
    PENDING,
    Balance,
    Submitted,
    TxStatus,
    zcn_text,
)
from app.network.settings import NetworkSettings, current_network, network_by_name

__all__ = [
    "CONFIRMED",
    "FAILED",
    "PENDING",
    "AsyncNetworkClient",
    "Balance",
    "NetworkClient",
    "NetworkError",
    "NetworkSettings",
    "NetworkUnreachable",
    "NoConsensus",
    "NonceRefused",
    "Submitted",
    "TransactionRefused",
    "TxStatus",
    "UntrustedConfirmation",
    "current_network",
    "network_by_name",
    "zcn_text",
]
