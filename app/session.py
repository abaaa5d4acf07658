"""A long-lived connection to one co-signer for an interactive app: the async client and its
tokens, renewed without asking the person again where the co-signer allows it.

The co-signer hands out two kinds of token, both living minutes (token_ttl):
- an account token (enrollment code, enterprise token, or the built-in co-signer signing its
  owner in): lists wallets, manages splits, signs;
- a key token, by proof of possession of a share kept here: signs with that key and does
  nothing else (a device share alone must not become the holder's whole account).
So signing keeps working as long as a share is here and still valid; everything else needs an
account token, renewed by the `sign_in` callback when there is one (the built-in co-signer),
else by the person (SignInNeeded). Tokens are never written anywhere.

    session = CosignerSession(url, shares=stored_shares, sign_in=local.sign_in)
    wallets = await session.run(lambda api: api.wallets())
    signed = await session.run(lambda api: api.cosign_transaction(...), split_id=share.split_id)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import httpx

from app.addresses import is_loopback_host
from app.client import (
    AsyncCosignerClient,
    ClientError,
    CosignerError,
    CosignerUnreachable,
    ShareInfo,
    certificate_fingerprint,
    presented_certificate,
)
from app.client_calls import Session
from app.protocol.enums import Rule

T = TypeVar("T")

# A token is renewed this long before it expires, so a request never starts with a token that
# dies on the way.
RENEW_MARGIN = 30.0
# A proof refused with one of these means the share is no longer usable (revoked, expired, its
# holder disabled, unknown): the person has to hear about it, retrying cannot help.
_UNUSABLE_SHARE = (401, 403, 404, 410)
_KEY_ENDED = {Rule.REVOKED, Rule.EXPIRED}


class SignInNeeded(ClientError):
    """No token can be had without the person: no account token (and no way to renew one),
    or the key to sign with was refused. `reasons` holds the co-signer's words."""

    def __init__(
        self, message: str, reasons: list[str] | None = None, rules: list[str | None] = ()
    ) -> None:
        super().__init__(message)
        self.reasons = reasons or []
        self.rules = list(rules)  # the co-signer's rule of each refusal (app/protocol Rule)

    @property
    def revoked(self) -> bool:
        """The key was refused as revoked or expired (by the refusals' rules, not their words)."""
        return bool(self.rules) and all(r in _KEY_ENDED for r in self.rules)


