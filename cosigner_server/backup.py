"""Backups of a co-signer's data directory, and restoring them.

Backup runs in ITS OWN PROCESS, beside a running server or a stopped one, and only reads:
  1. the audit checkpoint first: the log copied up to its last complete line and verified with
     the audit key; its head (seq, mac) goes into the manifest;
  2. then the revocation journal and the database, each with SQLite's online backup API (one
     read transaction: a consistent snapshot while the server keeps writing, since WAL readers
     do not block the writer);
  3. then an integrity check of both copies.
The server writes the database before the audit record and the audit record before the answer
(services.record), so everything acknowledged before step 1 is in the copies. The archive (tar)
holds the copies, secrets.sealed, config.toml and manifest.json (sha256 per file, counts, the KEK
ids needed, and an HMAC over it all under the audit key so a altered archive is refused). It holds
no plaintext secret: records and secrets.sealed stay sealed under the KEK, which is never in it;
the TLS key is not included either (make a new certificate, or copy it separately).

Why not through the server (an admin route): the copy would block the server's one database
thread for its whole duration, a file path or a large stream would pass through the HTTP API, and
a backup is wanted most when the server is wedged or stopped. SQLite supports exactly this
(a reader in another process), and reading never forks the audit chain (one appender).

Restore needs the KEK and a STOPPED server (checked: no process holds the database's
shared-memory lock). Before anything in the data directory is touched it checks the archive
(member names, sha256, the manifest's HMAC), opens secrets.sealed, verifies the audit copy
against the checkpoint, integrity-checks the database and opens EVERY sealed record. Then:
  * revocations: the backup's journal + the live journal + every revocation the live audit log
    records after the checkpoint, all of them (a union can only revoke more), replayed by
    SQLiteStorage.open(): an older backup never brings a revoked split back;
  * the database is rolled forward with what the live audit log records after the checkpoint:
    co-signs count as used (nonces, caps, max uses), delivered shares stay delivered, tightened
    permissions, freezes, deletions, disabled users and used enrollment codes stay as they were,
    so going back in time gives nothing back that protected a key;
  * the live audit log is kept when the backup's checkpoint is a prefix of it (it is the newer
    history); otherwise the backup's copy is installed and the live one kept aside;
  * records sealed under a key the configured source does not hold (a backup older than a
    rotation, opened with --kek-file) are re-sealed under the current key;
  * the replaced files are kept in pre-restore-<time>/ and a `backup_restored` record is
    appended to the audit log (the server is stopped: restore is the one appender then).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import hmac
import io
import json
import os
import secrets
import shutil
import sqlite3
import struct
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.files import fsync_dir, write_private_atomic

from .audit import AuditError, AuditLog, canonical, verify, verify_stream
from .bootstrap import SECRETS_FILE, SECRETS_RECORD, ServerSecrets
from .config import CONFIG_FILE, ServerConfig
from .envelope import KekRing, SealedDataError
from .kek_rotation import record_id
from .storage.base import StorageError
from .storage.rows import SEALED_COLUMNS
from .storage.sqlite import _JOURNAL_SCHEMA, SQLiteStorage, restore_file

FORMAT = "splitkey-cosigner-backup/1"
MANIFEST = "manifest.json"
DB, JOURNAL, AUDIT, CONFIG = "cosigner.db", "cosigner.db.revocations", "audit.log", CONFIG_FILE
MEMBERS = (DB, JOURNAL, AUDIT, SECRETS_FILE, CONFIG)  # besides the manifest
_MAC_CONTEXT = b"splitkey/backup/v1/manifest\x00"
_COPY_CHUNK = 1 << 20
# A member larger than this is not one of ours: refuse rather than fill the disk.
MAX_MEMBER_BYTES = 64 << 30
COSIGN_EVENTS = ("cosign_transaction", "cosign_message", "cosign_auth_headers", "cosign_raw_hash")


class BackupError(Exception):
    """Backup or restore refused; the message says why and what to do, never a secret."""


# -- helpers -------------------------------------------------------------------------------------


def manifest_mac(audit_key: bytes, manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "mac"}
    return hmac.new(audit_key, _MAC_CONTEXT + canonical(body), hashlib.sha256).hexdigest()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=False)
    os.chmod(path, 0o700)
    return path


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10.0, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def _snapshot(source: Path, dest: Path) -> None:
    """SQLite's online backup: a consistent copy even while another process writes."""
    fd = os.open(dest, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    with contextlib.closing(_connect(source)) as src, contextlib.closing(_connect(dest)) as dst:
        src.backup(dst)  # pages=-1: all pages in one step, i.e. in one read transaction
        # The copy is a plain rollback-journal file: one file, nothing beside it to lose.
        dst.execute("PRAGMA journal_mode = DELETE")


def _integrity(path: Path) -> str | None:
    """None if the file passes integrity_check and foreign_key_check, else the first problem."""
    try:
        with contextlib.closing(_connect(path)) as db:
            rows = db.execute("PRAGMA integrity_check").fetchall()
            if rows != [("ok",)]:
                return str(rows[0][0])
            if db.execute("PRAGMA foreign_key_check").fetchall():
                return "foreign key check failed"
    except sqlite3.Error as exc:
        return str(exc)
    return None


def _sealed_rows(db: sqlite3.Connection) -> Iterator[tuple[str, str, bytes]]:
    for column, (table, key) in SEALED_COLUMNS.items():
        for row_key, blob in db.execute(
            f"SELECT {key}, {column} FROM {table} "
            f"WHERE {column} IS NOT NULL AND length({column}) > 0"
        ):
            yield column, row_key, bytes(blob)


def _kek_ids(ring: KekRing, blobs: list[bytes]) -> list[str]:
    ids = set()
    for blob in blobs:
        try:
            ids.add(ring.kek_id_of(blob))
        except SealedDataError:
            ids.add("damaged")
    return sorted(ids)


def database_in_use(db_path: Path) -> int | None:
    """The pid of a process that has the database open, else None.

    Every SQLite connection to a WAL database holds a shared lock on the "dead man switch" byte
    of its -shm file (offset 128 in SQLite's unix VFS) for as long as it is open; F_GETLK asks
    who holds it without taking anything, and the kernel drops it when the holder dies (kill -9
    included). Linux struct flock layout; elsewhere this check is skipped (None)."""
    shm = db_path.with_name(db_path.name + "-shm")
    try:
        fd = os.open(shm, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        request = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 128, 1, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, request)
        lock_type, _whence, _start, _len, pid = struct.unpack("hhqqi4x", answer)
    except (OSError, struct.error):
        return None
    finally:
        os.close(fd)
    return None if lock_type == fcntl.F_UNLCK else pid


def _copy_audit_prefix(source: Path, dest: Path) -> int:
    """Copy the audit log up to its last complete line (a record being appended right now is
    left out: it is not acknowledged yet). Returns the bytes copied."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb", closefd=False) as out:
            size = os.fstat(src.fileno()).st_size
            copied, last_newline = 0, 0
            while copied < size:
                chunk = src.read(min(_COPY_CHUNK, size - copied))
                if not chunk:
                    break
                out.write(chunk)
                nl = chunk.rfind(b"\n")
                if nl >= 0:
                    last_newline = copied + nl + 1
                copied += len(chunk)
            out.flush()
            os.ftruncate(fd, last_newline)
    finally:
        os.close(fd)
    return last_newline


def _counts(db_path: Path) -> dict[str, Any]:
    with contextlib.closing(_connect(db_path)) as db:
        one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "schema_version": one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"),
            "users": one("SELECT COUNT(*) FROM users"),
            "wallets": one("SELECT COUNT(*) FROM wallets"),
            "splits_active": one("SELECT COUNT(*) FROM splits WHERE status = 'active'"),
            "splits_revoked": one("SELECT COUNT(*) FROM splits WHERE status = 'revoked'"),
            "cosigns": one("SELECT COUNT(*) FROM cosigns"),
        }


# -- backup --------------------------------------------------------------------------------------


def create_backup(config: ServerConfig, ring: KekRing, out: Path) -> dict[str, Any]:
    """Write the archive to `out` (which must not exist); return its manifest."""
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} exists; refusing to overwrite a backup")
    secrets_path = config.data_dir / SECRETS_FILE
    try:
        secrets_blob = secrets_path.read_bytes()
        server = ServerSecrets.from_bytes(ring.open(secrets_blob, SECRETS_RECORD))
    except OSError as exc:
        raise BackupError(f"cannot read {secrets_path}: {exc.strerror}") from None
    except SealedDataError:
        raise BackupError(f"the key-encryption key does not open {SECRETS_FILE}") from None
    if not config.db_path.is_file():
        raise BackupError(f"no database at {config.db_path}")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = _private_dir(out.parent / f".{out.name}.{secrets.token_hex(4)}.tmp")
    try:
        # 1. the audit checkpoint, BEFORE the database copy (see the module docstring)
        audit_bytes = 0
        if config.audit_path.exists():
            audit_bytes = _copy_audit_prefix(config.audit_path, staging / AUDIT)
        else:
            (staging / AUDIT).touch(mode=0o600)
        report = verify(staging / AUDIT, server.audit_key)
        if not report.ok:
            raise BackupError(
                f"the audit log does not verify ({report.problem}); run "
                "`splitkey-cosigner audit verify` and fix that before backing up"
            )
        # 2. the journal, then the database, each one consistent snapshot
        journal = config.db_path.with_name(config.db_path.name + ".revocations")
        if journal.exists():
            _snapshot(journal, staging / JOURNAL)
        else:
            with contextlib.closing(_connect(staging / JOURNAL)) as db:
                db.execute(_JOURNAL_SCHEMA)
        _snapshot(config.db_path, staging / DB)
        # 3. check the copies before calling them a backup
        for name in (DB, JOURNAL):
            problem = _integrity(staging / name)
            if problem is not None:
                raise BackupError(f"the copy of {name} fails its integrity check: {problem}")
        write_private_atomic(staging / SECRETS_FILE, secrets_blob)
        config_path = config.data_dir / CONFIG_FILE
        if config_path.is_file():
            shutil.copyfile(config_path, staging / CONFIG)
            os.chmod(staging / CONFIG, 0o600)

        with contextlib.closing(_connect(staging / DB)) as db:
            blobs = [blob for _c, _k, blob in _sealed_rows(db)]
        with contextlib.closing(_connect(staging / JOURNAL)) as db:
            revocations = db.execute("SELECT COUNT(*) FROM revocations").fetchone()[0]
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": int(time.time()),
            "audit_checkpoint": {
                "seq": report.head[0] if report.head else 0,
                "mac": report.head[1] if report.head else None,
                "bytes": audit_bytes,
            },
            "database": _counts(staging / DB),
            "revocations": revocations,
            "kek_ids": _kek_ids(ring, [*blobs, secrets_blob]),
            "secrets_sealed_included": True,
            "plaintext_secrets": False,
        }
        present = [name for name in MEMBERS if (staging / name).exists()]
        return finish_archive(staging, manifest, present, server.audit_key, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def finish_archive(
    staging: Path, manifest: dict[str, Any], members: list[str], audit_key: bytes, out: Path
) -> dict[str, Any]:
    """Complete a manifest with each member's digest and size and its MAC, then write the
    archive (both backup formats: the data directory's and PostgreSQL's)."""
    manifest["files"] = {
        name: {"sha256": _sha256_file(staging / name), "bytes": (staging / name).stat().st_size}
        for name in members
    }
    manifest["mac"] = manifest_mac(audit_key, manifest)
    _write_archive(staging, manifest, out)
    return manifest


def _write_archive(staging: Path, manifest: dict[str, Any], out: Path) -> None:
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(data), 0o600, manifest["created_at"]
                tar.addfile(info, io.BytesIO(data))
                for name in manifest["files"]:
                    info = tar.gettarinfo(str(staging / name), arcname=name)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    info.mode = 0o600
                    with open(staging / name, "rb") as member:
                        tar.addfile(info, member)
            raw.flush()
            os.fsync(raw.fileno())
        if out.exists():
            raise BackupError(f"{out} appeared meanwhile; refusing to overwrite it")
        os.replace(tmp, out)
        fsync_dir(out.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


# -- reading an archive ----------------------------------------------------------------------------


def _extract(archive: Path, staging: Path) -> dict[str, Any]:
    """Only our member names, only regular files, nothing outside staging; sha256 checked."""
    try:
        tar = tarfile.open(archive, mode="r:*")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive} is not a backup archive ({exc.__class__.__name__})") from None
    seen: set[str] = set()
    with tar:
        try:
            for member in tar:
                name = member.name
                if name not in (MANIFEST, *MEMBERS) or name in seen:
                    raise BackupError(f"unexpected member {name!r} in the archive; refused")
                if not member.isreg() or member.size > MAX_MEMBER_BYTES:
                    raise BackupError(f"member {name!r} is not a plain file; refused")
                seen.add(name)
                source = tar.extractfile(member)
                fd = os.open(staging / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(source, out, _COPY_CHUNK)
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise BackupError(f"the archive is damaged ({exc.__class__.__name__})") from None
    if MANIFEST not in seen:
        raise BackupError("the archive has no manifest.json")
    try:
        manifest = json.loads((staging / MANIFEST).read_bytes())
    except ValueError:
        raise BackupError("manifest.json is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"not a {FORMAT} archive")
    files = manifest.get("files")
    if not isinstance(files, dict) or not {DB, JOURNAL, AUDIT, SECRETS_FILE} <= set(files):
        raise BackupError("the manifest does not list the database, journal, audit log and secrets")
    if set(files) != seen - {MANIFEST}:
        raise BackupError("the archive's files differ from the manifest's list")
    for name, meta in files.items():
        if not isinstance(meta, dict) or _sha256_file(staging / name) != meta.get("sha256"):
            raise BackupError(
                f"{name} in the archive does not match its sha256 (altered or damaged)"
            )
    return manifest


@dataclass
class RestoreReport:
    backup_created_at: int
    checkpoint_seq: int
    records_opened: int = 0
    resealed: int = 0
    revocations: int = 0  # in the installed journal
    revocations_from_live: int = 0  # that the backup did not have
    uses_replayed: int = 0
    replayed: dict[str, int] = field(default_factory=dict)  # audit events rolled forward
    splits_lost: list[str] = field(default_factory=list)  # issued after the backup
    wallets_lost: list[str] = field(default_factory=list)
    audit_log: str = ""  # what happened to the audit log
    kept_aside: str | None = None
    revoked_active_after: int = 0  # must be 0: journaled revocations still active


def restore_backup(
    config: ServerConfig, archive: Path, ring: KekRing, *, seal_ring: KekRing | None = None
) -> RestoreReport:
    """Restore `archive` into config's (stopped) data directory. `ring` opens the backup (the
    configured keys plus any old ones given); `seal_ring` (the configured ring) re-seals what
    only the extra keys open."""
    seal_ring = seal_ring or ring
    data_dir = config.data_dir
    journal_path = config.db_path.with_name(config.db_path.name + ".revocations")
    for path in (config.db_path, journal_path):
        pid = database_in_use(path)
        if pid is not None:
            raise BackupError(f"{path.name} is open by process {pid}: stop the server first")
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = _private_dir(data_dir / f".restore-{secrets.token_hex(4)}")
    try:
        manifest = _extract(Path(archive), staging)
        try:
            server = ServerSecrets.from_bytes(
                ring.open((staging / SECRETS_FILE).read_bytes(), SECRETS_RECORD)
            )
        except SealedDataError:
            needed = ", ".join(manifest.get("kek_ids") or []) or "unknown"
            raise BackupError(
                f"the key-encryption key does not open the backup's {SECRETS_FILE}; it was "
                f"sealed under {needed}: give the old key with --kek-file"
            ) from None
        if not hmac.compare_digest(
            str(manifest.get("mac")), manifest_mac(server.audit_key, manifest)
        ):
            raise BackupError("the manifest does not verify: the archive was altered")
        checkpoint = manifest["audit_checkpoint"]
        seq, mac = int(checkpoint["seq"]), checkpoint["mac"]
        anchor = (seq, mac) if seq else None
        with open(staging / AUDIT, "rb") as stream:
            audit_report = verify_stream(stream, server.audit_key, anchor=anchor)
        if not audit_report.ok or audit_report.records != seq:
            raise BackupError(f"the backup's audit log does not verify: {audit_report.problem}")
        for name in (DB, JOURNAL):
            problem = _integrity(staging / name)
            if problem is not None:
                raise BackupError(f"the backup's {name} fails its integrity check: {problem}")
        report = RestoreReport(int(manifest.get("created_at", 0)), seq)
        # Every sealed record must open before anything is replaced.
        with contextlib.closing(_connect(staging / DB)) as db:
            damaged = []
            for column, key, blob in _sealed_rows(db):
                try:
                    ring.open(blob, record_id(column, key))
                    report.records_opened += 1
                except SealedDataError:
                    damaged.append(f"{column} of {key}")
        if damaged:
            raise BackupError(
                f"{len(damaged)} sealed records of the backup do not open (first: {damaged[0]}); "
                "wrong key, or a damaged backup"
            )

        live_records, report.audit_log = _live_audit(config, server.audit_key, anchor)
        install_audit = live_records is None
        _merge_revocations(staging / JOURNAL, journal_path, live_records or [], report)
        _replay_audit(staging / DB, live_records or [], report)
        asyncio.run(_open_and_reseal(staging, ring, seal_ring, report))

        # Install: keep copies of what is replaced, then swap file by file (the journal first:
        # it only ever revokes more).
        aside = _private_dir(data_dir / f"pre-restore-{time.strftime('%Y%m%dT%H%M%S')}")
        report.kept_aside = str(aside)
        _keep_aside(config, journal_path, aside, install_audit=install_audit)
        restore_file(staging / JOURNAL, journal_path)
        restore_file(staging / DB, config.db_path)
        write_private_atomic(data_dir / SECRETS_FILE, (staging / SECRETS_FILE).read_bytes())
        if install_audit:
            write_private_atomic(config.audit_path, (staging / AUDIT).read_bytes())
        if not (data_dir / CONFIG_FILE).exists() and (staging / CONFIG).exists():
            write_private_atomic(data_dir / CONFIG_FILE, (staging / CONFIG).read_bytes())
        _append_restored(config, server.audit_key, manifest, report)
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _live_audit(
    config: ServerConfig, key: bytes, anchor: tuple[int, str] | None
) -> tuple[list[dict[str, Any]] | None, str]:
    """(the live log's records after the checkpoint, what happens to the log). The live log
    stays when the backup's checkpoint is a prefix of it (it is the newer history); when it is
    missing or does not continue the backup's chain, the backup's copy is installed (None)."""
    path = config.audit_path
    if not path.is_file() or path.stat().st_size == 0:
        return None, "installed from the backup (no live audit log)"
    try:
        # A server killed mid-append leaves a torn tail: recover it as the server would (an
        # audit_recovered record); the server is stopped, so this process is the one appender.
        log = AuditLog(path, key)
        log.open()
        log.close()
    except AuditError:
        return None, "installed from the backup (the live log's last record does not verify)"
    report = verify(path, key, anchor=anchor)
    if not report.ok:
        return None, f"installed from the backup (the live log: {report.problem})"
    after = anchor[0] if anchor else 0
    records = []
    with open(path, "rb") as stream:
        for line in stream:
            record = json.loads(line)
            if record["seq"] > after:
                records.append(record)
    return records, "kept (the backup's checkpoint is a prefix of it)"


def _merge_revocations(
    staged: Path, live: Path, records: list[dict[str, Any]], report: RestoreReport
) -> None:
    rows: dict[str, int] = {}
    if live.exists():
        try:
            with contextlib.closing(_connect(live)) as db:
                rows.update(db.execute("SELECT split_id, revoked_at FROM revocations").fetchall())
        except sqlite3.Error as exc:
            raise BackupError(
                f"the live revocation journal {live} cannot be read ({exc}); move it away only "
                "if you are sure no split was revoked after the backup"
            ) from None
    for record in records:
        if record.get("event") == "split_revoked" and record.get("split"):
            rows.setdefault(record["split"], int(record["at"]))
    with contextlib.closing(_connect(staged)) as db:
        db.execute("BEGIN IMMEDIATE")
        before = db.execute("SELECT COUNT(*) FROM revocations").fetchone()[0]
        db.executemany(
            "INSERT OR IGNORE INTO revocations (split_id, revoked_at) VALUES (?, ?)", rows.items()
        )
        after = db.execute("SELECT COUNT(*) FROM revocations").fetchone()[0]
        db.execute("COMMIT")
    report.revocations, report.revocations_from_live = after, after - before


def _replay_audit(staged: Path, records: list[dict[str, Any]], report: RestoreReport) -> None:
    """Roll the restored database forward with what the live audit log says happened after the
    checkpoint, for everything that protects keys (the audit log doubles as a redo log):
    co-signs count as used again (nonces, rolling caps, max uses), delivered shares stay
    delivered, tightened permissions stay tight, frozen wallets frozen, deleted wallets deleted,
    disabled users disabled, used enrollment codes used. Revocations go through the journal.
    What cannot be replayed (wallets and splits made after the backup: their secrets are not in
    the log) is counted for the report."""
    db = _connect(staged)
    try:
        db.execute("PRAGMA foreign_keys = ON")  # a deleted wallet takes its splits with it
        db.execute("BEGIN IMMEDIATE")
        splits = {row[0] for row in db.execute("SELECT id FROM splits")}
        wallets = {row[0] for row in db.execute("SELECT client_id FROM wallets")}
        for record in records:
            if _replay_one(db, record, splits, wallets, report):
                event = record["event"]
                report.replayed[event] = report.replayed.get(event, 0) + 1
        db.execute("COMMIT")
    finally:
        db.close()
    report.uses_replayed = sum(report.replayed.get(e, 0) for e in COSIGN_EVENTS)


def _replay_one(
    db: sqlite3.Connection,
    record: dict[str, Any],
    splits: set[str],
    wallets: set[str],
    report: RestoreReport,
) -> bool:
    event, split, wallet = record.get("event"), record.get("split"), record.get("wallet")
    details = record.get("details") or {}
    at = int(record["at"])
    if event in ("split_created", "split_setup") and split not in splits:
        report.splits_lost.append(split)
        return False
    if event in ("wallet_created", "wallet_imported") and wallet not in wallets:
        report.wallets_lost.append(wallet)
        return False
    if event in COSIGN_EVENTS and record.get("outcome") == "signed" and split in splits:
        # A co-sign the snapshot already holds is recognised by its nonce (transactions); a
        # message co-sign may count twice, which only errs on the strict side.
        nonce_key = f"{wallet}:{details.get('nonce')}" if event == "cosign_transaction" else None
        value = details.get("value") if type(details.get("value")) is int else 0
        cur = db.execute(
            "INSERT OR IGNORE INTO cosigns (request_key, split_id, at, value, nonce_key) "
            "VALUES (?, ?, ?, ?, ?)",
            (f"audit:{record['seq']}", split, at, value, nonce_key),
        )
        if cur.rowcount == 1:
            db.execute(
                "UPDATE splits SET uses = uses + 1, "
                "last_used = MAX(COALESCE(last_used, ?), ?) WHERE id = ?",
                (at, at, split),
            )
        return cur.rowcount == 1
    if event in ("share_retrieved", "share_code_redeemed") and split in splits:
        # Delivered once: the restored copy must not hand the same share out again.
        db.execute("UPDATE splits SET sealed_user_share = NULL WHERE id = ?", (split,))
        if event == "share_code_redeemed":
            db.execute("UPDATE splits SET holder_id = ? WHERE id = ?", (record["actor"], split))
            db.execute(
                "UPDATE share_codes SET redeemed_by = ? WHERE split_id = ? AND redeemed_by IS NULL",
                (record["actor"], split),
            )
        return True
    if event == "split_refreshed" and split in splits:
        # The backup holds the pair from before the refresh, and the refreshed server share is
        # not in the log: the old pair must not sign again, so the split goes (fail closed; its
        # owner registers the wallet again from the words).
        row = db.execute("SELECT share_public_key FROM splits WHERE id = ?", (split,)).fetchone()
        if row is None or row[0] == details.get("share_public_key"):
            return False  # the backup already has the refreshed pair
        sql = (
            "UPDATE splits SET status = 'revoked', sealed_server_share = NULL, "
            "sealed_user_share = NULL, revoked_at = ? WHERE id = ? AND status = 'active'"
        )
        return db.execute(sql, (at, split)).rowcount == 1
    if (
        event == "permissions_changed"
        and split in splits
        and isinstance(details.get("after"), dict)
    ):
        text = json.dumps(details["after"], sort_keys=True, separators=(",", ":"))
        return (
            db.execute("UPDATE splits SET permissions = ? WHERE id = ?", (text, split)).rowcount
            == 1
        )
    if event in ("wallet_frozen", "wallet_unfrozen") and wallet in wallets:
        frozen = int(event == "wallet_frozen")
        sql = "UPDATE wallets SET frozen = ? WHERE client_id = ?"
        return db.execute(sql, (frozen, wallet)).rowcount == 1
    if event in ("wallet_deletion_scheduled", "wallet_deletion_cancelled") and wallet in wallets:
        when = details.get("delete_after") if event == "wallet_deletion_scheduled" else None
        sql = "UPDATE wallets SET delete_after = ? WHERE client_id = ?"
        return db.execute(sql, (when, wallet)).rowcount == 1
    if event in ("wallet_deleted", "wallet_record_removed") and wallet in wallets:
        wallets.discard(wallet)
        return db.execute("DELETE FROM wallets WHERE client_id = ?", (wallet,)).rowcount == 1
    user = details.get("user")
    if event == "user_disabled" and isinstance(user, str):
        sql = (
            "UPDATE users SET enabled = 0, tokens_valid_after = MAX(tokens_valid_after, ?) "
            "WHERE id = ?"
        )
        return db.execute(sql, (at, user)).rowcount == 1
    if event == "user_enabled" and isinstance(user, str):
        return db.execute("UPDATE users SET enabled = 1 WHERE id = ?", (user,)).rowcount == 1
    if event == "enrolled" and isinstance(user, str):
        # The log names the user, not the code: every code of theirs then pending counts used.
        sql = "UPDATE enrollment_codes SET used_at = ? WHERE user_id = ? AND used_at IS NULL"
        return db.execute(sql, (at, user)).rowcount > 0
    return False


async def _open_and_reseal(
    staging: Path, ring: KekRing, seal_ring: KekRing, report: RestoreReport
) -> None:
    """Open the staged copy as the server will (migrations, journal replay), re-seal what the
    configured ring cannot open, and check it all."""
    storage = SQLiteStorage(staging / DB, journal_path=staging / JOURNAL)
    try:
        await storage.open()  # refuses a schema newer than this server knows
    except StorageError as exc:
        raise BackupError(f"the backup's database cannot be opened: {exc}") from None
    try:
        for column, key, blob in await storage.sealed_blobs():
            if ring.kek_id_of(blob) in seal_ring.ids:
                continue
            rid = record_id(column, key)
            if await storage.replace_sealed(
                column, key, blob, seal_ring.seal(ring.open(blob, rid), rid)
            ):
                report.resealed += 1
        secrets_blob = (staging / SECRETS_FILE).read_bytes()
        if ring.kek_id_of(secrets_blob) not in seal_ring.ids:
            plain = ring.open(secrets_blob, SECRETS_RECORD)
            write_private_atomic(staging / SECRETS_FILE, seal_ring.seal(plain, SECRETS_RECORD))
            report.resealed += 1
        if not await storage.check(full=True):
            raise BackupError("the restored database fails its integrity check")
        journaled = {s for (s,) in _rows(staging / JOURNAL, "SELECT split_id FROM revocations")}
        report.revoked_active_after = sum(
            1 for s in await storage.list_splits() if s.id in journaled and s.status == "active"
        )
        if report.revoked_active_after:
            raise BackupError("a journaled revocation did not apply; nothing was replaced")
    finally:
        await storage.close()


def _rows(path: Path, sql: str) -> list[tuple]:
    with contextlib.closing(_connect(path)) as db:
        return db.execute(sql).fetchall()


def _keep_aside(config: ServerConfig, journal: Path, aside: Path, *, install_audit: bool) -> None:
    """Copy what the restore replaces into `aside` (copies: if the restore stops half-way, the
    live files are still where the server looks for them)."""
    for path in (config.db_path, journal):
        if path.exists():
            try:
                _snapshot(path, aside / path.name)
            except sqlite3.Error:
                # A damaged database cannot be read through SQLite: keep its raw files.
                for suffix in ("", "-wal", "-shm"):
                    raw = path.with_name(path.name + suffix)
                    if raw.exists():
                        shutil.copyfile(raw, aside / raw.name)
    for path in (config.data_dir / SECRETS_FILE, *([config.audit_path] if install_audit else [])):
        if path.exists():
            shutil.copyfile(path, aside / path.name)
    for child in aside.iterdir():
        os.chmod(child, 0o600)
    fsync_dir(aside)


def _append_restored(
    config: ServerConfig, key: bytes, manifest: dict[str, Any], report: RestoreReport
) -> None:
    log = AuditLog(config.audit_path, key)
    try:
        log.append(
            "backup_restored",
            actor="system",
            outcome="ok",
            details={
                "backup_created_at": report.backup_created_at,
                "checkpoint_seq": report.checkpoint_seq,
                "revocations": report.revocations,
                "revocations_from_live": report.revocations_from_live,
                "uses_replayed": report.uses_replayed,
                "replayed": report.replayed,
                "splits_lost": len(report.splits_lost),
                "wallets_lost": len(report.wallets_lost),
                "resealed": report.resealed,
                "audit_log": report.audit_log,
            },
        )
    except AuditError as exc:
        raise BackupError(f"restored, but the audit record could not be written: {exc}") from None
    finally:
        log.close()
