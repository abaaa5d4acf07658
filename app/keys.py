"""0Chain wallet keys: BIP-39 mnemonics, 0Chain's key derivation, client ids, zwallet's JSON.

    mnemonic = generate_mnemonic()                 # 24 words, as zwallet makes them
    sk = secret_key_from_mnemonic(mnemonic)        # PBKDF2 seed -> herumi setArrayMask
    client_id_of(sk.public_key())                  # sha3-256 of the 64 public-key bytes
    wallet = Wallet.from_mnemonic(mnemonic);  Wallet.from_json(wallet.to_json())

A Wallet is checked whenever it is built: its id matches its key, every private key matches its
public key, a split wallet's shares add up to the wallet key. Errors name the field at fault and
never carry secret material (mnemonics, private keys), and neither does repr().
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Any

from mnemonic import Mnemonic

from app.crypto import (
    DecodeError,
    PublicKey,
    SecretKey,
    aggregate_public_keys,
    split_secret_key,
)

MNEMONIC_WORDS = 24  # 0Chain wallets use 256 bits of entropy
MNEMONIC_STRENGTH = 256
# 0Chain's fixed BIP-39 passphrase; the seed is PBKDF2(mnemonic, "mnemonic" + this, 2048, SHA512).
SEED_PASSPHRASE = "0chain-client-split-key"
WALLET_VERSION = "1.0"


class KeysError(ValueError):
    """A mnemonic or wallet that cannot be used; the message names the problem."""


class MnemonicError(KeysError):
    """The text is not a valid 24-word BIP-39 mnemonic."""


class MnemonicLengthError(MnemonicError):
    """Not 24 words."""


class MnemonicWordError(MnemonicError):
    """A word is not in the BIP-39 English word list."""


class MnemonicChecksumError(MnemonicError):
    """Every word is known but the BIP-39 checksum does not match (a mistyped word)."""


class WalletError(KeysError):
    """A wallet whose fields are missing, malformed or inconsistent with each other."""


@cache
def _bip39() -> Mnemonic:
    # Loading the word list reads a file; do it once, and only when a mnemonic is used.
    return Mnemonic("english")


def generate_mnemonic() -> str:
    return _bip39().generate(strength=MNEMONIC_STRENGTH)


def normalize_mnemonic(mnemonic: str) -> str:
    """The canonical form of a mnemonic (NFKD, lower case, single spaces), or MnemonicError.

    Canonical spacing is what zwallet writes, so a phrase typed with stray spaces or capitals
    still recovers the same key. Messages give word positions, never the words themselves.
    """
    if not isinstance(mnemonic, str):
        raise MnemonicError("mnemonic must be text")
    words = unicodedata.normalize("NFKD", mnemonic).lower().split()
    if len(words) != MNEMONIC_WORDS:
        raise MnemonicLengthError(f"mnemonic must have {MNEMONIC_WORDS} words, got {len(words)}")
    known = _bip39().wordlist
    unknown = [str(i + 1) for i, word in enumerate(words) if word not in known]
    if unknown:
        positions = ", ".join(unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise MnemonicWordError(
            f"mnemonic word{plural} {positions} not in the BIP-39 English word list"
        )
    canonical = " ".join(words)
    if not _bip39().check(canonical):
        raise MnemonicChecksumError("mnemonic checksum does not match: a word is probably mistyped")
    return canonical


def secret_key_from_mnemonic(mnemonic: str) -> SecretKey:
    """0Chain's derivation: the BIP-39 seed with 0Chain's passphrase, first 32 bytes masked."""
    seed = Mnemonic.to_seed(normalize_mnemonic(mnemonic), SEED_PASSPHRASE)
    return SecretKey.from_seed(seed[:32])


def client_id_of(public_key: PublicKey) -> str:
    """A wallet's address: SHA3-256 of the serialized public key's bytes (not of its hex)."""
    return hashlib.sha3_256(public_key.to_bytes()).hexdigest()


@dataclass(frozen=True)
class KeyPair:
    """One entry of a wallet's `keys`; the wallet checks that the two halves belong together."""

    private_key: SecretKey
    public_key: PublicKey

    @classmethod
    def from_secret_key(cls, secret_key: SecretKey) -> KeyPair:
        return cls(secret_key, secret_key.public_key())

    def to_dict(self) -> dict[str, str]:
        return {"public_key": self.public_key.to_hex(), "private_key": self.private_key.to_hex()}


