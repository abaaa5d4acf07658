"""Keyless custody: wallets split on the owner's machine, delegation from the owner's share, and
refresh. The co-signer holds server shares only; it never sees a master key, a mnemonic or a user
share (a delegate's share passes through it as ciphertext it cannot open). The rules that do not
depend on custody (access, freezing, permissions, share codes, audit) are vault.py's."""

from __future__ import annotations

import base64
import binascii

from app.permissions import Permissions
from app.protocol.bodies import (
    DelegationRequest,
    KeylessWalletRequest,
    RefreshRequest,
)
from app.protocol.enums import Custody
from app.protocol.formats import keyless_message

from . import crypto_jobs, vault
from .errors import ApiError, bad_request, conflict, forbidden
from .model import SPLIT_ACTIVE, Split, Wallet
from .principal import Principal
from .services import record, seal, unseal
from .state import ServerState, now
from .storage.base import Conflict
from .vault import envelope_record, is_keyless

OWN_SPLIT_LABEL = "owner's share"
ENVELOPE_MAX_BYTES = 256  # a 32-byte share, a nonce and a tag fit many times over


def _server_share_record(split_id: str) -> str:
    return f"split:{split_id}:server"


async def create_wallet(
    state: ServerState, who: Principal, request: KeylessWalletRequest
) -> tuple[Wallet, Split]:
    """Register a wallet its owner split locally; the owner's split is created with it. Its
    owner registering it again (from the words, on a new device) gets one more own split."""
    checked = await state.pool.run(
        crypto_jobs.check_keyless_wallet,
        request.client_key,
        request.server_share,
        request.share_public_key,
        request.proof,
    )
    if checked.error:
        raise bad_request(checked.error, field="keyless")
    wallet = Wallet(
        client_id=checked.client_id,
        public_key=request.client_key.lower(),
        owner_id=who.user.id,
        created_at=now(),
        sealed_secret=b"",
        custody=Custody.KEYLESS.value,
    )
    restored = False
    try:
        await state.storage.add_wallet(wallet)
    except Conflict:
        wallet, restored = await _registered(state, who, wallet), True
    split_id = vault.new_id("sp")
    split = Split(
        id=split_id,
        client_id=wallet.client_id,
        holder_id=who.user.id,
        label=OWN_SPLIT_LABEL,
        share_public_key=request.share_public_key.lower(),
        permissions=Permissions.unlimited(),
        created_at=now(),
        sealed_server_share=seal(state, checked.server_share, _server_share_record(split_id)),
        sealed_user_share=None,
    )

    async def undo() -> None:
        if restored:
            await state.storage.revoke_split(split_id, now())
        else:
            await state.storage.delete_wallet(wallet.client_id)

    try:
        await state.storage.add_split(split)
    except Conflict:
        raise conflict("a split with this share key exists; split the key again") from None
    except BaseException:
        if not restored:
            await state.storage.delete_wallet(wallet.client_id)
        raise
    if not restored:
        await record(
            state,
            "wallet_created",
            who,
            wallet=wallet.client_id,
            details={"custody": Custody.KEYLESS.value},
            undo=undo,
        )
    await record(
        state,
        "split_created",
        who,
        wallet=wallet.client_id,
        split=split_id,
        details={
            "holder": who.user.id,
            "label": split.label,
            "custody": Custody.KEYLESS.value,
            "from": "the words again" if restored else "a new wallet",
        },
        undo=undo,
    )
    return wallet, split


async def _registered(state: ServerState, who: Principal, wallet: Wallet) -> Wallet:
    """The wallet already here, when its owner registers it again from the words (a new device,
    a lost one): whoever split the wallet key into a share they prove and the server share they
    sent knows the whole key, so this only needs to be the same owner."""
    existing = await state.storage.get_wallet(wallet.client_id)
    if existing is None or existing.owner_id != who.user.id:
        raise conflict("this wallet is registered with this co-signer by someone else")
    if not is_keyless(existing):
        raise conflict("this wallet is held in custody here: use its existing splits")
    if existing.public_key != wallet.public_key:
        raise conflict("this wallet is registered with another public key")
    return existing


async def _own_active_split(state: ServerState, who: Principal, split_id: str) -> Split:
    split = await vault.split_for(state, who, split_id, access=vault.VIEW)
    if split.holder_id != who.user.id:
        raise forbidden("only the holder of a split can use its share")
    if split.status_at(now()) != SPLIT_ACTIVE or split.sealed_server_share is None:
        raise ApiError(410, "gone", "the split is revoked or expired")
    return split


