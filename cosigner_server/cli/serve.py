"""`splitkey-cosigner serve` (run the server) and `status` (its health and readiness)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import time
import urllib.parse
from typing import Any

from app.addresses import is_loopback_host

from ._base import (
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_UNREACHABLE,
    EXIT_UNTRUSTED,
    HTTP_TIMEOUT,
    PROG,
    CliError,
    base_url,
    config_of,
    emit,
    pin_of,
    probe,
    require_initialised,
    server_url,
)


def cmd_serve(args: argparse.Namespace) -> int:
    import asyncio

    from ..app import create_app
    from ..audit import AuditError
    from ..bootstrap import InitError
    from ..envelope import KekError
    from ..logs import setup_logging
    from ..serving import serve
    from ..storage.base import StorageError
    from ..tls import TlsError, server_context

    overrides = {"host": args.host, "port": args.port, "role": args.role}
    config = config_of(args, {k: v for k, v in overrides.items() if v is not None})
    require_initialised(config)
    tls = bool(config.tls_cert and config.tls_key)
    unix_socket = args.unix_socket and args.unix_socket.expanduser().resolve()
    if unix_socket is None and not is_loopback_host(config.host) and not tls:
        raise CliError(
            f"refusing to listen on {config.host} without TLS: set tls_cert and tls_key in "
            f"{config.data_dir / 'config.toml'}, or bind a loopback address (127.0.0.1)"
        )
    ssl_context = None
    if tls:
        try:
            ssl_context = server_context(config.path("tls_cert"), config.path("tls_key"))
        except TlsError as exc:
            raise CliError(str(exc)) from None

    setup_logging(args.log_level, args.log_format)
    log = logging.getLogger("splitkey.cosigner")
    if unix_socket is None and not is_loopback_host(config.host) and not config.allowed_hosts:
        log.warning(
            "listening on %s but allowed_hosts is empty: requests naming this server by any "
            "name other than localhost or its bound address get 421",
            config.host,
        )
    url = server_url(config)
    if unix_socket is not None:
        # Over a socket the host part only fills the Host header; localhost is always allowed.
        url = ("https" if tls else "http") + "://localhost"
    where = str(unix_socket) if unix_socket is not None else f"{config.host}:{config.port}"
    ready = {
        "pid": os.getpid(),
        "url": url,
        "unix_socket": str(unix_socket) if unix_socket is not None else None,
        "tls_fingerprint": pin_of(config, url),
        "role": config.role,
        "data_dir": str(config.data_dir),
    }

    def announce() -> None:
        ready["listening"] = True
        if args.ready_file is not None:
            from app.files import write_private_atomic

            shown = {k: v for k, v in ready.items() if k != "listening"}
            shown["started_at"] = int(time.time())
            write_private_atomic(args.ready_file, json.dumps(shown, sort_keys=True).encode())
        on = f"{url} on {unix_socket}" if unix_socket is not None else url
        print(f"{PROG}: serving {on} (role {config.role}, data {config.data_dir})", flush=True)

    app = create_app(config)
    try:
        asyncio.run(
            serve(
                app,
                config,
                ssl_context=ssl_context,
                announce=announce,
                unix_socket=str(unix_socket) if unix_socket is not None else None,
                parent_fd=args.parent_fd,
            )
        )
    except (InitError, KekError, StorageError, AuditError) as exc:
        raise CliError(f"cannot start: {exc}", EXIT_PROBLEM) from None
    except OSError as exc:
        raise CliError(f"cannot listen on {where}: {exc.strerror or exc}", EXIT_PROBLEM) from None
    finally:
        # Only what this server made: a start that failed leaves another server's files alone.
        for made in (args.ready_file, unix_socket) if ready.get("listening") else ():
            if made is not None:
                with contextlib.suppress(OSError):
                    made.unlink()
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    config = None if getattr(args, "url", None) else config_of(args)
    url = base_url(args, config)
    verify: Any = True
    pin = pin_of(config, url) if config is not None else None
    if pin is not None:
        from app.client import CosignerUnreachable, PinMismatch, pinned_context

        parsed = urllib.parse.urlsplit(url)
        try:
            verify = pinned_context(parsed.hostname, parsed.port or 443, pin, HTTP_TIMEOUT)
        except CosignerUnreachable as exc:
            raise CliError(str(exc), EXIT_UNREACHABLE) from None
        except PinMismatch as exc:
            raise CliError(str(exc), EXIT_UNTRUSTED) from None
    unix_socket = getattr(args, "unix_socket", None)
    health_status, health = probe(url, "/health", verify, unix_socket)
    _, ready = probe(url, "/ready", verify, unix_socket)
    if health_status != 200 or not isinstance(health, dict):
        raise CliError(f"{url}/health answered {health_status}", EXIT_PROBLEM)
    result = {"url": url, "health": health, "ready": ready}
    if pin is not None:
        result["tls_fingerprint"] = pin  # the certificate the server showed (it matched)

    def human(r: dict) -> str:
        h, rd = r["health"] or {}, r["ready"] or {}
        checks = ", ".join(
            f"{k} {'ok' if v else 'FAILING'}" for k, v in rd.get("checks", {}).items()
        )
        lines = [
            f"server:  {r['url']}",
            f"health:  {h.get('status', '?')}{' (SEALED: no KEK)' if h.get('sealed') else ''}",
            f"ready:   {'yes' if rd.get('ready') else 'NO'} ({checks})",
        ]
        if "tls_fingerprint" in r:
            lines.append(f"TLS:     certificate SHA-256 {r['tls_fingerprint']}")
        return "\n".join(lines)

    emit(args, result, human)
    return EXIT_OK if isinstance(ready, dict) and ready.get("ready") else EXIT_PROBLEM
