"""The 0Chain transaction: its fields, their checks, its hash and the JSON a miner takes.

    tx = Transaction(client_id=..., chain_id=..., creation_date=int(time.time()),
                     to_client_id=STORAGE_SC_ADDRESS,
                     transaction_type=TransactionType.SMART_CONTRACT,
                     transaction_data=smart_contract_data("new_allocation_request", {...}))
    signed = tx.sign(secret_key)          # fills public_key (and client_id) when empty
    signed.to_dict()                      # the miner's JSON, including "hash"

hash_data = "{creation_date}:{nonce}:{client_id}:{to_client_id}:{value}:{sha3hex(data)}" and
hash = sha3hex(hash_data). The fee, type, chain_id, public_key and version are not hashed, which
is why a co-signer recomputes the hash from the parsed fields and checks them by policy: a hash
that arrives with a transaction is only compared, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, fields, replace
from enum import IntEnum
from typing import Any

from app import gojson
from app.crypto import DecodeError, PublicKey, SecretKey, Signature
from app.gojson_encode import go_marshal
from app.keys import client_id_of

VERSION = "1.0"
INT64_MAX = 2**63 - 1  # 0Chain's value, fee, nonce and timestamps are Go int64

# 0Chain's smart contracts: fixed addresses sharing one prefix.
_SC_PREFIX = "6dba10422e368813802877a85039d3985d96760ed844092319743fb3a767"
FAUCET_SC_ADDRESS = _SC_PREFIX + "12d3"
STORAGE_SC_ADDRESS = _SC_PREFIX + "12d7"
MINER_SC_ADDRESS = _SC_PREFIX + "12d9"
ZCN_SC_ADDRESS = _SC_PREFIX + "12e0"  # the ZCN bridge
SMART_CONTRACT_ADDRESSES = frozenset(
    {FAUCET_SC_ADDRESS, STORAGE_SC_ADDRESS, MINER_SC_ADDRESS, ZCN_SC_ADDRESS}
)
# Contracts of older 0Chain releases outside the prefix (gosdk's VestingSmartContractAddress and
# MultiSigSmartContractAddress): a node of such a release would run a call sent to them.
_LEGACY_SC_ADDRESSES = frozenset({
    "2bba5b05949ea59c80aed3ac3474d7379d3be737e8eb5a968c52295e48333ead",
    "27b5ef7120252b79f9dd9c05505dd28f328c80f6863ee446daede08a84d651a7",
})  # fmt: skip


def may_be_contract(address: str) -> bool:
    """Could a node run a contract call sent to this address? 0Chain's contracts are compiled
    into the node at fixed addresses (every current one has the prefix), so a call to any other
    address fails on every node; a wallet's client id (sha3 of a key) has the 60-digit prefix
    with probability 2^-240."""
    address = address.lower()
    return address.startswith(_SC_PREFIX) or address in _LEGACY_SC_ADDRESSES

# 0Chain mainnet's chain id
MAINNET_CHAIN_ID = "0afc093ffb509f059c55478bc1a60351cef7b4e9c008a53a6cc8241ca8617dfe"
# ids, hashes and keys of 32 bytes: lower-case only, as 0Chain writes them
HEX64 = re.compile(r"[0-9a-f]{64}")

# What a node's /v1/transaction/put takes: server_chain.transaction.timeout defaults to 30 s
# (0chain core/config). Splitkey refuses to broadcast outside it rather than let a miner do it.
NODE_CLOCK_TOLERANCE = 30
# Fields gosdk always sends or a sharder returns in a confirmation's "txn": read and ignored,
# never hashed (the node computes them; txn_output_hash is only checked when non-empty).
NODE_OUTPUT_FIELDS = frozenset({"txn_output_hash", "transaction_status", "transaction_output"})


class TransactionType(IntEnum):
    SEND = 0
    DATA = 10
    SMART_CONTRACT = 1000


class TransactionError(ValueError):
    """A transaction field is missing or wrong; `field` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


def sha3_hex(data: str | bytes) -> str:
    """0Chain's encryption.Hash: SHA3-256 (FIPS 202) as lowercase hex; text is hashed as UTF-8."""
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha3_256(data).hexdigest()


def smart_contract_data(name: str, input_: dict[str, Any]) -> str:
    """transaction_data of a smart-contract call, byte for byte as Go's json.Marshal writes
    gosdk's SmartContractTxnData (so the same call has the same hash in Splitkey and gosdk)."""
    return go_marshal({"name": name, "input": input_})


