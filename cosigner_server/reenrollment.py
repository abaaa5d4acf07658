"""Re-enrolling a user who owns wallets takes two people (issue 16, F4).

An enrollment code signs its holder in as the user, with all of the user's powers. For a user
who owns wallets, an administrator alone could otherwise re-issue the code, enroll, and act as
the owner (cut an unrestricted split, co-sign a send). So the code comes in two halves:

- the administrator who asks gets the first half and an approval reference;
- the second half is released, against that reference, only to the owner from a device that is
  already signed in, or to ANOTHER administrator. Both halves together are the code.

Nothing is stored but the code's digest (as for any code): the reference carries who asked, for
whom and until when, under a MAC with the server's HMAC key, and the second half is derived from
it. Asking and approving are recorded in each owned wallet's audit trail, so the owner sees them
in Activity. Limits: a second administrator made by the first counts as a second person (making
administrators is an administrator's power); and the local operator, whose admin CLI mints its
token with the sealed issuer key on the server's machine, gets a whole code (holding the KEK, it
holds every secret anyway; the built-in co-signer signs the desktop in this way).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from .errors import ApiError, bad_request, forbidden
from .model import EnrollmentCode, User
from .principal import Principal
from .services import code_digest, record
from .state import ServerState, now
from .vault import SHARE_CODE_ALPHABET, new_share_code, normalize_code


def _mac(state: ServerState, purpose: str, text: str) -> bytes:
    return hmac.new(state.hmac_key, f"{purpose}\0{text}".encode(), hashlib.sha256).digest()


def _second_half(state: ServerState, ref: str) -> str:
    raw = _mac(state, "reenroll-half", ref)[:20]
    # 32 symbols divide 256: no bias; 20 of them are ~100 bits, like the first half
    text = "".join(SHARE_CODE_ALPHABET[b % 32] for b in raw)
    return "-".join(text[i : i + 5] for i in range(0, 20, 5))


async def request(state: ServerState, who: Principal, user: User, wallets: list[str]) -> dict:
    """The first half and the approval reference for re-enrolling `user`, who owns `wallets`."""
    expires_at = now() + state.config.enrollment_code_ttl
    body = f"{who.user.id}.{user.id}.{expires_at}.{secrets.token_hex(8)}"
    ref = f"{body}.{_mac(state, 'reenroll-ref', body).hex()}"
    first = new_share_code()
    full = normalize_code(first + _second_half(state, ref))
    await state.storage.add_enrollment_code(
        EnrollmentCode(code_digest=code_digest(state, full), user_id=user.id, expires_at=expires_at)
    )
    for client_id in wallets:
        await record(
            state,
            "reenrollment_requested",
            who,
            wallet=client_id,
            details={"user": user.id, "expires_at": expires_at},
        )
    return {
        "enrollment_code_half": first,
        "approval_ref": ref,
        "expires_at": expires_at,
        "message": (
            "this user owns wallets: the code is in two halves. This is the first; the second "
            "comes with the approval reference from the owner's signed-in device or from "
            "another administrator"
        ),
    }


async def record_operator_code(
    state: ServerState, who: Principal, user: User, wallets: list[str]
) -> None:
    """The local operator (the admin CLI on the server's machine, holding the KEK: the built-in
    co-signer signs its desktop in this way) gets a whole code; the owner still sees it."""
    for client_id in wallets:
        await record(
            state, "reenrollment_by_operator", who, wallet=client_id, details={"user": user.id}
        )


async def approve(state: ServerState, who: Principal, ref: str) -> dict:
    """The second half, for the owner (an existing device) or an administrator other than the
    one who asked."""
    body, _, mac = ref.rpartition(".")
    parts = body.split(".")
    valid = len(parts) == 4 and hmac.compare_digest(
        mac.encode(), _mac(state, "reenroll-ref", body).hex().encode()
    )
    if not valid:
        raise bad_request("the approval reference is not one this server made", field="ref")
    requester, user_id, expires_at, _nonce = parts
    if int(expires_at) < now():
        raise ApiError(410, "gone", "the approval reference has expired; ask again")
    owner = who.user.id == user_id and who.scope_split is None
    second_admin = who.user.role == "admin" and who.user.id != requester
    if not (owner or second_admin):
        raise forbidden(
            "only the owner, from a device already signed in, or another administrator than the "
            "one who asked can approve this"
        )
    for wallet in await state.storage.list_wallets(owner_id=user_id):
        await record(
            state,
            "reenrollment_approved",
            who,
            wallet=wallet.client_id,
            details={"user": user_id, "requested_by": requester, "by_owner": owner},
        )
    return {"enrollment_code_half": _second_half(state, ref)}
