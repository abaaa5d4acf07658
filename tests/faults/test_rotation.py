"""Key-encryption key rotation while clients work: `rotate-kek` adds a key, the running server
loads it and re-seals everything in the background; 0 requests fail, and afterwards 0 records are
under the old key. A kill -9 in the middle of the re-sealing leaves every record readable, and
running rotate-kek again finishes it. --retire drops the old key; a backup from before the
rotation then needs it back (--kek-file)."""

from __future__ import annotations

import random
import time

from cosigner_server.envelope import read_kek_file

from .harness import Load, Server, record_figures, run_cli, sealed_census, sizes


def test_rotation_under_load_fails_no_request_and_leaves_nothing_under_the_old_key(tmp_path):
    splits, load_seconds = sizes((40, 1.0), (400, 10.0))
    server = Server.init(tmp_path)
    server.start()
    load = Load(server, workers=3, seed=3)
    load.setup(splits_per_wallet=max(1, splits // 3))
    old_ring = read_kek_file(server.data / "kek.key")
    archive = tmp_path / "before-rotation.tar.gz"
    assert run_cli("backup", "--out", archive, "--data-dir", server.data).code == 0
    before, _ = sealed_census(server)
    assert set(before) == {old_ring.current_id}

    thread = load.run_background()
    try:
        time.sleep(load_seconds)
        started = time.monotonic()
        rotated = run_cli("rotate-kek", "--data-dir", server.data, "--json")
        rotate_seconds = time.monotonic() - started
        time.sleep(load_seconds)  # and the load goes on under the new key
    finally:
        load.stop_background(thread)
    assert rotated.code == 0, rotated.err
    result = rotated.json()
    new_id = result["current"]
    assert new_id != old_ring.current_id and result["action"] == "rotated"
    # Re-sealed: what the census counted, less the user shares delivered meanwhile (gone).
    assert not result["rewrap"]["running"] and result["rewrap"]["resealed"] > 0
    census, unreadable = sealed_census(server)
    under_old_key = sum(n for kek_id, n in census.items() if kek_id != new_id)
    record_figures(
        "rotation_under_load",
        {
            "sealed_values_before": sum(before.values()),
            "resealed": result["rewrap"]["resealed"],
            "rewrap_passes": result["rewrap"]["passes"],
            "rotate_command_seconds": round(rotate_seconds, 3),
            "requests_during_rotation": sum(load.counts.values()),
            "failed_requests": len(load.unexpected) + load.counts["unknown"],
            "records_under_old_key_after": under_old_key,
            "unreadable_records_after": unreadable,
        },
    )
    # 0 failed requests: every answer was the expected success or the expected refusal.
    assert not load.unexpected, load.unexpected[:5]
    assert not load.violations, load.violations[:5]
    assert load.counts["unknown"] == 0
    # 0 records under the old key, every one readable; the key file holds both keys.
    assert set(census) == {new_id} and unreadable == 0, census
    assert set(read_kek_file(server.data / "kek.key").ids) == {old_ring.current_id, new_id}
    status = result["sealed"]
    assert set(status) == {new_id}

    # Retire the old key (kept aside in a file of its own), then a restart with the new key only.
    kept = tmp_path / "retired.key"
    retired = run_cli("rotate-kek", "--retire", "--keep-retired", kept, "--data-dir",
                      server.data, "--json")  # fmt: skip
    assert retired.code == 0, retired.err
    assert retired.json()["retired"] == [old_ring.current_id]
    assert read_kek_file(server.data / "kek.key").ids == [new_id]
    assert read_kek_file(kept).ids == [old_ring.current_id]
    server.stop()
    server.start()
    with server.http() as http:
        for split in [s for s in load.active if s.share is not None][:5]:
            load._cosign(http, split)
    assert not load.unexpected and not load.violations
    server.stop()

    # The backup from before the rotation is sealed under the retired key.
    refused = run_cli("restore", "--from", archive, "--data-dir", server.data)
    assert refused.code == 1 and old_ring.current_id in refused.err and "--kek-file" in refused.err
    restored = run_cli("restore", "--from", archive, "--data-dir", server.data, "--kek-file",
                       kept, "--json")  # fmt: skip
    assert restored.code == 0, restored.err
    census, unreadable = sealed_census(server)
    assert set(census) == {new_id} and unreadable == 0  # re-sealed under the current key
    server.start()
    assert server.integrity() and server.audit_verify().ok
    server.stop()


def test_kill9_in_the_middle_of_the_rewrap_leaves_every_record_readable(tmp_path):
    splits, trials = sizes((150, 3), (1000, 10))
    rng = random.Random(99)
    server = Server.init(tmp_path)
    server.start()
    load = Load(server, workers=2, seed=5)
    load.setup(splits_per_wallet=2)
    load.bulk_splits(splits)
    interrupted = []
    unreadable_after_kills = 0
    for _trial in range(trials):
        started = run_cli("rotate-kek", "--no-wait", "--data-dir", server.data, "--json")
        assert started.code == 0, started.err
        # The re-sealing is running now; kill the server somewhere inside it.
        time.sleep(rng.uniform(0.0, 0.2))
        server.kill9()
        census, unreadable = sealed_census(server)
        unreadable_after_kills += unreadable
        interrupted.append(dict(census))
        server.start()
        with server.http() as http:
            for split in rng.sample([s for s in load.active if s.share], 5):
                load._cosign(http, split)
        # Running it again resumes (no third key) and finishes the job.
        resumed = run_cli("rotate-kek", "--data-dir", server.data, "--json")
        assert resumed.code == 0, resumed.err
        assert resumed.json()["action"] in ("resumed", "rotated")
        census, unreadable = sealed_census(server)
        assert len(census) == 1 and unreadable == 0, census
        assert run_cli("rotate-kek", "--retire", "--data-dir", server.data).code == 0
    assert not load.unexpected and not load.violations
    server.stop()
    mixed = sum(1 for c in interrupted if len(c) > 1)
    record_figures(
        "rotation_kill9",
        {
            "trials": trials,
            "sealed_values": sum(interrupted[0].values()),
            "kills_that_left_both_keys_in_use": mixed,
            "unreadable_records_after_kill": unreadable_after_kills,
        },
    )
    assert unreadable_after_kills == 0, "records did not open after a kill -9 during the rewrap"
    assert mixed >= 1, "no kill landed inside a rewrap: make the data set larger"


def test_rotation_with_the_key_in_an_environment_variable(tmp_path, monkeypatch):
    """The server cannot see a new environment value, and no key travels over HTTP: rotate-kek
    prints the new ring; restarted with it, rotate-kek again re-seals online."""
    from cosigner_server.envelope import ENV_VAR

    from .harness import free_port, server_env

    data = tmp_path / "srv"
    data.mkdir(mode=0o700)
    (data / "config.toml").write_text(f'port = {free_port()}\nkek_source = "env"\n')
    init = run_cli("init", "--data-dir", data, "--json")
    assert init.code == 0, init.err
    old_ring = init.json()["kek"]
    monkeypatch.setenv(ENV_VAR, old_ring)
    server = Server(data, server_env(**{ENV_VAR: old_ring}))
    server.start()
    load = Load(server, workers=1, seed=1)
    load.setup()
    rotated = run_cli("rotate-kek", "--data-dir", data, "--json")
    assert rotated.code == 0, rotated.err
    assert rotated.json()["action"] == "restart_required"
    # Shown on stderr with --json (stdout stays one JSON document); nothing re-sealed yet.
    new_ring = rotated.err.split("export SPLITKEY_COSIGNER_KEK='")[1].split("'")[0]
    assert new_ring.startswith(old_ring + ",")
    census, _ = sealed_census(server, read_ring(old_ring))
    assert len(census) == 1

    server.stop()
    server.env = server_env(**{ENV_VAR: new_ring})
    server.start()
    monkeypatch.setenv(ENV_VAR, new_ring)
    resumed = run_cli("rotate-kek", "--data-dir", data, "--json")
    assert resumed.code == 0, resumed.err
    assert resumed.json()["action"] == "resumed"
    assert set(resumed.json()["sealed"]) == {resumed.json()["current"]}
    server.stop()
    # Restarted with the old value, the server cannot open what was re-sealed, and says so...
    server.env = server_env(**{ENV_VAR: old_ring})
    try:
        server.start(deadline=10)
    except AssertionError as exc:
        assert "does not open secrets.sealed" in str(exc), exc
    else:
        raise AssertionError("the server started with the key ring from before the rotation")
    # ... with the ring it was shown, it can.
    server.env = server_env(**{ENV_VAR: new_ring})
    server.start()
    with server.http() as http:
        for split in [s for s in load.active if s.share][:3]:
            load._cosign(http, split)
    assert not load.unexpected and not load.violations
    server.stop()


def read_ring(text: str):
    from cosigner_server.envelope import parse_kek_text

    return parse_kek_text(text, "test")


def test_reload_adds_no_key_and_takes_up_a_changed_key_file(tmp_path):
    """`rotate-kek --reload` (the systemd unit's ExecReload): with the source unchanged the ring
    stays as it is; after an administrator put a new key into the key file, the running server
    takes it up and re-seals everything under it."""
    from cosigner_server.envelope import generate_kek, parse_kek_text
    from cosigner_server.kek_rotation import write_private_atomic

    server = Server.init(tmp_path)
    server.start()
    try:
        key_file = server.data / "kek.key"
        before = read_kek_file(key_file)
        same = run_cli("rotate-kek", "--reload", "--data-dir", server.data, "--json")
        assert same.code == 0, same.err
        assert same.json()["action"] == "reloaded"
        assert same.json()["current"] == before.current_id
        assert read_kek_file(key_file).ids == before.ids

        ring = parse_kek_text(before.to_text(), "ring")
        ring.add(generate_kek())
        write_private_atomic(key_file, ring.to_text().encode("ascii") + b"\n")
        taken = run_cli("rotate-kek", "--reload", "--data-dir", server.data, "--json")
        assert taken.code == 0, taken.err
        assert taken.json()["current"] == ring.current_id != before.current_id
        census, unreadable = sealed_census(server)
        assert set(census) == {ring.current_id} and unreadable == 0, census
        both = run_cli("rotate-kek", "--reload", "--retire", "--data-dir", server.data)
        assert both.code == 2 and "one at a time" in both.err
    finally:
        server.stop()