def send_data(note: str = "") -> str:
    """transaction_data of a send, as gosdk writes it: {"name":"transfer","input":{...}}."""
    return smart_contract_data("transfer", {"note": note} if note else {})


def new_send(
    *,
    client_id: str,
    public_key: str,
    chain_id: str,
    to_client_id: str,
    value: int,
    fee: int,
    nonce: int,
    note: str = "",
    creation_date: int | None = None,
) -> Transaction:
    """An unsigned send as gosdk builds one, created now unless told otherwise."""
    return Transaction(
        client_id=client_id,
        public_key=public_key,
        chain_id=chain_id,
        creation_date=creation_date if creation_date is not None else int(time.time()),
        to_client_id=to_client_id,
        transaction_value=value,
        transaction_fee=fee,
        transaction_nonce=nonce,
        transaction_type=TransactionType.SEND,
        transaction_data=send_data(note),
    )


class NetworkRuleError(TransactionError):
    """The transaction is well formed but a 0Chain node would refuse it."""


def check_for_network(tx: Transaction, now: int, tolerance: int = NODE_CLOCK_TOLERANCE) -> None:
    """Raise NetworkRuleError for what a miner refuses before anything is sent to one
    (0chain chaincore/transaction/entity.go Validate and the nonce rule)."""
    if not tx.to_client_id:
        raise NetworkRuleError("to_client_id", "a node refuses a transaction without a recipient")
    if tx.to_client_id == tx.client_id:
        raise NetworkRuleError("to_client_id", "a node refuses a transaction to its own sender")
    if tx.transaction_nonce < 1:
        raise NetworkRuleError("transaction_nonce", "must be at least 1 (the account's nonce + 1)")
    if abs(tx.creation_date - now) > tolerance:
        raise NetworkRuleError(
            "creation_date", f"is more than {tolerance} s from now; nodes refuse it"
        )
    if not tx.public_key or not tx.signature:
        raise NetworkRuleError("signature", "the transaction is not signed")


