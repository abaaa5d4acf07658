"""`splitkey-cosigner audit show | verify`: the audit chain read from the file the server writes
(or the replicas' PostgreSQL chain), so they work with the server down and check what was
actually written, not an answer about it."""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import asdict
from typing import TYPE_CHECKING

from app.cli.admin import audit_rows

from ._base import (
    EXIT_OK,
    EXIT_PROBLEM,
    CliError,
    config_of,
    emit,
    open_secrets,
    require_initialised,
)

if TYPE_CHECKING:  # only for annotations: the configuration module loads on use
    from ..config import ServerConfig


def cmd_audit_show(args: argparse.Namespace) -> int:
    from ..audit import AuditUnavailable, read

    config = config_of(args)
    require_initialised(config)
    try:
        if config.database_url:
            records = _database_audit(
                config, open_secrets(config).audit_key, "read",
                wallet=args.wallet, since=args.since, limit=args.limit,
            )  # fmt: skip
        else:
            records = read(
                config.audit_path, wallet=args.wallet, since=args.since, limit=args.limit
            )
    except AuditUnavailable as exc:
        raise CliError(str(exc), EXIT_PROBLEM) from None

    emit(args, {"records": records}, lambda d: audit_rows(d["records"]))
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from ..audit_parallel import verify as verify_parallel

    config = config_of(args)
    anchor = _parse_anchor(args.anchor)
    key = open_secrets(config).audit_key
    if config.database_url:
        # The one chain the replicas append to, read from PostgreSQL in seq order.
        report = _database_audit(config, key, "verify", anchor=anchor)
        result = asdict(report)
        result["path"] = "postgresql (database_url)"
    else:
        report = verify_parallel(config.audit_path, key, anchor=anchor)
        result = asdict(report)
        result["path"] = str(config.audit_path)
    if (
        not config.database_url
        and not report.ok
        and ((report.problem or "").startswith("torn last record"))
    ):
        # The server may be halfway through appending (write, then fsync) right now: look again
        # before calling a live tail torn. A real torn tail is still there the second time.
        time.sleep(0.5)
        report = verify_parallel(config.audit_path, key, anchor=anchor)
        result = asdict(report)
        result["path"] = str(config.audit_path)

    def human(r: dict) -> str:
        if r["ok"]:
            head = r["head"]
            tail = f"; head {head[0]}:{head[1]}" if head else ""
            return f"audit log OK: {r['records']} records verified ({r['path']}){tail}"
        return (
            f"audit log PROBLEM at seq {r['first_bad_seq']}: {r['problem']}\n"
            f"{r['records']} records verified before it ({r['path']})"
        )

    emit(args, result, human)
    return EXIT_OK if report.ok else EXIT_PROBLEM


def _database_audit(config: ServerConfig, key: bytes, what: str, **kwargs):
    """read or verify the audit chain kept in PostgreSQL (the replicas' shared one)."""
    from ..audit_db import DatabaseAuditLog
    from ..storage.base import StorageError
    from ..storage.postgres import PostgresStorage

    async def run():
        storage = PostgresStorage(config.database_url, pool_size=1)
        try:
            await storage.open()
        except StorageError as exc:
            raise CliError(f"PostgreSQL (database_url): {exc}", EXIT_PROBLEM) from None
        try:
            sink = DatabaseAuditLog(storage, key)
            return await (sink.read(**kwargs) if what == "read" else sink.verify(**kwargs))
        finally:
            await storage.close()

    return asyncio.run(run())


def _parse_anchor(text: str | None) -> tuple[int, str] | None:
    if text is None:
        return None
    seq, sep, mac = text.partition(":")
    if not sep or not seq.isdigit() or len(mac) != 64:
        raise CliError("--anchor is SEQ:MAC (the head a previous verify printed)")
    return int(seq), mac.lower()
