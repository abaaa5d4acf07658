"""AppContext: what every window and dialog of one running app shares.

- prefs:   QSettings for non-secret preferences only (co-signer URL and pin, chain id, default
           fee, theme, nonces, which split ids have a share here). Never a share, a token or a
           mnemonic: those are in the share store (the OS keyring) or only in memory.
- session: the co-signer connection (app/session.py), made by the wizard or from prefs at
           start; `cosigner(fn)` runs fn(api) on the runner with a fresh token.
- runner:  ui/runner.py, the one worker loop.
- store:   the share store (app/share_store.py), opened on first use; it may need the user's
           consent to the encrypted fallback file, which `ui/passphrase_dialog.py` asks for.
- local:   the built-in co-signer (app/local_cosigner.py) when the user chose "This computer".
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import platformdirs
from PySide6.QtCore import QByteArray, QObject, QSettings, QTimer, Signal

from app.app_lock import AppLocked
from app.client import AsyncCosignerClient, ShareInfo
from app.client_calls import Session
from app.session import CosignerSession, SignInNeeded
from app.transaction import MAINNET_CHAIN_ID
from app.wallets import WalletEntry, load_wallets
from ui.errors import Explanation, explain, local_cosigner_stopped
from ui.runner import Job, Runner

log = logging.getLogger(__name__)

APP_NAME = "splitkey"
SETTINGS_FILE = "desktop.ini"
CONFIG_ENV = "SPLITKEY_CONFIG_DIR"  # the same directory the CLI's session file uses
DATA_ENV = "SPLITKEY_DATA_DIR"

LOCAL, REMOTE = "local", "remote"
OFFLINE, CONNECTING, ONLINE, SIGNED_OUT = "offline", "connecting", "online", "signed-out"


def config_dir() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    return Path(os.environ.get(DATA_ENV) or platformdirs.user_data_dir(APP_NAME, appauthor=False))


def open_settings(directory: Path | None = None) -> QSettings:
    path = (directory or config_dir()) / SETTINGS_FILE
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The file holds no secret but says which co-signer, wallets and keys this person uses:
    # this account's only, however the folder was made (desktop-security-review L3).
    keep_private(path)
    return QSettings(str(path), QSettings.Format.IniFormat)


def keep_private(path: Path) -> None:
    """The settings file 0600 (made so when missing) and its folder 0700."""
    try:
        os.chmod(path.parent, 0o700)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
    except OSError as exc:  # a read-only home: the app still runs, with its defaults
        log.warning("cannot make %s private: %s", path, exc.strerror)


class LocalCosignerLike(Protocol):
    """What the app needs from a running built-in co-signer (app/local_cosigner.py)."""

    url: str
    unix_socket: str | None  # where to reach it; None only for the tests' in-process server
    exit_code: int | None  # how it ended, when it did

    async def sign_in(self, api: AsyncCosignerClient) -> Session: ...

    def running(self) -> bool: ...

    def restart(self) -> None: ...

    def stop(self) -> None: ...


# The built-in co-signer is watched this often, and restarted after a crash with these waits
# (seconds; the last one repeats): a server that dies at once is not restarted in a busy loop.
SUPERVISE_MS = 500
RESTART_BACKOFF = (1, 2, 4, 8, 15, 30)


class Prefs:
    """Typed access to the non-secret settings."""

    def __init__(self, settings: QSettings) -> None:
        self.qsettings = settings

    def _get(self, key: str, default: Any = None) -> Any:
        return self.qsettings.value(key, default)

    def _set(self, key: str, value: Any) -> None:
        if value is None:
            self.qsettings.remove(key)
        else:
            self.qsettings.setValue(key, value)
        self.qsettings.sync()
        # QSettings rewrites the file through a new one: its mode comes from the umask.
        if self.qsettings.format() == QSettings.Format.IniFormat:
            keep_private(Path(self.qsettings.fileName()))

    # -- the co-signer --
    @property
    def mode(self) -> str | None:
        return self._get("cosigner/mode")

    @property
    def url(self) -> str | None:
        return self._get("cosigner/url")

    @property
    def pin(self) -> str | None:
        return self._get("cosigner/pin") or None

    def set_cosigner(self, mode: str, url: str | None, pin: str | None) -> None:
        self._set("cosigner/mode", mode)
        self._set("cosigner/url", url)
        self._set("cosigner/pin", pin)

    @property
    def configured(self) -> bool:
        return self.mode == LOCAL or (self.mode == REMOTE and bool(self.url))

    # -- signing defaults --
    @property
    def chain_id(self) -> str:
        return self._get("signing/chain_id") or MAINNET_CHAIN_ID

    @chain_id.setter
    def chain_id(self, value: str) -> None:
        self._set("signing/chain_id", value)

    @property
    def default_fee(self) -> str:
        return self._get("signing/default_fee") or "0.01"

    @default_fee.setter
    def default_fee(self, value: str) -> None:
        self._set("signing/default_fee", value)

    def nonce(self, client_id: str) -> int:
        return int(self._get(f"nonces/{client_id}", 1) or 1)

    def set_nonce(self, client_id: str, value: int) -> None:
        self._set(f"nonces/{client_id}", value)

    # -- the app lock (ui/app_lock.py): an Argon2id hash, never the password --
    @property
    def lock_hash(self) -> str | None:
        return self._get("lock/password_hash") or None

    @lock_hash.setter
    def lock_hash(self, value: str | None) -> None:
        self._set("lock/password_hash", value)

    @property
    def idle_minutes(self) -> int:
        from app.app_lock import DEFAULT_IDLE_MINUTES

        try:
            return int(self._get("lock/idle_minutes", DEFAULT_IDLE_MINUTES))
        except (TypeError, ValueError):
            return DEFAULT_IDLE_MINUTES

    @idle_minutes.setter
    def idle_minutes(self, value: int) -> None:
        self._set("lock/idle_minutes", int(value))

    # -- the main window's size and place (Qt's saveGeometry bytes) --
    @property
    def window_geometry(self) -> QByteArray | None:
        value = self._get("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self._set("window/geometry", value)

    # -- looks --
    @property
    def theme(self) -> str:
        return self._get("ui/theme") or "system"

    @theme.setter
    def theme(self, value: str) -> None:
        self._set("ui/theme", value)

    # -- which splits have a share in the store (ids only: the keyring cannot list entries) --
    def share_ids(self) -> list[str]:
        value = self._get("shares/ids", [])
        if isinstance(value, str):  # QSettings gives a one-item list back as a string
            value = [value] if value else []
        return [str(v) for v in value]

    def set_share_ids(self, ids: list[str]) -> None:
        self._set("shares/ids", list(ids) or None)

    # -- refreshing keys on a schedule (ui/refresh_key.py) --
    @property
    def refresh_days(self) -> int:
        """Refresh this computer's keys when they are this many days old; 0: never."""
        try:
            return max(0, int(self._get("keys/refresh_days", 0) or 0))
        except ValueError:
            return 0

    @refresh_days.setter
    def refresh_days(self, value: int) -> None:
        self._set("keys/refresh_days", int(value) or None)

    def refreshed_at(self, split_id: str) -> int | None:
        value = self._get(f"keys/refreshed/{split_id}")
        return int(value) if value not in (None, "") else None

    def set_refreshed_at(self, split_id: str, when: int) -> None:
        self._set(f"keys/refreshed/{split_id}", when)

    # -- the last period usage a co-sign receipt reported, per split (for the meter) --
    def receipt(self, split_id: str) -> tuple[int, int, int] | None:
        value = self._get(f"receipts/{split_id}")
        try:
            when, period_value, period_count = (int(v) for v in str(value).split(","))
        except ValueError:
            return None
        return when, period_value, period_count

    def set_receipt(self, split_id: str, when: int, period_value: int, period_count: int):
        self._set(f"receipts/{split_id}", f"{when},{period_value},{period_count}")


