"""The policy engine: may this split key co-sign this transaction or message?

Pure functions over the permission model (app/permissions.py): no I/O and no clock (`now` is a
parameter), so the same answer comes out on the server, in tests and in the desktop's preview.
Deny by default. A refusal names its rule (a stable machine name) and says why in words, with
the numbers, that a desktop can show as is.

A co-sign runs two checks:
- check_transaction / check_message: everything decidable from the request alone; run before
  any storage access.
- check_usage: the limits that depend on what the key already used; run as the `decide` step of
  Storage.consume, inside the storage transaction, so concurrent requests cannot both take the
  last unit.

The value a transaction moves is its transaction_value, for sends and smart-contract calls
alike (new_allocation_request, write_pool_lock, stake_pool_lock, burn... carry the tokens they
take there). The fee is not counted: it is not in the signed hash, so a signature does not bind
it. Methods are governed by their group; amounts named inside a call's input are not capped.
"""

from __future__ import annotations

import re

from app.gojson import read_call
from app.permissions import GROUPS, Permissions, group_of, method_group, method_of
from app.policy_words import (
    also_a_call,
    format_amount,
    format_period,
    format_time,
    format_zcn,
    id_list,
    nonce_too_far,
    quoted,
    read_differently,
    short_id,
)
from app.transaction import (
    FAUCET_SC_ADDRESS,
    MINER_SC_ADDRESS,
    STORAGE_SC_ADDRESS,
    ZCN_SC_ADDRESS,
    Transaction,
    TransactionType,
    may_be_contract,
)
from cosigner_server.model import SPLIT_ACTIVE, ConsumeSnapshot, Refusal, UsageSummary

_CONTRACTS = {
    STORAGE_SC_ADDRESS: "the storage contract",
    MINER_SC_ADDRESS: "the miner contract",
    FAUCET_SC_ADDRESS: "the faucet contract",
    ZCN_SC_ADDRESS: "the ZCN bridge contract",
}

# A message whose sha3 is a transaction hash must never be co-signed as a "message": its
# signature would be a valid signature of that transaction. hash_data is
# "{creation_date}:{nonce}:{client_id}:{to_client_id}:{value}:{sha3(data)}", and before nonces
# existed "{creation_date}:{client_id}:{to_client_id}:{value}:{sha3(data)}". Matched loosely on
# purpose (a sign, either hex case, any hex length for the recipient): refusing a look-alike costs
# nothing, missing a real one costs the wallet.
_INT = r"-?[0-9]+"
_HEX = r"[0-9a-fA-F]"
_TRANSACTION_SHAPES = (
    re.compile(rf"{_INT}:{_INT}:{_HEX}{{64}}:{_HEX}*:{_INT}:{_HEX}{{64}}", re.ASCII),
    re.compile(rf"{_INT}:{_HEX}{{64}}:{_HEX}*:{_INT}:{_HEX}{{64}}", re.ASCII),
)
# A bare hash is refused too: 0Chain's own message endpoint signs hashes as given, so a client
# ported from it may send a transaction hash where a preimage belongs; and a bare hash says nothing
# a holder could check. (This also refuses blobbers' sha3(allocation id): those need their own
# route that knows the allocation.)
_BARE_HASH = re.compile(rf"{_HEX}{{64}}", re.ASCII)


# -- the checks -------------------------------------------------------------------------------


def transaction_value(tx: Transaction) -> int:
    """The SAS a transaction moves, as caps count it (see the module docstring)."""
    return tx.transaction_value


def check_transaction(
    permissions: Permissions,
    tx: Transaction,
    *,
    now: int,
    server_chain_id: str,
    max_clock_skew: int,
    client_hash: str | None,
) -> Refusal | None:
    """The checks that need no usage counts; None means "go on to check_usage".

    Hash, chain id, creation time and the validity window bind every key, unrestricted ones
    included: they are about which transaction and when, not about what the key may do.
    """
    if client_hash is not None and client_hash != tx.hash:
        return Refusal(
            "hash_mismatch",
            f"the hash sent ({short_id(client_hash)}) is not the hash of the transaction's "
            f"fields ({short_id(tx.hash)})",
            status=400,
        )
    chain = permissions.chain_id or server_chain_id
    if tx.chain_id != chain:
        signer = "this key is pinned to" if permissions.chain_id else "this server signs for"
        return Refusal(
            "chain_id",
            f"the transaction is for chain {short_id(tx.chain_id)}; "
            f"{signer} chain {short_id(chain)}",
        )
    skew = tx.creation_date - now
    if abs(skew) > max_clock_skew:
        side = "ahead of" if skew > 0 else "behind"
        return Refusal(
            "creation_time",
            f"the transaction's creation time {format_time(tx.creation_date)} is {abs(skew)} s "
            f"{side} the server's clock; at most {max_clock_skew} s either way is accepted",
        )
    refusal = _check_window(permissions, now)
    if refusal or permissions.unrestricted:
        return refusal
    # The data first: every check below reads the method name, and must read the one a node would.
    reading = read_call(tx.transaction_data)
    if reading.problem:
        return Refusal("data_read_differently", read_differently(reading.problem))

    group = group_of(tx)
    if group is None:
        return Refusal("method_not_allowed", _no_group_message(tx))
    if group not in permissions.groups:
        return Refusal("group_not_allowed", _not_allowed(permissions, group))
    # The allow-list is about who receives tokens from a send; a contract call's receiver is the
    # contract itself, and its group already says which calls are allowed.
    recipients = permissions.recipients
    if group == "token_transfers" and recipients is not None and tx.to_client_id not in recipients:
        return Refusal(
            "recipient_not_allowed",
            f"recipient {short_id(tx.to_client_id)} is not on this key's allow-list "
            f"(allowed: {id_list(recipients)})",
        )
    value, cap = transaction_value(tx), permissions.max_per_transaction
    if cap is not None and value > cap:
        return Refusal(
            "per_transaction_cap",
            f"{format_zcn(value)} is over the {format_zcn(cap)} per-transaction cap",
        )
    return _check_other_meanings(permissions, tx, reading.is_call, reading.name)


