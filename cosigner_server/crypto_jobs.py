"""The CPU work of the co-signer, as plain functions a worker process can run: every pairing and
every multiplication by a secret goes through here, never through the event loop.

Failures that are the caller's fault come back as an error code (not an exception) so the pool
does not have to pickle tracebacks that might carry data."""

from __future__ import annotations

from dataclasses import dataclass

from app.crypto import (
    DecodeError,
    PublicKey,
    SecretKey,
    Signature,
    aggregate_signatures,
    split_secret_key,
)
from app.crypto.params import R
from app.keys import client_id_of, secret_key_from_mnemonic
from app.protocol.formats import keyless_message

# Signature verifications (each a two-pairing product check) a job may run at most, counted by
# the pool for /metrics: proof that refused requests never reach a pairing. A new job that
# verifies signatures must be listed here.
PAIRING_CHECKS = {
    "cosign": 2,
    "verify": 1,
    "check_keyless_wallet": 1,
    "move_server_share": 1,
}


@dataclass(frozen=True)
class CosignResult:
    signature: str | None = None
    error: str | None = None  # "partial_malformed" | "partial_invalid" | "combined_invalid"
    detail: str = ""


def cosign(
    message: bytes,
    partial_hex: str,
    share_public_key: str,
    wallet_public_key: str,
    server_share: bytes,
) -> CosignResult:
    """Verify the user's partial under the STORED share key, add the server's partial, and
    release the sum only if it verifies under the wallet key."""
    try:
        partial = Signature.from_hex(partial_hex)
    except DecodeError as exc:
        return CosignResult(error="partial_malformed", detail=str(exc))
    share_key = PublicKey.from_hex(share_public_key)
    if not share_key.verify(message, partial):
        return CosignResult(error="partial_invalid")
    server_sig = SecretKey.from_bytes(server_share).sign(message)
    try:
        combined = aggregate_signatures([partial, server_sig])
    except DecodeError:
        return CosignResult(error="combined_invalid")
    if not PublicKey.from_hex(wallet_public_key).verify(message, combined):
        return CosignResult(error="combined_invalid")
    return CosignResult(signature=combined.to_hex())


def verify(public_key_hex: str, message: bytes, signature_hex: str) -> bool:
    try:
        return PublicKey.from_hex(public_key_hex).verify(message, Signature.from_hex(signature_hex))
    except DecodeError:
        return False


@dataclass(frozen=True)
class KeyMaterial:
    """A wallet's key as the vault needs it; secret fields are raw bytes / text, never logged."""

    secret_key: bytes
    public_key: str
    client_id: str


def key_from_mnemonic(mnemonic: str) -> KeyMaterial:
    return _material(secret_key_from_mnemonic(mnemonic))


def key_from_secret(secret: bytes) -> KeyMaterial:
    return _material(SecretKey.from_bytes(secret))


def _material(sk: SecretKey) -> KeyMaterial:
    pk = sk.public_key()
    return KeyMaterial(secret_key=sk.to_bytes(), public_key=pk.to_hex(), client_id=client_id_of(pk))


@dataclass(frozen=True)
class SplitMaterial:
    user_share: bytes
    user_public_key: str
    server_share: bytes
    server_public_key: str


def split(secret: bytes) -> SplitMaterial:
    user, server = split_secret_key(SecretKey.from_bytes(secret), 2)
    return SplitMaterial(
        user_share=user.to_bytes(),
        user_public_key=user.public_key().to_hex(),
        server_share=server.to_bytes(),
        server_public_key=server.public_key().to_hex(),
    )


def check_server_share(server_share: bytes, server_public_key: str) -> bool:
    """A share handed over by /setup must match the public key it claims (0Chain's peer key)."""
    try:
        return SecretKey.from_bytes(server_share).public_key().to_hex() == server_public_key
    except DecodeError:
        return False


