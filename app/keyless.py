"""Keyless custody on the owner's machine, without I/O: split a wallet's key here and tell the
co-signer only its own share, cut a delegate's share from the owner's share, refresh a pair, and
seal a delegate's share behind a share code whose key part never reaches the co-signer.

    request, mine = keyless_wallet(master_key)        # POST /v1/wallets {"keyless": request}
    request, theirs, key_part = delegation(split_id, mine, sealed=True)
    code = compose_code(locator_from_server, key_part)  # given to the delegate
    share = open_envelope(code, delivery)              # on the delegate's machine
    request, refreshed = refresh(split_id, mine)

The owner's share `a` signs each request (a domain-separated keyless_message): the co-signer's
proof that the sender holds the share it claims, and the owner's consent to this very change.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.crypto import PublicKey, SecretKey, split_secret_key
from app.crypto.params import R
from app.keys import client_id_of
from app.protocol.bodies import (
    DelegationRequest,
    EnvelopeDelivery,
    KeylessWalletRequest,
    RefreshRequest,
)
from app.protocol.formats import CODE_KEY_CHARS, LOCATOR_CHARS, SHARE_CODE_ALPHABET, keyless_message

ENVELOPE_INFO = b"splitkey share envelope v1"
NONCE_BYTES = 12


class KeylessError(ValueError):
    """A share code or envelope that cannot be used; the message never carries a secret."""


def keyless_wallet(master_key: SecretKey) -> tuple[KeylessWalletRequest, SecretKey]:
    """Split master_key here: (what the co-signer gets, the owner's share a)."""
    mine, server = split_secret_key(master_key, 2)
    wallet_key = master_key.public_key()
    share_key = mine.public_key().to_hex()
    proof = mine.sign(keyless_message("wallet", client_id_of(wallet_key), share_key))
    request = KeylessWalletRequest(
        client_key=wallet_key.to_hex(),
        server_share=server.to_hex(),
        share_public_key=share_key,
        proof=proof.to_hex(),
    )
    return request, mine


def _moved_pair(share: SecretKey) -> tuple[SecretKey, SecretKey]:
    """(a', a - a'), both non-zero: a' is a fresh uniform share, a - a' the move."""
    while True:
        fresh = SecretKey.generate()
        delta = (share.value - fresh.value) % R
        if delta:
            return fresh, SecretKey(delta)


def delegation(
    from_split: str, share: SecretKey, client_id: str, *, sealed: bool
) -> tuple[DelegationRequest, SecretKey, str | None]:
    """A new share a' cut from the owner's share a: (the request with d = a - a', a', the share
    code's key part when sealed for a share code, else None)."""
    fresh, delta = _moved_pair(share)
    fresh_key = fresh.public_key().to_hex()
    key_part = envelope = None
    if sealed:
        key_part = "".join(secrets.choice(SHARE_CODE_ALPHABET) for _ in range(CODE_KEY_CHARS))
        envelope = seal_share(key_part, fresh, client_id)
    request = DelegationRequest(
        from_split=from_split,
        d=delta.to_hex(),
        share_public_key=fresh_key,
        proof=share.sign(keyless_message("delegate", from_split, fresh_key)).to_hex(),
        envelope=envelope,
    )
    return request, fresh, key_part


def refresh(split_id: str, share: SecretKey, refreshed: SecretKey | None = None):
    """(the request moving (a, b) to (a + r, b - r), a + r). `refreshed` repeats an earlier
    attempt (a + r already drawn and kept) so a refresh whose answer was lost can be retried."""
    if refreshed is None:
        while True:
            refreshed = SecretKey.generate()
            if refreshed != share:
                break
    step = (refreshed.value - share.value) % R
    if step == 0:
        raise KeylessError("the refreshed share equals the current one")
    new_key = refreshed.public_key().to_hex()
    request = RefreshRequest(
        r=SecretKey(step).to_hex(),
        share_public_key=new_key,
        proof=share.sign(keyless_message("refresh", split_id, new_key)).to_hex(),
    )
    return request, refreshed


# -- share codes and envelopes -------------------------------------------------------------------


def _normalized(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch not in " -\t\n")


def _grouped(raw: str) -> str:
    return "-".join(raw[i : i + 5] for i in range(0, len(raw), 5))


def compose_code(locator: str, key_part: str) -> str:
    """The share code a delegate types: the server's locator, then the key part."""
    return _grouped(_normalized(locator) + key_part)


def looks_keyless(code: str) -> bool:
    """A code of a keyless split's length (checked further by split_code)."""
    return len(_normalized(code)) == LOCATOR_CHARS + CODE_KEY_CHARS


def is_keyless_code(code: str) -> bool:
    raw = _normalized(code)
    return len(raw) == LOCATOR_CHARS + CODE_KEY_CHARS and set(raw) <= set(SHARE_CODE_ALPHABET)


def split_code(code: str) -> tuple[str, str]:
    """(locator, key part) of a keyless share code."""
    raw = _normalized(code)
    if len(raw) != LOCATOR_CHARS + CODE_KEY_CHARS:
        count = LOCATOR_CHARS + CODE_KEY_CHARS
        raise KeylessError(f"a keyless share code has {count} characters, got {len(raw)}")
    unknown = sorted({ch for ch in raw if ch not in SHARE_CODE_ALPHABET})
    if unknown:
        raise KeylessError("the share code has characters a share code never has")
    return raw[:LOCATOR_CHARS], raw[LOCATOR_CHARS:]


def _aead(key_part: str) -> AESGCM:
    # 100 random bits need no slow KDF: HKDF only shapes them into an AES-256 key.
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=ENVELOPE_INFO)
    return AESGCM(kdf.derive(key_part.encode()))


def _binding(client_id: str, share_public_key: str) -> bytes:
    return f"{client_id}:{share_public_key.lower()}".encode()


def seal_share(key_part: str, share: SecretKey, client_id: str) -> str:
    """base64(nonce || AES-GCM(share)), bound to the wallet and the share's public key."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    binding = _binding(client_id, share.public_key().to_hex())
    sealed = _aead(key_part).encrypt(nonce, share.to_bytes(), binding)
    return base64.b64encode(nonce + sealed).decode()


def open_envelope(code: str, delivery: EnvelopeDelivery) -> SecretKey:
    """The delegate's share from the envelope the co-signer delivered, checked against the
    public key it claims and the wallet's address."""
    _locator, key_part = split_code(code)
    try:
        data = base64.b64decode(delivery.envelope, validate=True)
        binding = _binding(delivery.client_id, delivery.public_key)
        plain = _aead(key_part).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], binding)
        share = SecretKey.from_bytes(plain)
        wallet_key = PublicKey.from_hex(delivery.wallet_public_key)
    except (InvalidTag, ValueError):
        raise KeylessError(
            "the envelope does not open with this share code (mistyped, or not this split's)"
        ) from None
    if share.public_key().to_hex() != delivery.public_key.lower():
        raise KeylessError("the envelope's share is not the key of the split's public key")
    if client_id_of(wallet_key) != delivery.client_id:
        raise KeylessError("the wallet public key is not the key of the wallet's client id")
    return share
