"""Backup and restore of the PostgreSQL backend (database_url): pg_dump + the journal reconcile.

Backup (beside running replicas; it only reads):
  1. the audit head (seq, mac) first: replicas commit a use before its audit record and the
     record before the answer, so everything acknowledged before this point is in step 2;
  2. pg_dump -Fc of the whole database (one snapshot: data, journal and audit chain agree);
  3. an archive (tar.gz, 0600): database.dump, secrets.sealed, config.toml and manifest.json
     (sha256 per file, the checkpoint, an HMAC under the audit key). Sealed values stay sealed;
     never the KEK, never the TLS key.

Restore (replicas stopped):
  * into a database that has the journal schema (the same database, or its standby): only the
    data schema is replaced (pg_restore --clean -n splitkey). The journal and the audit chain
    are left alone: the chain is never rolled back, and PostgresStorage.open() re-applies every
    journaled revocation, so an older dump never revives a revoked split;
  * the data is rolled forward from the live chain after the dump's checkpoint: co-signs count
    as used again (caps, max uses, the nonce counts), delivered shares stay delivered,
    tightened permissions, freezes and disabled users stay as they were;
  * into an empty database (a new machine): everything is restored from the dump.
For "nothing acknowledged is lost" after losing the database's disk, a dump is not enough: run
PostgreSQL with WAL archiving (point-in-time recovery) or a synchronous standby.
"""

from __future__ import annotations

import asyncio
import glob
import hmac
import json
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

from app.files import write_private_atomic

from .audit import verify_stream
from .audit_db import JOURNAL_SCHEMA
from .backup import BackupError, _private_dir, _sha256_file, finish_archive, manifest_mac
from .bootstrap import SECRETS_FILE, SECRETS_RECORD, ServerSecrets
from .config import CONFIG_FILE, ServerConfig
from .envelope import KekRing, SealedDataError

FORMAT = "splitkey-cosigner-pg-backup/1"
MANIFEST, DUMP = "manifest.json", "database.dump"
MEMBERS = (DUMP, SECRETS_FILE, CONFIG_FILE)
_COSIGNS = ("cosign_transaction", "cosign_message", "cosign_auth_headers")


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: the newest installed (it must not be older than the server)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(p.split("/")[-3]))  # fmt: skip
    tool = found[-1] if found else shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return tool


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        # pg_dump's messages name objects and the server, never row contents.
        lines = done.stderr.strip().splitlines() or ["failed"]
        first_error = next((line for line in lines if "error:" in line), lines[-1])
        raise BackupError(f"{Path(argv[0]).name}: {first_error}")


def _secrets(blob: bytes, ring: KekRing) -> ServerSecrets:
    try:
        return ServerSecrets.from_bytes(ring.open(blob, SECRETS_RECORD))
    except SealedDataError:
        raise BackupError(
            f"the key-encryption key does not open {SECRETS_FILE}: give the old key with --kek-file"
        ) from None


def _connect(url: str):
    import psycopg

    try:
        return psycopg.connect(url, connect_timeout=10, autocommit=True)
    except psycopg.Error as exc:
        raise BackupError(f"cannot connect to PostgreSQL ({type(exc).__name__})") from None