def warm_up() -> None:
    """Run once in each worker so the first real request does not pay imports and tables."""
    SecretKey.generate().public_key()


def check_setup(
    client_id: str,
    client_key: str,
    server_public_key: str,
    server_share_hex: str,
    peer_public_key: str,
) -> str | None:
    """Why a /setup request is not a valid split of the wallet's key, or None when it is:
    client_id is the key's address, the server share matches its public key, and the two
    shares' public keys add up to the wallet key."""
    try:
        wallet_key = PublicKey.from_hex(client_key)
        if client_id_of(wallet_key) != client_id:
            return "client_id is not the address of client_key"
        share = SecretKey.from_hex(server_share_hex)
        if share.public_key() != PublicKey.from_hex(server_public_key):
            return "private_key does not match public_key"
        if (
            PublicKey.from_hex(server_public_key) + PublicKey.from_hex(peer_public_key)
            != wallet_key
        ):
            return "public_key and peer_public_key do not add up to client_key"
    except DecodeError as exc:
        return f"a key is malformed: {exc}"
    return None


# -- keyless custody: the server checks the owner's split and moves its own share -------------


@dataclass(frozen=True)
class ShareMove:
    """A keyless job's outcome: the server share to keep (raw bytes), or why not."""

    server_share: bytes | None = None
    error: str | None = None
    client_id: str = ""


def _adds_up(server_share: SecretKey, user_key: PublicKey, wallet_key: PublicKey) -> bool:
    try:
        return server_share.public_key() + user_key == wallet_key
    except DecodeError:  # the sum is the point at infinity: not a wallet key
        return False


def check_keyless_wallet(
    client_key: str, server_share_hex: str, share_public_key: str, proof_hex: str
) -> ShareMove:
    """A wallet split on the owner's machine: the server's share and the owner's share's public
    key add up to the wallet key, and the owner proves they hold their share."""
    try:
        wallet_key = PublicKey.from_hex(client_key)
        share = SecretKey.from_hex(server_share_hex)
        owner_key = PublicKey.from_hex(share_public_key)
        proof = Signature.from_hex(proof_hex)
    except DecodeError as exc:
        return ShareMove(error=f"a key or the proof is malformed: {exc}")
    client_id = client_id_of(wallet_key)
    if not _adds_up(share, owner_key, wallet_key):
        return ShareMove(error="the shares do not add up to the wallet key")
    if not owner_key.verify(keyless_message("wallet", client_id, owner_key.to_hex()), proof):
        return ShareMove(error="the proof of possession of the owner's share does not verify")
    return ShareMove(server_share=share.to_bytes(), client_id=client_id)


def move_server_share(
    server_share: bytes,
    delta_hex: str,
    sign: int,
    new_share_public_key: str,
    authority_key: str,
    message: bytes,
    proof_hex: str,
    wallet_public_key: str,
) -> ShareMove:
    """The server's share moved by sign * delta (delegation: b + d; refresh: b - r), if the
    holder of the share `authority_key` signed `message` and the new pair still makes the wallet
    key. delta is used here and forgotten: only the moved share leaves this function."""
    try:
        delta = SecretKey.from_hex(delta_hex).value
        new_key = PublicKey.from_hex(new_share_public_key)
        proof = Signature.from_hex(proof_hex)
    except DecodeError as exc:
        return ShareMove(error=f"a key or the proof is malformed: {exc}")
    if not PublicKey.from_hex(authority_key).verify(message, proof):
        return ShareMove(error="the owner's share did not sign this request")
    moved = (SecretKey.from_bytes(server_share).value + sign * delta) % R
    if moved == 0:
        return ShareMove(error="the new shares are degenerate; draw again")
    share = SecretKey(moved)
    if not _adds_up(share, new_key, PublicKey.from_hex(wallet_public_key)):
        return ShareMove(error="the new share's public key does not complete the wallet key")
    return ShareMove(server_share=share.to_bytes())
