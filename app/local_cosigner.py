""""This computer": the bundled co-signer as a child process of the desktop, on a Unix socket.

    local = start_local_cosigner()      # init on first use, reuse a running one, wait for ready
    local.unix_socket                   # <data dir>/cosigner.sock: the only way in
    local.token()                       # a fresh bearer token of the local owner (blocking)
    await local.sign_in(api)            # the same through an AsyncCosignerClient (app/session.py)
    local.restart()                     # after a crash: a new server on the same data
    local.stop()                        # SIGTERM, wait for the drain; at exit too

The server is `python -m cosigner_server` (the admin CLI, cosigner_server/cli/) and this
module only runs it as a program: app/ does not import the server. Its data directory is
platformdirs' user_data_dir("splitkey")/cosigner, and its key-encryption key (KEK) lives in the
user's keyring (`init --kek-source keyring`), or, when the keyring is not a safe secret store or
already holds another co-signer's KEK, in a 0600 file beside the data, with a note saying so.

Why a Unix socket and not 127.0.0.1: a loopback port is open to every local account, and when
the child dies another account can listen on the same port and receive the next token the app
sends (desktop-security-review H1). The socket lives in the 0700 data directory, so only this
account can connect to it or put another socket in its place; `_check_private` verifies that
before any credential is sent.

How the desktop learns the server's state (docs/cosigner.md, "The ready file"): `serve
--ready-file` writes ready.json (0600) once it listens, with its pid, url, unix_socket and
tls_fingerprint, and removes it on stop. The app trusts the file only when its pid is the child
it started (or, for reuse, a live `serve` of this data directory). Its log is for people only.

The child stops with the app: `serve --parent-fd` watches the read end of a pipe whose write
end only this process holds; the kernel closes it however the app ends (quit, SIGTERM, SIGKILL,
crash), and the server then drains and stops as on SIGTERM. (PR_SET_PDEATHSIG would be
Linux-only and fires when the *thread* that started the child ends, not the process.)

Signing in needs no person: the CLI is the one writer of the data directory (init) and the
server the one writer of its state, so the desktop never touches either. On first use `init`
prints a one-time enrollment code for the first admin (the local user); later tokens come from
`splitkey-cosigner enroll <admin id> --unix-socket ...`, which mints a short admin token from
the KEK and asks the running server for a new code. Tokens and codes stay in memory only.

desktop.json (0600) in the data directory records what is not secret: the admin id, where the
KEK is, and which app process owns the running server.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import fcntl
import getpass
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.client import AsyncCosignerClient, ClientError, CosignerClient
from app.client_calls import Session
from app.files import write_private_atomic

APP_NAME = "splitkey"
STATE_FILE = "desktop.json"
READY_FILE = "ready.json"
SOCKET_FILE = "cosigner.sock"
# sockaddr_un holds 108 bytes on Linux, 104 on macOS: a longer data directory gets its socket in
# a private temporary directory instead (recorded in the ready file).
MAX_SOCKET_PATH = 100
URL = "http://localhost"  # over the socket the host only fills the Host header
LOG_FILE = "serve.log"
LOG_ROTATE_BYTES = 5 * 1024 * 1024
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 35.0  # the server drains in-flight requests for up to 30 s on SIGTERM
# A token is handed out only with at least this much life left: a co-sign that starts with it
# must not hit its expiry halfway.
MIN_TOKEN_LIFE = 120

class LocalCosignerError(Exception):
    """The built-in co-signer cannot be started or signed into; the message is for the user."""


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "cosigner"


def cosigner_command() -> list[str]:
    """How to run the bundled co-signer's CLI with this interpreter."""
    return [sys.executable, "-m", "cosigner_server"]


