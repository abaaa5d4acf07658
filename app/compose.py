"""Transactions from what a person typed: amounts in ZCN, a recipient, a smart-contract method
and its JSON input. Every problem is a ComposeError naming the field, so a form can mark that
field before anything is sent; the result is the one Transaction object that is shown for review,
hashed and signed.

    tx = compose_send(client_id=..., public_key=..., chain_id=..., nonce="7",
                      recipient="ab12...", amount="1.5", fee="0.01")
    tx = compose_call(..., group="allocation_token_operations", method="read_pool_lock",
                      input_json='{"allocation": "..."}', amount="2")
"""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from app.crypto import CryptoError, PublicKey, Signature
from app.permissions import GROUPS, ZCN
from app.transaction import (
    HEX64,
    INT64_MAX,
    Transaction,
    TransactionError,
    TransactionType,
    send_data,
    sha3_hex,
    smart_contract_data,
)

# 0Chain mainnet: what a fresh desktop signs for until the user picks another chain in Settings.
DECIMALS = 10  # 1 ZCN = 10^10 SAS


class ComposeError(ValueError):
    """A field a person filled in is wrong; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# -- single fields ------------------------------------------------------------------------------


def parse_zcn(text: str, field: str = "amount", *, allow_zero: bool = True) -> int:
    """Text in ZCN -> SAS, exactly ("1.5" -> 15000000000): at most 10 decimals, no sign."""
    cleaned = text.strip().replace("_", "").replace(" ", "")
    if cleaned.upper().endswith("ZCN"):
        cleaned = cleaned[:-3].strip()
    if not cleaned:
        raise ComposeError(field, "enter an amount in ZCN")
    if not re.fullmatch(r"[0-9]*\.?[0-9]*", cleaned) or cleaned == ".":
        raise ComposeError(field, f"{text.strip()!r} is not an amount (use digits and a dot)")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ComposeError(field, f"{text.strip()!r} is not an amount") from None
    sas = amount * ZCN
    if sas != sas.to_integral_value():
        raise ComposeError(field, f"at most {DECIMALS} decimals (1 SAS = 0.0000000001 ZCN)")
    value = int(sas)
    if value > INT64_MAX:
        raise ComposeError(field, "too large for a 0Chain amount")
    if value == 0 and not allow_zero:
        raise ComposeError(field, "must be more than 0")
    return value


def parse_count(text: str, field: str, *, minimum: int = 0) -> int:
    cleaned = text.strip()
    if not cleaned.isdigit():
        raise ComposeError(field, "must be a whole number")
    value = int(cleaned)
    if not minimum <= value <= INT64_MAX:
        raise ComposeError(field, f"must be at least {minimum}")
    return value


def parse_client_id(text: str, field: str = "recipient") -> str:
    """A 0Chain client id: 64 hex digits (upper case and surrounding spaces are forgiven)."""
    value = text.strip().lower()
    if not value:
        raise ComposeError(field, "enter the recipient's client id")
    if not HEX64.fullmatch(value):
        other = sorted({ch for ch in value if ch not in "0123456789abcdef"})
        if other:  # the length may be right: say what is wrong (review: "64 ... has 64")
            shown = " ".join(other[:5])
            raise ComposeError(
                field, f"a client id is 64 hex digits (0-9, a-f); this one has {shown} in it"
            )
        raise ComposeError(field, f"a client id is 64 hex digits; this has {len(value)}")
    return value


def parse_input_json(text: str, field: str = "input") -> dict[str, Any]:
    """A smart-contract call's input: one JSON object (an empty field means {})."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ComposeError(field, f"not JSON: {exc.msg} at {where}") from None
    if not isinstance(value, dict):
        raise ComposeError(field, "must be a JSON object { ... }")
    return value


def methods_of(group: str) -> tuple[str, ...]:
    return GROUPS[group][1] if group in GROUPS else ()


def call_groups() -> list[str]:
    """Groups whose methods are smart-contract calls (token_transfers is a plain send)."""
    return [name for name, (contract, _) in GROUPS.items() if contract is not None]