def _now_rfc3339() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class Wallet:
    """zwallet's wallet: an address, its public key and the private key(s) this device holds.

    A split wallet (is_split) holds key shares; their public keys, plus peer_public_key (the
    co-signer's share) when present, add up to client_key.
    """

    client_id: str
    client_key: PublicKey
    keys: tuple[KeyPair, ...]
    mnemonic: str = field(default="", repr=False)
    version: str = WALLET_VERSION
    date_created: str = field(default_factory=_now_rfc3339)
    peer_public_key: PublicKey | None = None
    is_split: bool = False
    nonce: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(self.keys))
        self._check_fields()
        self._check_keys()
        if self.mnemonic:
            self._check_mnemonic()

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def create(cls) -> Wallet:
        return cls.from_mnemonic(generate_mnemonic())

    @classmethod
    def from_mnemonic(cls, mnemonic: str) -> Wallet:
        mnemonic = normalize_mnemonic(mnemonic)
        return cls.from_secret_key(secret_key_from_mnemonic(mnemonic), mnemonic=mnemonic)

    @classmethod
    def from_secret_key(cls, secret_key: SecretKey, mnemonic: str = "") -> Wallet:
        pair = KeyPair.from_secret_key(secret_key)
        return cls(client_id_of(pair.public_key), pair.public_key, (pair,), mnemonic=mnemonic)

    def split(self, parts: int = 2) -> Wallet:
        """A split wallet of the same address holding all `parts` fresh shares (gosdk SplitKeys).

        The mnemonic is dropped: a split exists so that no single place holds the whole key.
        """
        if self.is_split:
            raise WalletError("wallet is already split")
        shares = split_secret_key(self.keys[0].private_key, parts)
        return replace(
            self,
            keys=tuple(KeyPair.from_secret_key(s) for s in shares),
            mnemonic="",
            is_split=True,
            peer_public_key=None,
            date_created=_now_rfc3339(),
        )

    # -- zwallet JSON ------------------------------------------------------------------------

    @classmethod
    def from_json(cls, text: str | bytes) -> Wallet:
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WalletError(f"wallet is not valid JSON: {_json_position(exc)}") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> Wallet:
        if not isinstance(data, dict):
            raise WalletError("wallet must be a JSON object")
        for name in ("client_id", "client_key", "keys"):
            if name not in data:
                raise WalletError(f"wallet has no {name}")
        raw_keys = data["keys"]
        if not isinstance(raw_keys, list) or not raw_keys:
            raise WalletError("keys must be a non-empty list of {public_key, private_key}")
        peer = data.get("peer_public_key") or None
        return cls(
            client_id=_text(data, "client_id"),
            client_key=_public_key(data["client_key"], "client_key"),
            keys=tuple(_key_pair(item, f"keys[{i}]") for i, item in enumerate(raw_keys)),
            mnemonic=_text(data, "mnemonics", default=""),
            version=_text(data, "version", default=WALLET_VERSION),
            date_created=_text(data, "date_created", default=""),
            peer_public_key=None if peer is None else _public_key(peer, "peer_public_key"),
            is_split=data.get("is_split", False),
            nonce=data.get("nonce", 0),
        )

    def to_dict(self) -> dict[str, Any]:
        """Field names and order as gosdk's zcncrypto.Wallet marshals them."""
        return {
            "client_id": self.client_id,
            "client_key": self.client_key.to_hex(),
            "peer_public_key": self.peer_public_key.to_hex() if self.peer_public_key else "",
            "keys": [pair.to_dict() for pair in self.keys],
            "mnemonics": self.mnemonic,
            "version": self.version,
            "date_created": self.date_created,
            "nonce": self.nonce,
            "is_split": self.is_split,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    # -- checks ------------------------------------------------------------------------------

    def _check_fields(self) -> None:
        if not isinstance(self.client_id, str):
            raise WalletError("client_id must be text")
        if not isinstance(self.client_key, PublicKey):
            raise WalletError("client_key must be a PublicKey")
        if not self.keys:
            raise WalletError("keys must not be empty")
        if not isinstance(self.is_split, bool):
            raise WalletError("is_split must be true or false")
        if type(self.nonce) is not int or self.nonce < 0:
            raise WalletError("nonce must be a non-negative integer")
        if not isinstance(self.version, str) or not self.version:
            raise WalletError("version must be non-empty text")
        if not isinstance(self.date_created, str):
            raise WalletError("date_created must be text")
        if not isinstance(self.mnemonic, str):
            raise WalletError("mnemonics must be text")

    def _check_keys(self) -> None:
        if self.client_id != client_id_of(self.client_key):
            raise WalletError("client_id does not match client_key (it must be sha3-256 of it)")
        for i, pair in enumerate(self.keys):
            if pair.private_key.public_key() != pair.public_key:
                raise WalletError(f"keys[{i}].private_key does not match keys[{i}].public_key")
        if not self.is_split:
            if self.peer_public_key is not None:
                raise WalletError("peer_public_key is set but the wallet is not split")
            if len(self.keys) != 1:
                count = len(self.keys)
                raise WalletError(f"a wallet that is not split has 1 key pair, got {count}")
            if self.keys[0].public_key != self.client_key:
                raise WalletError("keys[0].public_key is not client_key")
            return
        parts = [pair.public_key for pair in self.keys]
        if self.peer_public_key is not None:
            parts.append(self.peer_public_key)
        if len(parts) < 2:
            raise WalletError("a split wallet needs at least 2 shares (keys plus peer_public_key)")
        try:
            total = aggregate_public_keys(parts)
        except DecodeError:  # shares summing to infinity cannot make a real key
            total = None
        if total != self.client_key:
            with_peer = " plus peer_public_key" if self.peer_public_key is not None else ""
            raise WalletError(f"the public keys of keys{with_peer} do not add up to client_key")

    def _check_mnemonic(self) -> None:
        try:
            mnemonic = normalize_mnemonic(self.mnemonic)
        except MnemonicError as exc:
            raise WalletError(f"mnemonics: {exc}") from None
        object.__setattr__(self, "mnemonic", mnemonic)
        if secret_key_from_mnemonic(mnemonic).public_key() != self.client_key:
            raise WalletError("mnemonics do not derive client_key")


def _json_position(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return "not UTF-8 text"


def _text(data: dict, name: str, default: str | None = None) -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise WalletError(f"{name} must be text")
    return value


def _public_key(value: Any, where: str) -> PublicKey:
    try:
        return PublicKey.from_hex(value)
    except DecodeError as exc:
        raise WalletError(f"{where}: {exc}") from None


def _key_pair(item: Any, where: str) -> KeyPair:
    if not isinstance(item, dict):
        raise WalletError(f"{where} must be an object with public_key and private_key")
    for name in ("public_key", "private_key"):
        if name not in item:
            raise WalletError(f"{where} has no {name}")
    public_key = _public_key(item["public_key"], f"{where}.public_key")
    try:
        private_key = SecretKey.from_hex(item["private_key"])
    except DecodeError as exc:
        raise WalletError(f"{where}.private_key: {exc}") from None
    return KeyPair(private_key, public_key)
