"""`splitkey-cosigner backup | restore | rotate-kek`: the operations commands, registered by
`register(subparsers)` with the CLI's conventions (--data-dir, --json, the exit statuses of
app/protocol/exit_codes.py, one-line errors).

* backup reads the data directory from this process, beside a running server or a stopped one
  (backup.py says why that is safe and why it is not an HTTP route);
* restore writes the data directory of a STOPPED server, with the KEK;
* rotate-kek changes the KEK source and then asks the RUNNING server to reload it and re-seal
  in the background (kek_rotation.py): the server owns the database while it runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.tables import fmt_time

from ._base import (
    EXIT_OK,
    EXIT_PROBLEM,
    CliError,
    admin_client,
    check_tls_name,
    common_options,
    config_of,
    configured_ring,
    data_dir_of,
    emit,
    remote_options,
    require_initialised,
    tls_info,
)

if TYPE_CHECKING:  # only for annotations: the configuration module loads on use
    from ..config import ServerConfig

# How long rotate-kek waits for the background rewrap before it says "still running".
DEFAULT_WAIT = 600.0
POLL_SECONDS = 0.5


def register(subparsers: argparse._SubParsersAction) -> None:
    common, remote = common_options(), remote_options()

    p = subparsers.add_parser(
        "backup", parents=[common], help="a consistent backup archive, also while serving"
    )
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="the archive to write")
    p.set_defaults(func=cmd_backup)

    p = subparsers.add_parser(
        "restore", parents=[common], help="restore a backup into a stopped server's data dir"
    )
    p.add_argument("--from", dest="source", type=Path, required=True, metavar="FILE")
    p.add_argument(
        "--kek-file",
        type=Path,
        default=None,
        metavar="PATH",
        help="extra key-encryption keys (a 0600 key file), e.g. retired ones an old backup needs",
    )
    # A backup never holds the TLS key: on a new machine, bring the old pair or get a new one.
    p.add_argument(
        "--tls-cert",
        type=Path,
        default=None,
        metavar="FILE",
        help="the old server's certificate, to keep its pinned fingerprint",
    )
    p.add_argument(
        "--tls-key",
        type=Path,
        default=None,
        metavar="FILE",
        help="the old server's TLS private key (with --tls-cert)",
    )
    p.add_argument(
        "--tls-name",
        action="append",
        default=[],
        metavar="NAME",
        help="host name or address for a NEW certificate (repeat)",
    )
    p.set_defaults(func=cmd_restore)

    p = subparsers.add_parser(
        "rotate-kek",
        parents=[common, remote],
        help="add a new key-encryption key online and re-seal everything under it",
    )
    p.add_argument(
        "--retire",
        action="store_true",
        help="drop the old keys once no record uses them (backups made before need them)",
    )
    p.add_argument(
        "--keep-retired",
        type=Path,
        default=None,
        metavar="FILE",
        help="with --retire: write the retired keys to this new 0600 file first",
    )
    p.add_argument(
        "--reload",
        action="store_true",
        help="add no key: have the server load its key source again (after it was changed) and "
        "re-seal under its current key (the systemd unit's ExecReload)",
    )
    p.add_argument("--no-wait", action="store_true", help="do not wait for the re-sealing")
    p.add_argument("--timeout", type=float, default=DEFAULT_WAIT, metavar="S")
    p.set_defaults(func=cmd_rotate_kek)


# -- keys ----------------------------------------------------------------------------------------


def _subset(ring, keep: list[str]):
    from ..envelope import parse_kek_text

    entries = [e for e in ring.to_text().split(",") if e.split(":", 1)[0] in keep]
    return parse_kek_text(",".join(entries), "ring")


def _merged(first, second):
    """Keys of both rings; the first one's current key stays current."""
    from ..envelope import parse_kek_text

    if first is None:
        return second
    if second is None:
        return first
    text = ",".join([second.to_text(), first.to_text()])  # the last entry seals
    return parse_kek_text(text, "ring")


