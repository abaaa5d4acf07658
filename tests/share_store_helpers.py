"""Shares and keyring backends for the share store tests."""

from __future__ import annotations

import secrets

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from app.client_calls import ShareInfo
from app.crypto import SecretKey, split_secret_key
from app.keys import client_id_of


class MemoryKeyring(KeyringBackend):
    """A safe in-memory backend for unit tests (keyring.set_keyring)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise PasswordDeleteError("not found")
        del self.entries[(service, username)]


def make_share(split_id: str | None = None) -> ShareInfo:
    """A real user share of a fresh wallet key, with the metadata the co-signer delivers."""
    wallet = SecretKey.generate()
    user, _server = split_secret_key(wallet, 2)
    return ShareInfo(
        split_id=split_id or "spl_" + secrets.token_hex(8),
        client_id=client_id_of(wallet.public_key()),
        wallet_public_key=wallet.public_key().to_hex(),
        public_key=user.public_key().to_hex(),
        private_key=user.to_hex(),
    )