def _child_env(keyring_backend: str | None) -> dict[str, str]:
    """The environment of the CLI and the server: without SPLITKEY_COSIGNER_* settings (a KEK
    or data directory exported for another co-signer must not reach this one), and with the
    keyring backend pinned to the safe one the desktop checked, so the child cannot pick a
    plaintext backend on its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPLITKEY_COSIGNER_")}
    env.pop("PYTHON_KEYRING_BACKEND", None)
    if keyring_backend:
        env["PYTHON_KEYRING_BACKEND"] = keyring_backend
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _run_cli(args: list[str], keyring_backend: str | None, timeout: float = 60.0) -> dict:
    """Run a CLI command with --json; its answer, or LocalCosignerError with its one-line error
    (the CLI never prints a traceback and never a secret in an error)."""
    try:
        done = subprocess.run(
            [*cosigner_command(), *args, "--json"],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_child_env(keyring_backend),
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LocalCosignerError(f"the built-in co-signer's tool did not run: {exc}") from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        message = lines[-1].removeprefix("splitkey-cosigner: error: ")
        raise LocalCosignerError(message)
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise LocalCosignerError("the built-in co-signer's tool answered something else") from None


def _keyring_backend_path() -> tuple[str | None, str | None]:
    """(module.Class of the safe keyring backend, None) or (None, why the keyring is unusable)."""
    from app.share_store import keyring_status

    try:
        status = keyring_status()
    except Exception as exc:  # a keyring that fails while being chosen is not usable either
        return None, f"the keyring failed ({exc.__class__.__name__})"
    if not status.safe:
        return None, status.reason
    cls = type(status.backend)
    if "<locals>" in cls.__qualname__:
        return None, "the keyring backend cannot be named for the co-signer process"
    return f"{cls.__module__}.{cls.__qualname__}", None


# -- desktop.json --------------------------------------------------------------------------------


def _read_state(data_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(data_dir: Path, state: dict[str, Any]) -> None:
    text = json.dumps(state, indent=2, sort_keys=True)
    write_private_atomic(data_dir / STATE_FILE, text.encode("utf-8"))


@contextlib.contextmanager
def _start_lock(data_dir: Path):
    """One app instance at a time decides whether to init, start or reuse."""
    data_dir.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(data_dir.parent / (data_dir.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _alive(pid: int | None) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):  # a zombie is dead for our purposes
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _serves(pid: int, data_dir: Path) -> bool:
    """Is pid the co-signer serving this data directory? (So a SIGTERM never hits a process
    that merely got the recorded pid after a reboot.) Where /proc does not exist, trust the pid
    together with the /health answer."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return not Path("/proc/self").exists() and _alive(pid)
    except OSError:
        return False
    return b"serve" in argv and os.fsencode(str(data_dir)) in argv


def _check_private(socket_path: str) -> None:
    """Refuse to talk to a socket another account could have put there or can reach: the
    socket and its directory must be this account's, the directory closed to everyone else."""
    path = Path(socket_path)
    try:
        folder, sock = path.parent.lstat(), path.lstat()
    except OSError as exc:
        raise LocalCosignerError(
            f"the built-in co-signer is not running ({exc.strerror})"
        ) from None
    uid = os.getuid()
    closed = stat.S_ISDIR(folder.st_mode) and not stat.S_IMODE(folder.st_mode) & 0o077
    if folder.st_uid != uid or not closed:
        raise LocalCosignerError(
            f"the built-in co-signer's folder {path.parent} is open to other accounts or not "
            "yours; nothing was sent to it"
        )
    if sock.st_uid != uid or not stat.S_ISSOCK(sock.st_mode):
        raise LocalCosignerError(
            "the built-in co-signer's socket is not this account's; nothing was sent to it"
        )


def _probe(socket_path: str, path: str, timeout: float = 2.0) -> httpx.Response | None:
    try:
        transport = httpx.HTTPTransport(uds=socket_path)
        with httpx.Client(transport=transport, timeout=timeout, trust_env=False) as http:
            return http.get(URL + path)
    except httpx.HTTPError:
        return None


def _health(socket_path: str, timeout: float = 2.0) -> dict | None:
    answer = _probe(socket_path, "/health", timeout)
    try:
        data = answer.json() if answer is not None and answer.status_code == 200 else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _ready(socket_path: str, timeout: float = 2.0) -> bool:
    answer = _probe(socket_path, "/ready", timeout)
    return answer is not None and answer.status_code == 200