def create_pg_backup(config: ServerConfig, ring: KekRing, out: Path) -> dict[str, Any]:
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} exists; refusing to overwrite a backup")
    secrets_blob = (config.data_dir / SECRETS_FILE).read_bytes()
    server = _secrets(secrets_blob, ring)
    with _connect(config.database_url) as conn:
        seq, mac = conn.execute(f"SELECT seq, mac FROM {JOURNAL_SCHEMA}.audit_head").fetchone()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = _private_dir(out.parent / f".{out.name}.tmp")
    try:
        _run([pg_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(staging / DUMP),
              "-d", config.database_url])  # fmt: skip
        os.chmod(staging / DUMP, 0o600)
        write_private_atomic(staging / SECRETS_FILE, secrets_blob)
        shutil.copyfile(config.data_dir / CONFIG_FILE, staging / CONFIG_FILE)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": int(time.time()),
            "audit_checkpoint": {"seq": seq, "mac": mac},
            "plaintext_secrets": False,
        }
        return finish_archive(staging, manifest, list(MEMBERS), server.audit_key, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _extract(archive: Path, staging: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for member in tar:
                if member.name not in (MANIFEST, *MEMBERS) or not member.isreg():
                    raise BackupError(f"unexpected member {member.name!r} in the archive; refused")
                with open(staging / member.name, "xb") as dest:
                    shutil.copyfileobj(tar.extractfile(member), dest)
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise BackupError(f"{archive} is not a readable backup ({type(exc).__name__})") from None
    try:
        manifest = json.loads((staging / MANIFEST).read_bytes())
    except (OSError, ValueError):
        raise BackupError("the archive has no readable manifest.json") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"not a {FORMAT} archive")
    for name in MEMBERS:
        meta = manifest.get("files", {}).get(name)
        if (
            not (staging / name).exists()
            or not meta
            or _sha256_file(staging / name) != meta.get("sha256")
        ):
            raise BackupError(f"{name} in the archive does not match its sha256 (altered?)")
    return manifest


def restore_pg_backup(config: ServerConfig, archive: Path, ring: KekRing) -> dict[str, Any]:
    data_dir = config.data_dir
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = _private_dir(data_dir / f".restore-{os.getpid()}")
    try:
        manifest = _extract(Path(archive), staging)
        server = _secrets((staging / SECRETS_FILE).read_bytes(), ring)
        if not hmac.compare_digest(str(manifest.get("mac")), manifest_mac(server.audit_key,
                                                                          manifest)):  # fmt: skip
            raise BackupError("the manifest does not verify: the archive was altered")
        url = config.database_url
        with _connect(url) as conn:
            live = conn.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                "AND table_name = 'revocations'",
                (JOURNAL_SCHEMA,),
            ).fetchone()
            # pg_restore -n restores the objects of a schema, not the schema itself.
            for schema in ("splitkey", JOURNAL_SCHEMA):
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        schemas = ["-n", "splitkey"] if live else ["-n", "splitkey", "-n", JOURNAL_SCHEMA]
        _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", *schemas,
              "-d", url, str(staging / DUMP)])  # fmt: skip
        report = {"backup_created_at": manifest["created_at"],
                  "checkpoint_seq": manifest["audit_checkpoint"]["seq"],
                  "journal": "kept (newer than the dump)" if live else "restored from the dump",
                  "replayed": {}}  # fmt: skip
        with _connect(url) as conn, conn.transaction():
            _roll_forward(conn, server.audit_key, manifest["audit_checkpoint"], report)
        asyncio.run(_reopen(url, report))
        write_private_atomic(data_dir / SECRETS_FILE, (staging / SECRETS_FILE).read_bytes())
        if not (data_dir / CONFIG_FILE).exists():
            write_private_atomic(data_dir / CONFIG_FILE, (staging / CONFIG_FILE).read_bytes())
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _roll_forward(conn, key: bytes, checkpoint: dict, report: dict) -> None:
    """Re-apply what the live chain records after the dump: nothing that protected a key is
    given back by going back in time. The chain must verify first."""
    import io

    lines = [r[0] for r in conn.execute(
        f"SELECT line FROM {JOURNAL_SCHEMA}.audit_records ORDER BY seq")]  # fmt: skip
    stream = io.BytesIO("".join(line + "\n" for line in lines).encode("ascii"))
    anchor = (checkpoint["seq"], checkpoint["mac"]) if checkpoint["seq"] else None
    verified = verify_stream(stream, key, anchor=anchor)
    if not verified.ok:
        raise BackupError(f"the live audit chain does not verify: {verified.problem}")
    conn.execute("SET search_path = splitkey")
    for line in lines[checkpoint["seq"] :]:
        record = json.loads(line)
        if _replay(conn, record):
            report["replayed"][record["event"]] = report["replayed"].get(record["event"], 0) + 1


def _replay(conn, record: dict) -> bool:
    event, split, wallet = record["event"], record["split"], record["wallet"]
    details, at = record.get("details") or {}, int(record["at"])
    if event in _COSIGNS and record["outcome"] == "signed":
        nonce = details.get("nonce") if event == "cosign_transaction" else None
        value = details.get("value") if type(details.get("value")) is int else 0
        inserted = conn.execute(
            "INSERT INTO cosigns (request_key, split_id, at, value, nonce_key, nonce_wallet, "
            "nonce) SELECT %s, id, %s, %s, %s, %s, %s FROM splits WHERE id = %s "
            "ON CONFLICT DO NOTHING RETURNING 1",
            (f"audit:{record['seq']}", at, value, None if nonce is None else f"{wallet}:{nonce}",
             None if nonce is None else wallet, nonce, split),
        ).fetchone()  # fmt: skip
        if inserted:
            conn.execute("UPDATE splits SET uses = uses + 1, last_used = GREATEST("
                         "COALESCE(last_used, %s), %s) WHERE id = %s", (at, at, split))  # fmt: skip
        return bool(inserted)
    if event in ("share_retrieved", "share_code_redeemed"):
        sql = "UPDATE splits SET sealed_user_share = NULL WHERE id = %s"
        return conn.execute(sql, (split,)).rowcount == 1
    if event == "permissions_changed" and isinstance(details.get("after"), dict):
        text = json.dumps(details["after"], sort_keys=True, separators=(",", ":"))
        sql = "UPDATE splits SET permissions = %s WHERE id = %s"
        return conn.execute(sql, (text, split)).rowcount == 1
    if event in ("wallet_frozen", "wallet_unfrozen"):
        sql = "UPDATE wallets SET frozen = %s WHERE client_id = %s"
        return conn.execute(sql, (event == "wallet_frozen", wallet)).rowcount == 1
    if event == "wallet_deleted":
        return conn.execute("DELETE FROM wallets WHERE client_id = %s", (wallet,)).rowcount == 1
    if event == "user_disabled" and isinstance(details.get("user"), str):
        sql = ("UPDATE users SET enabled = FALSE, tokens_valid_after = "
               "GREATEST(tokens_valid_after, %s) WHERE id = %s")  # fmt: skip
        return conn.execute(sql, (at, details["user"])).rowcount == 1
    return False


async def _reopen(url: str, report: dict) -> None:
    """Open as a replica will (migrations, journal re-applied) and count what it holds."""
    from .storage.postgres import PostgresStorage

    storage = PostgresStorage(url, pool_size=1)
    await storage.open()
    try:
        if not await storage.check(full=True):
            raise BackupError("after the restore a journaled revocation is still active")
        rows = await storage._rows(f"SELECT count(*) FROM {JOURNAL_SCHEMA}.revocations")
        report["revocations"] = rows[0][0]
    finally:
        await storage.close()
