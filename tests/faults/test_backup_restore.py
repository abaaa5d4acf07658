"""Backups taken under load, and restores of them.

* A backup taken while clients issue, revoke and co-sign restores with integrity ok, the audit
  chain verifying, and every write acknowledged before the backup started.
* Restoring a backup older than a revocation: the revoked split still cannot sign (the journal
  and the audit log outlive the database file); co-signs, share deliveries and permission
  changes made after the backup are rolled forward from the audit log.
* A new machine (only the archive and the key file): the backup's own journal and audit log.
* The archive holds no plaintext secret; an altered archive, a wrong key and a running server
  are refused before anything is replaced.
"""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import time
import uuid

from app.permissions import ZCN
from tests.canaries import Canaries

from .harness import Load, Server, check_acknowledged, record_figures, run_cli, sizes


def _backup(server: Server, archive) -> tuple[dict, float]:
    started = time.monotonic()
    result = run_cli("backup", "--out", archive, "--data-dir", server.data, "--json")
    assert result.code == 0, result.err
    return result.json(), time.monotonic() - started


def test_backup_under_load_then_restore_after_a_revocation(tmp_path):
    warmup, after = sizes((2.0, 1.5), (20.0, 10.0))
    server = Server.init(tmp_path)
    server.start()
    load = Load(server, workers=3, seed=7)
    load.setup(splits_per_wallet=3)
    thread = load.run_background()
    try:
        time.sleep(warmup)
        t0 = time.monotonic()  # acknowledged before this: must be in the backup
        ops_before_backup = load.op_index
        archive = tmp_path / "under-load.tar.gz"
        backup, backup_seconds = _backup(server, archive)
        ops_during_backup = load.op_index - ops_before_backup
        time.sleep(after)  # more writes after the backup, revocations included
    finally:
        load.stop_background(thread)
    assert not load.violations and not load.unexpected, (load.violations, load.unexpected)
    before = load.acks.before(t0)
    manifest = backup["manifest"]
    assert manifest["secrets_sealed_included"] is True and manifest["plaintext_secrets"] is False

    # After the backup: one split revoked on purpose (active in the backup), one share retrieved,
    # one permission tightened, one co-sign.
    with server.http() as http:
        in_backup = [s for _t, s in before.retrieved if s in load.active]
        target, signer = in_backup[0], in_backup[1]
        load.active.remove(target)
        load._revoke(http, target)
        assert target.revoked
        load._cosign(http, signer)
        late_cosign = load.acks.cosigned[-1][1]
        # a split of the backup to tighten, and its wallet (which wallets keep active splits
        # depends on the threads' interleaving)
        tightened = in_backup[2]
        wallet = tightened.wallet
        auth = load._auth(wallet)
        made = http.post(f"/v1/wallets/{wallet.client_id}/splits", json={"label": "late"},
                         headers=auth)  # fmt: skip
        pending = made.json()["split"]["id"]  # in no backup: lost by the restore, reported
        tight = {"groups": ["token_transfers"], "max_per_transaction": ZCN, "max_uses": 1}
        changed = http.put(f"/v1/splits/{tightened.id}/permissions", json={"permissions": tight},
                           headers=auth)  # fmt: skip
        assert changed.status_code == 200, changed.text
    revoked_after = [s.id for t, s in load.acks.revoked if t >= t0]
    code, _ = server.terminate()
    assert code == 0

    restored = run_cli("restore", "--from", archive, "--data-dir", server.data, "--json")
    assert restored.code == 0, restored.err
    report = restored.json()
    assert report["audit_log"].startswith("kept")
    # The revocation made after the backup at least (others acknowledged after the backup began
    # may have committed before its snapshot: then the backup's own journal has them).
    assert report["revocations_from_live"] >= 1
    assert pending in report["splits_lost"]
    server.start()
    integrity_ok = server.integrity()
    audit_verifies = server.audit_verify().ok
    figures = check_acknowledged(server, before, revoked_extra=revoked_after, strict=False)
    with server.http() as http:
        assert http.get("/ready").status_code == 200
        # Every split revoked after the backup (the one revoked on purpose among them) cannot
        # sign, and the one revoked on purpose shows revoked.
        signed_before = len(load.violations)
        # (a split made after the backup began is not in it: the restore lost it, and reports so)
        made_after = {s.id for t, s in load.acks.issued if t >= t0}
        revoked_in_backup = {s.id: s for t, s in load.acks.revoked if t >= t0}
        for split in [s for i, s in revoked_in_backup.items() if i not in made_after]:
            load._revoked_sign(http, split)
        revoked_that_signed = len(load.violations) - signed_before
        shown = http.get(f"/v1/splits/{target.id}", headers=load._auth(target.wallet))
        assert shown.json()["split"]["status"] == "revoked"
        # The co-sign made after the backup still counts: signing its nonce again is counted
        # as the second signature of that nonce.
        again = {**late_cosign.body, "request_id": uuid.uuid4().hex}
        answer = http.post("/v1/sign/transaction", json=again, headers=load._auth(signer.wallet))
        assert answer.status_code == 200, answer.text
        seq = answer.json()["receipt"]["audit_seq"]
        (record,) = [r for r in server.audit_records() if r["seq"] == seq]
        assert record["details"]["nonce_signed_before"] >= 1
        # The tightening made after the backup holds.
        view = http.get(f"/v1/splits/{tightened.id}", headers=load._auth(wallet)).json()
        assert view["split"]["permissions"]["max_uses"] == 1
        # Everything else in the backup still signs.
        for split in [s for s in in_backup[2:] if s is not tightened and s in load.active][:5]:
            load._cosign(http, split)
    server.stop()
    record_figures(
        "backup_under_load",
        {
            "backup_seconds": round(backup_seconds, 3),
            "archive_bytes": backup["bytes"],
            "operations_before_backup": ops_before_backup,
            "operations_during_backup": ops_during_backup,
            "acknowledged_before_backup": figures,
            "revoked_after_backup": len(revoked_after),
            "revoked_after_backup_that_signed": revoked_that_signed,
            "lost_after_restore": figures["lost"],
            "rolled_forward": report["replayed"],
            "integrity_ok": integrity_ok,
            "audit_verifies": audit_verifies,
        },
    )
    assert integrity_ok and audit_verifies
    assert figures["lost"] == 0, figures["lost_examples"]
    assert revoked_that_signed == 0
    assert not load.violations and not load.unexpected, (load.violations, load.unexpected)