@dataclass(frozen=True, kw_only=True)
class Transaction:
    """A transaction as a miner receives it, minus `hash`, which is always computed."""

    client_id: str
    chain_id: str
    creation_date: int
    to_client_id: str = ""
    transaction_data: str = ""
    transaction_value: int = 0
    transaction_fee: int = 0
    transaction_nonce: int = 0
    transaction_type: int = TransactionType.SEND
    public_key: str = ""
    signature: str = ""
    version: str = VERSION

    def __post_init__(self) -> None:
        _check_hex64(self.client_id, "client_id")
        _check_hex64(self.chain_id, "chain_id")
        if self.to_client_id:
            _check_hex64(self.to_client_id, "to_client_id")
        for name in ("transaction_value", "transaction_fee", "transaction_nonce"):
            _check_int64(getattr(self, name), name, minimum=0)
        _check_int64(self.creation_date, "creation_date", minimum=1)
        self._check_type_and_data()
        if self.version != VERSION:
            raise TransactionError("version", f'must be "{VERSION}"')
        if self.public_key:
            key = _decode(PublicKey, self.public_key, "public_key")
            if client_id_of(key) != self.client_id:
                raise TransactionError("client_id", "is not the address of public_key")
        if self.signature:
            _decode(Signature, self.signature, "signature")

    def _check_type_and_data(self) -> None:
        kind = self.transaction_type
        if type(kind) not in (int, TransactionType) or kind not in set(TransactionType):
            allowed = ", ".join(f"{t.value} ({t.name.lower()})" for t in TransactionType)
            raise TransactionError("transaction_type", f"must be one of {allowed}")
        object.__setattr__(self, "transaction_type", TransactionType(kind))
        if not isinstance(self.transaction_data, str):
            raise TransactionError("transaction_data", "must be text")
        if not self.transaction_data.isascii():  # hashed as UTF-8: a lone surrogate has none
            try:
                self.transaction_data.encode()
            except UnicodeEncodeError:
                raise TransactionError("transaction_data", "is not valid Unicode text") from None
        if kind != TransactionType.DATA and not self.to_client_id:
            raise TransactionError("to_client_id", "is needed by a send or a smart-contract call")
        if kind == TransactionType.SMART_CONTRACT:
            _check_smart_contract_data(self.transaction_data)

    # -- hash and signature ------------------------------------------------------------------

    @property
    def hash_data(self) -> str:
        return (
            f"{self.creation_date}:{self.transaction_nonce}:{self.client_id}:"
            f"{self.to_client_id}:{self.transaction_value}:{sha3_hex(self.transaction_data)}"
        )

    @property
    def hash(self) -> str:
        return sha3_hex(self.hash_data)

    def sign(self, secret_key: SecretKey) -> Transaction:
        """Sign the hash with secret_key; public_key and client_id default to that key's.

        With a split wallet's share the result carries a partial signature while public_key
        stays the wallet's full key; is_signed_by() tells the two cases apart.
        """
        public_key = self.public_key or secret_key.public_key().to_hex()
        signature = secret_key.sign_hash(self.hash).to_hex()
        return replace(self, public_key=public_key, signature=signature)

    def is_signed_by(self, public_key: PublicKey) -> bool:
        if not self.signature:
            return False
        return public_key.verify_hash(self.hash, Signature.from_hex(self.signature))

    def verify(self) -> bool:
        """True when the signature is valid under the transaction's own public_key."""
        if not self.public_key:
            return False
        return self.is_signed_by(PublicKey.from_hex(self.public_key))

    # -- JSON --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON object a miner's /v1/transaction/put takes (0Chain's field names)."""
        return {
            "hash": self.hash,
            "version": self.version,
            "client_id": self.client_id,
            "public_key": self.public_key,
            "to_client_id": self.to_client_id,
            "chain_id": self.chain_id,
            "transaction_data": self.transaction_data,
            "transaction_value": self.transaction_value,
            "signature": self.signature,
            "creation_date": self.creation_date,
            "transaction_fee": self.transaction_fee,
            "transaction_nonce": self.transaction_nonce,
            "transaction_type": int(self.transaction_type),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Any) -> Transaction:
        """Parse a miner-format object. A "hash" in it must equal the recomputed hash."""
        if not isinstance(data, dict):
            raise TransactionError("transaction", "must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known - {"hash"} - NODE_OUTPUT_FIELDS)
        if unknown:
            raise TransactionError(unknown[0], "is not a transaction field")
        missing = [name for name in ("client_id", "chain_id", "creation_date") if name not in data]
        if missing:
            raise TransactionError(missing[0], "is missing")
        tx = cls(**{name: data[name] for name in known if name in data})
        claimed = data.get("hash")
        if claimed is not None and claimed != tx.hash:
            raise TransactionError("hash", "does not match the transaction's fields")
        return tx

    @classmethod
    def from_json(cls, text: str | bytes) -> Transaction:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            where = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
            raise TransactionError("transaction", f"is not valid JSON ({where})") from None
        except UnicodeDecodeError:
            raise TransactionError("transaction", "is not UTF-8 text") from None
        return cls.from_dict(data)


def _check_hex64(value: Any, name: str) -> None:
    if not isinstance(value, str) or not HEX64.fullmatch(value):
        raise TransactionError(name, "must be 64 lowercase hex digits")


def _check_int64(value: Any, name: str, minimum: int) -> None:
    # bool is an int in Python but never one in 0Chain's JSON
    if type(value) is not int:
        raise TransactionError(name, "must be an integer")
    if not minimum <= value <= INT64_MAX:
        raise TransactionError(name, f"must be between {minimum} and {INT64_MAX}")


def _check_smart_contract_data(text: str) -> None:
    try:
        data = gojson.loads(text)
    except gojson.GoJsonError as exc:
        raise TransactionError(
            "transaction_data", f"of a smart-contract call is not usable JSON: {exc}"
        ) from None
    if not isinstance(data, dict):
        raise TransactionError("transaction_data", 'must be a JSON object {"name", "input"}')
    if not isinstance(data.get("name"), str) or not data["name"]:
        raise TransactionError("transaction_data", 'needs "name", the smart-contract method')
    # gosdk marshals SmartContractTxnData{Name: ...} with "input":null; a node accepts it.
    if "input" not in data or not (data["input"] is None or isinstance(data["input"], dict)):
        raise TransactionError("transaction_data", 'needs "input", a JSON object or null')


def _decode(kind: type, text: Any, name: str):
    try:
        return kind.from_hex(text)
    except DecodeError as exc:
        raise TransactionError(name, str(exc)) from None
