"""Everything a running co-signer holds, reachable from handlers through one typed AppKey."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .audit import AuditLog
from .config import ServerConfig
from .crypto_pool import CryptoPool
from .envelope import KekRing
from .metrics import Metrics
from .storage import Storage
from .tokens import ServerIssuer, TokenVerifier


@dataclass
class ServerState:
    config: ServerConfig
    storage: Storage | None = None
    kek: KekRing | None = None  # None: sealed, only health answers
    audit: AuditLog | None = None
    issuer: ServerIssuer | None = None
    verifier: TokenVerifier | None = None
    pool: CryptoPool | None = None
    hmac_key: bytes = b""  # for digests of secret identifiers (codes); sealed at rest
    audit_key: bytes = b""  # the audit chain's HMAC key; sealed at rest
    # proof challenges REDEEMED and not yet expired (issuing one stores nothing): -> (split, exp)
    challenges: dict[str, tuple[str, int]] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    metrics: Metrics = field(default_factory=Metrics)  # read by /metrics
    # Replicas (kek_rotation.settle): the ring as loaded from the key source, whose current key
    # state.kek does not seal with while a live replica lacks it; and the replicas it waits for.
    kek_loaded: KekRing | None = None
    kek_waiting: list[str] = field(default_factory=list)
    rewrap: Any = None  # the background KEK rewrap and its progress (kek_rotation.Rewrap)
    admission: Any = None  # the signing requests' gate (admission.SigningGate)

    @property
    def sealed(self) -> bool:
        return self.kek is None


STATE: web.AppKey[ServerState] = web.AppKey("state", ServerState)


def now() -> int:
    return int(time.time())