def _write_source(config: ServerConfig, ring) -> str | None:
    """Store the ring where the server reads it. Returns the text to show for an env source."""
    from app.files import write_private_atomic

    from ..bootstrap import kek_config
    from ..envelope import store_kek_in_keyring

    text = ring.to_text()
    if config.kek_source == "file":
        # A rename: the file holds the old ring or the new one, both open every record.
        write_private_atomic(config.path("kek_file"), text.encode("ascii") + b"\n")
        return None
    if config.kek_source == "keyring":
        store_kek_in_keyring(text, kek_config(config))
        return None
    return text


# -- backup --------------------------------------------------------------------------------------


def cmd_backup(args: argparse.Namespace) -> int:
    from ..backup import BackupError, create_backup

    config = config_of(args)
    require_initialised(config)
    ring = configured_ring(config)
    out = Path(args.out).expanduser().resolve()
    if out.exists():
        raise CliError(f"{out} exists; refusing to overwrite a backup")
    started = time.monotonic()
    if config.database_url:
        return _pg_backup(args, config, ring, out, started)
    try:
        manifest = create_backup(config, ring, out)
    except BackupError as exc:
        raise CliError(str(exc), EXIT_PROBLEM) from None
    except OSError as exc:
        raise CliError(f"backup failed: {exc.strerror or exc}", EXIT_PROBLEM) from None
    result = {
        "archive": str(out),
        "bytes": out.stat().st_size,
        "seconds": round(time.monotonic() - started, 3),
        "manifest": manifest,
    }

    def human(r: dict) -> str:
        m = r["manifest"]
        db, cp = m["database"], m["audit_checkpoint"]
        return "\n".join(
            [
                f"Backup written: {r['archive']} ({r['bytes']} bytes, {r['seconds']} s)",
                f"  audit checkpoint: seq {cp['seq']} ({cp['mac']})",
                f"  database:         {db['wallets']} wallets, {db['splits_active']} active and "
                f"{db['splits_revoked']} revoked splits, {db['cosigns']} co-signs",
                f"  revocations:      {m['revocations']} in the journal",
                f"  sealed under:     {', '.join(m['kek_ids'])} (the KEK is not in the archive; "
                "restore needs it)",
                "  secrets.sealed is included (sealed by the KEK); the TLS key is not.",
            ]
        )

    emit(args, result, human)
    return EXIT_OK


# -- restore -------------------------------------------------------------------------------------


def _restore_config(args: argparse.Namespace):
    """The data directory's settings; for a directory without config.toml (a new machine),
    the backup's own config.toml, read from the archive without writing anything yet."""
    import tarfile

    from ..config import CONFIG_FILE, ConfigError, load_config

    data_dir = data_dir_of(args).resolve()
    if (data_dir / CONFIG_FILE).exists():
        return config_of(args)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            with tarfile.open(args.source, mode="r:*") as tar:
                member = tar.getmember(CONFIG_FILE)
                if member.isreg() and member.size < 1 << 20:
                    Path(tmp, CONFIG_FILE).write_bytes(tar.extractfile(member).read())
        except (OSError, KeyError, tarfile.TarError):
            pass  # no config in the archive either: the defaults
        try:
            config = load_config(tmp)
        except ConfigError as exc:
            raise CliError(f"the backup's configuration: {exc}") from None
    return dataclasses.replace(config, data_dir=data_dir)


def _pg_backup(args, config, ring, out: Path, started: float) -> int:
    from ..backup import BackupError
    from ..pg_backup import create_pg_backup

    try:
        manifest = create_pg_backup(config, ring, out)
    except (BackupError, OSError) as exc:
        raise CliError(f"backup failed: {exc}", EXIT_PROBLEM) from None
    result = {"archive": str(out), "bytes": out.stat().st_size,
              "seconds": round(time.monotonic() - started, 3), "manifest": manifest}  # fmt: skip
    emit(args, result, lambda r: (
        f"Backup written: {r['archive']} ({r['bytes']} bytes, {r['seconds']} s): pg_dump of the "
        f"database, audit checkpoint seq {r['manifest']['audit_checkpoint']['seq']}; the KEK and "
        "the TLS key are not in it."))  # fmt: skip
    return EXIT_OK


