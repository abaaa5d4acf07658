"""A long-lived connection to one co-signer for an interactive app: the async client plus a
token that is renewed without asking the person again.

Server tokens live minutes (token_ttl). An app that stays open for hours renews its token by
proving possession of a share it holds (challenge + proof, app/client.py), and only asks for an
enrollment code or an enterprise token when it holds no usable share. The token itself is never
written anywhere: a restart signs in again the same way.

    session = CosignerSession(url, shares=store_shares)        # shares: () -> [ShareInfo]
    wallets = await session.run(lambda api: api.wallets())     # signs in first when needed
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import httpx

from app.client import (
    AsyncCosignerClient,
    ClientError,
    CosignerError,
    CosignerUnreachable,
    ShareInfo,
    certificate_fingerprint,
)
from app.client_calls import Session

T = TypeVar("T")

# The proof of a share that was revoked, expired or whose holder was disabled is refused with
# 401; a share the server no longer knows answers 404. Either way: try the next share.
_UNUSABLE_SHARE = (401, 403, 404, 410)


class SignInNeeded(ClientError):
    """No token can be had without the person: no stored share proves possession any more (they
    were revoked or expired, or there are none yet). `reasons` says why, per share."""

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or []

    @property
    def revoked(self) -> bool:
        """Every share that was tried was refused as revoked or expired."""
        return bool(self.reasons) and all("revoked" in r or "expired" in r for r in self.reasons)


class CosignerSession:
    """One co-signer, one person: the client every call goes through, and its token."""

    def __init__(
        self,
        url: str,
        *,
        tls_fingerprint: str | None = None,
        shares: Callable[[], Iterable[ShareInfo]] = tuple,
        sign_in: Callable[[AsyncCosignerClient], Awaitable[Session]] | None = None,
        transport: Any = None,
        timeout: float | None = None,
    ) -> None:
        options: dict[str, Any] = {"tls_fingerprint": tls_fingerprint, "transport": transport}
        if timeout is not None:
            options["timeout"] = timeout
        self.api = AsyncCosignerClient(url, **options)
        self._shares = shares
        self._sign_in = sign_in
        self._lock: asyncio.Lock | None = None
        self.user_id: str | None = None
        self.role: str | None = None

    @property
    def url(self) -> str:
        return self.api.base_url

    @property
    def signed_in(self) -> bool:
        return self.api.token is not None

    def _adopt(self, session: Session) -> Session:
        self.api.token = session.token
        self.user_id, self.role = session.user_id, session.role
        return session

    async def enroll(self, code: str) -> Session:
        return self._adopt(await self.api.enroll(code))

    async def exchange(self, enterprise_token: str) -> Session:
        return self._adopt(await self.api.exchange(enterprise_token))

    async def refresh(self) -> Session:
        """A new token: by the first stored share the server still accepts, else by the
        sign_in callback (the built-in co-signer signs its owner in); else SignInNeeded."""
        if self._lock is None:  # made on first use, inside the loop that runs the session
            self._lock = asyncio.Lock()
        async with self._lock:
            reasons = []
            for share in self._shares():
                try:
                    session = await self.api.login_with_share(share.split_id, share.secret_key())
                except CosignerError as exc:
                    if exc.status not in _UNUSABLE_SHARE:
                        raise
                    reasons.append(exc.message)
                    continue
                return self._adopt(session)
            if self._sign_in is not None:
                return self._adopt(await self._sign_in(self.api))
            self.api.token = None
            if reasons:
                raise SignInNeeded("the co-signer accepts none of the keys kept here", reasons)
            raise SignInNeeded("sign in with an enrollment code or your organisation's token")

    async def run(self, call: Callable[[AsyncCosignerClient], Awaitable[T]]) -> T:
        """await call(api) with a valid token: signs in first when there is none, and once more
        when the token is refused (it expired). The retried request was refused before any
        work, so it cannot sign or count twice."""
        if self.api.token is None:
            await self.refresh()
        try:
            return await call(self.api)
        except CosignerError as exc:
            if exc.status != 401:
                raise
        await self.refresh()
        return await call(self.api)

    async def reachable(self) -> bool:
        try:
            await self.api.health()
        except CosignerUnreachable:
            return False
        return True

    async def close(self) -> None:
        await self.api.aclose()


def fetch_fingerprint(url: str, timeout: float = 10.0) -> str:
    """The SHA-256 fingerprint of the certificate an https:// co-signer presents, for the person
    to compare with the one their administrator gave them before it is pinned. Blocking."""
    parsed = httpx.URL(url)
    if parsed.scheme != "https":
        raise ValueError("only an https:// address has a certificate to pin")
    host, port = parsed.host, parsed.port or 443
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE  # we only read the certificate; the pin is the trust
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with probe.wrap_socket(raw, server_hostname=host) as tls:
                der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as exc:
        raise CosignerUnreachable(f"cannot reach {host}:{port} over TLS: {exc}") from None
    return certificate_fingerprint(der)


def is_loopback_url(url: str) -> bool:
    """http:// is only acceptable to a co-signer on this machine (nothing crosses a network)."""
    try:
        host = httpx.URL(url).host
    except (httpx.InvalidURL, TypeError):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
