"""docs/reliability.md's verdicts come from the measured figures: a passing run prints PASS on
every row with a target, and a run that measured one bad number prints FAIL on that row (and
only there). The bad numbers below are written out by hand per row, not derived from report.py."""

from __future__ import annotations

import copy
import json

import pytest

from . import report

# One passing run, in the shape the fault tests write (CI sizes).
GOOD = {
    "kill9": {
        "soak": False, "cycles": 10, "operations_per_cycle": 200, "kills": 10,
        "operations": {"cosign": 900, "issue": 500, "unknown": 4},
        "acknowledged": {"issued": 300, "retrieved": 290, "revoked": 120, "cosigned": 800,
                         "audit_records": 1600, "duplicate_nonces": 0},
        "acknowledged_checks": 10, "lost": 0, "integrity_failures": 0,
        "audit_chain_failures": 0, "audit_records_verified": 1600,
        "duplicate_nonces_accepted": 0, "violations": 0, "unexpected_answers": 0,
        "replays_after_restarts": 200,
    },
    "corruption": {
        "soak": False, "trials": 40, "refused_at_start": 3, "started": 37,
        "signatures_served_all_verified": 100, "shares_delivered_all_correct": 30,
        "wrong_plaintexts": 0, "revoked_splits_signed": 0, "tracebacks": 0,
    },
    "backup_under_load": {
        "soak": False, "backup_seconds": 0.4, "archive_bytes": 90000,
        "operations_before_backup": 150, "operations_during_backup": 12,
        "revoked_after_backup": 3, "revoked_after_backup_that_signed": 0,
        "lost_after_restore": 0, "rolled_forward": {"cosign": 2}, "integrity_ok": True,
        "audit_verifies": True,
    },
    "rotation_under_load": {
        "soak": False, "failed_requests": 0, "requests_during_rotation": 400,
        "records_under_old_key_after": 0, "unreadable_records_after": 0, "resealed": 80,
        "rewrap_passes": 1, "rotate_command_seconds": 0.9,
    },
    "rotation_kill9": {
        "soak": False, "trials": 3, "sealed_values": 300,
        "kills_that_left_both_keys_in_use": 2, "unreadable_records_after_kill": 0,
    },
    "overload": {
        "soak": True, "seconds": 60, "capacity_per_second": 50.0, "offered_per_second": 500.0,
        "refused_ms_client_p50_p95_p99": [3.0, 20.0, 40.0],
        "refused_ms_server_p50_p95_p99_max": [1.0, 5.0, 9.0, 30.0],
        "accepted_s_client_p50_p95": [0.2, 0.6], "accepted_s_server_p50_p95": [0.1, 0.5],
        "memory_growth_mb": 17.0, "other_5xx": 0, "answers": {"200": 3000, "503": 27000},
        "load_average_before": 0.5,
    },
}  # fmt: skip
for _where in ("database", "audit_log"):
    GOOD[f"full_disk_{_where}"] = {
        "soak": False, "writes": 15, "writes_503": 12, "writes_that_fitted_in_the_last_block": 3,
        "writes_other": 0, "durable_writes": 3, "durable_found_after_restart": 3, "reads": 21,
        "reads_200": 21, "tracebacks_to_clients": 0, "writes_503_after_space_returned": 0,
        "ready_after": 200, "lost": 0,
    }  # fmt: skip

FULL_DISK_BAD = [
    ("on a full tmpfs: writes", {"writes_other": 1}),
    ("on a full tmpfs: writes", {"durable_found_after_restart": 2}),
    ("on a full tmpfs: writes", {"writes_503": 0, "writes_that_fitted_in_the_last_block": 15}),
    ("full: reads", {"reads_200": 20}),
    ("full: reads", {"reads": 0, "reads_200": 0}),
    ("tracebacks reaching a client", {"tracebacks_to_clients": 1}),
    ("service resumes when space returns", {"writes_503_after_space_returned": 4}),
    ("service resumes when space returns", {"ready_after": 503}),
    ("acknowledged writes lost", {"lost": 1}),
]

