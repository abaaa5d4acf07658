"""What a split key may sign: the permission model shared by the co-signer, its client and the
desktop. The co-signer's policy engine (cosigner_server/policy.py) evaluates it; this module only
describes, validates and serializes it.

0Chain's permission unit is a named group of smart-contract methods (the `name` inside a
smart-contract call's transaction_data); the same group names are used here so 0Chain restrictions
map one to one. A plain send counts as token_transfers. Deny by default: with no group granted,
no transaction is signed, messages need `sign_messages`, and a bare hash (0Chain's /sign/msg
without a preimage) needs `sign_raw_hashes`, which is as powerful as an unrestricted key.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from app.transaction import (
    HEX64,
    MINER_SC_ADDRESS,
    STORAGE_SC_ADDRESS,
    ZCN_SC_ADDRESS,
    Transaction,
    TransactionType,
)

ZCN = 10**10  # 1 ZCN in SAS, 0Chain's smallest unit
DAY = 86_400

# group -> (smart contract whose methods these are, method names). collect_reward exists on the
# storage and the miner contract, so a method is identified by (contract, name).
GROUPS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "token_transfers": (None, ("transfer",)),
    "allocation_file_operations": (STORAGE_SC_ADDRESS, ("read_redeem", "commit_connection")),
    "allocation_storage_operations": (
        STORAGE_SC_ADDRESS,
        (
            "new_allocation_request",
            "update_allocation_request",
            "finalize_allocation",
            "cancel_allocation",
            "add_free_storage_assigner",
            "free_allocation_request",
        ),
    ),
    "allocation_token_operations": (
        STORAGE_SC_ADDRESS,
        ("read_pool_lock", "read_pool_unlock", "write_pool_lock"),
    ),
    "storage_rewards": (
        STORAGE_SC_ADDRESS,
        ("collect_reward", "stake_pool_lock", "stake_pool_unlock"),
    ),
    "storage_operations": (
        STORAGE_SC_ADDRESS,
        (
            "challenge_response",
            "add_validator",
            "add_blobber",
            "blobber_health_check",
            "validator_health_check",
        ),
    ),  # fmt: skip
    "storage_management": (
        STORAGE_SC_ADDRESS,
        (
            "kill_blobber",
            "kill_validator",
            "shutdown_blobber",
            "shutdown_validator",
            "update_blobber_settings",
            "update_validator_settings",
        ),
    ),  # fmt: skip
    "miner_operations": (
        MINER_SC_ADDRESS,
        (
            "add_miner",
            "add_sharder",
            "miner_health_check",
            "sharder_health_check",
            "contributeMpk",
            "shareSignsOrShares",
            "wait",
            "sharder_keep",
        ),
    ),  # fmt: skip
    "miner_management_operations": (
        MINER_SC_ADDRESS,
        ("delete_miner", "delete_sharder", "update_miner_settings", "kill_miner", "kill_sharder"),
    ),
    "miner_financial_operations": (
        MINER_SC_ADDRESS,
        ("addToDelegatePool", "deleteFromDelegatePool", "collect_reward"),
    ),
    "token_bridging": (ZCN_SC_ADDRESS, ("mint", "burn")),
    "authorizer_management_operations": (ZCN_SC_ADDRESS, ("delete-authorizer",)),
    "authorizer_operations": (
        ZCN_SC_ADDRESS,
        (
            "add-authorizer",
            "authorizer-health-check",
            "add-to-delegate-pool",
            "delete-from-delegate-pool",
        ),
    ),  # fmt: skip
}

GROUP_TITLES = {
    "token_transfers": "send tokens",
    "allocation_file_operations": "read and write files",
    "allocation_storage_operations": "create and manage storage allocations",
    "allocation_token_operations": "lock and unlock read/write pools",
    "storage_rewards": "collect storage rewards and stake",
    "storage_operations": "run blobbers and validators",
    "storage_management": "manage blobbers and validators",
    "miner_operations": "run miners and sharders",
    "miner_management_operations": "manage miners and sharders",
    "miner_financial_operations": "miner delegate pools and rewards",
    "token_bridging": "bridge tokens (mint, burn)",
    "authorizer_management_operations": "manage bridge authorizers",
    "authorizer_operations": "run bridge authorizers",
}


class PermissionsError(ValueError):
    """A permission field is wrong; the message names it."""


def method_of(tx: Transaction) -> tuple[str, str]:
    """(contract address or "", method name) of a transaction, as policy sees it."""
    if tx.transaction_type == TransactionType.SEND:
        return "", "transfer"
    if tx.transaction_type == TransactionType.SMART_CONTRACT:
        return tx.to_client_id, json.loads(tx.transaction_data)["name"]
    return "", "data"


def group_of(tx: Transaction) -> str | None:
    """The permission group a transaction needs, or None when no group covers it (refused).

    token_transfers covers plain sends only: no 0Chain contract has a method named "transfer",
    so a smart-contract call named so (to any address) is in no group. Data transactions
    (type 10) are in no group either: only an unrestricted key signs them.
    """
    if tx.transaction_type == TransactionType.SEND:
        return "token_transfers"
    if tx.transaction_type != TransactionType.SMART_CONTRACT:
        return None
    return method_group(*method_of(tx))


def method_group(contract: str, method: str) -> str | None:
    """The group of method `method` on the contract at address `contract`, or None."""
    for name, (group_contract, methods) in GROUPS.items():
        if group_contract == contract and method in methods:
            return name
    return None


def _opt_int(data: dict, name: str, minimum: int = 0) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if type(value) is not int or value < minimum:
        raise PermissionsError(f"{name} must be a whole number >= {minimum} or null")
    return value


@dataclass(frozen=True)
class Permissions:
    """Limits of one split key. Amounts are in SAS (1 ZCN = 10^10 SAS); times in unix seconds.
    None means "no limit" for caps and "any" for recipients; an empty `groups` signs nothing."""

    groups: frozenset[str] = frozenset()
    sign_messages: bool = False
    # Co-sign a bare 32-byte hash with no preimage (what gosdk's /sign/msg sends). Any
    # transaction's hash is such a hash, so this is as powerful as an unrestricted key; it is
    # never implied, not even by `unrestricted`.
    sign_raw_hashes: bool = False
    max_per_transaction: int | None = None
    period_seconds: int = DAY
    max_value_per_period: int | None = None
    max_count_per_period: int | None = None
    recipients: frozenset[str] | None = None
    not_before: int | None = None
    expires_at: int | None = None
    max_uses: int | None = None
    # The owner's own device split: no group, cap, recipient or count limit applies; the
    # validity window (not_before, expires_at) and chain_id still do.
    unrestricted: bool = False
    chain_id: str | None = None  # pin a chain; None = the server's configured chain

    def __post_init__(self) -> None:
        unknown = set(self.groups) - GROUPS.keys()
        if unknown:
            raise PermissionsError(f"unknown permission group(s): {', '.join(sorted(unknown))}")
        if self.period_seconds < 60:
            raise PermissionsError("period_seconds must be at least 60")
        if (
            self.not_before is not None
            and self.expires_at is not None
            and self.expires_at <= self.not_before
        ):
            raise PermissionsError("expires_at must be after not_before")
        # A recipient or chain id that can never equal a transaction's field (0Chain ids are 64
        # lowercase hex) would silently refuse everything: say so when the limits are set.
        for recipient in sorted(self.recipients or ()):
            if not HEX64.fullmatch(recipient):
                raise PermissionsError(
                    f"recipient {recipient!r} is not a client id (64 lowercase hex digits)"
                )
        if self.chain_id is not None and not HEX64.fullmatch(self.chain_id):
            raise PermissionsError("chain_id must be 64 lowercase hex digits or null")

    @classmethod
    def unlimited(cls) -> Permissions:
        return cls(groups=frozenset(GROUPS), sign_messages=True, unrestricted=True)

    @classmethod
    def from_dict(cls, data: Any) -> Permissions:
        if not isinstance(data, dict):
            raise PermissionsError("permissions must be a JSON object")
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise PermissionsError(f"unknown permission field(s): {', '.join(sorted(unknown))}")
        groups = data.get("groups", [])
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise PermissionsError("groups must be a list of group names")
        recipients = data.get("recipients")
        if recipients is not None and (
            not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients)
        ):
            raise PermissionsError("recipients must be a list of client ids or null")
        for flag in ("sign_messages", "sign_raw_hashes", "unrestricted"):
            if not isinstance(data.get(flag, False), bool):
                raise PermissionsError(f"{flag} must be true or false")
        chain_id = data.get("chain_id")
        if chain_id is not None and not isinstance(chain_id, str):
            raise PermissionsError("chain_id must be text or null")
        return cls(
            groups=frozenset(groups),
            sign_messages=data.get("sign_messages", False),
            sign_raw_hashes=data.get("sign_raw_hashes", False),
            max_per_transaction=_opt_int(data, "max_per_transaction"),
            period_seconds=_opt_int(data, "period_seconds", 60) or DAY,
            max_value_per_period=_opt_int(data, "max_value_per_period"),
            max_count_per_period=_opt_int(data, "max_count_per_period"),
            recipients=None if recipients is None else frozenset(recipients),
            not_before=_opt_int(data, "not_before"),
            expires_at=_opt_int(data, "expires_at"),
            max_uses=_opt_int(data, "max_uses"),
            unrestricted=data.get("unrestricted", False),
            chain_id=chain_id,
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["groups"] = sorted(self.groups)
        out["recipients"] = None if self.recipients is None else sorted(self.recipients)
        return out

    def is_within(self, other: Permissions) -> bool:
        """True when self allows nothing that `other` does not (a tightening of other)."""

        def cap_within(mine: int | None, theirs: int | None) -> bool:
            return theirs is None or (mine is not None and mine <= theirs)

        # When and where a key works binds even an unrestricted key.
        when_where = (
            cap_within(self.expires_at, other.expires_at)
            and (other.not_before is None or (
                self.not_before is not None and self.not_before >= other.not_before
            ))
            # None is the server's chain, so a pin to another chain is a change, not a tightening
            and self.chain_id == other.chain_id
        )  # fmt: skip
        if not when_where:
            return False
        # Checked before the unrestricted shortcut: unrestricted does not include raw hashes.
        if self.sign_raw_hashes and not other.sign_raw_hashes:
            return False
        if other.unrestricted:
            return True
        if self.unrestricted:
            return False
        # A period cap is only as tight as its window: 2 ZCN per hour is not within 2 ZCN per
        # day. A longer window with a cap no higher is (every short window lies inside one).
        period_caps = (other.max_value_per_period, other.max_count_per_period) != (None, None)
        return (
            self.groups <= other.groups
            and (other.sign_messages or not self.sign_messages)
            and cap_within(self.max_per_transaction, other.max_per_transaction)
            and cap_within(self.max_value_per_period, other.max_value_per_period)
            and cap_within(self.max_count_per_period, other.max_count_per_period)
            and (not period_caps or self.period_seconds >= other.period_seconds)
            and cap_within(self.max_uses, other.max_uses)
            # recipients None means "anyone": never within a list
            and (other.recipients is None or (
                self.recipients is not None and self.recipients <= other.recipients
            ))
        )  # fmt: skip
