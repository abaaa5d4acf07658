"""How codes look and what a share signs besides transactions: the share-code alphabet and
lengths, and the domain-separated messages (each with its own prefix, so none can ever be a
transaction hash, a message a 0Chain service accepts, or another of these)."""

from __future__ import annotations

import re

# A keyless share code: the locator the server draws (it finds the envelope), then the key part
# the owner's machine draws (it opens the envelope, and never reaches the server).
SHARE_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed
LOCATOR_CHARS = 10  # 50 bits: guessing one finds only ciphertext, within the code's lifetime
CODE_KEY_CHARS = 20  # 100 bits: the envelope's key
SHARE_CODE_CHARS = 20  # a custodial share code or an enrollment code: ~100 bits
CODE_GROUP = 5  # codes are written in groups of five, joined by dashes

_ALPHABET_CLASS = "[" + re.escape(SHARE_CODE_ALPHABET) + "]"
_WHOLE_CODE = re.compile(f"{_ALPHABET_CLASS}{{{SHARE_CODE_CHARS}}}({_ALPHABET_CLASS}{{10}})?")
_CODE_LETTERS = re.compile(f"{_ALPHABET_CLASS}*")


def normalize_code(text: str) -> str:
    """A code as typed, however grouped: case, spaces and dashes do not matter."""
    return re.sub(r"[\s-]", "", text).upper()


def group_code(raw: str) -> str:
    """A code as written and shown: groups of five joined by dashes."""
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, len(raw), CODE_GROUP))


def code_letters_only(text: str) -> bool:
    """Every character typed so far (normalized) is one a code may hold."""
    return bool(_CODE_LETTERS.fullmatch(normalize_code(text)))


def looks_like_code(text: str) -> bool:
    """A whole share code: 20 characters, or a keyless wallet's 30 (locator + key part)."""
    return bool(_WHOLE_CODE.fullmatch(normalize_code(text)))

PROOF_PREFIX = b"splitkey-proof-of-possession:"
SETUP_PROOF_PREFIX = b"splitkey-zauth-setup:"
KEYLESS_PREFIX = b"splitkey-keyless-authority:"


def proof_message(issuer: str, split_id: str, challenge: str) -> bytes:
    """What a split key's share signs to prove possession. Domain-separated: it can never be a
    transaction hash or a message a 0Chain service accepts."""
    return PROOF_PREFIX + f"{issuer}:{split_id}:{challenge}".encode()


def setup_proof_message(
    issuer: str, client_id: str, public_key: str, peer_public_key: str, challenge: str
) -> bytes:
    """What the WALLET key signs to register its split through 0Chain's /setup: proof that the
    caller holds the whole key, not only its public half. Binds both share keys, so the proof
    cannot be replayed for another split; never 32 bytes, so never a transaction hash."""
    text = f"{issuer}:{client_id}:{public_key.lower()}:{peer_public_key.lower()}:{challenge}"
    return SETUP_PROOF_PREFIX + text.encode()


def keyless_message(action: str, *fields: str) -> bytes:
    """What an owner's share signs to authorise a keyless action ("wallet", "delegate",
    "refresh"). Domain-separated: never a transaction hash nor a proof_message."""
    return KEYLESS_PREFIX + ":".join((action, *fields)).encode()
