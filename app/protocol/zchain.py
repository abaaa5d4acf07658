"""The request bodies of 0Chain's own ZAuth and ZVault routes, as gosdk and zwallet send them
(their shapes are 0Chain's, not ours: cosigner_server/routes/zauth.py and zvault.py serve them).
Parsed like every body of bodies.py; the answers stay in 0Chain's shapes in the routes."""

from __future__ import annotations

from dataclasses import dataclass, field

from .bodies import Body, schema

_GROUPS = schema({"items": {"type": "string"}})  # permission group names (app/permissions.py)


@dataclass(frozen=True)
class SignMessage(Body):
    """POST /sign/msg: the hash, the caller's partial over it, and (optionally) its preimage."""

    hash: str
    signature: str
    client_id: str
    message: str | None = None


@dataclass(frozen=True)
class SetupChallengeRequest(Body):
    client_id: str


@dataclass(frozen=True)
class SetupRequest(Body):
    """POST /setup: a server share split by the client, with proof that it holds the wallet
    key (a signature under client_key over a /setup/challenge)."""

    client_id: str
    client_key: str
    public_key: str
    private_key: str = field(repr=False)  # the server's share
    peer_public_key: str
    challenge: str | None = None
    proof: str | None = None
    restrictions: list | None = field(default=None, metadata=_GROUPS)
    expired_at: int | None = None


@dataclass(frozen=True)
class RestrictionsRequest(Body):
    restrictions: list = field(metadata=_GROUPS)


@dataclass(frozen=True)
class StoreRequest(Body):
    """POST /store: import a wallet by private key or mnemonic ("" is "not given")."""

    private_key: str | None = field(default=None, repr=False)
    mnemonic: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class NewKeyRequest(Body):
    restrictions: list | None = field(default=None, metadata=_GROUPS)
