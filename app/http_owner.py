"""The lifetime of a client's one httpx connection pool, written once for the co-signer client
(app/client.py) and the 0Chain network client (app/network/client.py): made on first use,
closed by close()/aclose() or by leaving a with / async with block."""

from __future__ import annotations

from typing import Self

import httpx


class OwnsHttp:
    """A synchronous client's pool (`_http`, made by the subclass when first needed)."""

    _http: httpx.Client | None = None

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OwnsAsyncHttp:
    """An asynchronous client's pool."""

    _http: httpx.AsyncClient | None = None

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
