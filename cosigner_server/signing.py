"""The auth role: co-signing transactions, messages and auth headers.

The pipeline, in this order (spec/cosigner.md):
  1. the split is the caller's, active, and its wallet is not frozen;
  2. the transaction is parsed from its fields and its hash recomputed (a client hash is only
     compared), then checked by the static policy (chain id, time window, group, caps...);
  3. storage.consume: idempotent replay, nonce reuse, rolling caps and max uses, all in one
     transaction, so concurrent requests cannot overspend;
  4. in the crypto pool: the partial is verified under the STORED share key, the server share
     signs, the sum is verified under the wallet key;
  5. the audit record is appended (fail closed), the answer stored for replays, then sent.
A failure after step 3 releases the use, so nothing is counted that was not signed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from app.protocol.bodies import CosignAnswer, Receipt
from app.transaction import Transaction, TransactionError, sha3_hex

from . import crypto_jobs, policy
from .errors import ApiError, bad_request, conflict, not_found, refused
from .model import SPLIT_ACTIVE, Refusal, Split, Wallet
from .principal import Principal
from .services import record, unseal
from .state import ServerState, now

log = logging.getLogger("splitkey.cosigner")

_PARTIAL_ERRORS = {
    "partial_malformed": ("partial_malformed", 400),
    "partial_invalid": ("partial_invalid", 403),
}


async def signing_split(state: ServerState, who: Principal, split_id: str) -> tuple[Split, Wallet]:
    split = await state.storage.get_split(split_id)
    if split is None or split.holder_id != who.user.id:
        raise not_found("split")
    if who.scope_split is not None and who.scope_split != split_id:
        raise not_found("split")
    status = split.status_at(now())
    if status != SPLIT_ACTIVE:
        await _refuse(state, who, split, Refusal(status, f"this key is {status}"), {})
    wallet = await state.storage.get_wallet(split.client_id)
    if wallet is None:
        raise not_found("wallet")
    if wallet.frozen:
        await _refuse(state, who, split, Refusal("frozen", "the wallet is frozen"), {})
    return split, wallet


async def _refuse(
    state: ServerState, who: Principal, split: Split, refusal: Refusal, details: dict[str, Any]
) -> None:
    await record(
        state,
        "cosign_refused",
        who,
        wallet=split.client_id,
        split=split.id,
        outcome="refused",
        details={"rule": refusal.rule, **details},
    )
    raise refused(refusal)


def parse_transaction(body: Any, wallet: Wallet) -> tuple[Transaction, str, str | None]:
    """(transaction, partial signature, client-claimed hash) from a miner-format object."""
    if not isinstance(body, dict):
        raise bad_request("transaction must be a JSON object", field="transaction")
    fields = dict(body)
    partial = fields.pop("signature", None)
    if not isinstance(partial, str) or not partial:
        raise bad_request("the user's partial signature is required", field="signature")
    client_hash = fields.pop("hash", None)
    if client_hash is not None and not isinstance(client_hash, str):
        raise bad_request("hash must be text", field="hash")
    if not fields.get("public_key"):
        fields["public_key"] = wallet.public_key  # split wallets carry the full key
    try:
        tx = Transaction.from_dict(fields)
    except TransactionError as exc:
        raise bad_request(str(exc), field=exc.field) from None
    if tx.client_id != wallet.client_id or tx.public_key != wallet.public_key:
        raise bad_request("the transaction is not from this wallet", field="client_id")
    return tx, partial, client_hash


async def cosign_transaction(
    state: ServerState, who: Principal, split_id: str, request_id: str, body: Any
) -> CosignAnswer:
    split, wallet = await signing_split(state, who, split_id)
    tx, partial, client_hash = parse_transaction(body, wallet)
    refusal = policy.check_transaction(
        split.permissions,
        tx,
        now=now(),
        server_chain_id=state.config.chain_id,
        max_clock_skew=state.config.max_clock_skew,
        client_hash=client_hash,
    )
    if refusal is None and not split.permissions.unrestricted:
        last = await state.storage.last_nonce(wallet.client_id)
        refusal = policy.check_nonce(
            split.permissions, tx.transaction_nonce, last, state.config.nonce_window
        )
    if refusal:
        await _refuse(state, who, split, refusal, {"hash": tx.hash})

    def answer(signature: str, receipt: Receipt) -> CosignAnswer:
        # The fields were checked when parsed and the signature just verified under the wallet
        # key: no second parse (it would decode the G2 public key again on the event loop).
        signed = {**tx.to_dict(), "signature": signature}
        return CosignAnswer(signature=signature, hash=tx.hash, receipt=receipt, transaction=signed)

    return await _cosign(
        state,
        who,
        split,
        wallet,
        request_key=f"{split.id}:{request_id}",
        nonce_key=f"{wallet.client_id}:{tx.transaction_nonce}",
        value=tx.transaction_value,
        hash_hex=tx.hash,
        partial=partial,
        event="cosign_transaction",
        answer=answer,
        audit_details={
            "hash": tx.hash,
            "to": tx.to_client_id,
            "value": tx.transaction_value,
            "nonce": tx.transaction_nonce,
            "type": int(tx.transaction_type),
        },
    )


async def cosign_message(
    state: ServerState,
    who: Principal,
    split_id: str,
    request_id: str,
    message: str,
    partial: str,
    *,
    headers: bool = False,
) -> CosignAnswer:
    """Sign sha3(message) from its preimage; with headers=True, answer the X-App-Client-* triple
    that 0Chain services (0box, blobbers) expect."""
    split, wallet = await signing_split(state, who, split_id)
    refusal = policy.check_message(
        split.permissions, preimage=message, now=now(), allow_bare_hash=headers
    )
    if refusal:
        await _refuse(state, who, split, refusal, {})
    hash_hex = sha3_hex(message)

    def answer(signature: str, receipt: Receipt) -> CosignAnswer:
        triple = None
        if headers:
            triple = {
                "X-App-Client-ID": wallet.client_id,
                "X-App-Client-Key": wallet.public_key,
                "X-App-Client-Signature": signature,
            }
        return CosignAnswer(signature=signature, hash=hash_hex, receipt=receipt, headers=triple)

    event = "cosign_auth_headers" if headers else "cosign_message"
    return await _hash_only(state, who, split, wallet, request_id, hash_hex, partial, event, answer)


async def cosign_raw_hash(
    state: ServerState, who: Principal, split_id: str, request_id: str, hash_hex: str, partial: str
) -> CosignAnswer:
    """Sign a bare 32-byte hash (0Chain's /sign/msg without a preimage): only for a key with
    sign_raw_hashes; caps on uses and counts still apply (value 0: a hash names no amount)."""
    split, wallet = await signing_split(state, who, split_id)
    refusal = policy.check_raw_hash(split.permissions, now=now())
    if refusal:
        await _refuse(state, who, split, refusal, {"hash": hash_hex})

    def answer(signature: str, receipt: Receipt) -> CosignAnswer:
        return CosignAnswer(signature=signature, hash=hash_hex, receipt=receipt)

    event = "cosign_raw_hash"
    return await _hash_only(state, who, split, wallet, request_id, hash_hex, partial, event, answer)


async def _hash_only(
    state: ServerState,
    who: Principal,
    split: Split,
    wallet: Wallet,
    request_id: str,
    hash_hex: str,
    partial: str,
    event: str,
    answer: Callable[[str, Receipt], CosignAnswer],
) -> CosignAnswer:
    """A signature that moves no value and uses no nonce (messages, auth headers, raw hashes)."""
    return await _cosign(
        state,
        who,
        split,
        wallet,
        request_key=f"{split.id}:{request_id}",
        nonce_key=None,
        value=0,
        hash_hex=hash_hex,
        partial=partial,
        event=event,
        answer=answer,
        audit_details={"hash": hash_hex},
    )


async def _cosign(
    state: ServerState,
    who: Principal,
    split: Split,
    wallet: Wallet,
    *,
    request_key: str,
    nonce_key: str | None,
    value: int,
    hash_hex: str,
    partial: str,
    event: str,
    answer: Callable[[str, Receipt], CosignAnswer],
    audit_details: dict[str, Any],
) -> CosignAnswer:
    def decide(snapshot):
        return policy.check_consume(snapshot, value=value)

    # now=None: the storage's clock (the database's when replicas share one), so every
    # replica counts the rolling window from the same time.
    result = await state.storage.consume(split.id, request_key, nonce_key, value, None, decide)
    if result.replay is not None:
        stored = CosignAnswer.from_dict(json.loads(result.replay))
        if stored.hash != hash_hex:
            raise conflict("this request_id was already used for something else")
        return stored
    if result.refusal is not None:
        await _refuse(state, who, split, result.refusal, audit_details)
    try:
        share = unseal(state, result.sealed_server_share, f"split:{split.id}:server")
        outcome = await state.pool.run(
            crypto_jobs.cosign,
            bytes.fromhex(hash_hex),
            partial,
            split.share_public_key,
            wallet.public_key,
            share,
        )
        if outcome.error in _PARTIAL_ERRORS:
            rule, status = _PARTIAL_ERRORS[outcome.error]
            message = "the partial signature does not verify under this key's share"
            if outcome.error == "partial_malformed":
                message = f"the partial signature is malformed: {outcome.detail}"
            await _refuse(state, who, split, Refusal(rule, message, status), audit_details)
        if outcome.error is not None:
            log.error("combined signature failed to verify for split %s", split.id)
            raise ApiError(500, "internal", "the co-signed signature did not verify; not sent")
        usage = result.usage_after
        receipt = Receipt(
            audit_seq=0,
            uses=usage.total_uses,
            period_value=usage.period_value,
            period_count=usage.period_count,
        )
        seq = await record(
            state,
            event,
            who,
            wallet=wallet.client_id,
            split=split.id,
            outcome="signed",
            details=_with_resign(audit_details, result.nonce_signed_before),
        )
        receipt = Receipt(
            audit_seq=seq,
            uses=receipt.uses,
            period_value=receipt.period_value,
            period_count=receipt.period_count,
        )
        final = answer(outcome.signature, receipt)
        await state.storage.complete(request_key, json.dumps(final.to_dict()))
        return final
    except BaseException:
        try:
            await state.storage.release(request_key)
        except Exception:
            log.exception("could not release use %s", request_key)
        raise


def _with_resign(details: dict[str, Any], signed_before: int) -> dict[str, Any]:
    # A nonce signed again (its earlier transaction was refused or dropped) is allowed and
    # counted; the audit says so, so an owner can see why one nonce has two signatures.
    return {**details, "nonce_signed_before": signed_before} if signed_before else details
