"""A wallet split on the client as zwallet's `zauth` command makes it, and the gosdk /setup calls
with it: shared by the ZAuth test modules, kept out of test_zauth_compat.py so pytest collects
none of it twice."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from app.crypto import SecretKey, split_secret_key
from app.keys import client_id_of
from app.protocol.formats import setup_proof_message
from app.transaction import Transaction
from cosigner_server.config import DEFAULT_CHAIN_ID

from .cosign_helpers import RECIPIENT
from .gosdk_shapes import GoZauthClient


@dataclass
class LocalSplit:
    """A wallet split on the client, as zwallet's `zauth` command does it."""

    master: SecretKey
    user_share: SecretKey
    body: dict

    @property
    def client_id(self) -> str:
        return self.body["client_id"]

    @property
    def peer(self) -> str:
        return self.body["peer_public_key"]

    def tx(self, *, nonce: int, value: int = 10**9, to: str = RECIPIENT, **fields) -> dict:
        """A gosdk transaction signed with the user share (its partial signature)."""
        tx = Transaction(
            client_id=self.client_id,
            public_key=self.body["client_key"],
            chain_id=DEFAULT_CHAIN_ID,
            creation_date=int(time.time()),
            to_client_id=to,
            transaction_value=value,
            transaction_nonce=nonce,
            **fields,
        )
        out = tx.to_dict()
        out["signature"] = self.user_share.sign_hash(tx.hash).to_hex()
        return out


def local_split(restrictions: list[str] | None = None) -> LocalSplit:
    master = SecretKey.generate()
    user_share, server_share = split_secret_key(master, 2)
    body = {
        "client_id": client_id_of(master.public_key()),
        "client_key": master.public_key().to_hex(),
        "public_key": server_share.public_key().to_hex(),
        "private_key": server_share.to_hex(),
        "peer_public_key": user_share.public_key().to_hex(),
        "expired_at": 0,
    }
    if restrictions is not None:
        body["restrictions"] = restrictions
    return LocalSplit(master, user_share, body)


def set_up(go: GoZauthClient, split: LocalSplit) -> httpx.Response:
    """/setup/challenge, the wallet key's signature over the setup message, then /setup."""
    challenge = go.setup_challenge(split.client_id)
    assert challenge.status_code == 200, challenge.text
    text, issuer = challenge.json()["challenge"], challenge.json()["issuer"]
    b = split.body
    message = setup_proof_message(
        issuer, b["client_id"], b["public_key"], b["peer_public_key"], text
    )
    return go.setup({**b, "challenge": text, "proof": split.master.sign(message).to_hex()})


def go_client(cosigner, subject: str) -> GoZauthClient:
    _, token = cosigner.add_user(subject)
    return GoZauthClient(httpx.Client(base_url=cosigner.url, timeout=60), token)