# (figure file, the start of the row's name, what a bad run measured)
BAD = [
    ("kill9", "kill -9 cycles x operations", {"cycles": 9, "acknowledged_checks": 9}),
    ("kill9", "kill -9 cycles x operations", {"operations_per_cycle": 150}),
    ("kill9", "kill -9 cycles x operations", {"soak": True, "cycles": 10}),
    ("kill9", "acknowledged issues, revocations", {"lost": 1}),
    ("kill9", "integrity check failures", {"integrity_failures": 1}),
    ("kill9", "audit chain", {"audit_chain_failures": 1}),
    ("kill9", "audit chain", {"audit_records_verified": 0}),
    ("kill9", "acknowledged operations checked", {"acknowledged_checks": 9}),
    ("kill9", "acknowledged operations checked",
     {"acknowledged": {"issued": 300, "retrieved": 290, "revoked": 0, "cosigned": 800}}),
    ("kill9", "duplicate nonces accepted", {"duplicate_nonces_accepted": 1}),
    ("kill9", "revoked splits that signed", {"violations": 2}),
    ("kill9", "answers neither expected", {"unexpected_answers": 1}),
    ("kill9", "replays of one request", {"replays_after_restarts": 199}),
    *[("full_disk_database", name, bad) for name, bad in FULL_DISK_BAD],
    *[("full_disk_audit_log", name, bad) for name, bad in FULL_DISK_BAD],
    ("corruption", "random flip trials", {"trials": 39}),
    ("corruption", "random flip trials", {"soak": True, "trials": 40}),
    ("corruption", "wrong plaintexts served", {"wrong_plaintexts": 1}),
    ("corruption", "revoked splits that signed", {"revoked_splits_signed": 1}),
    ("corruption", "tracebacks reaching a client", {"tracebacks": 1}),
    ("backup_under_load", "backup taken under load", {"operations_during_backup": 0}),
    ("backup_under_load", "backup taken under load", {"operations_before_backup": 0}),
    ("backup_under_load", "writes acknowledged before the backup", {"lost_after_restore": 2}),
    ("backup_under_load", "integrity check and audit chain", {"integrity_ok": False}),
    ("backup_under_load", "integrity check and audit chain", {"audit_verifies": False}),
    ("backup_under_load", "splits revoked after the backup",
     {"revoked_after_backup_that_signed": 1}),
    ("backup_under_load", "splits revoked after the backup", {"revoked_after_backup": 0}),
    ("rotation_under_load", "requests failed during the rotation", {"failed_requests": 1}),
    ("rotation_under_load", "records under the old key", {"records_under_old_key_after": 5}),
    ("rotation_under_load", "records that do not open", {"unreadable_records_after": 1}),
    ("rotation_kill9", "kill -9 during the rewrap", {"unreadable_records_after_kill": 1}),
    ("overload", "offered load", {"offered_per_second": 400.0}),
    ("overload", "offered load", {"seconds": 30}),
    ("overload", "refusals (429/503), client-measured p95",
     {"refused_ms_client_p50_p95_p99": [3.0, 50.0, 60.0]}),
    ("overload", "accepted p95, client-measured", {"accepted_s_client_p50_p95": [0.5, 2.0]}),
    ("overload", "accepted p95, server-measured", {"accepted_s_server_p50_p95": [0.5, 2.5]}),
    ("overload", "memory growth", {"memory_growth_mb": 50.0}),
    ("overload", "5xx other than 503", {"other_5xx": 1}),
]  # fmt: skip


def verdicts(tmp_path, figures: dict) -> dict[tuple[str, str], str]:
    """(section title, figure) -> the last column of docs/reliability.md's table."""
    for name, data in figures.items():
        (tmp_path / f"{name}.json").write_text(json.dumps({"name": name, **data}))
    text, failed = report.render(tmp_path)
    found, section = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:]
        elif line.startswith("| ") and not line.startswith(("| figure", "|---")):
            cells = [c.strip() for c in line.strip("|").split("|")]
            found[(section, cells[0])] = cells[3]
    assert failed == sum(v == "FAIL" for v in found.values())
    return found


def rows_named(found: dict, key: str, start: str) -> list[tuple[str, str]]:
    title = report.TITLES[key]
    rows = [k for k in found if k[0] == title and (start in k[1])]
    assert rows, f"no row {start!r} in {title!r}"
    return rows


def test_a_passing_run_passes_every_row_with_a_target(tmp_path):
    found = verdicts(tmp_path, GOOD)
    targeted = {(report.TITLES[k], row[0]) for k, rows in report.ROWS.items() for row in rows
                if row[1] != "-"}  # fmt: skip
    assert {k for k, v in found.items() if v == "PASS"} == targeted
    assert {k for k, v in found.items() if v == ""} == set(found) - targeted


@pytest.mark.parametrize(("key", "row", "bad"), BAD, ids=[f"{k}:{r}:{b}" for k, r, b in BAD])
def test_a_bad_measurement_prints_fail_on_its_row(tmp_path, key, row, bad):
    figures = copy.deepcopy(GOOD)
    figures[key].update(bad)
    found = verdicts(tmp_path, figures)
    failing = {k for k, v in found.items() if v == "FAIL"}
    assert failing and failing <= set(rows_named(found, key, row)), failing


def test_every_row_with_a_target_has_a_bad_measurement_above():
    covered = {(key, name) for key, name, _bad in BAD}
    for key, rows in report.ROWS.items():
        for name, target, _show, judge in rows:
            if target == "-":
                assert judge is None, name
                continue
            assert judge is not None, name
            assert any(k == key and start in name for k, start in covered), (key, name)


def test_a_figure_the_test_did_not_write_is_a_fail_that_names_it(tmp_path):
    figures = copy.deepcopy(GOOD)
    del figures["kill9"]["lost"]
    found = verdicts(tmp_path, figures)
    (row,) = rows_named(found, "kill9", "acknowledged issues, revocations")
    assert found[row] == "FAIL"
    assert "(missing: 'lost')" in report.render(tmp_path)[0]


def test_a_section_not_run_says_so_without_a_verdict(tmp_path):
    figures = {k: v for k, v in GOOD.items() if k != "overload"}
    found = verdicts(tmp_path, figures)
    assert {found[k] for k in found if k[0] == report.TITLES["overload"]} == {""}
    text, failed = report.render(tmp_path)
    assert text.count("(not measured in this run)") == len(report.ROWS["overload"])
    assert failed == 0


def test_main_exits_1_when_a_row_fails(tmp_path):
    figures = copy.deepcopy(GOOD)
    figures["corruption"]["wrong_plaintexts"] = 1
    verdicts(tmp_path, figures)
    out = tmp_path / "reliability.md"
    assert report.main(["report", str(tmp_path), str(out)]) == 1
    assert "| wrong plaintexts served | 0 | 1 | FAIL |" in out.read_text()