def _pg_restore(args, config, source: Path, ring, tls_choice) -> int:
    from ..backup import BackupError
    from ..pg_backup import restore_pg_backup

    try:
        report = restore_pg_backup(config, source, ring)
    except (BackupError, OSError) as exc:
        raise CliError(f"restore failed: {exc}", EXIT_PROBLEM) from None
    report["data_dir"] = str(config.data_dir)
    report["tls"] = _restored_tls(config.data_dir, tls_choice)

    def human(r: dict) -> str:
        lines = [f"Restored the PostgreSQL backup of {fmt_time(r['backup_created_at'])}.",
                 f"  journal and audit chain: {r['journal']}; {r['revocations']} revocations",
                 f"  rolled forward from the audit chain after seq {r['checkpoint_seq']}: "
                 f"{sum(r['replayed'].values())} changes"]  # fmt: skip
        if r["tls"]:
            lines.append(f"  TLS certificate ({r['tls']['action']}): clients pin "
                         f"{r['tls']['fingerprint']}")  # fmt: skip
        return "\n".join(lines)

    emit(args, report, human)
    return EXIT_OK


def _restored_tls(data_dir: Path, choice) -> dict[str, Any] | None:
    """The certificate the restored server will serve, and the fingerprint clients must pin."""
    from ..config import load_config
    from ..restore_tls import RestoreTlsError, settle_certificate

    config = load_config(data_dir)
    try:
        action = settle_certificate(config, choice)
    except (RestoreTlsError, OSError) as exc:
        raise CliError(
            f"restored, but the TLS certificate is not ready: {exc}", EXIT_PROBLEM
        ) from None
    if action is None:
        return None
    return {**tls_info(config), "action": action}


def cmd_restore(args: argparse.Namespace) -> int:
    from ..backup import BackupError, restore_backup
    from ..envelope import KekError, read_kek_file
    from ..restore_tls import RestoreTlsError, TlsChoice

    source = Path(args.source).expanduser()
    if not source.is_file():
        raise CliError(f"no backup archive at {source}")
    tls_choice = TlsChoice(args.tls_cert, args.tls_key, tuple(args.tls_name))
    try:
        tls_choice.check()
    except RestoreTlsError as exc:
        raise CliError(str(exc)) from None
    for name in args.tls_name:
        check_tls_name(name)
    config = _restore_config(args)
    extra = None
    if args.kek_file is not None:
        try:
            extra = read_kek_file(Path(args.kek_file).expanduser())
        except KekError as exc:
            raise CliError(str(exc)) from None
        if extra is None:
            raise CliError(f"no key file at {args.kek_file}")
    configured = configured_ring(config, required=extra is None)
    ring = _merged(configured, extra)
    if configured is None:
        # A new machine: the key given becomes the data directory's key source.
        if config.kek_source != "file":
            raise CliError(
                f"the data directory reads its key from the {config.kek_source}; put it there "
                "before restoring"
            )
        config.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_source(config, extra)
    if config.database_url:
        return _pg_restore(args, config, source, ring, tls_choice)
    try:
        report = restore_backup(config, source, ring, seal_ring=configured or extra)
    except BackupError as exc:
        raise CliError(str(exc), EXIT_PROBLEM) from None
    except OSError as exc:
        raise CliError(f"restore failed: {exc.strerror or exc}", EXIT_PROBLEM) from None
    result = dataclasses.asdict(report)
    result["data_dir"] = str(config.data_dir)
    result["tls"] = _restored_tls(config.data_dir, tls_choice)

    def human(r: dict) -> str:
        when = fmt_time(r["backup_created_at"])
        lines = [
            f"Restored the backup of {when} into {r['data_dir']}.",
            f"  sealed records opened:  {r['records_opened']} (re-sealed: {r['resealed']})",
            f"  revocations journaled:  {r['revocations']} "
            f"({r['revocations_from_live']} newer than the backup, re-applied)",
            f"  rolled forward:         {r['uses_replayed']} co-signs (nonces and limits stay "
            f"used) and {sum(r['replayed'].values()) - r['uses_replayed']} other changes from "
            f"the audit log after seq {r['checkpoint_seq']}",
            f"  audit log:              {r['audit_log']}",
            f"  replaced files kept in: {r['kept_aside']}",
        ]
        if r["tls"]:
            t = r["tls"]
            verb = {
                "kept": "kept",
                "installed": "installed from the files given",
                "made": "NEW (made now: the old one was not in the backup)",
            }[t["action"]]
            lines.append(f"  TLS certificate:        {verb}; clients pin {t['fingerprint']}")
        if r["splits_lost"] or r["wallets_lost"]:
            lines.append(
                f"  NOT in the backup: {len(r['wallets_lost'])} wallets and "
                f"{len(r['splits_lost'])} splits made after it (their holders need new ones; "
                "the audit log lists them)"
            )
        return "\n".join(lines)

    emit(args, result, human)
    return EXIT_OK


