"""The vault role: wallets, splits, key delivery and share codes. Handlers in routes/ parse and
answer; the rules live here. Every change is audited before the answer leaves (fail closed)."""

from __future__ import annotations

import base64
import json
import secrets

from app.crypto import DecodeError, SecretKey
from app.keys import KeysError, generate_mnemonic, normalize_mnemonic
from app.permissions import Permissions
from app.protocol.bodies import EnvelopeDelivery, ShareDelivery
from app.protocol.formats import (
    LOCATOR_CHARS,
    SHARE_CODE_ALPHABET,
    SHARE_CODE_CHARS,
    group_code,
    normalize_code,
)

from . import crypto_jobs
from .errors import ApiError, bad_request, conflict, forbidden, not_found
from .model import SPLIT_ACTIVE, ShareCode, Split, Wallet
from .principal import Principal
from .services import code_digest, record, seal, unseal
from .state import ServerState, now
from .storage.base import Conflict


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def new_share_code(*, locator: bool = False) -> str:
    """A custodial share code (20 characters, ~100 bits), or a keyless code's locator (the
    owner's machine appends the key part, which never reaches this server)."""
    length = LOCATOR_CHARS if locator else SHARE_CODE_CHARS
    return group_code("".join(secrets.choice(SHARE_CODE_ALPHABET) for _ in range(length)))


# -- wallets ---------------------------------------------------------------------------------


async def create_wallet(
    state: ServerState, who: Principal, *, mnemonic: str | None, private_key: str | None
) -> tuple[Wallet, str | None]:
    """A new wallet (the server draws the mnemonic and returns it once) or an imported one."""
    if state.config.custodial != "allowed":
        raise forbidden(
            "the administrator forbids custodial wallets here: create or import a keyless one"
        )
    if mnemonic and private_key:
        raise bad_request("give a mnemonic or a private key, not both", field="mnemonic")
    drawn = None
    try:
        if private_key:
            material = await state.pool.run(
                crypto_jobs.key_from_secret, SecretKey.from_hex(private_key).to_bytes()
            )
        else:
            if mnemonic:
                mnemonic = normalize_mnemonic(mnemonic)
            else:
                mnemonic = drawn = generate_mnemonic()
            material = await state.pool.run(crypto_jobs.key_from_mnemonic, mnemonic)
    except DecodeError as exc:
        raise bad_request(f"private key refused: {exc}", field="private_key") from None
    except KeysError as exc:
        raise bad_request(f"mnemonic refused: {exc}", field="mnemonic") from None
    secret = json.dumps({"private_key": material.secret_key.hex(), "mnemonic": mnemonic or ""})
    wallet = Wallet(
        client_id=material.client_id,
        public_key=material.public_key,
        owner_id=who.user.id,
        created_at=now(),
        sealed_secret=seal(state, secret.encode(), f"wallet:{material.client_id}"),
    )
    try:
        await state.storage.add_wallet(wallet)
    except Conflict:
        raise conflict("this wallet is already in the vault") from None
    await record(
        state,
        "wallet_created" if drawn else "wallet_imported",
        who,
        wallet=wallet.client_id,
        undo=lambda: state.storage.delete_wallet(wallet.client_id),
    )
    return wallet, drawn


# Who may reach a wallet or split. Administrators may freeze and revoke anything (to stop harm)
# but never act as an owner: they cannot cut splits, delete wallets or loosen limits.
OWNER = "owner"
OWNER_OR_ADMIN = "owner_or_admin"
VIEW = "view"  # owner, admin, or the holder of an active split


async def wallet_for(state: ServerState, who: Principal, client_id: str, *, access: str) -> Wallet:
    """The wallet if `who` has `access` to it; 404 otherwise so ids cannot be probed."""
    wallet = await state.storage.get_wallet(client_id)
    if wallet is None:
        raise not_found("wallet")
    if wallet.owner_id == who.user.id or (access != OWNER and who.is_admin):
        return wallet
    if access == VIEW:
        for split in await state.storage.list_splits(client_id=client_id, holder_id=who.user.id):
            if split.status_at(now()) == SPLIT_ACTIVE:
                return wallet
    raise not_found("wallet")


