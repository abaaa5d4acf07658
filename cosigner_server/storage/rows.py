"""What both storage backends share that is not SQL: the column lists of the row types, the
mapping of a row to its model object, and the JSON form of permissions. sqlite.py and
postgres.py select the same columns in the same order, so one mapping serves both."""

from __future__ import annotations

import functools
import json

from app.permissions import Permissions

from ..model import Split, User, Wallet

# Every column holding envelope-sealed bytes: column -> (table, primary key). Key rotation
# re-seals exactly these (and secrets.sealed, a file); a new sealed column must be added here.
SEALED_COLUMNS: dict[str, tuple[str, str]] = {
    "sealed_secret": ("wallets", "client_id"),
    "sealed_server_share": ("splits", "id"),
    "sealed_user_share": ("splits", "id"),
}


@functools.lru_cache(maxsize=4096)
def permissions_of(text: str) -> Permissions:
    # consume parses the split's permissions on every co-sign; Permissions is immutable.
    return Permissions.from_dict(json.loads(text))


def permissions_json(permissions: Permissions) -> str:
    return json.dumps(permissions.to_dict(), sort_keys=True, separators=(",", ":"))


USER_COLUMNS = "id, issuer, subject, role, enabled, created_at, tokens_valid_after"
WALLET_COLUMNS = (
    "client_id, public_key, owner_id, created_at, sealed_secret, custody, frozen, delete_after"
)
SPLIT_COLUMNS = (
    "id, client_id, holder_id, label, share_public_key, permissions, created_at, "
    "sealed_server_share, sealed_user_share, status, uses, last_used, revoked_at"
)


def user_of(row: tuple) -> User:
    return User(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6])


def wallet_of(row: tuple) -> Wallet:
    return Wallet(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), row[7])


def split_of(row: tuple) -> Split:
    return Split(
        id=row[0],
        client_id=row[1],
        holder_id=row[2],
        label=row[3],
        share_public_key=row[4],
        permissions=permissions_of(row[5]),
        created_at=row[6],
        sealed_server_share=row[7],
        sealed_user_share=row[8],
        status=row[9],
        uses=row[10],
        last_used=row[11],
        revoked_at=row[12],
    )
