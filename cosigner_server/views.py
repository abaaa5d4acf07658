"""Records -> wire views (app/protocol/bodies.py): what a client may see of each record."""

from __future__ import annotations

from app.protocol.bodies import SplitView, UserView, WalletView
from app.protocol.enums import Custody

from .model import Split, User, Wallet
from .state import now


def user_view(user: User) -> UserView:
    return UserView(
        id=user.id, subject=user.subject, issuer=user.issuer, role=user.role, enabled=user.enabled
    )


def wallet_view(wallet: Wallet, last_nonce: int | None = None) -> WalletView:
    return WalletView(
        client_id=wallet.client_id,
        public_key=wallet.public_key,
        owner_id=wallet.owner_id,
        created_at=wallet.created_at,
        frozen=wallet.frozen,
        delete_after=wallet.delete_after,
        last_nonce=last_nonce,
        custody=Custody.CUSTODIAL if wallet.custody == "vault" else Custody.KEYLESS,
    )


def split_view(split: Split) -> SplitView:
    return SplitView(
        id=split.id,
        client_id=split.client_id,
        holder_id=split.holder_id,
        label=split.label,
        share_public_key=split.share_public_key,
        permissions=split.permissions,
        status=split.status_at(now()),
        uses=split.uses,
        last_used=split.last_used,
        created_at=split.created_at,
        revoked_at=split.revoked_at,
        share_retrieved=split.sealed_user_share is None,
    )