class CosignerSession:
    """One co-signer, one person: the clients every call goes through, and their tokens."""

    def __init__(
        self,
        url: str,
        *,
        tls_fingerprint: str | None = None,
        shares: Callable[[], Iterable[ShareInfo]] = tuple,
        sign_in: Callable[[AsyncCosignerClient], Awaitable[Session]] | None = None,
        transport: Any = None,
        timeout: float | None = None,
        unix_socket: str | None = None,
    ) -> None:
        self._options: dict[str, Any] = {"tls_fingerprint": tls_fingerprint}
        if transport is not None:
            self._options["transport"] = transport
        if unix_socket is not None:
            self._options["unix_socket"] = unix_socket
        if timeout is not None:
            self._options["timeout"] = timeout
        self.api = AsyncCosignerClient(url, **self._options)
        self._shares = shares
        self._sign_in = sign_in
        self._lock: asyncio.Lock | None = None
        self._account_until = 0.0  # time.monotonic() after which the account token is stale
        self._keys: dict[str, tuple[AsyncCosignerClient, float]] = {}
        self.user_id: str | None = None
        self.role: str | None = None

    @property
    def url(self) -> str:
        return self.api.base_url

    @property
    def signed_in(self) -> bool:
        """An account token that is still good."""
        return self.api.token is not None and time.monotonic() < self._account_until

    @property
    def can_sign_in(self) -> bool:
        """Whether an account token can be had without the person."""
        return self._sign_in is not None

    def _adopt(self, session: Session) -> Session:
        self.api.token = session.token
        self._account_until = time.monotonic() + session.expires_in - RENEW_MARGIN
        self.user_id, self.role = session.user_id, session.role
        return session

    async def enroll(self, code: str) -> Session:
        return self._adopt(await self.api.enroll(code))

    async def exchange(self, enterprise_token: str) -> Session:
        return self._adopt(await self.api.exchange(enterprise_token))

    def _locked(self) -> asyncio.Lock:
        if self._lock is None:  # made on first use, inside the loop that runs the session
            self._lock = asyncio.Lock()
        return self._lock

    async def refresh(self) -> None:
        """A new account token through the sign_in callback, or SignInNeeded."""
        async with self._locked():
            if self.signed_in:
                return  # another task renewed it while this one waited
            if self._sign_in is None:
                self.api.token = None
                raise SignInNeeded(
                    "your sign-in has run out: sign in again with an enrollment code or your "
                    "organisation's token"
                )
            self._adopt(await self._sign_in(self.api))

    async def _key_client(self, split_id: str) -> AsyncCosignerClient:
        """A client holding a key token for split_id, proving possession when needed."""
        async with self._locked():
            known = self._keys.get(split_id)
            if known is not None and known[0].token and time.monotonic() < known[1]:
                return known[0]
            shares = await asyncio.to_thread(lambda: list(self._shares()))
            share = next((s for s in shares if s.split_id == split_id), None)
            if share is None:
                raise SignInNeeded("the key to sign with is not on this computer")
            client = (
                known[0] if known is not None else AsyncCosignerClient(self.url, **self._options)
            )
            try:
                session = await client.login_with_share(share.split_id, share.secret_key())
            except CosignerError as exc:
                if exc.status in _UNUSABLE_SHARE:
                    raise SignInNeeded(
                        "the co-signer refused this key", [exc.message], [exc.rule]
                    ) from None
                raise
            until = time.monotonic() + session.expires_in - RENEW_MARGIN
            self._keys[split_id] = (client, until)
            return client

    async def _client_for(self, split_id: str | None) -> AsyncCosignerClient:
        if self.signed_in:
            return self.api
        if self._sign_in is not None or split_id is None:
            await self.refresh()
            return self.api
        return await self._key_client(split_id)

    def _forget(self, client: AsyncCosignerClient) -> None:
        client.token = None
        if client is self.api:
            self._account_until = 0.0

    async def run(
        self, call: Callable[[AsyncCosignerClient], Awaitable[T]], *, split_id: str | None = None
    ) -> T:
        """await call(api) with a good token. split_id: the call signs with that key, so a key
        token will do when there is no account token. A token the co-signer refuses (expired,
        revoked) is renewed once; the retried request was refused before any work, so it cannot
        sign or count twice."""
        client = await self._client_for(split_id)
        try:
            return await call(client)
        except CosignerError as exc:
            if exc.status != 401:
                raise
        self._forget(client)
        return await call(await self._client_for(split_id))

    async def reachable(self) -> bool:
        try:
            await self.api.health()
        except CosignerUnreachable:
            return False
        return True

    async def close(self) -> None:
        for client, _until in self._keys.values():
            await client.aclose()
        self._keys.clear()
        await self.api.aclose()


def fetch_fingerprint(url: str, timeout: float = 10.0) -> str:
    """The SHA-256 fingerprint of the certificate an https:// co-signer presents, for the person
    to compare with the one their administrator gave them before it is pinned. Blocking."""
    parsed = httpx.URL(url)
    if parsed.scheme != "https":
        raise ValueError("only an https:// address has a certificate to pin")
    der = presented_certificate(parsed.host, parsed.port or 443, timeout)
    return certificate_fingerprint(der)


def is_loopback_url(url: str) -> bool:
    """http:// is only acceptable to a co-signer on this machine (nothing crosses a network)."""
    try:
        host = httpx.URL(url).host
    except (httpx.InvalidURL, TypeError):
        return False
    return is_loopback_host(host)