def check_not_expired(permissions: Permissions) -> None:
    if permissions.expires_at is not None and permissions.expires_at <= now():
        raise bad_request("expires_at is in the past", field="permissions")


async def set_frozen(state: ServerState, who: Principal, client_id: str, frozen: bool) -> Wallet:
    wallet = await wallet_for(state, who, client_id, access=OWNER_OR_ADMIN)
    await state.storage.set_wallet_frozen(client_id, frozen)
    await record(
        state,
        "wallet_frozen" if frozen else "wallet_unfrozen",
        who,
        wallet=client_id,
        undo=lambda: state.storage.set_wallet_frozen(client_id, wallet.frozen),
    )
    return await state.storage.get_wallet(client_id)


async def schedule_deletion(state: ServerState, who: Principal, client_id: str) -> Wallet:
    wallet = await wallet_for(state, who, client_id, access=OWNER)
    if wallet.delete_after is None:
        when = now() + state.config.deletion_wait
        await state.storage.schedule_wallet_deletion(client_id, when)
        await record(
            state,
            "wallet_deletion_scheduled",
            who,
            wallet=client_id,
            details={"delete_after": when},
            undo=lambda: state.storage.schedule_wallet_deletion(client_id, None),
        )
    return await state.storage.get_wallet(client_id)


async def cancel_deletion(state: ServerState, who: Principal, client_id: str) -> Wallet:
    wallet = await wallet_for(state, who, client_id, access=OWNER)
    if wallet.delete_after is not None:
        await state.storage.schedule_wallet_deletion(client_id, None)
        await record(
            state,
            "wallet_deletion_cancelled",
            who,
            wallet=client_id,
            undo=lambda: state.storage.schedule_wallet_deletion(client_id, wallet.delete_after),
        )
    return await state.storage.get_wallet(client_id)


async def delete_due_wallets(state: ServerState) -> int:
    """Delete wallets whose waiting period is over (run periodically)."""
    count = 0
    for wallet in await state.storage.list_wallets():
        if wallet.delete_after is not None and wallet.delete_after <= now():
            await state.storage.delete_wallet(wallet.client_id)
            await record(state, "wallet_deleted", None, wallet=wallet.client_id)
            count += 1
    return count


# -- splits ----------------------------------------------------------------------------------


async def create_split(
    state: ServerState,
    who: Principal,
    client_id: str,
    *,
    label: str,
    holder: str,
    permissions: Permissions | None,
) -> tuple[Split, str | None]:
    """A new independent split of the wallet's key. holder: "me", "code" (a one-time share code
    is returned for a delegate to redeem), or the id of an existing user."""
    wallet = await wallet_for(state, who, client_id, access=OWNER)
    if wallet.frozen:
        raise forbidden("the wallet is frozen")
    if not wallet.sealed_secret or is_keyless(wallet):
        raise conflict(
            "the vault holds no master key for this keyless wallet: delegate from your share "
            "(splitkey split create --from-share)"
        )
    if holder == "me":
        holder_id = who.user.id
        permissions = permissions or Permissions.unlimited()
    elif holder == "code":
        holder_id = None
    else:
        user = await state.storage.get_user(holder)
        if user is None or not user.enabled:
            raise bad_request("no such enabled user to share with", field="holder")
        holder_id = user.id
    if permissions is None:
        raise bad_request("a split for someone else needs permissions", field="permissions")
    check_not_expired(permissions)
    if permissions.unrestricted and holder_id != who.user.id:
        raise bad_request("only your own split may be unrestricted", field="permissions")
    secret = json.loads(unseal(state, wallet.sealed_secret, f"wallet:{client_id}"))
    material = await state.pool.run(crypto_jobs.split, bytes.fromhex(secret["private_key"]))
    split_id = new_id("sp")
    split = Split(
        id=split_id,
        client_id=client_id,
        holder_id=holder_id,
        label=label,
        share_public_key=material.user_public_key,
        permissions=permissions,
        created_at=now(),
        sealed_server_share=seal(state, material.server_share, f"split:{split_id}:server"),
        sealed_user_share=seal(state, material.user_share, f"split:{split_id}:user"),
    )
    return split, await store_new_split(state, who, split)


