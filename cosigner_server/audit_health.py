"""Readiness of the audit log, as /ready reports it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MIN_FREE_BYTES = 1 << 20  # below 1 MiB free, appends are about to fail: not ready


def audit_writable(path: Path) -> bool:
    directory = path.parent
    if not os.access(directory, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return False
    try:
        return shutil.disk_usage(directory).free >= MIN_FREE_BYTES
    except OSError:
        return False
