"""The `splitkey` co-signer session and share files, the client built from the session, and the
client's errors as one-line failures with the product's exit statuses.

The session (server URL, token, TLS pin) lives in <user config dir>/splitkey/cosigner-session.json,
mode 0600 ($SPLITKEY_CONFIG_DIR overrides the directory). The token is short-lived; a share
never goes there: it goes to the 0600 file named by --out.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import platformdirs

from app.cli._common import CommandFailed, InputError, Result
from app.client import ClientError, CosignerClient, CosignerError, CosignerUnreachable, ShareInfo
from app.crypto import CryptoError
from app.files import fsync_dir, write_private_atomic
from app.network.errors import NetworkError
from app.protocol.bodies import WireError
from app.protocol.exit_codes import ExitStatus

CONFIG_ENV = "SPLITKEY_CONFIG_DIR"
SESSION_FILE = "cosigner-session.json"
SHARE_KIND = "splitkey-share"


def config_dir() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or platformdirs.user_config_dir("splitkey"))


def session_path() -> Path:
    return config_dir() / SESSION_FILE


def private_file(path: Path) -> int:
    """A new file only its owner can read; refuses to replace one. Its name is made durable at
    once (write_fd makes the content durable): a share the server hands out once must not be
    lost to a power cut after the command said where it is."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(f"{path} exists; refusing to overwrite it") from None
    except OSError as exc:
        raise InputError(f"cannot create {path}: {exc.strerror}") from None
    try:
        fsync_dir(path.parent)
    except OSError:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    return fd


def write_fd(fd: int, data: dict) -> None:
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def save_session(data: dict) -> Path:
    path = session_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_private_atomic(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
    return path


def _read_private_json(path: Path, what: str) -> dict:
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InputError(f"{what} {path} is readable by others; chmod 600 it")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError):
        raise InputError(f"{what} {path} is not JSON") from None
    if not isinstance(data, dict):
        raise InputError(f"{what} {path} is not a JSON object")
    return data


def load_session() -> dict:
    path = session_path()
    if not path.exists():
        raise InputError("not logged in: run `splitkey cosigner login --url URL --code CODE`")
    data = _read_private_json(path, "session file")
    if not isinstance(data.get("url"), str) or not isinstance(data.get("token"), str):
        raise InputError(f"session file {path} is damaged; log in again")
    return data


def read_share(path_text: str) -> ShareInfo:
    path = Path(path_text)
    data = _read_private_json(path, "share file")
    data.pop("kind", None)
    try:
        return ShareInfo.from_dict(data)
    except (ClientError, WireError, CryptoError) as exc:
        raise InputError(f"--share-file {path}: {exc}") from None


def safe_url(url: str) -> str:
    """Tokens, codes and shares travel in the clear over http://: only to this machine."""
    from app.session import is_loopback_url

    if url.lower().startswith("http://") and not is_loopback_url(url):
        raise InputError(
            f"refusing to send credentials to {url} over plain http: use https:// (with "
            "--tls-fingerprint), or http:// only for a co-signer on this computer"
        )
    return url


def client(session: dict | None = None) -> CosignerClient:
    """The client of the logged-in session (callers look it up as `session.client`, so a test
    can put a forging client in its place)."""
    session = session or load_session()
    return CosignerClient(
        safe_url(session["url"]),
        token=session["token"],
        tls_fingerprint=session.get("tls_fingerprint"),
    )


def answer_status(exc: CosignerError) -> ExitStatus:
    """The exit status of an error answer, the same in both CLIs: a 4xx is the co-signer
    refusing the request, a 5xx the operation failing on its side."""
    return ExitStatus.REFUSED if exc.status < 500 else ExitStatus.FAILED


def guarded(handler: Callable[[argparse.Namespace], Result]):
    """The co-signer client's and the network's errors as one-line failures with the product's
    exit statuses."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> Result:
        try:
            return handler(args)
        except CosignerError as exc:
            hint = " (log in again: splitkey cosigner login)" if exc.status == 401 else ""
            raise CommandFailed(answer_status(exc), f"{exc}{hint}") from None
        except CosignerUnreachable as exc:
            raise CommandFailed(ExitStatus.UNREACHABLE, f"co-signer unreachable: {exc}") from None
        except ClientError as exc:  # PinMismatch, MalformedAnswer, TamperedAnswer
            raise CommandFailed(ExitStatus.UNTRUSTED, f"untrusted answer: {exc}") from None
        except NetworkError as exc:  # the 0Chain network's: 5, 6 or 7 (app/network/errors.py)
            raise CommandFailed(exc.exit_status, str(exc)) from None

    return run