# -- rotate-kek ----------------------------------------------------------------------------------


def _old_in_use(status: dict[str, Any]) -> dict[str, int]:
    return {
        k: n for k, n in status["sealed"].items() if k not in (status["current"], "damaged") and n
    }


def _wait(api, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    status = api.kek_status()
    while status["rewrap"]["running"]:
        if time.monotonic() > deadline:
            raise CliError(
                f"the re-sealing is still running after {timeout:g} s "
                f"({status['rewrap']['resealed']} done); run rotate-kek again to follow it",
                EXIT_PROBLEM,
            )
        time.sleep(POLL_SECONDS)
        status = api.kek_status()
    return status


def _show_ring(args: argparse.Namespace, text: str, why: str) -> None:
    """An environment-variable KEK lives only with the administrator: show the new ring BEFORE
    the server re-seals anything (after that the old value alone no longer opens every record).
    With --json it goes to stderr, so stdout stays one JSON document."""
    stream = sys.stderr if getattr(args, "json", False) else sys.stdout
    print(f"{why}:\n  export SPLITKEY_COSIGNER_KEK='{text}'", file=stream, flush=True)


def cmd_rotate_kek(args: argparse.Namespace) -> int:
    from ..envelope import generate_kek, parse_kek_text

    if args.keep_retired is not None and not args.retire:
        raise CliError("--keep-retired goes with --retire")
    if args.reload and args.retire:
        raise CliError("--reload and --retire are two different steps; run them one at a time")
    config = config_of(args)
    require_initialised(config)
    ring = configured_ring(config)
    shown: str | None = None
    with admin_client(args) as api:
        before = api.kek_status()
        if args.retire:
            return _retire(args, config, api, ring, before)
        if args.reload:
            action, new_ring = "reloaded", ring
        elif ring.current_id != before["current"] or _old_in_use(before):
            # A rotation that stopped half-way (the source has a key the server did not load,
            # or records are still under an old key): finish it instead of adding another key.
            action, new_ring = "resumed", ring
        else:
            action = "rotated"
            new_ring = parse_kek_text(ring.to_text(), "ring")
            new_ring.add(generate_kek())
            shown = _write_source(config, new_ring)
        if shown is not None:
            # An environment variable: the running server cannot see a new value, and the
            # ring is never sent to it over HTTP (kek_rotation.py says why). The administrator
            # stores it and restarts the server with it; running rotate-kek again (with the new
            # value exported here too) then re-seals online.
            _show_ring(args, shown, "New key ring (store it now)")
            result = {"action": "restart_required", "current": new_ring.current_id,
                      "keys": new_ring.ids}  # fmt: skip
            emit(
                args,
                result,
                lambda r: (
                    "Restart the server with this value (and export it here), then run "
                    "`splitkey-cosigner rotate-kek` again: it re-seals every record under "
                    f"{r['current']}. Until then the server keeps its current key."
                ),
            )
            return EXIT_OK
        status = api.kek_reload()
        if status.get("waiting_for") and status.get("loaded") == new_ring.current_id:
            # Replicas: this one holds the new key but seals nothing under it (and re-seals
            # nothing) while a live replica lacks it.
            raise CliError(
                f"re-sealing under {new_ring.current_id} refused: live replicas lack it: "
                f"{', '.join(status['waiting_for'])}. Give each the new ring (`rotate-kek "
                "--reload` there, or restart it with it), then run rotate-kek again",
                EXIT_PROBLEM,
            )
        if status["current"] != new_ring.current_id:
            hint = (
                "restart the server with the new $SPLITKEY_COSIGNER_KEK first"
                if config.kek_source == "env"
                else "does $SPLITKEY_COSIGNER_KEK override its key source?"
            )
            raise CliError(
                f"the server loaded key {status['current']}, not {new_ring.current_id}: {hint}",
                EXIT_PROBLEM,
            )
        if not args.no_wait:
            status = _wait(api, args.timeout)
    result = {
        "action": action,
        "current": status["current"],
        "keys": status["keys"],
        "sealed": status["sealed"],
        "rewrap": status["rewrap"],
        "old_keys_in_use": _old_in_use(status),
    }

    def human(r: dict) -> str:
        rw = r["rewrap"]
        lines = [
            f"Key-encryption key {r['action']}: current {r['current']} (ring: "
            f"{', '.join(r['keys'])})",
            f"  re-sealed: {rw['resealed']} records in {rw['passes']} passes"
            + (" (still running)" if rw["running"] else ""),
            f"  sealed per key: {', '.join(f'{k} {n}' for k, n in sorted(r['sealed'].items()))}",
        ]
        if rw["damaged"]:
            lines.append(f"  DAMAGED: {rw['damaged']} records do not open; left as they are")
        if rw["error"]:
            lines.append(f"  stopped: {rw['error']}")
        if not r["old_keys_in_use"] and len(r["keys"]) > 1:
            lines.append(
                "  the old keys seal nothing now; `rotate-kek --retire` drops them (backups made "
                "before this rotation need them: keep a copy with --keep-retired FILE)"
            )
        return "\n".join(lines)

    emit(args, result, human)
    bad = status["rewrap"]["error"] or status["rewrap"]["damaged"]
    return EXIT_PROBLEM if bad else EXIT_OK


def _retire(args, config, api, ring, status: dict[str, Any]) -> int:
    from ..envelope import write_kek_file

    current = status["current"]
    old = [k for k in status["keys"] if k != current]
    if status.get("waiting_for"):
        raise CliError(
            f"--retire refused: live replicas lack key {status.get('loaded')}: "
            f"{', '.join(status['waiting_for'])}. Give each the new ring (`rotate-kek --reload` "
            "there) and run rotate-kek again first",
            EXIT_PROBLEM,
        )
    lack = [r["id"] for r in status.get("replicas", []) if r["live"] and current not in r["keys"]]
    if lack:
        raise CliError(
            f"--retire refused: live replicas lack key {current}: {', '.join(lack)}",
            EXIT_PROBLEM,
        )
    if ring.current_id != current:
        raise CliError(
            f"the key source's current key {ring.current_id} is not the server's {current}: "
            "run rotate-kek (without --retire) first",
            EXIT_PROBLEM,
        )
    in_use = _old_in_use(status)
    if status["rewrap"]["running"] or in_use:
        detail = ", ".join(f"{k}: {n}" for k, n in in_use.items()) or "re-sealing"
        raise CliError(
            f"old keys still seal records ({detail}); wait for the re-sealing to finish",
            EXIT_PROBLEM,
        )
    if old:
        if args.keep_retired is not None:
            try:
                write_kek_file(Path(args.keep_retired).expanduser(), _subset(ring, old).to_text())
            except FileExistsError:
                raise CliError(f"{args.keep_retired} exists; refusing to overwrite it") from None
        kept = _subset(ring, [current])
        shown = _write_source(config, kept)
        if shown is not None:
            # An environment variable: the server keeps the old keys until restarted with this.
            _show_ring(args, shown, "New key ring, old keys removed (restart the server with it)")
            result = {"retired": old, "current": current, "keys": kept.ids}
            emit(args, result, lambda r: f"Retired {', '.join(r['retired'])} (at restart)")
            return EXIT_OK
        status = api.kek_reload()
    result = {"retired": old, "current": status["current"], "keys": status["keys"]}
    emit(
        args,
        result,
        lambda r: (
            f"Retired {', '.join(r['retired'])}; the ring is now {', '.join(r['keys'])}"
            if r["retired"]
            else f"Nothing to retire: the ring is {', '.join(r['keys'])}"
        ),
    )
    return EXIT_OK