def check_nonce(
    permissions: Permissions, nonce: int, last_nonce: int | None, window: int
) -> Refusal | None:
    """A key with limits may not move the wallet's nonce far ahead (issue 16, F7).

    0Chain nodes accept a nonce only within their future-nonce window above the chain's nonce
    (`future_nonce`, TxnFutureNonce in 0chain's chain config; 10 in its docker.local
    0chain.yaml). The co-signer does not see the chain, only the last nonce it co-signed, and
    the owner may also sign with the whole key elsewhere: so a wider window, for limited keys
    only. Without it a delegate could co-sign nonce 2^63-1 and leave the wallet's last nonce
    at INT64_MAX. The owner's unrestricted key may set any nonce: it can sign anything anyway.
    """
    if permissions.unrestricted:
        return None
    base = last_nonce or 0
    if nonce > base + window:
        return Refusal("nonce_window", nonce_too_far(nonce, last_nonce, window))
    return None


def _check_other_meanings(
    permissions: Permissions, tx: Transaction, is_call: bool, method: str
) -> Refusal | None:
    """A signature is judged by every meaning a node could give it (docs/cosigner.md, "One
    signature, every meaning"). The hash leaves out transaction_type, so the same signature
    is valid for the fields as a send (0), a data transaction (10) and a contract call (1000);
    a node rejects every other type. The declared type was checked above; here the others:
    - data (10): a node only records it; it moves nothing and calls nothing, so it does nothing
      that every co-signed transaction does not already do (use the nonce, pay the fee);
    - send (0) of a declared call: moves the same value to the same contract the allowed call
      pays, within the same caps; the contract's account is nobody's to withdraw from;
    - call (1000) of a declared send: whenever the data reads as a call to an address a node
      could run a contract at (any address with 0Chain's contract prefix, known to this code or
      not, and the older releases' contracts), the method must be allowed. Elsewhere a call
      fails on every node, so gosdk's own sends (`{"name":"transfer","input":...}` to a wallet)
      are plain sends.
    """
    if tx.transaction_type != TransactionType.SEND or not is_call:
        return None
    if not may_be_contract(tx.to_client_id):
        return None
    group = method_group(tx.to_client_id, method)
    where = _CONTRACTS.get(tx.to_client_id, f"address {short_id(tx.to_client_id)}")
    if group is None:
        why = "that method is in no permission group"
    elif group not in permissions.groups:
        why = _not_allowed(permissions, group)
    else:
        return None
    return Refusal("also_a_contract_call", also_a_call(quoted(method), where, why))


def _not_allowed(permissions: Permissions, group: str) -> str:
    allowed = ", ".join(g for g in GROUPS if g in permissions.groups) or "none"
    return f"{group} is not allowed for this key (allowed: {allowed})"


def _no_group_message(tx: Transaction) -> str:
    if tx.transaction_type == TransactionType.DATA:
        return (
            "data transactions (type 10) are in no permission group; "
            "only an unrestricted key signs them"
        )
    contract, method = method_of(tx)
    where = _CONTRACTS.get(contract, f"address {short_id(contract)}")
    return f"method {quoted(method)} on {where} is in no permission group"


def _check_window(permissions: Permissions, now: int) -> Refusal | None:
    # Same boundaries as Split.status_at: valid from not_before, expired from expires_at on.
    if permissions.not_before is not None and now < permissions.not_before:
        return Refusal(
            "not_yet_valid", f"this key is not valid before {format_time(permissions.not_before)}"
        )
    if permissions.expires_at is not None and now >= permissions.expires_at:
        return Refusal("expired", f"this key expired at {format_time(permissions.expires_at)}")
    return None


