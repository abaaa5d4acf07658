"""The small interface both backends implement, and the choice between them.

A backend works on herumi's serialized bytes (32-byte G1 points, 64-byte G2 points) and integer
secret scalars, so that `pure` and `native` can be compared byte for byte. Inputs handed to
`verify`, `g1_sum` and `g2_sum` have already passed `check_g1` / `check_g2`.

Choice: the environment variable SPLITKEY_CRYPTO_BACKEND (or `use_backend`, which the CLI's
--backend calls) may say `pure`, `native` or `auto` (default). `auto` takes native only when it
loads and passes the known-answer self-test, otherwise pure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Protocol

from .errors import BackendUnavailableError

ENV_VAR = "SPLITKEY_CRYPTO_BACKEND"
NAMES = ("auto", "pure", "native")


class Backend(Protocol):
    name: str

    def public_key(self, sk: int) -> bytes:
        """sk * Q, serialized (64 bytes)."""

    def sign(self, sk: int, message: bytes) -> bytes:
        """sk * H(message), serialized (32 bytes); message is raw bytes (0Chain: 32 hash bytes)."""

    def verify(self, pk: bytes, message: bytes, sig: bytes) -> bool:
        """e(sig, Q) == e(H(message), pk) for already-checked pk and sig."""

    def hash_to_g1(self, message: bytes) -> bytes:
        """herumi's hash-to-G1 of message, serialized (32 bytes)."""

    def g1_sum(self, points: Sequence[bytes]) -> bytes:
        """Sum of checked G1 points; 32 zero bytes when the sum is the point at infinity."""

    def g2_sum(self, points: Sequence[bytes]) -> bytes:
        """Sum of checked G2 points; 64 zero bytes when the sum is the point at infinity."""

    def check_g1(self, data: bytes) -> None:
        """Raise the specific DecodeError unless data (32 bytes) is a finite point of G1."""

    def check_g2(self, data: bytes) -> None:
        """Raise the specific DecodeError unless data (64 bytes) is a finite point of order r."""


# Known answers from 0Chain's split-key test (vectors file): a backend that disagrees is not used.
_KAT_SK = int.from_bytes(
    bytes.fromhex("c36f2f92b673cf057a32e8bd0ca88888e7ace40337b737e9c7459fdc4c521918"), "little"
)
_KAT_PK = bytes.fromhex(
    "574ad8275d17b5f8f1b1557214342c8607cd5a267f3a5879133c694e2475a912"
    "9765a96e1564cef1c11328883b36222d57ecc8113d4d6d71096684d13de12d91"
)
_KAT_MSG = bytes.fromhex("f4f08e9367e133dc42a4b9c9c665a9efbd4bf15db14d49c6ec51d0dc4c437ffb")
_KAT_SIG = bytes.fromhex("1f9af5069abd6d5e139379396edf7392f2a15cc115be86de1df5dc7d4bdae29b")


def self_test(backend: Backend) -> None:
    """Raise BackendUnavailableError unless the backend reproduces 0Chain's known answers."""
    try:
        ok = (
            backend.public_key(_KAT_SK) == _KAT_PK
            and backend.sign(_KAT_SK, _KAT_MSG) == _KAT_SIG
            and backend.verify(_KAT_PK, _KAT_MSG, _KAT_SIG)
            and not backend.verify(_KAT_PK, _KAT_MSG[:-1] + b"\x00", _KAT_SIG)
        )
    except Exception as exc:  # a broken shared object must not take the app down
        raise BackendUnavailableError(
            f"{backend.name} backend failed its self-test: {exc}"
        ) from exc
    if not ok:
        raise BackendUnavailableError(f"{backend.name} backend gave wrong known answers")


_lock = threading.Lock()
_current: Backend | None = None


def _load(name: str) -> Backend:
    if name == "pure":
        from .pure.backend import PureBackend

        return PureBackend()
    if name == "native":
        from .native import load_native

        backend = load_native()
        self_test(backend)
        return backend
    if name == "auto":
        try:
            return _load("native")
        except BackendUnavailableError:
            return _load("pure")
    raise BackendUnavailableError(
        f"unknown crypto backend {name!r}; choose one of {', '.join(NAMES)}"
    )


def use_backend(name: str | None = None) -> Backend:
    """Select the backend by name (None: the environment variable, else auto) and return it."""
    global _current
    chosen = (name or os.environ.get(ENV_VAR) or "auto").strip().lower()
    backend = _load(chosen)
    with _lock:
        _current = backend
    return backend


def get_backend() -> Backend:
    """The backend in use, chosen on first call."""
    current = _current
    return current if current is not None else use_backend()