def test_restore_on_a_new_machine_and_the_refusals(tmp_path):
    server = Server.init(tmp_path)
    server.start()
    load = Load(server, workers=2, seed=11)
    load.setup()
    load.run(40)
    archive = tmp_path / "b.tar.gz"
    _backup(server, archive)
    # A backup is never overwritten, and restore refuses while the server runs.
    again = run_cli("backup", "--out", archive, "--data-dir", server.data)
    assert again.code == 2 and "exists" in again.err
    running = run_cli("restore", "--from", archive, "--data-dir", server.data)
    assert running.code == 1 and "stop the server first" in running.err
    assert running.err.count("\n") == 1
    secrets = _planted(load)
    server.stop()

    # The archive: the files listed, sealed records only, no planted secret in any encoding.
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        blobs = {n: tar.extractfile(n).read() for n in names}
    assert names == sorted(["manifest.json", "cosigner.db", "cosigner.db.revocations",
                            "audit.log", "secrets.sealed", "config.toml"])  # fmt: skip
    canaries = Canaries()
    for i, secret in enumerate(secrets):
        canaries.plant(f"user share {i}", secret)
    canaries.plant("KEK", (server.data / "kek.key").read_text().strip().split(":")[1])
    assert [hit for name, data in blobs.items() for hit in canaries.hits(name, data)] == []

    # Altered archives are refused before anything is touched.
    before = {p.name: p.read_bytes() for p in server.data.iterdir() if p.is_file()}
    for name, change in (("manifest.json", _bump_created), ("cosigner.db", _flip_last)):
        bad = tmp_path / f"bad-{name}.tar.gz"
        _rewrite(archive, bad, name, change)
        refused = run_cli("restore", "--from", bad, "--data-dir", server.data)
        assert refused.code == 1, refused.err
        assert "altered" in refused.err or "sha256" in refused.err
    # A key of another server opens nothing.
    other = Server.init(tmp_path, name="other")
    wrong = run_cli("restore", "--from", archive, "--data-dir", other.data)
    assert wrong.code == 1 and "does not open" in wrong.err and "--kek-file" in wrong.err
    assert {p.name: p.read_bytes() for p in server.data.iterdir() if p.is_file()} == before

    # A new machine: an empty data directory, the archive and the key file.
    fresh = tmp_path / "fresh"
    shutil.copyfile(server.data / "kek.key", tmp_path / "kek.copy")
    (tmp_path / "kek.copy").chmod(0o600)
    done = run_cli("restore", "--from", archive, "--data-dir", fresh, "--kek-file",
                   tmp_path / "kek.copy", "--json")  # fmt: skip
    assert done.code == 0, done.err
    assert done.json()["audit_log"].startswith("installed")
    assert (fresh / "kek.key").stat().st_mode & 0o777 == 0o600
    moved = Server(fresh, server.env)
    moved.start()
    try:
        assert moved.integrity() and moved.audit_verify().ok
        check_acknowledged(moved, load.acks)
        with moved.http() as http:
            for split in [s for s in load.active if s.share is not None][:3]:
                load._cosign(http, split)
            for split in load.revoked[:3]:
                load._revoked_sign(http, split)
        assert not load.violations and not load.unexpected
    finally:
        moved.stop()


def _planted(load: Load) -> list[bytes]:
    """Secrets the client holds that the server keeps sealed: the user shares it delivered."""
    return [s.share.to_bytes() for _t, s in load.acks.retrieved if s.share is not None][:20]


def _bump_created(data: bytes) -> bytes:
    manifest = json.loads(data)
    manifest["created_at"] += 1
    return json.dumps(manifest).encode()


def _flip_last(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def _rewrite(source, dest, name: str, change) -> None:
    with tarfile.open(source) as tar, tarfile.open(dest, "w:gz") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == name:
                data = change(data)
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
