"""Running the application: the runner and `serve`'s loop.

* CosignerRunner: aiohttp's AppRunner whose connections answer the requests the HTTP parser
  refuses (oversized request line or headers, malformed HTTP) in the API's error shape, with the
  security headers and without aiohttp's version banner. Those answers never reach the app's
  middlewares, so without this they would be aiohttp's text/plain 400 with
  "Server: Python/3.x aiohttp/3.x". Oversized headers get 431, an oversized request line 414.
* serve(): listen, then on SIGTERM/SIGINT stop accepting, let in-flight requests finish (their
  audit records are written before their answers) for up to `shutdown_timeout` seconds, then
  close the state (crypto pool, database, audit log)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import ssl
from collections.abc import Callable

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong
from aiohttp.web_protocol import RequestHandler

from .config import ServerConfig
from .logs import PathOnlyAccessLogger
from .middlewares import apply_headers
from .state import STATE

log = logging.getLogger("splitkey.cosigner")
SHUTDOWN_TIMEOUT = 30.0


def _classify(protocol: RequestHandler, status: int, exc: BaseException | None):
    """(status, code, message, rule) for a request the parser or the protocol refused."""
    if isinstance(exc, LineTooLong):
        limit = exc.args[1] if len(exc.args) > 1 else None
        # The parser checks the request line against max_line_size and each header against
        # max_field_size; the limit in the exception says which one was hit.
        if limit == protocol.max_line_size and limit != protocol.max_field_size:
            return 414, "url_too_long", "the request line is too long", "url_size"
        return 431, "headers_too_large", "a request header is too large", "header_size"
    if isinstance(exc, BadHttpMessage) and "Too many headers" in str(exc):
        return 431, "headers_too_large", "the request has too many headers", "header_size"
    if status == 400:
        return 400, "bad_request", "the request is not valid HTTP", "bad_http"
    if status == 504:
        return 504, "deadline_exceeded", "the request took too long", "deadline"
    return 500, "internal", "internal error", None


class _Protocol(RequestHandler):
    def handle_error(
        self,
        request,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        status, code, text, rule = _classify(self, status, exc)
        # The exception's own message can quote request bytes (a header's value: a token);
        # only its class is logged.
        log.info(
            "refused a request the HTTP parser could not take: %d %s",
            status,
            type(exc).__name__ if exc else "-",
            extra={"status": status, "remote": request.remote},
        )
        if request.writer.output_size > 0:  # as aiohttp: an answer was already under way
            raise ConnectionError("an answer was already sent; cannot send the error")
        response = web.json_response({"error": {"code": code, "message": text}}, status=status)
        apply_headers(response.headers, secure=request.secure)
        response.force_close()
        app = getattr(self._manager, "splitkey_app", None)
        if app is not None:
            app[STATE].metrics.observe_answer("unparsed", "other", str(status), 0.0, rule)
        return response


class _Server(web.Server):
    def __call__(self) -> RequestHandler:
        return _Protocol(self, loop=self._loop, **self._kwargs)


class CosignerRunner(web.AppRunner):
    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # aiohttp has no hook for its connection class; switching the server's class keeps
        # every other part of its construction aiohttp's own.
        server.__class__ = _Server
        server.splitkey_app = self.app
        return server


def make_runner(app: web.Application, config: ServerConfig, **kwargs) -> CosignerRunner:
    """The runner with the configured request-line and header limits."""
    return CosignerRunner(
        app,
        max_line_size=config.max_url_bytes,
        max_field_size=config.max_header_bytes,
        max_headers=config.max_headers,
        **kwargs,
    )


class _PrivateUnixSite(web.UnixSite):
    """A Unix socket only this account can connect to: bound under a 0077 umask, so there is no
    moment when the socket file is open to others."""

    async def start(self) -> None:
        old = os.umask(0o077)
        try:
            await super().start()
        finally:
            os.umask(old)


async def serve(
    app: web.Application,
    config: ServerConfig,
    *,
    ssl_context: ssl.SSLContext | None,
    announce: Callable[[], None],
    shutdown_timeout: float = SHUTDOWN_TIMEOUT,
    unix_socket: str | None = None,
    parent_fd: int | None = None,
) -> None:
    """unix_socket: listen on this path (created 0600) instead of host:port; the built-in
    co-signer of the desktop serves only there, inside its 0700 data directory, so no other
    local user can connect to it or take its place. parent_fd: the read end of a pipe whose
    write end only the parent holds; when it reads as closed, the parent is gone (killed,
    crashed) and the server stops as on SIGTERM."""
    runner = make_runner(
        app,
        config,
        access_log_class=PathOnlyAccessLogger,
        access_log=logging.getLogger("splitkey.cosigner.access"),
        shutdown_timeout=shutdown_timeout,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    if parent_fd is not None:
        loop.add_reader(parent_fd, stop.set)
    try:
        await runner.setup()  # loads the state (cleanup_ctx): errors surface here
        if unix_socket is not None:
            site: web.BaseSite = _PrivateUnixSite(runner, unix_socket, ssl_context=ssl_context)
        else:
            site = web.TCPSite(runner, config.host, config.port, ssl_context=ssl_context)
        await site.start()
        announce()
        await stop.wait()
        log.info(
            "stopping: no new connections; draining in-flight requests (up to %.0f s)",
            shutdown_timeout,
        )
    finally:
        # Stops the listener, closes idle keep-alive connections, waits for handlers still
        # running (up to shutdown_timeout), then closes the state. Their answers go out first.
        await runner.cleanup()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        if parent_fd is not None:
            loop.remove_reader(parent_fd)
    log.info("stopped")
