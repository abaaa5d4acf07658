"""Write the service figures to their marked section of docs/benchmarks.md.

The operations tests (tests/cosigner_server/test_ops_*.py) print one JSON line per figure
({"figure": ...}); `make soak-service` runs them at full size with `pytest -s`, keeps the output,
and calls this script with the log's path. Only the section between the markers is replaced."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
START, END = "<!-- service-figures:start -->", "<!-- service-figures:end -->"


def figures(log: str) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for line in log.splitlines():
        line = line.strip()
        start = line.find('{"figure"')
        if start < 0:
            continue
        try:
            data = json.loads(line[start:])
        except json.JSONDecodeError:
            continue
        found[data["figure"]] = data
    return found


def section(found: dict[str, dict], size: str) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        START,
        "## Service figures (co-signer under `serve`)",
        "",
        f"`make soak-service` ({size}), {when}; {os.cpu_count()} cores; "
        f"Python {platform.python_version()}; {platform.system()} {platform.machine()}. "
        "A real `splitkey-cosigner serve` subprocess on 127.0.0.1, TLS on unless noted; "
        "figures read from the server's own /metrics where they are counts.",
        "",
        "| figure | target | measured |",
        "|---|---|---|",
    ]
    flood = found.get("flood")
    if flood:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(flood["statuses"].items()))
        lines.append(
            f"| {flood['requests']:,} unauthenticated or over-quota requests "
            f"({statuses}) | 0 pairing computations | "
            f"{int(flood['pairing_checks'])} pairing checks admitted |"
        )
        lines.append(
            f"| /health during that flood ({flood['health_probes']} probes) | p99 < 50 ms | "
            f"p50 {flood['health_p50_ms']} ms, p99 {flood['health_p99_ms']} ms |"
        )
    signing = found.get("health while signing")
    if signing:
        lines.append(
            f"| /health while signing for {signing['seconds']:g} s "
            f"({signing['signed']} co-signs, {signing['signs_per_second']}/s, one crypto "
            f"worker process) | p99 < 50 ms | p50 {signing['health_p50_ms']} ms, "
            f"p99 {signing['health_p99_ms']} ms |"
        )
    stop = found.get("sigterm")
    if stop:
        lines.append(
            f"| SIGTERM with {int(stop['in_flight_at_signal'])} co-signs in flight | every one "
            f"answered, audit verifies, exit < 30 s | all answered and audited, exit in "
            f"{stop['exit_seconds']} s |"
        )
    fuzz = found.get("schemathesis")
    if fuzz:
        seed = fuzz["seed"] if fuzz["seed"] is not None else "fresh"
        verdict = "0 failures" if fuzz["exit"] == 0 else f"FAILURES (exit {fuzz['exit']})"
        lines.append(
            f"| schemathesis, all checks, all phases, {fuzz['examples_per_operation']} examples "
            f"per operation, seed {seed} ({fuzz['operations']} operations, "
            f"{fuzz['test_cases']} cases, plain HTTP) | 0 failures | "
            f"{verdict} |"
        )
    lines += [
        "",
        "CI runs the same tests at smaller sizes: 2 000 flood requests, 4 s of signing, "
        "schemathesis with 25 examples per operation and a fixed seed. "
        "TLS 1.0/1.1: 0 handshakes (tests/cosigner_server/test_ops_tls.py; the server closes "
        "the connection on the ClientHello, checked with Python's ssl and a hand-built hello).",
        END,
    ]
    return "\n".join(lines)


def main() -> int:
    log = Path(sys.argv[1]).read_text(errors="replace")
    size = sys.argv[2] if len(sys.argv) > 2 else "long sizes"
    found = figures(log)
    if not found:
        print("no figures in the log", file=sys.stderr)
        return 1
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    new = section(found, size)
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + new + after
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    DOC.write_text(text)
    print(f"wrote {len(found)} figures to {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