def read_ready_file(data_dir: Path) -> dict[str, Any] | None:
    """The running server's announcement (pid, url, unix_socket, tls_fingerprint, role,
    data_dir, started_at), or None when no server of this data directory is listening."""
    try:
        data = json.loads((data_dir / READY_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not (isinstance(data, dict) and isinstance(data.get("pid"), int)):
        return None
    return data if isinstance(data.get("unix_socket"), str) else None


def _socket_path(data_dir: Path) -> Path:
    path = data_dir / SOCKET_FILE
    if len(os.fsencode(str(path))) <= MAX_SOCKET_PATH:
        return path
    return Path(tempfile.mkdtemp(prefix="splitkey-")) / SOCKET_FILE  # 0700, this account's


# -- the running co-signer -----------------------------------------------------------------------


@dataclass
class LocalCosigner:
    data_dir: Path
    unix_socket: str
    pid: int
    admin_id: str
    kek_source: str  # "keyring" | "file"
    note: str | None = None  # shown to the user, e.g. why the KEK is in a file
    owned: bool = True  # started (or adopted) by this process: stop() ends it
    process: subprocess.Popen | None = field(default=None, repr=False)
    url: str = URL
    _keyring_backend: str | None = field(default=None, repr=False)
    _code: str | None = field(default=None, repr=False)  # init's code, used once
    _token: str | None = field(default=None, repr=False)
    _token_until: float = field(default=0.0, repr=False)
    _lifeline: int | None = field(default=None, repr=False)  # the pipe's write end
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- signing in --

    def _check(self) -> None:
        """Before any credential: our server is alive and only this account can reach it."""
        if not self.running():
            raise LocalCosignerError(
                f"the built-in co-signer stopped{self._exit_words()}; nothing was sent"
            )
        _check_private(self.unix_socket)

    def _exit_words(self) -> str:
        code = self.exit_code
        if code is None:
            return ""
        return f" (signal {-code})" if code < 0 else f" (exit code {code})"

    def _new_code(self) -> str:
        self._check()
        if self._code is not None:
            code, self._code = self._code, None
            return code
        answer = _run_cli(
            ["enroll", self.admin_id, "--data-dir", str(self.data_dir),
             "--unix-socket", self.unix_socket],  # fmt: skip
            self._keyring_backend,
        )
        code = answer.get("enrollment_code")
        if not isinstance(code, str):
            raise LocalCosignerError("the built-in co-signer gave no enrollment code")
        return code

    def _keep(self, session: Session) -> Session:
        self._token = session.token
        self._token_until = time.monotonic() + session.expires_in
        return session

    def token(self) -> str:
        """A token of the local owner with at least MIN_TOKEN_LIFE seconds left. Blocks (a
        CLI run and a request): call it off the GUI thread."""
        with self._lock:
            if self._token is None or time.monotonic() > self._token_until - MIN_TOKEN_LIFE:
                try:
                    with CosignerClient(self.url, unix_socket=self.unix_socket) as api:
                        self._keep(api.enroll(self._new_code()))
                except ClientError as exc:
                    raise LocalCosignerError(
                        f"cannot sign in to the built-in co-signer: {exc}"
                    ) from None
            return self._token

    async def sign_in(self, api: AsyncCosignerClient) -> Session:
        """For CosignerSession(sign_in=...): enrolls `api` with a new code of the local owner.
        `api` must reach this server's socket: a code is a credential too."""
        if api.unix_socket != self.unix_socket:
            raise LocalCosignerError("refusing to sign in anywhere but the built-in co-signer")
        code = await asyncio.to_thread(self._new_code_locked)
        return self._keep(await api.enroll(code))

    def _new_code_locked(self) -> str:
        with self._lock:
            return self._new_code()

    # -- life --

    def running(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return _alive(self.pid)

    @property
    def exit_code(self) -> int | None:
        """How the child ended (negative: the signal), None while it runs or when not ours."""
        return self.process.poll() if self.process is not None else None

    def restart(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Start a new server on the same data after this one ended (a crash, a kill). Blocks:
        call it off the GUI thread."""
        with self._lock:
            if self.running():
                return
            self._token = None
            self._close_lifeline()
            self._tidy_socket_dir()
            with _start_lock(self.data_dir):
                state = _read_state(self.data_dir)
                reused = _reuse(self.data_dir, state)
                if reused is not None:
                    self._become(reused)
                    return
                self._become(_start(self.data_dir, state, timeout))

    def _tidy_socket_dir(self) -> None:
        """A socket in a temporary folder (long data paths): remove it and the folder once the
        server is gone. The socket in the data directory is the server's own to remove."""
        folder = Path(self.unix_socket).parent
        if folder == self.data_dir or not folder.name.startswith("splitkey-"):
            return
        with contextlib.suppress(OSError):
            Path(self.unix_socket).unlink(missing_ok=True)
            folder.rmdir()

    def _become(self, other: LocalCosigner) -> None:
        self.unix_socket, self.pid, self.owned = other.unix_socket, other.pid, other.owned
        self.process, self._lifeline = other.process, other._lifeline
        other._lifeline = None

    def _close_lifeline(self) -> None:
        if self._lifeline is not None:
            with contextlib.suppress(OSError):
                os.close(self._lifeline)
            self._lifeline = None

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM the server this process owns and wait for it; a reused server that another
        app instance owns is left running. Idempotent."""
        self._token = None
        if not self.owned or not self.running():
            self._close_lifeline()
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        if not self._wait(timeout):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._wait(5.0)
        self._close_lifeline()
        self._tidy_socket_dir()
        with _start_lock(self.data_dir):
            state = _read_state(self.data_dir)
            if state.get("pid") == self.pid:
                for key in ("pid", "owner_pid"):
                    state.pop(key, None)
                _write_state(self.data_dir, state)
        self.owned = False

    def _wait(self, timeout: float) -> bool:
        if self.process is not None:
            try:
                self.process.wait(timeout)
                return True
            except subprocess.TimeoutExpired:
                return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(self.pid):
                return True
            time.sleep(0.05)
        return False


# -- starting -------------------------------------------------------------------------------------


def _init(data_dir: Path, kek_source: str | None) -> tuple[dict[str, Any], str | None]:
    """Initialise the data directory through the CLI; (desktop state, init's enrollment code)."""
    backend, unusable = _keyring_backend_path()
    note = None
    source = kek_source or ("keyring" if backend else "file")
    if source == "keyring" and backend is None:
        raise LocalCosignerError(f"the keyring cannot hold the co-signer's key: {unusable}")
    admin = getpass.getuser() or "me"
    # --no-tls: the built-in co-signer listens on 127.0.0.1 only, for this account's app.
    args = ["init", "--data-dir", str(data_dir), "--admin", admin, "--no-tls"]
    try:
        answer = _run_cli([*args, "--kek-source", source], backend if source == "keyring" else None)
    except LocalCosignerError as exc:
        if source != "keyring" or kek_source == "keyring":
            raise
        # init undid everything it made; the file KEK is the one place left.
        unusable, source = str(exc), "file"
        answer = _run_cli([*args, "--kek-source", "file"], None)
    if source == "file" and kek_source != "file":
        note = (
            f"Your system keyring could not hold the built-in co-signer's key ({unusable}), "
            f"so it is kept in {data_dir / 'kek.key'}, a file only your account can read."
        )
    admin_info = answer.get("admin") or {}
    code = answer.get("enrollment_code")
    if not isinstance(admin_info.get("id"), str) or not isinstance(code, str):
        raise LocalCosignerError("the built-in co-signer's init answered something else")
    state = {
        "admin_id": admin_info["id"],
        "kek_source": source,
        "keyring_backend": backend if source == "keyring" else None,
        "note": note,
    }
    _write_state(data_dir, state)
    return state, code


def _reuse(data_dir: Path, state: dict[str, Any]) -> LocalCosigner | None:
    ready = read_ready_file(data_dir)
    if ready is None or not _alive(ready["pid"]) or not _serves(ready["pid"], data_dir):
        return None
    socket_path = ready["unix_socket"]
    try:
        _check_private(socket_path)
    except LocalCosignerError:
        return None
    health = _health(socket_path)
    if health is None or health.get("sealed") or not _ready(socket_path):
        return None
    # The app that started it is gone but the server is not (it was started without a
    # lifeline, or is still draining): adopt it, so that it is stopped when this app quits.
    owner = state.get("owner_pid")
    adopt = owner == os.getpid() or not _alive(owner)
    if adopt:
        _write_state(data_dir, {**state, "pid": ready["pid"], "owner_pid": os.getpid()})
    return _cosigner(data_dir, state, socket_path, ready["pid"], owned=adopt)


def _cosigner(data_dir, state, socket_path, pid, *, owned, process=None, code=None, lifeline=None):
    local = LocalCosigner(
        data_dir=data_dir,
        unix_socket=str(socket_path),
        pid=pid,
        admin_id=state["admin_id"],
        kek_source=state.get("kek_source", "file"),
        note=state.get("note"),
        owned=owned,
        process=process,
        _keyring_backend=state.get("keyring_backend"),
        _code=code,
        _lifeline=lifeline,
    )
    if owned:
        atexit.register(local.stop)
    return local


def _open_log(data_dir: Path) -> int:
    path = data_dir / LOG_FILE
    with contextlib.suppress(OSError):
        if path.stat().st_size > LOG_ROTATE_BYTES:
            os.replace(path, path.with_name(LOG_FILE + ".1"))
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)


def _log_tail(data_dir: Path) -> str:
    """The last error line of the server's log, to tell the person why a start failed (the
    state itself comes from the ready file, never from the log)."""
    try:
        lines = (data_dir / LOG_FILE).read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    errors = [line for line in lines if "error:" in line]
    return (errors or lines or [""])[-1].removeprefix("splitkey-cosigner: error: ")


def _serve(
    data_dir: Path, state: dict[str, Any], timeout: float, cancel: threading.Event | None = None
):
    """Start `serve` on a private socket and wait until it says it is ready; (process,
    socket path, the lifeline's write end). `cancel` set (the app is quitting): stop waiting,
    end the child, raise LocalCosignerError."""
    deadline = time.monotonic() + timeout
    socket_path = _socket_path(data_dir)
    with contextlib.suppress(FileNotFoundError):
        (data_dir / READY_FILE).unlink()  # a file left by a killed server is not an answer
    log = _open_log(data_dir)
    lifeline_read, lifeline = os.pipe()
    try:
        process = subprocess.Popen(
            [*cosigner_command(), "serve", "--data-dir", str(data_dir),
             "--unix-socket", str(socket_path), "--ready-file", str(data_dir / READY_FILE),
             "--parent-fd", str(lifeline_read)],  # fmt: skip
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=_child_env(state.get("keyring_backend")),
            pass_fds=(lifeline_read,),
            # Its own session: a Ctrl-C in the terminal reaches the app, which then stops
            # the server cleanly, instead of killing it mid-request.
            start_new_session=True,
        )
    except OSError as exc:
        os.close(lifeline)
        raise LocalCosignerError(f"the built-in co-signer did not start: {exc}") from None
    finally:
        os.close(log)
        os.close(lifeline_read)
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            if cancel is not None and cancel.is_set():
                raise LocalCosignerError("the built-in co-signer's start was cancelled")
            ready = read_ready_file(data_dir)
            # Only the ready file of the child just started counts: its pid proves it is ours.
            if ready is not None and ready["pid"] == process.pid:
                health = _health(ready["unix_socket"], timeout=1.0)
                if health is not None and health.get("sealed"):
                    raise LocalCosignerError(
                        "the built-in co-signer cannot open its data: its key is not "
                        + {"keyring": "in your keyring (is it unlocked?)", "file": "in kek.key"}
                        .get(state.get("kek_source"), "where it was")
                    )
                if health is not None and _ready(ready["unix_socket"]):
                    return process, ready["unix_socket"], lifeline
            time.sleep(0.05)
        else:
            raise LocalCosignerError(
                f"the built-in co-signer did not become ready within {timeout:g} s"
            )
        problem = _log_tail(data_dir)
        raise LocalCosignerError(f"the built-in co-signer stopped: {problem or 'no reason'}")
    except BaseException:
        if process.poll() is None:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
        os.close(lifeline)
        raise


def _start(
    data_dir: Path, state: dict[str, Any], timeout: float, code=None, cancel=None
) -> LocalCosigner:
    process, socket_path, lifeline = _serve(data_dir, state, timeout, cancel)
    state = {**state, "pid": process.pid, "owner_pid": os.getpid()}
    state.pop("port", None)  # from a version that listened on 127.0.0.1
    _write_state(data_dir, state)
    return _cosigner(
        data_dir, state, socket_path, process.pid, owned=True, process=process, code=code,
        lifeline=lifeline,
    )  # fmt: skip


def start_local_cosigner(
    data_dir: str | os.PathLike | None = None,
    *,
    kek_source: str | None = None,
    timeout: float = STARTUP_TIMEOUT,
    cancel: threading.Event | None = None,
) -> LocalCosigner:
    """The built-in co-signer, running and ready: reused when one already serves `data_dir`,
    else started (and initialised first when `data_dir` is new). kek_source: None chooses the
    keyring when it is safe, else the 0600 file (with a note); "keyring" or "file" forces one.
    Blocks for up to `timeout` seconds: call it off the GUI thread; setting `cancel` (the app
    quits meanwhile) ends the wait and the child at once."""
    if kek_source not in (None, "keyring", "file"):
        raise ValueError("kek_source is None, 'keyring' or 'file'")
    data_dir = Path(data_dir or default_data_dir()).expanduser().resolve()
    with _start_lock(data_dir):
        code = None
        state = _read_state(data_dir)
        if not (data_dir / "secrets.sealed").exists():
            state, code = _init(data_dir, kek_source)
        elif not isinstance(state.get("admin_id"), str):
            raise LocalCosignerError(
                f"{data_dir} holds a co-signer that this app did not set up ({STATE_FILE} "
                "is missing); choose another folder or use it as an organisation co-signer"
            )
        reused = None if code else _reuse(data_dir, state)
        if reused is not None:
            return reused
        return _start(data_dir, state, timeout, code, cancel)