def _envelope_bytes(envelope: str | None) -> bytes:
    try:
        data = base64.b64decode(envelope or "", validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("envelope is not base64", field="envelope") from None
    if not 0 < len(data) <= ENVELOPE_MAX_BYTES:
        raise bad_request(f"envelope must be 1 to {ENVELOPE_MAX_BYTES} bytes", field="envelope")
    return data


async def delegate(
    state: ServerState,
    who: Principal,
    client_id: str,
    *,
    label: str,
    holder: str,
    permissions: Permissions | None,
    request: DelegationRequest,
) -> tuple[Split, str | None]:
    """A new split from the owner's own split: the server's new share is b + d. holder "code"
    (the envelope waits behind a share code's locator) or "me" (another device of the owner)."""
    wallet = await vault.wallet_for(state, who, client_id, access=vault.OWNER)
    if wallet.frozen:
        raise forbidden("the wallet is frozen")
    source = await _own_active_split(state, who, request.from_split)
    if source.client_id != client_id:
        raise bad_request("from_split is not a split of this wallet", field="from_split")
    if holder == "me":
        if request.envelope is not None:
            raise bad_request("a split for yourself has no envelope", field="envelope")
        holder_id, permissions = who.user.id, permissions or Permissions.unlimited()
        envelope = None
    elif holder == "code":
        holder_id, envelope = None, _envelope_bytes(request.envelope)
    else:
        raise bad_request(
            'a keyless wallet is shared through a share code: holder must be "me" or "code"',
            field="holder",
        )
    if permissions is None:
        raise bad_request("a split for someone else needs permissions", field="permissions")
    vault.check_not_expired(permissions)
    if permissions.unrestricted and holder_id != who.user.id:
        raise bad_request("only your own split may be unrestricted", field="permissions")
    message = keyless_message("delegate", source.id, request.share_public_key.lower())
    moved = await state.pool.run(
        crypto_jobs.move_server_share,
        unseal(state, source.sealed_server_share, _server_share_record(source.id)),
        request.d,
        1,
        request.share_public_key,
        source.share_public_key,
        message,
        request.proof,
        wallet.public_key,
    )
    if moved.error:
        raise bad_request(moved.error, field="delegation")
    split_id = vault.new_id("sp")
    split = Split(
        id=split_id,
        client_id=client_id,
        holder_id=holder_id,
        label=label,
        share_public_key=request.share_public_key.lower(),
        permissions=permissions,
        created_at=now(),
        sealed_server_share=seal(state, moved.server_share, _server_share_record(split_id)),
        sealed_user_share=None
        if envelope is None
        else seal(state, envelope, envelope_record(split_id)),
    )
    try:
        locator = await vault.store_new_split(
            state,
            who,
            split,
            locator=True,
            details={"custody": Custody.KEYLESS.value, "from_split": source.id},
        )
    except Conflict:
        raise conflict("a split with this share key exists; draw a new share") from None
    return split, locator


async def refresh(
    state: ServerState, who: Principal, split_id: str, request: RefreshRequest
) -> Split:
    """(a, b) -> (a + r, b - r) in one storage write: the old share no longer co-signs. A repeat
    of a refresh already made (its answer was lost) answers the split as it is."""
    if who.scope_split not in (None, split_id):
        raise forbidden("this token was issued for another key")
    split = await _own_active_split(state, who, split_id)
    new_key = request.share_public_key.lower()
    if split.share_public_key == new_key:
        return split
    if split.sealed_user_share is not None:
        raise conflict("the share of this split was not retrieved yet; nothing to refresh")
    wallet = await state.storage.get_wallet(split.client_id)
    if wallet is None:
        raise ApiError(410, "gone", "the wallet is deleted")
    moved = await state.pool.run(
        crypto_jobs.move_server_share,
        unseal(state, split.sealed_server_share, _server_share_record(split_id)),
        request.r,
        -1,
        new_key,
        split.share_public_key,
        keyless_message("refresh", split_id, new_key),
        request.proof,
        wallet.public_key,
    )
    if moved.error:
        raise bad_request(moved.error, field="refresh")
    sealed = seal(state, moved.server_share, _server_share_record(split_id))
    old_key, old_sealed = split.share_public_key, split.sealed_server_share
    if not await state.storage.replace_split_share(split_id, old_key, new_key, sealed):
        raise conflict("the split was revoked or refreshed meanwhile; nothing was changed")
    await record(
        state,
        "split_refreshed",
        who,
        wallet=split.client_id,
        split=split_id,
        details={"share_public_key": new_key},
        undo=lambda: state.storage.replace_split_share(split_id, new_key, old_key, old_sealed),
    )
    return await state.storage.get_split(split_id)
