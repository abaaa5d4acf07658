"""Write docs/reliability.md from the fault suite's figures (tests/faults/*.py record them in
$SPLITKEY_FAULTS_RESULTS as JSON).

    python -m tests.faults.report RESULTS_DIR docs/reliability.md

`make soak-faults` runs the suite at its long sizes and then this. Every line says the target,
what was measured and PASS or FAIL; a missing figure says so rather than disappearing."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# (figure, target, what to print from the test's JSON, its verdict from the same JSON). A row
# with a target judges the measured numbers themselves, so a bad run prints FAIL; a row whose
# target is "-" is context and has no verdict (None).
Show = Callable[[dict], Any]
Judge = Callable[[dict], bool] | None
Row = tuple[str, str, Show, Judge]


def _at_least(f: dict, ci: float, soak: float, value: float) -> bool:
    """A size target: the long sizes under `make soak`, the CI sizes otherwise."""
    return value >= (soak if f.get("soak") else ci)


def _full_disk(where: str) -> list[Row]:
    return [
        (
            f"{where} on a full tmpfs: writes",
            "503 (or durable)",
            lambda f: (
                f"{f['writes_503']} x 503, {f['writes_that_fitted_in_the_last_block']} fitted "
                f"(of the splits and wallets they made, {f['durable_found_after_restart']} of "
                f"{f['durable_writes']} found after the restart), {f['writes_other']} other"
            ),
            lambda f: (
                f["writes_503"] > 0
                and f["writes_other"] == 0
                and f["durable_found_after_restart"] == f["durable_writes"]
            ),
        ),
        (
            f"{where} full: reads",
            "200",
            lambda f: f"{f['reads_200']} x 200 of {f['reads']}",
            lambda f: f["reads"] > 0 and f["reads_200"] == f["reads"],
        ),
        (
            "tracebacks reaching a client",
            "0",
            lambda f: f["tracebacks_to_clients"],
            lambda f: f["tracebacks_to_clients"] == 0,
        ),
        (
            "service resumes when space returns (no restart)",
            "yes",
            lambda f: (
                "yes"
                if f["writes_503_after_space_returned"] == 0 and f["ready_after"] == 200
                else f"no ({f['writes_503_after_space_returned']} x 503, /ready {f['ready_after']})"
            ),
            lambda f: f["writes_503_after_space_returned"] == 0 and f["ready_after"] == 200,
        ),
        (
            "acknowledged writes lost (after kill -9 + restart)",
            "0",
            lambda f: f["lost"],
            lambda f: f["lost"] == 0,
        ),
    ]


def _kill9_size(f: dict) -> bool:
    return _at_least(f, 10, 50, f["cycles"]) and _at_least(f, 200, 1000, f["operations_per_cycle"])


ROWS: dict[str, list[Row]] = {
    "kill9": [
        ("kill -9 cycles x operations", ">= 50 x 1 000 (CI >= 10 x 200)",
         lambda f: f"{f['cycles']} x {f['operations_per_cycle']}", _kill9_size),
        ("acknowledged issues, revocations, retrievals, co-signs lost", "0",
         lambda f: f["lost"], lambda f: f["lost"] == 0),
        ("integrity check failures after a restart", "0",
         lambda f: f["integrity_failures"], lambda f: f["integrity_failures"] == 0),
        ("audit chain (anchored at the previous head) after every restart", "verifies",
         lambda f: f"{f['audit_records_verified']} records, "
                   f"{f['audit_chain_failures']} failed verifications",
         lambda f: f["audit_chain_failures"] == 0 and f["audit_records_verified"] > 0),
        ("acknowledged operations checked against database + audit log", "all, every restart",
         lambda f: ", ".join(f"{k} {v}" for k, v in f["acknowledged"].items()
                             if k in ("issued", "retrieved", "revoked", "cosigned"))
                   + f"; checked after {f['acknowledged_checks']} of {f['cycles']} restarts",
         lambda f: f["acknowledged_checks"] == f["cycles"]
         and all(f["acknowledged"][k] > 0 for k in ("issued", "revoked", "cosigned"))),
        ("duplicate nonces accepted", "0", lambda f: f["duplicate_nonces_accepted"],
         lambda f: f["duplicate_nonces_accepted"] == 0),
        ("revoked splits that signed, double deliveries, bad signatures", "0",
         lambda f: f["violations"], lambda f: f["violations"] == 0),
        ("answers neither expected success nor expected refusal", "0",
         lambda f: f["unexpected_answers"], lambda f: f["unexpected_answers"] == 0),
        ("replays of one request after all the restarts (no 2nd count/record)", ">= 200",
         lambda f: f"{f['replays_after_restarts']} answered as the first time or refused",
         lambda f: f["replays_after_restarts"] >= 200),
        ("requests cut by the kills (outcome unknown to the client)", "-",
         lambda f: f["operations"].get("unknown", 0), None),
    ],
    "full_disk_database": _full_disk("database"),
    "full_disk_audit_log": _full_disk("audit log"),
    "corruption": [
        ("random flip trials (1-8 bytes)", ">= 400 (CI 40)", lambda f: f["trials"],
         lambda f: _at_least(f, 40, 400, f["trials"])),
        ("refused to start with a clear message / started", "-",
         lambda f: f"{f['refused_at_start']} / {f['started']}", None),
        ("wrong plaintexts served", "0", lambda f: f["wrong_plaintexts"],
         lambda f: f["wrong_plaintexts"] == 0),
        ("signatures served (each verified) / shares delivered (each checked)", "-",
         lambda f: f"{f['signatures_served_all_verified']} / "
                   f"{f['shares_delivered_all_correct']}", None),
        ("revoked splits that signed", "0", lambda f: f["revoked_splits_signed"],
         lambda f: f["revoked_splits_signed"] == 0),
        ("tracebacks reaching a client", "0", lambda f: f["tracebacks"],
         lambda f: f["tracebacks"] == 0),
    ],
    "backup_under_load": [
        ("backup taken under load", "writes before and during it",
         lambda f: f"{f['backup_seconds']} s, {f['archive_bytes']} bytes, "
                   f"{f['operations_before_backup']} operations before it, "
                   f"{f['operations_during_backup']} while it ran",
         lambda f: f["operations_before_backup"] > 0 and f["operations_during_backup"] > 0),
        ("writes acknowledged before the backup, missing after restore", "0",
         lambda f: f["lost_after_restore"], lambda f: f["lost_after_restore"] == 0),
        ("integrity check and audit chain after restore", "ok",
         lambda f: f"integrity {'ok' if f['integrity_ok'] else 'FAILED'}, audit chain "
                   f"{'verifies' if f['audit_verifies'] else 'FAILED'}",
         lambda f: f["integrity_ok"] and f["audit_verifies"]),
        ("splits revoked after the backup that can sign after restoring it", "0",
         lambda f: f"{f['revoked_after_backup_that_signed']} of {f['revoked_after_backup']}",
         lambda f: f["revoked_after_backup"] > 0 and f["revoked_after_backup_that_signed"] == 0),
        ("changes after the backup rolled forward from the audit log", "-",
         lambda f: ", ".join(f"{k} {v}" for k, v in f["rolled_forward"].items()) or "none",
         None),
    ],
    "rotation_under_load": [
        ("requests failed during the rotation", "0", lambda f: f["failed_requests"],
         lambda f: f["failed_requests"] == 0),
        ("requests served during it", "-", lambda f: f["requests_during_rotation"], None),
        ("records under the old key after the rewrap", "0",
         lambda f: f["records_under_old_key_after"],
         lambda f: f["records_under_old_key_after"] == 0),
        ("records that do not open after the rewrap", "0",
         lambda f: f["unreadable_records_after"], lambda f: f["unreadable_records_after"] == 0),
        ("re-sealed (passes)", "-",
         lambda f: f"{f['resealed']} ({f['rewrap_passes']} passes, "
                   f"{f['rotate_command_seconds']} s)", None),
    ],
    "rotation_kill9": [
        ("kill -9 during the rewrap: records unreadable afterwards", "0",
         lambda f: f"{f['unreadable_records_after_kill']} ({f['trials']} kills, "
                   f"{f['kills_that_left_both_keys_in_use']} mid-rewrap, "
                   f"{f['sealed_values']} sealed values)",
         lambda f: f["unreadable_records_after_kill"] == 0),
    ],
    "overload": [
        ("offered load", "10x signing capacity, 60 s",
         lambda f: f"{f['offered_per_second']}/s = "
                   f"{f['offered_per_second'] / f['capacity_per_second']:.1f} x "
                   f"{f['capacity_per_second']}/s, {f['seconds']:g} s",
         # 1% slack: both rates are rounded to 0.1/s before they are written
         lambda f: f["offered_per_second"] >= 9.9 * f["capacity_per_second"]
         and f["seconds"] >= 60),
        ("refusals (429/503), client-measured p95", "< 50 ms",
         lambda f: f"{f['refused_ms_client_p50_p95_p99'][1]:g} ms",
         lambda f: f["refused_ms_client_p50_p95_p99"][1] < 50),
        ("refusals, client-measured p50 / p99", "-",
         lambda f: f"{f['refused_ms_client_p50_p95_p99'][0]:g} / "
                   f"{f['refused_ms_client_p50_p95_p99'][2]:g} ms", None),
        ("refusals, server-measured p50 / p95 / p99 / max", "-",
         lambda f: " / ".join(f"{x:g}" for x in f["refused_ms_server_p50_p95_p99_max"]) + " ms",
         None),
        ("machine load average before the run (other jobs)", "-",
         lambda f: f.get("load_average_before", "?"), None),
        ("accepted p95, client-measured", "< 2 s",
         lambda f: f"{f['accepted_s_client_p50_p95'][1]:g} s",
         lambda f: f["accepted_s_client_p50_p95"][1] < 2),
        ("accepted p95, server-measured", "< 2 s",
         lambda f: f"{f['accepted_s_server_p50_p95'][1]:g} s",
         lambda f: f["accepted_s_server_p50_p95"][1] < 2),
        ("memory growth (server + crypto workers)", "< 50 MB",
         lambda f: f"{f['memory_growth_mb']:g} MB", lambda f: f["memory_growth_mb"] < 50),
        ("5xx other than 503", "0", lambda f: f["other_5xx"], lambda f: f["other_5xx"] == 0),
        ("answers", "-", lambda f: ", ".join(f"{k}: {v}" for k, v in f["answers"].items()),
         None),
    ],
}  # fmt: skip

TITLES = {
    "kill9": "kill -9 at random moments under mixed load (test_kill9.py)",
    "full_disk_database": "Full disk under the database (test_full_disk.py, 8 MB tmpfs)",
    "full_disk_audit_log": "Full disk under the audit log (test_full_disk.py, 8 MB tmpfs)",
    "corruption": "Flipped bytes in the database file (test_corruption.py)",
    "backup_under_load": "Backup under load, restore after a revocation (test_backup_restore.py)",
    "rotation_under_load": "KEK rotation under load (test_rotation.py)",
    "rotation_kill9": "kill -9 in the middle of the rewrap (test_rotation.py)",
    "overload": "Overload at 10x signing capacity (test_overload.py, soak only)",
}


def verdict_of(data: dict, show: Show, judge: Judge) -> tuple[Any, str]:
    """(what to print, "PASS" / "FAIL" / "" for a row without a target); a figure the test did
    not write is a FAIL that says which."""
    try:
        value = show(data)
        return value, "" if judge is None else ("PASS" if judge(data) else "FAIL")
    except (KeyError, IndexError, TypeError, ZeroDivisionError) as exc:
        return f"(missing: {exc})", "FAIL"


def render(results: Path) -> tuple[str, int]:
    paths = sorted(results.glob("*.json"))
    figures = {p.stem: json.loads(p.read_text()) for p in paths}
    # When the figures were measured (their files' times), not when this page was rendered; a
    # test re-run alone rewrites only its own file, so a span says so.
    times = [p.stat().st_mtime for p in paths] or [dt.datetime.now().timestamp()]
    first, last = (
        dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        for t in (min(times), max(times))
    )
    now = last if max(times) - min(times) < 3600 else f"measured between {first} and {last}"
    sizes = "long" if any(f.get("soak") for f in figures.values()) else "CI"
    lines = [
        "# Reliability: the fault suite's figures",
        "",
        f"Written by `make soak-faults` ({sizes} sizes), {now}; {os.cpu_count()} cores; Python "
        f"{platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
        f"{platform.system()} {platform.machine()}. Each test drives a real "
        "`splitkey-cosigner serve` subprocess (the corruption trials start the same app "
        "in-process); crypto on the native backend. CI runs the same tests at the small sizes.",
        "",
    ]
    failed = 0
    for key, title in TITLES.items():
        lines += [f"## {title}", "", "| figure | target | measured | |", "|---|---|---|---|"]
        data = figures.get(key)
        for name, target, show, judge in ROWS[key]:
            if data is None:
                lines.append(f"| {name} | {target} | (not measured in this run) | |")
                continue
            value, verdict = verdict_of(data, show, judge)
            failed += verdict == "FAIL"
            lines.append(f"| {name} | {target} | {value} | {verdict} |")
        lines.append("")
    lines += NOTES
    return "\n".join(lines) + "\n", failed


NOTES = [
    "## How to read these",
    "",
    "- *Acknowledged* means the client received a success answer. After every kill the test "
    "checks all of them, from the first cycle on: the split exists (and is revoked if its "
    "revocation was acknowledged, in the database and in the revocation journal), a delivered "
    "share is gone from the server, each co-sign's nonce is recorded and its receipt's audit "
    "seq holds that co-sign; the audit chain verifies, anchored at the head the previous check "
    "saw, so records cut off the end would be caught. tests/faults/test_checks_catch_losses.py "
    "shows the checks fail on purpose-made losses.",
    "- Full disk: a file system counts blocks, so a small transaction or audit record can still "
    "fit in a file's last block; such writes succeed durably and are looked for after the "
    "restart. Everything else answers 503 with Retry-After and the API's error shape.",
    "- Corruption: sealed values are AES-GCM bound to their record, so a flip there refuses that "
    "record (500 damaged_record); the server runs SQLite's integrity_check at start and refuses "
    "a damaged b-tree with a one-line message. Columns that are not sealed (permissions, uses, "
    "status) are not authenticated: a flip that leaves a valid value there is not detected "
    "(no wrong plaintext can come of it, but a policy could read differently).",
    "- Overload: the server refuses what it cannot take at once (rate limits 429, the signing "
    "admission gate 503, admission.py), and its crypto worker processes run at niceness 10 so "
    "the event loop answers first. Client-measured times are end to end, from a lean load "
    "generator on the other core (the server and its workers are pinned to one); "
    "server-measured ones come from its access log (parsed request to answer). Refusals "
    "are not free: each costs the event loop a parse, the checks, an answer and a log line on "
    "that one core, so the offered rate (10x the capacity measured in the same run) also has to "
    "be refused at that rate. When it is above what the loop can refuse, refusals and accepted "
    "answers queue together and their figures fail together; a faster signing capacity makes "
    "the test harder, not easier.",
    "",
]


def main(argv: list[str]) -> int:
    results, out = Path(argv[1]), Path(argv[2])
    text, failed = render(results)
    out.write_text(text)
    print(f"wrote {out}: {failed} figure(s) FAIL")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
