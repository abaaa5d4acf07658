"""Challenges for 0Chain's /setup: before a split handed over by a client is stored, the caller
signs a server challenge with the WALLET key (proof it holds the whole key, not only the public
key every explorer shows). Stateless: the challenge carries its expiry and an HMAC under the
server's key, bound to the caller and the wallet, so open challenges cost the server nothing."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from app.protocol.formats import setup_proof_message

from . import crypto_jobs
from .errors import ApiError, bad_request
from .state import ServerState, now

_DOMAIN = b"zauth-setup-challenge:"


def _mac(state: ServerState, user_id: str, client_id: str, expires: int, nonce: str) -> str:
    text = f"{user_id}:{client_id}:{expires}:{nonce}".encode()
    return hmac.new(state.hmac_key, _DOMAIN + text, hashlib.sha256).hexdigest()


def new_challenge(state: ServerState, user_id: str, client_id: str) -> dict:
    expires = now() + state.config.challenge_ttl
    nonce = secrets.token_hex(16)
    challenge = f"{expires}.{nonce}.{_mac(state, user_id, client_id, expires, nonce)}"
    return {
        "challenge": challenge,
        "expires_in": state.config.challenge_ttl,
        "message_format": "splitkey-zauth-setup:{issuer}:{client_id}:{public_key}:"
        "{peer_public_key}:{challenge}",
        "issuer": state.config.issuer,
    }


def _valid(state: ServerState, user_id: str, client_id: str, challenge: str) -> bool:
    parts = challenge.split(".")
    if len(parts) != 3 or not parts[0].isascii() or not parts[0].isdigit():
        return False
    expires, nonce, mac = int(parts[0]), parts[1], parts[2]
    expected = _mac(state, user_id, client_id, expires, nonce)
    given = mac.encode("utf-8", "replace")
    return expires >= now() and hmac.compare_digest(expected.encode(), given)


async def check_proof(
    state: ServerState,
    user_id: str,
    fields: dict[str, str],
    challenge: str | None,
    proof: str | None,
) -> None:
    """Refuse (401) unless `proof` is the wallet key's signature over this setup's message."""
    if not challenge or not proof:
        raise ApiError(
            401,
            "proof_required",
            "setup needs proof that you hold the wallet key: POST /setup/challenge with "
            '{"client_id"}, sign the setup message with the wallet key, and send "challenge" '
            'and "proof" with /setup',
            field="proof",
        )
    if len(challenge) > 200 or not _valid(state, user_id, fields["client_id"], challenge):
        raise ApiError(401, "proof_refused", "the setup challenge is unknown or expired",
                       field="challenge")  # fmt: skip
    if len(proof) > 200:
        raise bad_request("proof is not a signature", field="proof")
    message = setup_proof_message(
        state.config.issuer,
        fields["client_id"],
        fields["public_key"],
        fields["peer_public_key"],
        challenge,
    )
    if not await state.pool.run(crypto_jobs.verify, fields["client_key"], message, proof):
        raise ApiError(
            401, "proof_refused", "the proof does not verify under client_key", field="proof"
        )
