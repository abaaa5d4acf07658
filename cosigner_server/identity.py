"""Users, enrollment codes and the three ways to get a server token: a one-time enrollment code,
an enterprise JWT exchanged, or proof of possession of a split key."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from app.crypto import DecodeError
from app.protocol.bodies import ChallengeAnswer, TokenAnswer
from app.protocol.enums import Role, Rule
from app.protocol.formats import proof_message

from . import crypto_jobs
from .errors import ApiError, bad_request, not_found, unauthorized
from .model import SPLIT_ACTIVE, EnrollmentCode, User
from .principal import SPLIT_CLAIM, Principal, verified_claims
from .services import code_digest, record
from .state import ServerState, now
from .storage.base import Conflict
from .vault import new_id, new_share_code, normalize_code

LOCAL_ISSUER = "local"


def new_enrollment_code() -> str:
    return new_share_code()


async def create_user(
    state: ServerState, who: Principal | None, subject: str, role: str
) -> tuple[User, str]:
    """A local user and a one-time enrollment code to hand them (shown once)."""
    if role not in {r.value for r in Role}:
        raise bad_request("role must be admin or user", field="role")
    role = Role(role).value  # stored as plain text
    if not subject or len(subject) > 200:
        raise bad_request("subject must be 1 to 200 characters", field="subject")
    user = User(
        id=new_id("u"),
        issuer=LOCAL_ISSUER,
        subject=subject,
        role=role,
        enabled=True,
        created_at=now(),
    )
    try:
        await state.storage.add_user(user)
    except Conflict:
        raise ApiError(409, "conflict", "a user with this subject exists") from None
    code = await issue_enrollment_code(state, who, user)
    return user, code


async def issue_enrollment_code(state: ServerState, who: Principal | None, user: User) -> str:
    code = new_enrollment_code()
    await state.storage.add_enrollment_code(
        EnrollmentCode(
            code_digest=code_digest(state, normalize_code(code)),
            user_id=user.id,
            expires_at=now() + state.config.enrollment_code_ttl,
        )
    )
    await record(state, "enrollment_code_issued", who, details={"user": user.id, "role": user.role})
    return code


def mint(state: ServerState, user: User, split_id: str | None = None) -> dict:
    extra = {SPLIT_CLAIM: split_id} if split_id else None
    token = state.issuer.mint(
        user.id, role=user.role, ttl=state.config.token_ttl, extra_claims=extra
    )
    return TokenAnswer(
        token=token, expires_in=state.config.token_ttl, user_id=user.id, role=user.role
    ).to_dict()


async def enroll(state: ServerState, code: str) -> dict:
    used = await state.storage.use_enrollment_code(code_digest(state, normalize_code(code)), now())
    if used is None:
        raise unauthorized("the enrollment code is unknown, used or expired")
    user = await state.storage.get_user(used.user_id)
    if user is None or not user.enabled:
        raise unauthorized("the enrolled user is disabled")
    await record(state, "enrolled", None, details={"user": user.id})
    return mint(state, user)


async def exchange(state: ServerState, token: str | None) -> dict:
    """An enterprise JWT for a server token; the first exchange creates the user (role user)."""
    claims = verified_claims(state, token)
    user = await enterprise_user(state, claims)
    await record(state, "token_exchanged", None, details={"user": user.id, "iss": claims.issuer})
    return mint(state, user)


async def enterprise_user(state: ServerState, claims) -> User:
    """The user of a verified enterprise token (the first one creates a "user" when the issuer
    auto-enrolls). Used by the exchange and by the 0Chain routes, which take such tokens as is."""
    issuer_cfg = next((i for i in state.config.issuers if i.issuer == claims.issuer), None)
    if issuer_cfg is None:
        raise unauthorized("token refused: not from an enterprise issuer")
    user = await state.storage.find_user(claims.issuer, claims.subject)
    if user is None:
        if not issuer_cfg.auto_enroll:
            raise unauthorized("no account for this identity; ask an administrator")
        user = User(
            id=new_id("u"),
            issuer=claims.issuer,
            subject=claims.subject,
            role="user",
            enabled=True,
            created_at=now(),
        )
        try:
            await state.storage.add_user(user)
        except Conflict:  # a concurrent first exchange made it
            user = await state.storage.find_user(claims.issuer, claims.subject)
    if not user.enabled or claims.issued_at <= user.tokens_valid_after:
        raise unauthorized("the user is disabled")
    return user


def challenge_message(state: ServerState, split_id: str, challenge: str) -> bytes:
    return proof_message(state.config.issuer, split_id, challenge)


async def new_challenge(state: ServerState, split_id: str) -> dict:
    """A proof-of-possession challenge that costs the server nothing until a proof arrives
    (issue 16, F6: a shared table of open challenges let 10 001 anonymous requests lock every
    holder out). It carries its own expiry and a MAC under the server's HMAC key, bound to the
    split; single use is recorded only when it is redeemed."""
    expires_at = now() + state.config.challenge_ttl
    nonce = secrets.token_hex(16)
    challenge = f"{expires_at}.{nonce}.{_challenge_mac(state, split_id, expires_at, nonce)}"
    return ChallengeAnswer(
        challenge=challenge,
        expires_in=state.config.challenge_ttl,
        message_hex=challenge_message(state, split_id, challenge).hex(),
    ).to_dict()


def _challenge_mac(state: ServerState, split_id: str, expires_at: int, nonce: str) -> str:
    text = f"proof-challenge\0{split_id}\0{expires_at}\0{nonce}".encode()
    return hmac.new(state.hmac_key, text, hashlib.sha256).hexdigest()


async def _redeem_challenge(state: ServerState, split_id: str, challenge: str) -> bool:
    """True once for a challenge this server made for this split, before it expires. Single use
    is recorded in the database (every replica of one database agrees, and a restart forgets
    nothing); used even if the proof then fails."""
    expires, _, rest = challenge.partition(".")
    nonce, _, mac = rest.partition(".")
    if not (expires.isascii() and expires.isdigit() and len(expires) <= 12):
        return False
    expected = _challenge_mac(state, split_id, int(expires), nonce)
    if not hmac.compare_digest(mac.encode(), expected.encode()) or int(expires) < now():
        return False
    digest = hashlib.sha256(challenge.encode()).hexdigest()
    try:
        return await state.storage.use_once(digest, int(expires), now())
    except NotImplementedError:
        pass  # a storage without single-use records: this process's memory
    t = now()
    for key in [k for k, (_, exp) in state.challenges.items() if exp < t]:
        state.challenges.pop(key, None)  # expired ones are refused by their own expiry
    if challenge in state.challenges:
        return False
    state.challenges[challenge] = (split_id, int(expires))
    return True


async def prove(state: ServerState, split_id: str, challenge: str, signature: str) -> dict:
    if not await _redeem_challenge(state, split_id, challenge):
        raise unauthorized("the challenge is unknown, used or expired")
    split = await state.storage.get_split(split_id)
    if split is None or split.holder_id is None or split.status_at(now()) != SPLIT_ACTIVE:
        raise unauthorized("the key is unknown, revoked or expired", Rule.REVOKED)
    try:
        valid = await state.pool.run(
            crypto_jobs.verify,
            split.share_public_key,
            challenge_message(state, split_id, challenge),
            signature,
        )
    except DecodeError:
        valid = False
    if not valid:
        raise unauthorized("the proof does not verify under this key's share")
    user = await state.storage.get_user(split.holder_id)
    if user is None or not user.enabled:
        raise not_found("user")
    await record(
        state,
        "proof_of_possession",
        None,
        wallet=split.client_id,
        split=split.id,
        details={"user": user.id},
    )
    return mint(state, user, split_id=split.id)
