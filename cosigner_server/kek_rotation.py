"""Rotating the key-encryption key (KEK) while the server runs.

The protocol (driven by `splitkey-cosigner rotate-kek`, cli/ops.py):
  1. the CLI writes the KEK source with the old keys AND a new one, the new one last (current);
  2. POST /v1/admin/kek/reload: the server reads that ring from its source, checks that it
     opens secrets.sealed and still holds every key some record is sealed under, swaps it in
     (new records are sealed under the new key from then on) and starts the background rewrap
     (an environment-variable source: after the administrator restarted the server with it);
  3. the rewrap re-seals every sealed value not under the current key, ONE record per
     transaction, compare-and-swap (a revocation that NULLed the value in the meantime wins),
     then secrets.sealed (write a copy, fsync, rename). It repeats passes until one finds nothing
     left, so a record sealed with the old ring just before the swap is caught too;
  4. `rotate-kek --retire` drops the old keys from the source once GET /v1/admin/kek counts 0
     records under them, and reloads; the server refuses a ring that lacks a key still in use.
With replicas (PostgreSQL) every replica records in the database which KEK ids its ring holds
(replicas table: at start, at each reload and every REPLICA_HEARTBEAT seconds, stamped with the
database's clock). A replica seals under a key only once every live replica (seen within
REPLICA_LIVE_WINDOW) holds it: until then a reload keeps sealing under the key the shared server
secrets are sealed under (nothing is re-sealed) and names the replicas it waits for; whichever
replica then finds no live replica lacking the key switches to it and re-seals. A ring that
drops keys (--retire) is refused while a live replica lacks the new key.
A crash anywhere leaves every record readable: until step 4 the source holds both keys, and each
record is under exactly one of them (the swap is one SQLite transaction, the file a rename).

Why a reload route rather than SIGHUP: the route answers (the new key id, or why the ring was
refused), and it is authenticated and audited. It takes no key material: the server reads its own
source. A KEK kept in an environment variable cannot change under a running process, so there
rotate-kek prints the new ring, the administrator restarts the server with it, and rotate-kek run
again re-seals online. (Accepting a ring over HTTP would let whoever holds an admin token choose
a key the records are then sealed under: an admin token plus a copy of the database would be
every secret.)
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.files import write_private_atomic

from .bootstrap import SECRETS_FILE, SECRETS_RECORD, ServerSecrets, kek_config
from .envelope import KekError, KekRing, SealedDataError, load_kek
from .errors import ApiError, conflict
from .principal import Principal
from .services import record
from .state import ServerState

log = logging.getLogger("splitkey.cosigner")

# How each sealed column's values are bound to their record (the associated data vault.py and
# routes/zauth.py seal them with). A value re-sealed under another id would never open again.
RECORD_IDS = {
    "sealed_secret": "wallet:{}",
    "sealed_server_share": "split:{}:server",
    "sealed_user_share": "split:{}:user",
}
# A pass that still finds work after this many is not converging (something keeps sealing under
# an old key): stop and say so rather than spin.
MAX_PASSES = 20


# Replicas: how often each records its ring, and how long a replica not seen still counts as
# live (three missed heartbeats: a replica killed or cut off stops blocking after that).
REPLICA_HEARTBEAT = 10
REPLICA_LIVE_WINDOW = 3 * REPLICA_HEARTBEAT


def record_id(column: str, row_key: str) -> str:
    return RECORD_IDS[column].format(row_key)


@dataclass
class RewrapProgress:
    running: bool = False
    passes: int = 0
    resealed: int = 0
    skipped: int = 0  # changed between read and swap (revoked, retrieved, deleted): nothing to do
    damaged: int = 0  # did not open under any key: left as they are, and reported
    started_at: int | None = None
    finished_at: int | None = None
    error: str | None = None


@dataclass
class Rewrap:
    progress: RewrapProgress
    task: asyncio.Task | None = None


def _rewrap_of(state: ServerState) -> Rewrap:
    if state.rewrap is None:
        state.rewrap = Rewrap(RewrapProgress())
    return state.rewrap


def _kek_id(ring: KekRing, blob: bytes) -> str:
    try:
        return ring.kek_id_of(blob)
    except SealedDataError:
        return "damaged"  # a header that does not even parse


def secrets_path(state: ServerState) -> Path:
    return state.config.data_dir / SECRETS_FILE


async def holds_shared_key(state: ServerState) -> bool:
    """Replicas: does this replica's ring hold the key the shared server secrets are sealed
    under now? A rotation re-seals them first (before any record), so a replica not yet given
    the new ring turns not ready (/ready) and the load balancer stops sending it requests whose
    records it could not open."""
    blob = await state.storage.shared_secrets(None)
    return _kek_id(state.kek, blob) in state.kek.ids


def replica_id(state: ServerState) -> str:
    """This replica's name in the replicas table: host and port (a restarted replica replaces
    its row). $SPLITKEY_COSIGNER_REPLICA_ID overrides it (containers with random host names)."""
    import os

    return os.environ.get("SPLITKEY_COSIGNER_REPLICA_ID") or (
        f"{socket.gethostname()}:{state.config.port}"
    )


async def replicas(state: ServerState) -> list[dict[str, Any]]:
    """Every replica the database knows of, this one included, and whether it counts as live."""
    if not state.config.database_url or state.storage is None:
        return []
    return [
        {"id": rid, "keys": ids, "seen_seconds_ago": round(age, 1),
         "live": age <= REPLICA_LIVE_WINDOW}  # fmt: skip
        for rid, ids, age in await state.storage.replicas()
    ]


async def lacking(state: ServerState, kek_id: str | None) -> list[str]:
    """The live replicas, other than this one, whose ring lacks kek_id."""
    me = replica_id(state)
    return [
        r["id"]
        for r in await replicas(state)
        if r["live"] and r["id"] != me and kek_id not in r["keys"]
    ]


async def settle(state: ServerState) -> None:
    """Record this replica's ring and choose the key it seals with: the loaded ring's current
    key once no other live replica lacks it; until then the key the shared server secrets are
    sealed under (if the ring holds it), so nothing is sealed that a live replica cannot open.
    Runs at start, after a reload and every REPLICA_HEARTBEAT seconds; on the switch it starts
    the rewrap. SQLite (one server): the loaded ring as it is."""
    loaded = state.kek_loaded or state.kek
    if loaded is None:
        return
    state.kek_loaded = loaded
    if not state.config.database_url:
        state.kek, state.kek_waiting = loaded, []
        return
    await state.storage.replica_seen(replica_id(state), loaded.ids)
    waiting = await lacking(state, loaded.current_id)
    fallback = _kek_id(loaded, await state.storage.shared_secrets(None))
    was_waiting = bool(state.kek_waiting)
    if waiting and fallback != loaded.current_id and fallback in loaded.ids:
        if state.kek.current_id != fallback or state.kek_waiting != waiting:
            log.warning(
                "sealing under %s, not %s, until these live replicas hold it: %s",
                fallback, loaded.current_id, ", ".join(waiting),
            )  # fmt: skip
        state.kek = dataclasses.replace(loaded, current_id=fallback)
        state.kek_waiting = waiting
        return
    state.kek, state.kek_waiting = loaded, []
    if was_waiting:
        log.info("every live replica holds %s: re-sealing under it", loaded.current_id)
        start_rewrap(state)


async def sealed_counts(state: ServerState) -> dict[str, int]:
    """Sealed values per KEK id, secrets.sealed included."""
    counts: dict[str, int] = {}
    for _column, _key, blob in await state.storage.sealed_blobs():
        kek_id = _kek_id(state.kek, blob)
        counts[kek_id] = counts.get(kek_id, 0) + 1
    if state.config.database_url:
        # replicas: the database's copy is the one they use (a data directory's may lag)
        kek_id = _kek_id(state.kek, await state.storage.shared_secrets(None))
        counts[kek_id] = counts.get(kek_id, 0) + 1
        return counts
    with contextlib.suppress(OSError):
        kek_id = _kek_id(state.kek, secrets_path(state).read_bytes())
        counts[kek_id] = counts.get(kek_id, 0) + 1
    return counts


async def status(state: ServerState) -> dict[str, Any]:
    ring = state.kek
    rewrap = _rewrap_of(state)
    return {
        "current": ring.current_id,
        "keys": ring.ids,
        "sealed": await sealed_counts(state),
        "rewrap": asdict(rewrap.progress),
        # replicas: the loaded ring's current key, the live replicas that lack it (nothing is
        # sealed under it until they hold it), and every replica's ring as last recorded
        "loaded": (state.kek_loaded or ring).current_id,
        "waiting_for": list(state.kek_waiting),
        "replicas": await replicas(state),
    }


def _load_ring(state: ServerState) -> KekRing:
    source = state.config.kek_source
    try:
        ring = load_kek(kek_config(state.config))
    except KekError as exc:
        raise conflict(f"the key source is unusable: {exc}") from None
    if ring is None:
        raise conflict(f"no key-encryption key in the configured source ({source})")
    return ring


async def reload(state: ServerState, who: Principal) -> dict[str, Any]:
    """Swap in the ring the key source holds now, after checking it is this server's and lacks
    no key in use; start the rewrap if anything is not under its current key."""
    new = _load_ring(state)
    try:
        if state.config.database_url:
            blob = await state.storage.shared_secrets(None)
        else:
            blob = secrets_path(state).read_bytes()
        opened = ServerSecrets.from_bytes(new.open(blob, SECRETS_RECORD))
    except SealedDataError:
        raise conflict(
            f"the new ring does not open {SECRETS_FILE}: not this server's key"
        ) from None
    except OSError as exc:
        raise ApiError(503, "unavailable", f"{SECRETS_FILE}: {exc.strerror}") from None
    if opened.audit_key != state.audit_key or opened.hmac_key != state.hmac_key:
        raise conflict(f"the new ring opens another server's {SECRETS_FILE}")
    counts = await sealed_counts(state)
    missing = {k: n for k, n in counts.items() if k != "damaged" and k not in new.ids}
    if missing:
        kek_id, n = next(iter(missing.items()))
        raise conflict(
            f"the new ring lacks key {kek_id}, which still seals {n} records; keep it until a "
            "rewrap has moved them (GET /v1/admin/kek shows the counts)"
        )
    if state.config.database_url and set(state.kek.ids) - set(new.ids):
        # --retire: every live replica must hold the key the old ones are dropped for
        waiting = await lacking(state, new.current_id)
        if waiting:
            raise conflict(
                f"refusing to drop {', '.join(sorted(set(state.kek.ids) - set(new.ids)))}: "
                f"live replicas lack key {new.current_id}: {', '.join(waiting)}"
            )
    old = state.kek
    old_loaded, old_waiting = state.kek_loaded, state.kek_waiting
    state.kek = state.kek_loaded = new  # seal() and unseal() read state.kek at each call
    state.kek_waiting = []
    await settle(state)  # replicas: seals under new.current_id only once every live one has it

    async def undo() -> None:
        state.kek, state.kek_loaded, state.kek_waiting = old, old_loaded, old_waiting

    await record(
        state,
        "kek_reloaded",
        who,
        details={"current": new.current_id, "keys": new.ids, "before": old.current_id},
        undo=undo,
    )
    if any(k != state.kek.current_id and k != "damaged" for k in counts):
        start_rewrap(state)  # a no-op pass while waiting: state.kek seals under the old key
    return await status(state)


def start_rewrap(state: ServerState) -> Rewrap:
    """Start the background rewrap unless one runs (it re-reads state.kek at every pass)."""
    rewrap = _rewrap_of(state)
    if rewrap.task is None or rewrap.task.done():
        rewrap.progress = RewrapProgress(running=True, started_at=int(time.time()))
        rewrap.task = asyncio.create_task(_rewrap(state, rewrap.progress))
    return rewrap


async def _rewrap(state: ServerState, progress: RewrapProgress) -> None:
    damaged: set[tuple[str, str]] = set()
    try:
        while True:
            if progress.passes >= MAX_PASSES:
                progress.error = f"still finding records to re-seal after {MAX_PASSES} passes"
                break
            progress.passes += 1
            ring = state.kek
            todo = [
                (column, key, blob)
                for column, key, blob in await state.storage.sealed_blobs()
                if (column, key) not in damaged and _kek_id(ring, blob) != ring.current_id
            ]
            if state.config.database_url:
                done_file = await _rewrap_shared_secrets(state, ring)
            else:
                done_file = await asyncio.to_thread(_rewrap_secrets_file, state, ring)
            progress.resealed += int(done_file)
            if not todo and not done_file:
                break
            for column, key, blob in todo:
                rid = record_id(column, key)
                try:
                    plaintext = ring.open(blob, rid)
                except SealedDataError:
                    # Not ours to fix: it is reported (and refused when used), never re-sealed.
                    damaged.add((column, key))
                    progress.damaged += 1
                    log.error("rewrap: %s of %s does not open; left as it is", column, key)
                    continue
                fresh = ring.seal(plaintext, rid)  # a fresh data key, not only a re-wrap
                del plaintext
                if await state.storage.replace_sealed(column, key, blob, fresh):
                    progress.resealed += 1
                else:
                    progress.skipped += 1
    except Exception as exc:  # the storage went away (disk full, shutdown): resumable later
        progress.error = f"{exc.__class__.__name__}: {exc}"
        log.warning("rewrap stopped: %s", progress.error)
    finally:
        progress.running = False
        progress.finished_at = int(time.time())
    if progress.error is None:
        with contextlib.suppress(Exception):
            await record(
                state,
                "kek_rewrapped",
                None,
                details={
                    "current": state.kek.current_id,
                    "resealed": progress.resealed,
                    "damaged": progress.damaged,
                },
            )


async def _rewrap_shared_secrets(state: ServerState, ring: KekRing) -> bool:
    """Replicas share one sealed copy in the database: re-sealed once, for all, compare-and-swap
    on the database's value (not this data directory's copy, which another replica's rewrap
    leaves behind); the local copy then follows it. True if there was something to do."""
    blob = await state.storage.shared_secrets(None)
    if _kek_id(ring, blob) == ring.current_id:
        fresh = None
    else:
        fresh = ring.seal(ring.open(blob, SECRETS_RECORD), SECRETS_RECORD)
        if not await state.storage.replace_shared_secrets(blob, fresh):
            return True  # changed meanwhile (another replica's rewrap): the next pass looks again
    current = fresh or blob
    path = secrets_path(state)
    local = path.read_bytes() if path.exists() else None
    if local != current:
        await asyncio.to_thread(write_private_atomic, path, current)  # for the offline CLI
    return fresh is not None


def _rewrap_secrets_file(state: ServerState, ring: KekRing) -> bool:
    """Re-seal secrets.sealed under the current key: a copy, fsynced, renamed over the old one,
    the directory fsynced (a crash leaves the old or the new file, each readable by the ring).
    True if it was rewritten."""
    path = secrets_path(state)
    blob = path.read_bytes()
    if _kek_id(ring, blob) == ring.current_id:
        return False
    fresh = ring.seal(ring.open(blob, SECRETS_RECORD), SECRETS_RECORD)
    write_private_atomic(path, fresh)
    return True