def check_usage(permissions: Permissions, *, value: int, usage: UsageSummary) -> Refusal | None:
    """The limits that depend on past use; `value` is 0 for messages, which count as uses."""
    if permissions.unrestricted:
        return None
    p = permissions
    if p.max_uses is not None and usage.total_uses >= p.max_uses:
        if p.max_uses == 0:
            return Refusal("max_uses", "this key allows 0 uses")
        spent = (
            f"all {p.max_uses} uses of this key are"
            if p.max_uses > 1
            else "the 1 use of this key is"
        )
        return Refusal("max_uses", f"{spent} spent")
    period = format_period(p.period_seconds)
    cap = p.max_value_per_period
    if cap is not None and usage.period_value + value > cap:
        return Refusal(
            "period_value_cap",
            f"over the {period} cap: {format_amount(usage.period_value)} of {format_zcn(cap)} "
            f"used, this request needs {format_zcn(value)}",
        )
    count = p.max_count_per_period
    if count is not None and usage.period_count + 1 > count:
        return Refusal(
            "period_count_cap",
            f"over the {period} limit of {count} signatures: {usage.period_count} used",
        )
    return None


def looks_like_transaction(preimage: str, *, allow_bare_hash: bool = False) -> bool:
    """True for a transaction's hash_data (either layout) or, unless allowed, a bare 64-hex hash."""
    shapes = _TRANSACTION_SHAPES if allow_bare_hash else (*_TRANSACTION_SHAPES, _BARE_HASH)
    return any(shape.fullmatch(preimage) for shape in shapes)


def check_message(
    permissions: Permissions, *, preimage: str, now: int, allow_bare_hash: bool = False
) -> Refusal | None:
    """Checks before co-signing sha3(preimage). Uses are then counted by check_usage(value=0).
    allow_bare_hash: for auth headers, where blobbers sign sha3(allocation id); signing sha3 of a
    64-hex string can never produce a transaction signature (that needs sha3(hash_data))."""
    if not (permissions.sign_messages or permissions.unrestricted):
        return Refusal("messages_not_allowed", "this key may not sign messages")
    refusal = _check_window(permissions, now)
    if refusal:
        return refusal
    # Even for an unrestricted key: the message route must never become a transaction route.
    if looks_like_transaction(preimage, allow_bare_hash=allow_bare_hash):
        return Refusal(
            "looks_like_transaction",
            "this message has the shape of a 0Chain transaction or of a bare hash; its "
            "signature could be used as a transaction's, so it is not signed as a message",
        )
    return None


def check_raw_hash(permissions: Permissions, *, now: int) -> Refusal | None:
    """Checks before co-signing a bare hash without its preimage (0Chain's /sign/msg). Nothing
    about the hash can be judged - it may be any transaction's - so only a key granted the
    explicit sign_raw_hashes permission signs it (never implied by unrestricted)."""
    if not permissions.sign_raw_hashes:
        return Refusal(
            "raw_hashes_not_allowed",
            "this key may not sign a bare hash: send the preimage in \"message\", or grant the "
            "key sign_raw_hashes (as powerful as an unrestricted key)",
        )
    return _check_window(permissions, now)
# -- the decision inside Storage.consume ----------------------------------------------------------
# Storage reads a ConsumeSnapshot in its transaction and writes what this decides; the rules and
# their words live here only, so a second storage backend copies none of them.


def check_stored_state(snapshot: ConsumeSnapshot) -> Refusal | None:
    """The refusals that depend on the split's stored state: revoked (or gone), expired, frozen.

    A nonce that was co-signed before is NOT refused: a transaction the network refused or dropped
    does not use its nonce on chain, so the wallet must be able to sign that nonce again. Each
    co-signature is counted again against caps and max uses (check_usage), and the chain accepts
    at most one transaction per nonce, so a second signature cannot move more than the caps allow.
    """
    if not snapshot.exists:
        return Refusal("revoked", "this split key does not exist (revoked or deleted)")
    if snapshot.status != SPLIT_ACTIVE or not snapshot.has_server_share:
        return Refusal("revoked", "this split key has been revoked")
    expires = snapshot.permissions.expires_at if snapshot.permissions else None
    if expires is not None and snapshot.now >= expires:
        return Refusal("expired", f"this split key expired at {format_time(expires)}")
    if snapshot.frozen:
        return Refusal("frozen", "the wallet is frozen")
    return None


def check_consume(snapshot: ConsumeSnapshot, *, value: int) -> Refusal | None:
    """The whole `decide` of a co-sign: stored state first, then the usage limits, both over the
    permissions as stored at this moment."""
    refusal = check_stored_state(snapshot)
    if refusal is not None:
        return refusal
    assert snapshot.permissions is not None  # an existing split has permissions
    return check_usage(snapshot.permissions, value=value, usage=snapshot.usage)