# -- whole transactions -------------------------------------------------------------------------


def _common(
    client_id: str, public_key: str, chain_id: str, nonce: str, fee: str, creation_date: int | None
) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "public_key": public_key,
        "chain_id": chain_id,
        "transaction_nonce": parse_count(nonce, "nonce"),
        "transaction_fee": parse_zcn(fee, "fee"),
        "creation_date": creation_date if creation_date is not None else int(time.time()),
    }


def _build(fields: dict[str, Any]) -> Transaction:
    try:
        return Transaction(**fields)
    except TransactionError as exc:
        # The form's own checks come first; this names whatever the model still refuses.
        raise ComposeError(_FORM_FIELD.get(exc.field, exc.field), str(exc)) from None


_FORM_FIELD = {
    "to_client_id": "recipient",
    "transaction_value": "amount",
    "transaction_fee": "fee",
    "transaction_nonce": "nonce",
    "transaction_data": "data",
    "chain_id": "chain_id",
}


def compose_send(
    *,
    client_id: str,
    public_key: str,
    chain_id: str,
    nonce: str,
    recipient: str,
    amount: str,
    fee: str,
    note: str = "",
    creation_date: int | None = None,
) -> Transaction:
    fields = _common(client_id, public_key, chain_id, nonce, fee, creation_date)
    to = parse_client_id(recipient)
    if to == client_id:
        raise ComposeError("recipient", "this is the wallet itself")
    fields.update(
        to_client_id=to,
        transaction_value=parse_zcn(amount, "amount", allow_zero=False),
        transaction_type=TransactionType.SEND,
        transaction_data=send_data(note),
    )
    return _build(fields)


def compose_call(
    *,
    client_id: str,
    public_key: str,
    chain_id: str,
    nonce: str,
    group: str,
    method: str,
    input_json: str,
    amount: str,
    fee: str,
    creation_date: int | None = None,
) -> Transaction:
    if group not in GROUPS or GROUPS[group][0] is None:
        raise ComposeError("group", "pick a group of smart-contract methods")
    if method not in methods_of(group):
        raise ComposeError("method", f"pick one of the {group} methods")
    fields = _common(client_id, public_key, chain_id, nonce, fee, creation_date)
    fields.update(
        to_client_id=GROUPS[group][0],
        transaction_value=parse_zcn(amount or "0", "amount"),
        transaction_type=TransactionType.SMART_CONTRACT,
        transaction_data=smart_contract_data(method, parse_input_json(input_json)),
    )
    return _build(fields)


def compose_data(
    *,
    client_id: str,
    public_key: str,
    chain_id: str,
    nonce: str,
    data: str,
    fee: str,
    creation_date: int | None = None,
) -> Transaction:
    if not data:
        raise ComposeError("data", "enter the data to store")
    fields = _common(client_id, public_key, chain_id, nonce, fee, creation_date)
    fields.update(transaction_type=TransactionType.DATA, transaction_data=data)
    return _build(fields)


def verify_signature(
    public_key: str, signature: str, *, message: str | None, hash_hex: str | None
) -> bool:
    """Does `signature` verify under `public_key` for sha3(message), or for the given 64-hex
    hash? ComposeError names the field for input that is not a key, a signature or a hash.
    The pairing is the slow part: call this off a GUI thread."""
    try:
        key = PublicKey.from_hex(public_key.strip())
    except CryptoError as exc:
        raise ComposeError("public_key", f"not a public key: {exc}") from None
    try:
        sig = Signature.from_hex(signature.strip())
    except CryptoError as exc:
        raise ComposeError("signature", f"not a signature: {exc}") from None
    if hash_hex is not None:
        digest = hash_hex.strip().lower()
        if not HEX64.fullmatch(digest):
            raise ComposeError("hash", "a hash is 64 hex digits")
    else:
        digest = sha3_hex(message or "")
    return key.verify_hash(digest, sig)
