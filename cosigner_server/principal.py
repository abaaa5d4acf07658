"""Who is asking: every authenticated route starts with `await require_user(request)`.

Only the server's own tokens open the API; an enterprise token is accepted only by the token
exchange route (identity.py), which turns it into a server token. A token is refused when its user
is disabled, when it was issued before the user's tokens_valid_after, and - for a token obtained
by proof of possession of a split key - when that split is no longer active."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from app.protocol.enums import Role, Rule

from .errors import forbidden, unauthorized
from .model import SPLIT_ACTIVE, User
from .state import STATE, now
from .tokens import Claims, TokenError

SPLIT_CLAIM = "split"
# Set only in the admin tokens `splitkey-cosigner` mints on the server's machine with the sealed
# issuer key: whoever can do that holds the KEK, and with it every secret on the server.
LOCAL_OPERATOR_CLAIM = "local_operator"


@dataclass(frozen=True)
class Principal:
    user: User
    claims: Claims
    scope_split: str | None = None  # a proof-of-possession token acts for this split only

    @property
    def is_admin(self) -> bool:
        return self.user.role == Role.ADMIN and self.scope_split is None

    @property
    def is_local_operator(self) -> bool:
        return self.is_admin and self.claims.raw.get(LOCAL_OPERATOR_CLAIM) is True


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    # 0Chain's zauth clients send the token in X-Jwt-Token.
    return request.headers.get("X-Jwt-Token") or None


def verified_claims(state, token: str | None) -> Claims:
    """A token's claims, or 401 naming why it was refused (a missing token says nothing)."""
    if not token:
        raise unauthorized()
    try:
        return state.verifier.verify(token)
    except TokenError as exc:
        raise unauthorized(f"token refused: {exc.reason}") from None


async def require_user(request: web.Request, *, scoped_ok: bool = False) -> Principal:
    """The caller. scoped_ok: the route also takes a token obtained by proof of possession of a
    split key, which may sign with that key and do nothing else (a device share alone must not
    become its holder's full account, let alone an administrator's)."""
    state = request.app[STATE]
    claims = verified_claims(state, bearer_token(request))
    if claims.issuer != state.config.issuer:
        raise unauthorized("token refused: exchange it for a server token first")
    user = await state.storage.get_user(claims.subject)
    if user is None or not user.enabled:
        raise unauthorized("token refused: the user is disabled or unknown")
    if claims.issued_at <= user.tokens_valid_after:
        raise unauthorized("token refused: issued before a revocation")
    split_id = claims.raw.get(SPLIT_CLAIM)
    if split_id is not None:
        split = await state.storage.get_split(str(split_id))
        if split is None or split.status_at(now()) != SPLIT_ACTIVE:
            raise unauthorized(
                "token refused: the key it was issued for is revoked or expired", Rule.REVOKED
            )
        if not scoped_ok:
            raise forbidden("this token was issued for one key: it can sign with it, nothing else")
        return Principal(user=user, claims=claims, scope_split=str(split_id))
    return Principal(user=user, claims=claims)


async def require_admin(request: web.Request) -> Principal:
    principal = await require_user(request)
    if not principal.is_admin:
        raise forbidden("this needs an administrator")
    return principal
