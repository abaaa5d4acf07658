"""What the network client answers: the nodes, a balance, a submitted transaction, a
transaction's status; to_dict gives the CLI's JSON keys."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from app.transaction import Transaction


@dataclass(frozen=True)
class Nodes:
    miners: tuple[str, ...]
    sharders: tuple[str, ...]


@dataclass(frozen=True)
class Balance:
    client_id: str
    balance: int
    nonce: int
    round: int | None
    sharders_agreeing: int
    sharders_asked: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "balance": self.balance,
            "zcn": zcn_text(self.balance),
            "nonce": self.nonce,
            "round": self.round,
            "sharders_agreeing": self.sharders_agreeing,
            "sharders_asked": self.sharders_asked,
        }


@dataclass(frozen=True)
class Submitted:
    hash: str
    accepted_by: int
    sent_to: int
    transaction: Transaction

    def to_dict(self) -> dict[str, Any]:
        return {"hash": self.hash, "accepted_by": self.accepted_by, "sent_to": self.sent_to}


CONFIRMED, PENDING, FAILED = "confirmed", "pending", "failed"


@dataclass(frozen=True)
class TxStatus:
    hash: str
    status: str  # confirmed | pending | failed
    transaction_status: int | None = None
    round: int | None = None
    block_hash: str | None = None
    output: str | None = None
    sharders_agreeing: int = 0
    sharders_asked: int = 0
    rejected: tuple[str, ...] = field(default=())  # why confirmations that did not verify failed

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rejected"] = list(self.rejected)
        return data


def zcn_text(sas: int) -> str:
    """SAS as a ZCN decimal string without trailing zeros ("1.5", "0", "0.0000000001")."""
    whole, frac = divmod(sas, 10**10)
    return f"{whole}.{frac:010d}".rstrip("0").rstrip(".")
