"""The wallets a person sees: the ones they own and the ones shared with them, each with the
split key they hold for it (if any) and one status word.

The co-signer answers wallets (GET /wallets) and the splits a person holds (GET /splits)
separately; a wallet list needs both, because for a shared wallet what matters is the state of
the holder's key (revoked, expired), and for an owned one whether it is frozen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from app.client import AsyncCosignerClient, ShareInfo
from app.keys import Wallet, WalletError
from app.protocol.bodies import SplitView, WalletView
from app.protocol.enums import SplitStatus

OWNED, SHARED = "owned", "shared"
# A wallet entry's status: its key's (a SplitStatus), or the wallet's own when that says more.
ACTIVE, EXPIRED, REVOKED = SplitStatus.ACTIVE, SplitStatus.EXPIRED, SplitStatus.REVOKED
FROZEN, DELETING = "frozen", "deleting"
ENTRY_STATUSES = (*SplitStatus, FROZEN, DELETING)

# Which of a person's keys of one wallet to use: the best status first.
_PREFERENCE = {ACTIVE: 0, EXPIRED: 1, REVOKED: 2}


def status_rank(status: str) -> int:
    """Where a key of this SplitStatus sorts among a wallet's keys: usable ones first."""
    return _PREFERENCE.get(status, len(_PREFERENCE))


@dataclass(frozen=True)
class WalletEntry:
    wallet: WalletView
    kind: str  # OWNED | SHARED
    split: SplitView | None  # the key of this wallet that this person holds and can use best
    has_share: bool  # that key's share is stored on this device
    # This person's other keys of the wallet (a share of one's own wallet redeemed here, an
    # older device key): listed, never chosen over `split` (issue 15.3).
    others: tuple[SplitView, ...] = ()

    @property
    def client_id(self) -> str:
        return self.wallet.client_id

    @property
    def status(self) -> str:
        """active | frozen | expired | revoked | deleting: what the wallet badge shows."""
        if self.wallet.frozen:
            return FROZEN
        if self.kind == OWNED and self.wallet.delete_after is not None:
            return DELETING
        if self.split is not None and self.split.status in (EXPIRED, REVOKED):
            return self.split.status
        if self.kind == SHARED and self.split is None:
            return REVOKED  # shared with me, but I hold no key of it any more
        return ACTIVE

    @property
    def can_sign(self) -> bool:
        return self.status == ACTIVE and self.split is not None and self.has_share


def proposed_nonce(remembered: int, last_cosigned: int | None) -> int:
    """The nonce to offer: past what this device remembers and past what the co-signer signed
    for the wallet (another device or a delegate may have signed since)."""
    return max(remembered, (last_cosigned or 0) + 1)


def best_split(splits: list[SplitView], has_share: Callable[[str], bool]) -> SplitView | None:
    """The key to sign with: an active one whose share is here, else the most useful other."""
    if not splits:
        return None

    def rank(split: SplitView) -> tuple[int, int, int, int]:
        here = 0 if has_share(split.id) else 1
        # An unrestricted key before a limited one: redeeming a share code of a wallet one
        # owns must not put the limited key in the place of one's own (review item 5).
        limited = 0 if split.permissions.unrestricted else 1
        return (status_rank(split.status), here, limited, -split.created_at)

    return min(splits, key=rank)


def entries(
    owned: list[WalletView],
    shared: list[WalletView],
    my_splits: list[SplitView],
    has_share: Callable[[str], bool],
    known_keys: dict[str, str] | None = None,
) -> list[WalletEntry]:
    by_wallet: dict[str, list[SplitView]] = {}
    for split in my_splits:
        by_wallet.setdefault(split.client_id, []).append(split)
    # The co-signer lists a shared wallet only while its key is active; a key revoked since is
    # still the person's to see (with a "revoked" badge), from the split and the stored share.
    listed = {w.client_id for w in owned} | {w.client_id for w in shared}
    gone = [
        WalletView(
            client_id=client_id,
            public_key=(known_keys or {}).get(client_id, ""),
            owner_id="",
            created_at=min(s.created_at for s in splits),
        )
        for client_id, splits in by_wallet.items()
        if client_id not in listed
    ]
    result = []
    for kind, wallets in ((OWNED, owned), (SHARED, [*shared, *gone])):
        for wallet in wallets:
            mine = by_wallet.get(wallet.client_id, [])
            split = best_split(mine, has_share)
            held = split is not None and has_share(split.id)
            others = tuple(s for s in mine if split is not None and s.id != split.id)
            result.append(WalletEntry(wallet, kind, split, held, others))
    return result


async def load_wallets(
    api: AsyncCosignerClient,
    has_share: Callable[[str], bool],
    known_keys: dict[str, str] | None = None,
) -> list[WalletEntry]:
    """known_keys: client id -> wallet public key, for wallets the co-signer no longer lists."""
    listed = await api.wallets()
    return entries(listed.owned, listed.shared, await api.my_splits(), has_share, known_keys)


def expires_in(split: SplitView | None, now: int | None = None) -> int | None:
    """Seconds until the key expires (0 when it has), None when it never does."""
    if split is None or split.permissions.expires_at is None:
        return None
    return max(0, split.permissions.expires_at - (int(time.time()) if now is None else now))


async def new_device_key(api: AsyncCosignerClient, client_id: str, label: str) -> ShareInfo:
    """A split of an owned wallet held by its owner on this device, and its share (taken from
    the co-signer, which keeps no copy of it after this)."""
    made = await api.create_split(client_id, label=label, holder="me")
    return await api.retrieve_share(made.split.id)


def zwallet_secret(text: str | bytes) -> dict[str, str]:
    """What to import from a wallet file as zwallet writes it: its mnemonic when it has one,
    else its private key. A split wallet file holds only shares: it cannot be imported."""
    wallet = Wallet.from_json(text)
    if wallet.is_split:
        raise WalletError(
            "this wallet file holds key shares of a split wallet, not the wallet's key; "
            "import the wallet's 24 words instead"
        )
    if wallet.mnemonic:
        return {"mnemonic": wallet.mnemonic}
    return {"private_key": wallet.keys[0].private_key.to_hex()}
