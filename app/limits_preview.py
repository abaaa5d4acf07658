"""Before signing: would this key's known limits refuse the transaction? The co-signer decides
(its policy, cosigner_server/policy.py, is the authority and may know more: uses from other
devices, a revoke a moment ago); this only spares the person a Review that ends in a refusal
(review item 13: the app knew the 5 ZCN cap and let a 6 ZCN send go to the co-signer)."""

from __future__ import annotations

from app.permissions import GROUP_TITLES, Permissions, group_of
from app.policy_words import format_period, format_zcn
from app.transaction import Transaction


def known_refusals(
    permissions: Permissions,
    tx: Transaction,
    *,
    now: int,
    period_used: int = 0,
    uses: int = 0,
) -> list[str]:
    """What in the key's limits refuses `tx`, in words (empty: nothing known). period_used:
    SAS this key moved in the current period as far as this computer knows."""
    if permissions.unrestricted:
        return []
    found = []
    if permissions.expires_at is not None and now >= permissions.expires_at:
        found.append("this key has expired")
    try:
        group = group_of(tx)
    except (ValueError, KeyError, TypeError):  # contract data that names no method
        group = None
    if group is None:
        found.append("this kind of transaction needs an unrestricted key")
    elif group not in permissions.groups:
        found.append(f"this key may not do this: “{GROUP_TITLES[group]}” is not among its rights")
    recipients = permissions.recipients
    if group == "token_transfers" and recipients is not None and tx.to_client_id not in recipients:
        found.append("the recipient is not on this key's list of allowed recipients")
    value = tx.transaction_value
    cap = permissions.max_per_transaction
    if cap is not None and value > cap:
        found.append(f"{format_zcn(value)} is over this key's limit of {format_zcn(cap)} each")
    cap = permissions.max_value_per_period
    if cap is not None and period_used + value > cap:
        period = format_period(permissions.period_seconds)
        found.append(
            f"{format_zcn(value)} would go over this key's {format_zcn(cap)} per {period} "
            f"({format_zcn(period_used)} already used)"
        )
    if permissions.max_uses is not None and uses >= permissions.max_uses:
        found.append("every use of this key is spent")
    return found
