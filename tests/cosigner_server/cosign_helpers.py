"""Small builders shared by the co-signer tests: a wallet with a split whose share the test
holds, transactions for it, and co-sign requests."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import httpx

from app.crypto import SecretKey
from app.permissions import ZCN
from app.transaction import Transaction
from cosigner_server.config import DEFAULT_CHAIN_ID

RECIPIENT = "ab" * 32


@dataclass
class Holder:
    http: httpx.Client
    token: str
    wallet: dict
    split_id: str
    share: SecretKey

    def tx(self, *, nonce: int, value: int = ZCN, to: str = RECIPIENT, **fields) -> Transaction:
        return Transaction(
            client_id=self.wallet["client_id"],
            public_key=self.wallet["public_key"],
            chain_id=DEFAULT_CHAIN_ID,
            creation_date=int(time.time()),
            to_client_id=to,
            transaction_value=value,
            transaction_nonce=nonce,
            **fields,
        )

    def body(self, tx: Transaction, *, partial: str | None = None, request_id: str | None = None):
        partial = partial if partial is not None else self.share.sign_hash(tx.hash).to_hex()
        return {
            "split_id": self.split_id,
            "request_id": request_id or uuid.uuid4().hex,
            "transaction": {**tx.to_dict(), "signature": partial},
        }

    def cosign(self, tx: Transaction, **kwargs) -> httpx.Response:
        return self.http.post("/v1/sign/transaction", json=self.body(tx, **kwargs))

    def split(self) -> dict:
        return self.http.get(f"/v1/splits/{self.split_id}").json()["split"]


def make_split(
    http: httpx.Client, client_id: str, permissions: dict | None = None
) -> tuple[str, SecretKey]:
    body = {"label": "test"} if permissions is None else {"label": "t", "permissions": permissions}
    made = http.post(f"/v1/wallets/{client_id}/splits", json=body)
    assert made.status_code == 201, made.text
    split_id = made.json()["split"]["id"]
    share = http.post(f"/v1/splits/{split_id}/key")
    assert share.status_code == 200, share.text
    return split_id, SecretKey.from_hex(share.json()["private_key"])


def holder(cosigner, subject: str = "alice", permissions: dict | None = None) -> Holder:
    """A user with a new wallet and one split of it (unrestricted unless permissions given)."""
    _, token = cosigner.add_user(subject)
    http = httpx.Client(base_url=cosigner.url, headers=cosigner.headers(token), timeout=60)
    created = http.post("/v1/wallets", json={})
    assert created.status_code == 201, created.text
    wallet = created.json()["wallet"]
    split_id, share = make_split(http, wallet["client_id"], permissions)
    return Holder(http=http, token=token, wallet=wallet, split_id=split_id, share=share)