async def store_new_split(
    state: ServerState,
    who: Principal,
    split: Split,
    *,
    locator: bool = False,
    details: dict | None = None,
) -> str | None:
    """Add a new split, the share code a delegate redeems it with (holder None; a keyless
    code's locator with locator=True) and its audit record; the code, shown once."""
    await state.storage.add_split(split)
    code = None
    if split.holder_id is None:
        code = new_share_code(locator=locator)
        await state.storage.add_share_code(
            ShareCode(
                code_digest=code_digest(state, normalize_code(code)),
                split_id=split.id,
                expires_at=now() + state.config.share_code_ttl,
            )
        )
    await record(
        state,
        "split_created",
        who,
        wallet=split.client_id,
        split=split.id,
        details={
            "holder": split.holder_id or "share code",
            "label": split.label,
            "permissions": split.permissions.to_dict(),
            **(details or {}),
        },
        undo=lambda: state.storage.revoke_split(split.id, now()),
    )
    return code


REVOKE = "revoke"  # owner, holder or admin
MANAGE = "manage"  # owner only: permissions


async def split_for(state: ServerState, who: Principal, split_id: str, *, access: str) -> Split:
    """The split if `who` has `access`: VIEW (holder, owner, admin), REVOKE (the same) or MANAGE
    (the wallet's owner only); 404 otherwise."""
    split = await state.storage.get_split(split_id)
    if split is None:
        raise not_found("split")
    wallet = await state.storage.get_wallet(split.client_id)
    if wallet is not None and wallet.owner_id == who.user.id:
        return split
    if access != MANAGE and (who.is_admin or split.holder_id == who.user.id):
        return split
    raise not_found("split")


async def revoke(state: ServerState, who: Principal, split_id: str) -> Split:
    split = await split_for(state, who, split_id, access=REVOKE)
    if split.status != "revoked":
        # Never undone: if the audit record then fails, the split stays revoked (the safe side)
        # and the caller gets 503; its retry lands in the branch below and records it.
        await state.storage.revoke_split(split_id, now())
        await record(state, "split_revoked", who, wallet=split.client_id, split=split_id)
    else:
        # Recorded again, so that no "revoked" answer leaves without a split_revoked record,
        # even when the first one's record could not be written (a full disk).
        await record(
            state,
            "split_revoked",
            who,
            wallet=split.client_id,
            split=split_id,
            outcome="already_revoked",
            details={"revoked_at": split.revoked_at},
        )
    return await state.storage.get_split(split_id)


async def set_permissions(
    state: ServerState, who: Principal, split_id: str, permissions: Permissions
) -> Split:
    split = await split_for(state, who, split_id, access=MANAGE)
    if split.status == "revoked":
        raise conflict("the split is revoked")
    check_not_expired(permissions)
    if permissions.unrestricted and split.holder_id != who.user.id:
        raise bad_request("only your own split may be unrestricted", field="permissions")
    await state.storage.set_permissions(split_id, permissions)
    await record(
        state,
        "permissions_changed",
        who,
        wallet=split.client_id,
        split=split_id,
        details={"before": split.permissions.to_dict(), "after": permissions.to_dict()},
        undo=lambda: state.storage.set_permissions(split_id, split.permissions),
    )
    return await state.storage.get_split(split_id)


