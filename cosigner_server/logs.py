"""Structured logs: one JSON object per line on stderr, for `serve`.

What never goes in: bearer tokens and other headers, request bodies, query strings. The access
log writes the path only (ids, never secrets: codes and shares travel in bodies), and log calls
elsewhere pass ids and rule names, not values. Exception records carry the traceback, whose
messages the modules keep free of key material (see tests/cosigner_server/test_canaries.py)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import time
from typing import Any

from aiohttp.abc import AbstractAccessLogger

# Fields a log call may attach with extra={...}; anything else a library attaches stays out.
STRUCTURED_FIELDS = ("remote", "method", "path", "status", "ms", "route", "event")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in STRUCTURED_FIELDS:
            if name in record.__dict__:
                entry[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["exc"] = self.formatException(record.exc_info)
        # default=str: a stray non-JSON argument must not lose the line.
        return json.dumps(entry, ensure_ascii=False, default=str, separators=(",", ":"))


def setup_logging(level: str = "info", fmt: str = "json") -> None:
    """Root logging for `serve`: JSON lines (or plain text) on stderr at `level`."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # aiohttp's own access logger is replaced by PathOnlyAccessLogger; its server logger logs
    # exceptions with messages that may quote request bytes (serving.py answers those itself).
    logging.getLogger("aiohttp.access").disabled = True


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Address, method, path WITHOUT the query string, status, time. Queries may carry
    identifiers a log should not collect, and headers (Authorization) are never logged."""

    def log(self, request, response, time: float) -> None:
        ms = round(time * 1000, 1)
        self.logger.info(
            "%s %s %s %d %.1fms",
            request.remote,
            request.method,
            request.path,
            response.status,
            ms,
            extra={
                "remote": request.remote,
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "ms": ms,
            },
        )


class Throttled:
    """A warning said at once the first time, then at most once per `seconds` with how many
    times it happened meanwhile: under overload every refused request would otherwise write its
    own line (thousands per second), flooding the log and costing the event loop time that the
    refusals themselves need."""

    def __init__(self, logger: logging.Logger, seconds: float = 10.0) -> None:
        self.logger = logger
        self.seconds = seconds
        self._next: dict[str, float] = {}  # message -> when it may be said again
        self._unsaid: dict[str, int] = {}  # message -> times since it was last said

    def warning(self, message: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if now < self._next.get(message, 0.0):
            self._unsaid[message] = self._unsaid.get(message, 0) + 1
            return
        unsaid = self._unsaid.pop(message, 0)
        self._next[message] = now + self.seconds
        if unsaid:
            self.logger.warning("%s (and %d more times since the last such line)", message, unsaid)
        else:
            self.logger.warning("%s", message)
