"""What the benchmark scripts share: the repository on sys.path, machine facts, and writing one
marked section of docs/benchmarks.md without touching the others."""

from __future__ import annotations

import os
import platform
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = REPO / "docs" / "benchmarks.md"

# `python bench/x.py` puts bench/ first on sys.path, not the repository: make `app` importable.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def machine_info() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{when}; {os.cpu_count()} cores ({cpu}); Python {platform.python_version()} "
        f"({platform.python_implementation()}); {platform.system()} {platform.machine()}"
    )


def verdict(ok: bool) -> str:
    """A figure with a target says whether the measurement met it."""
    return "pass" if ok else "**FAIL**"


def write_section(name: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Put body between <!-- name:start --> and <!-- name:end -->, replacing an earlier run's
    section and keeping everything else in the file."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