async def retrieve_share(state: ServerState, who: Principal, split_id: str) -> dict:
    """The holder takes its user share, once; it is erased from the server as it leaves."""
    split = await split_for(state, who, split_id, access=VIEW)
    if split.holder_id != who.user.id:
        raise forbidden("only the holder of a split can retrieve its share")
    if split.status_at(now()) != SPLIT_ACTIVE:
        raise ApiError(410, "gone", "the split is revoked or expired")
    sealed = await state.storage.take_user_share(split_id, who.user.id)
    if sealed is None:
        raise ApiError(410, "gone", "the share of this split was already retrieved")
    return await _deliver(state, who, split, sealed, "share_retrieved")


async def redeem_code(state: ServerState, who: Principal, code: str) -> dict:
    split_id = await state.storage.redeem_share_code(
        code_digest(state, normalize_code(code)), who.user.id, now()
    )
    if split_id is None:
        raise ApiError(410, "gone", "the share code is unknown, used or expired")
    split = await state.storage.get_split(split_id)
    sealed = await state.storage.take_user_share(split_id, who.user.id)
    if split is None or sealed is None or split.status_at(now()) != SPLIT_ACTIVE:
        raise ApiError(410, "gone", "the shared key is no longer available")
    return await _deliver(state, who, split, sealed, "share_code_redeemed")


async def _deliver(state: ServerState, who: Principal, split: Split, sealed: bytes, event: str):
    wallet = await state.storage.get_wallet(split.client_id)
    if wallet is not None and is_keyless(wallet):
        answer = envelope_delivery(state, split, wallet, sealed)
        await record(state, event, who, wallet=split.client_id, split=split.id)
        return answer
    share = unseal(state, sealed, f"split:{split.id}:user")
    await record(state, event, who, wallet=split.client_id, split=split.id)
    return ShareDelivery(
        split_id=split.id,
        client_id=split.client_id,
        wallet_public_key=wallet.public_key if wallet else "",
        public_key=split.share_public_key,
        private_key=share.hex(),
    ).to_dict()


async def remove_external_record(
    state: ServerState, who: Principal, client_id: str, reason: str
) -> Wallet:
    """An administrator removes a wallet record registered through 0Chain's /setup (custody
    "external": the server never held the wallet key), e.g. one squatted before /setup asked for
    proof of the wallet key. Its splits are deleted with it (journalled as revoked), so the real
    owner can set it up again. Vault wallets are refused: their key would be lost."""
    wallet = await state.storage.get_wallet(client_id)
    if wallet is None:
        raise not_found("wallet")
    if wallet.custody != "external":
        raise conflict(
            "only a record made by 0Chain's /setup can be removed this way; this wallet's key "
            "is held by the vault (freeze it or let its owner delete it)"
        )
    # Audited first: a removal cannot be undone, so none happens that the log does not show.
    await record(
        state,
        "wallet_record_removed",
        who,
        wallet=client_id,
        details={"owner": wallet.owner_id, "reason": reason},
    )
    await state.storage.delete_wallet(client_id)
    return wallet


# Keyless custody (keyless.py builds on these): what the vault must know to refuse a master-key
# operation and to hand a keyless split's envelope over unopened.


def is_keyless(wallet: Wallet) -> bool:
    """Wallets without a master key in the vault: keyless ones, and those set up by 0Chain's
    /setup (the client split the key itself)."""
    return wallet.custody != "vault"


def envelope_record(split_id: str) -> str:
    return f"split:{split_id}:envelope"


def envelope_delivery(state: ServerState, split: Split, wallet: Wallet | None, sealed: bytes):
    """What a keyless split's redeemer receives: the envelope, still closed."""
    envelope = unseal(state, sealed, envelope_record(split.id))
    return EnvelopeDelivery(
        split_id=split.id,
        client_id=split.client_id,
        wallet_public_key=wallet.public_key if wallet else "",
        public_key=split.share_public_key,
        envelope=base64.b64encode(envelope).decode(),
    ).to_dict()