class AppContext(QObject):
    wallets_changed = Signal(list)  # [WalletEntry]
    connection_changed = Signal(str)  # OFFLINE | CONNECTING | ONLINE | SIGNED_OUT
    shares_changed = Signal()
    lock_changed = Signal(bool)  # locked
    # The encrypted key file is in use and not open yet: the main window asks for its
    # passphrase (emitted from the runner's thread; Qt queues it to the GUI thread).
    store_needs_passphrase = Signal(str)

    def __init__(
        self,
        settings: QSettings | None = None,
        *,
        runner: Runner | None = None,
        data_directory: Path | None = None,
        store: Any = None,
        store_opener: Callable[[], Any] | None = None,
        local_factory: Callable[[Path], LocalCosignerLike] | None = None,
        fallback_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.fallback_path = fallback_path  # the encrypted key file (None: the default place)
        self.prefs = Prefs(settings if settings is not None else open_settings())
        self.runner = runner or Runner()
        self.data_dir = data_directory or data_dir()
        self._store = store
        self._store_opener = store_opener
        self._local_factory = local_factory
        self.local: LocalCosignerLike | None = None
        self.session: CosignerSession | None = None
        self.entries: list[WalletEntry] = []
        self.state = OFFLINE
        self.last_problem: Explanation | None = None
        # Read by the runner's thread while signing in; replaced (never mutated) here.
        self._share_ids: tuple[str, ...] = tuple(self.prefs.share_ids())
        self._refreshing: Job | None = None
        self.locked = False
        # Set at quit: a start of the built-in co-signer still waiting gives up at once.
        self._closing = threading.Event()
        # Supervising the built-in co-signer (issue 15.4): a crash is seen within SUPERVISE_MS,
        # the status bar says so, and it is restarted with a growing wait (Retry: at once).
        self._watch = QTimer(self)
        self._watch.setInterval(SUPERVISE_MS)
        self._watch.timeout.connect(self._check_local)
        self._restart_timer = QTimer(self)
        self._restart_timer.setSingleShot(True)
        self._restart_timer.timeout.connect(self.restart_local)
        self._restarting: Job | None = None
        self.restarts_failed = 0
        self.restart_in: int | None = None  # seconds until the next automatic restart

    # -- the share store -----------------------------------------------------------------------

    def store(self):
        """The share store, opened on first use. Raises app.share_store.UnsafeKeyring or
        PassphraseNeeded when the user has to decide (ui/passphrase_dialog.py)."""
        if self._store is None:
            if self._store_opener is not None:
                self._store = self._store_opener()
            else:
                from app.share_store import open_share_store

                self._store = open_share_store(path=self.fallback_path)
        return self._store

    def open_store(self, passphrase: str, accept_fallback: bool = True):
        """Open (or create, when accepted) the encrypted key file with this passphrase and use
        it. Blocking (Argon2): off the GUI thread."""
        from app.share_store import open_share_store

        store = open_share_store(
            accept_fallback=accept_fallback, passphrase=passphrase, path=self.fallback_path
        )
        self._store = store
        return store

    def use_store(self, store: Any) -> None:
        self._store = store

    @property
    def store_ready(self) -> bool:
        return self._store is not None

    @property
    def store_where(self) -> str:
        """Where shares are kept, in words ("the system keyring (SecretService Keyring)")."""
        return getattr(self._store, "where", None) or self.tr("this computer's keyring")

    @property
    def key_place(self) -> str:
        """Where this computer keeps its keys, in a few words for a sentence (review: "kept in
        this computer's keyring" was shown for the encrypted file too)."""
        from app.share_store import EncryptedFileShareStore

        if isinstance(self._store, EncryptedFileShareStore):
            return self.tr("the encrypted key file on this computer")
        return self.tr("this computer's keyring")

    def has_share(self, split_id: str) -> bool:
        return split_id in self._share_ids

    def stored_shares(self) -> list[ShareInfo]:
        """Every share this app keeps (blocking keyring reads: call it off the GUI thread)."""
        if self._store is None:
            return []
        shares = []
        for split_id in self._share_ids:
            try:
                share = self._store.load(split_id)
            except Exception as exc:  # one damaged entry must not hide the others
                log.warning("share %s unreadable: %s", split_id, exc)
                continue
            if share is not None:
                shares.append(share)
        return shares

    def load_share(self, split_id: str) -> ShareInfo | None:
        """One share (blocking keyring read: off the GUI thread)."""
        return self.store().load(split_id) if self.has_share(split_id) else None

    def save_share(self, share: ShareInfo) -> None:
        """Store the share, then remember its id. Thread-safe: the keyring write happens on the
        calling thread, the id list is swapped in one assignment, QSettings written later."""
        self.store().save(share)
        if share.split_id not in self._share_ids:
            self._share_ids = (*self._share_ids, share.split_id)

    def sync_share_index(self) -> None:
        """Write the id list to QSettings (GUI thread) and tell the screens."""
        self.prefs.set_share_ids(list(self._share_ids))
        self.shares_changed.emit()

    def forget_share(self, split_id: str) -> None:
        if self._store is not None:
            self._store.delete(split_id)
        self._share_ids = tuple(i for i in self._share_ids if i != split_id)

    # -- the co-signer -------------------------------------------------------------------------

    def _set_state(self, state: str, problem: Explanation | None = None) -> None:
        self.state = state
        self.last_problem = problem
        self.connection_changed.emit(state)

    def _new_session(
        self, url: str, pin: str | None, sign_in=None, unix_socket: str | None = None
    ) -> CosignerSession:
        """A session for url; the caller closes the one it replaces (on the runner)."""
        session = CosignerSession(
            url,
            tls_fingerprint=pin,
            shares=self.stored_shares,
            sign_in=sign_in,
            unix_socket=unix_socket,
        )
        self.session = session
        self.runner.on_close(session.close)
        return session

    def use_remote(
        self, url: str, pin: str | None, session: CosignerSession | None = None
    ) -> CosignerSession:
        """Talk to an organisation's co-signer (signing in is a separate step, unless `session`
        is one already signed in there: a wallet was just moved to it)."""
        old = self.session
        if old is not None:
            self.runner.submit(old.close, label="Closing the old connection")
        if session is not None:
            self.session = session
            self.runner.on_close(session.close)
            return session
        return self._new_session(url, pin)

    def start_local(self) -> Job:
        """Start the built-in co-signer (a child process with its data in the user's data
        directory) and sign its owner in. The job's result is the session."""
        closing = self._closing
        factory = self._local_factory or (lambda d: _default_local_factory(d, closing))
        directory = self.data_dir / "cosigner"

        async def start() -> CosignerSession:
            if self.local is None:
                self.local = await asyncio.to_thread(factory, directory)
            return await self._local_session(self.local)

        self._set_state(CONNECTING)
        job = self.runner.submit(start, label="Starting the co-signer on this computer")
        job.finished.connect(self._local_started)
        job.failed.connect(self._connection_failed)
        return job

    async def _local_session(self, local: LocalCosignerLike) -> CosignerSession:
        if self.session is not None:
            await self.session.close()
        session = self._new_session(
            local.url, None, sign_in=local.sign_in, unix_socket=local.unix_socket
        )
        await session.refresh()
        return session

    def _local_started(self, _session: Any = None) -> None:
        self.restarts_failed, self.restart_in = 0, None
        self._watch.start()
        self._connection_worked()

    def _check_local(self) -> None:
        local = self.local
        if local is None or local.running() or self._restarting is not None:
            return
        if self._restart_timer.isActive():
            return
        self._watch.stop()
        self._local_down(local)

    def _local_down(self, local: LocalCosignerLike, why: str = "") -> None:
        """The built-in co-signer is not running: say so, and restart it after a wait."""
        delay = RESTART_BACKOFF[min(self.restarts_failed, len(RESTART_BACKOFF) - 1)]
        self.restart_in = delay
        self._set_state(
            OFFLINE, local_cosigner_stopped(why, getattr(local, "exit_code", None), delay)
        )
        self._restart_timer.start(delay * 1000)

    def restart_local(self) -> Job | None:
        """Start the crashed built-in co-signer again (Retry, or the backoff timer)."""
        local = self.local
        if local is None:
            return self.start_local()
        if self._restarting is not None:
            return self._restarting
        self._restart_timer.stop()
        self.restart_in = None

        async def restart() -> CosignerSession:
            await asyncio.to_thread(local.restart)
            return await self._local_session(local)

        self._set_state(CONNECTING)
        job = self.runner.submit(restart, label="Starting the co-signer on this computer again")
        self._restarting = job
        job.finished.connect(self._local_restarted)
        job.failed.connect(self._local_restart_failed)
        return job

    def _local_restarted(self, _session: Any) -> None:
        self._restarting = None
        self._local_started()
        self.refresh_wallets()

    def _local_restart_failed(self, exc: BaseException) -> None:
        self._restarting = None
        self.restarts_failed += 1
        if self.local is not None:
            self._local_down(self.local, explain(exc).text)

    @property
    def local_down(self) -> bool:
        return self.local is not None and not self.local.running()

    def stop_local(self) -> None:
        self._watch.stop()
        self._restart_timer.stop()
        if self.local is not None:
            try:
                self.local.stop()
            except Exception:  # the child may be gone already; quitting must not fail
                log.debug("stopping the local co-signer failed", exc_info=True)
            self.local = None

    def connect_saved(self) -> Job | None:
        """At start: reconnect to the co-signer the wizard set up, then load the wallets."""
        if self.prefs.mode == LOCAL:
            job = self.start_local()
            job.finished.connect(lambda _s: self.refresh_wallets())
            return job
        if self.prefs.mode == REMOTE and self.prefs.url:
            self.use_remote(self.prefs.url, self.prefs.pin)
            return self.refresh_wallets()
        return None

    def cosigner(
        self,
        call: Callable[[AsyncCosignerClient], Awaitable[Any]],
        label: str = "",
        *,
        split_id: str | None = None,
    ) -> Job:
        """Run call(api) with a good token on the runner; split_id when the call only signs
        with that key (a key token then suffices). Connection state follows."""
        session = self.session
        restarting = None
        if self.prefs.mode == LOCAL and self.local_down and not self.locked:
            # "Try again" after the built-in co-signer crashed: start it first, then the call
            # goes to the new server (review: Try again did nothing).
            restarting = self.restart_local()

        async def run() -> Any:
            nonlocal session
            if self.locked:  # checked when the call starts: a locked app signs nothing
                raise AppLocked("Splitkey is locked")
            if restarting is not None:
                while restarting.running:
                    await asyncio.sleep(0.05)
                session = self.session
            if session is None:
                raise SignInNeeded("choose a co-signer first")
            if not self.store_ready:
                await asyncio.to_thread(self._open_store_quietly)
            return await session.run(call, split_id=split_id)

        job = self.runner.submit(run, label=label)
        job.finished.connect(self._connection_worked)
        job.failed.connect(self._connection_failed)
        return job

    def _connection_worked(self, _result: Any = None) -> None:
        if self.state != ONLINE:
            self._set_state(ONLINE)

    def _open_store_quietly(self) -> None:
        from app.share_store import PassphraseNeeded

        try:
            self.store()
        except PassphraseNeeded as exc:  # the keys are in the file: ask for it now (15.1)
            self.store_needs_passphrase.emit(str(exc))
        except Exception as exc:  # the user decides about the store when a share is saved
            log.info("share store not open yet: %s", exc)

    def _connection_failed(self, exc: BaseException) -> None:
        # A refusal is an answer: only "no answer" and "signed out" change the connection state.
        what = explain(exc)
        if what.retry and self.prefs.mode == LOCAL and self.local_down:
            self._check_local()  # "stopped, restarting in N s" says more than "unreachable"
        elif what.retry:
            self._set_state(OFFLINE, what)
        elif isinstance(exc, SignInNeeded):
            self._set_state(SIGNED_OUT, what)

    def refresh_wallets(self) -> Job:
        """Reload the wallet list; `wallets_changed` follows. One refresh at a time."""
        if self._refreshing is not None and self._refreshing.running:
            return self._refreshing
        known = {}

        async def load(api: AsyncCosignerClient) -> list[WalletEntry]:
            for share in await asyncio.to_thread(self.stored_shares):
                known[share.client_id] = share.wallet_public_key
            return await load_wallets(api, self.has_share, known)

        job = self.cosigner(load, label="Loading wallets")
        job.finished.connect(self._wallets_loaded)
        self._refreshing = job
        return job

    def _wallets_loaded(self, entries: list[WalletEntry]) -> None:
        self.entries = entries
        self.wallets_changed.emit(entries)

    def entry(self, client_id: str) -> WalletEntry | None:
        return next((e for e in self.entries if e.client_id == client_id), None)

    def set_locked(self, locked: bool) -> None:
        if locked != self.locked:
            self.locked = locked
            self.lock_changed.emit(locked)

    def shutdown(self) -> None:
        self._closing.set()
        self.runner.stop()
        self.stop_local()


def _default_local_factory(directory: Path, cancel=None) -> LocalCosignerLike:
    from app.local_cosigner import start_local_cosigner

    return start_local_cosigner(directory, cancel=cancel)
