"""What can go wrong talking to the network, each with the CLI's exit status."""

from __future__ import annotations

from app.protocol.exit_codes import ExitStatus


class NetworkError(Exception):
    exit_status = ExitStatus.NETWORK_UNREACHABLE


class NetworkUnreachable(NetworkError):
    """No usable answer from the network (0dns, miners or sharders)."""

    exit_status = ExitStatus.NETWORK_UNREACHABLE


class NoConsensus(NetworkUnreachable):
    """Sharders answered but did not agree enough to trust any one answer."""


class TransactionRefused(NetworkError):
    """The miners refused the transaction; the message is the node's reason."""

    exit_status = ExitStatus.NETWORK_REFUSED


class NonceRefused(TransactionRefused):
    """Refused for its nonce ("invalid transaction nonce" / "invalid future transaction")."""


class UntrustedConfirmation(NetworkError):
    """Sharders sent confirmations that do not verify and none that do."""

    exit_status = ExitStatus.UNTRUSTED
