"""`splitkey-cosigner init` (a new data directory and its first administrator) and
`users recover-admin` (a new administrator when none is left); both write the data directory
from this process, with no server running."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.admin import code_text

from ._base import (
    EXIT_OK,
    EXIT_PROBLEM,
    PROG,
    CliError,
    check_tls_name,
    config_of,
    data_dir_of,
    emit,
    find_admin,
    server_url,
    tls_info,
)

if TYPE_CHECKING:  # only for annotations: the configuration module loads on use
    from ..config import ServerConfig


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # A JSON string with ensure_ascii is a valid TOML basic string.
    return json.dumps(str(value), ensure_ascii=True)


@contextlib.contextmanager
def _kek_env(text: str | None) -> Iterator[None]:
    """During init, $SPLITKEY_COSIGNER_KEK is exactly the new key (env source) or absent (file,
    keyring): load_kek tries the environment first, and a KEK exported for another server must
    not be the one init's own load uses."""
    from ..envelope import ENV_VAR

    saved = os.environ.pop(ENV_VAR, None)
    if text is not None:
        os.environ[ENV_VAR] = text
    try:
        yield
    finally:
        os.environ.pop(ENV_VAR, None)
        if saved is not None:
            os.environ[ENV_VAR] = saved


def cmd_init(args: argparse.Namespace) -> int:
    import asyncio

    from ..bootstrap import SECRETS_FILE, init_data_dir, kek_config
    from ..config import CONFIG_FILE
    from ..envelope import KekError, load_kek
    from ..tls import CERT_FILE, KEY_FILE, make_self_signed

    data_dir = data_dir_of(args).resolve()
    settings = {
        name: value
        for name, value in (
            ("kek_source", args.kek_source),
            ("chain_id", args.chain_id),
            ("port", args.port),
        )
        if value is not None
    }
    if (data_dir / SECRETS_FILE).exists():
        raise CliError(f"{data_dir} is already initialised; refusing to re-initialise")
    config_path = data_dir / CONFIG_FILE
    if config_path.exists() and settings:
        # A prepared config.toml (e.g. with enterprise issuers) is used as is; mixing it with
        # flags would leave the file and the flags disagreeing about what was initialised.
        raise CliError(f"{config_path} exists: put the settings there, or remove it")
    if data_dir.exists() and not data_dir.is_dir():
        raise CliError(f"{data_dir} exists and is not a directory")
    if args.no_tls and args.tls_name:
        raise CliError("--tls-name names the certificate's hosts; it cannot go with --no-tls")
    for name in args.tls_name:
        check_tls_name(name)
    if not args.no_tls and not config_path.exists():
        settings.update(tls_cert=CERT_FILE, tls_key=KEY_FILE)
    # Validate everything before the first byte is written.
    config = config_of(argparse.Namespace(data_dir=data_dir), settings)
    # The certificate to make: init's own files, or the ones a prepared config.toml names.
    make_tls = not args.no_tls and bool(config.tls_cert)
    if make_tls:
        cert_path, key_path = config.path("tls_cert"), config.path("tls_key")
        if cert_path.exists() and key_path.exists():
            make_tls = False  # a prepared config with the administrator's own certificate
        elif cert_path.exists() or key_path.exists():
            raise CliError(f"only one of {cert_path} and {key_path} exists; give both or neither")
    if not args.admin or len(args.admin) > 200:
        raise CliError("--admin must be 1 to 200 characters")
    to_create = [data_dir / SECRETS_FILE, config.db_path, config.audit_path]
    if config.kek_source == "file":
        to_create.append(config.path("kek_file"))
    for path in to_create:
        if path.exists():
            raise CliError(f"{path} exists: not a fresh data directory")
    if make_tls:
        to_create += [cert_path, key_path]
    if config.kek_source == "keyring":
        try:
            existing = load_kek(replace(kek_config(config), env_var=None, file=None))
        except KekError:
            existing = True
        if existing is not None:
            # The entry is named after the data directory: an existing one is an earlier
            # server's key for this very directory, which must not be overwritten.
            raise CliError(
                "the OS keyring already holds a co-signer KEK for this data directory; "
                "refusing to replace it"
            )

    dir_existed = data_dir.exists()
    if not config_path.exists():
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        text = f"# {PROG} settings; environment variables SPLITKEY_COSIGNER_* override.\n"
        # kek_source always: where the key lives is what an operator looks for first.
        written = {**settings, "kek_source": config.kek_source}
        text += "".join(f"{k} = {_toml_value(v)}\n" for k, v in sorted(written.items()))
        fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        to_create.append(config_path)
        with os.fdopen(fd, "w") as out:
            out.write(text)
    try:
        if make_tls:
            make_self_signed(cert_path, key_path, extra_names=tuple(args.tls_name))
        shown_kek = init_data_dir(config)
        with _kek_env(shown_kek):
            user, code = asyncio.run(_create_first_admin(config, args.admin))
    except (CliError, KeyboardInterrupt):
        _undo_init(to_create, data_dir, dir_existed)
        raise
    except Exception as exc:
        # All-or-nothing, so that running init again is the fix. The modules' messages name
        # files and settings, never key material.
        _undo_init(to_create, data_dir, dir_existed)
        raise CliError(
            f"init failed ({exc.__class__.__name__}: {exc}); nothing was kept", EXIT_PROBLEM
        ) from None
    os.chmod(data_dir, 0o700)

    url = server_url(config)
    result = {
        "data_dir": str(data_dir),
        "url": url,
        "kek_source": config.kek_source,
        "admin": {"id": user.id, "subject": user.subject, "role": user.role},
        "enrollment_code": code,
        "enrollment_code_expires_in": config.enrollment_code_ttl,
    }
    if shown_kek is not None:
        result["kek"] = shown_kek
    if config.tls_cert:
        result["tls"] = tls_info(config)
    emit(args, result, lambda r: _init_text(r, config))
    return EXIT_OK


async def _create_first_admin(config: ServerConfig, name: str, *, recovery: bool = False):
    from .. import identity
    from ..bootstrap import close_state, load_state
    from ..errors import ApiError
    from ..services import record

    # No crypto pool: creating a user signs nothing, and spawning workers costs seconds.
    state = await load_state(config, start_pool=False)
    try:
        if state.sealed:
            raise CliError("the new KEK cannot be loaded back", EXIT_PROBLEM)
        try:
            user, code = await identity.create_user(state, None, name, "admin")
            if recovery:
                await record(state, "admin_recovered", None, details={"user": user.id})
            return user, code
        except ApiError as exc:
            raise CliError(exc.body.message) from None
    finally:
        await close_state(state)


def _undo_init(created: list[Path], data_dir: Path, dir_existed: bool) -> None:
    """Remove what this init made (all of it was checked absent before), so a failed init can
    simply be run again."""
    for path in created:
        # SQLite's companions: the WAL, its index and the revocation journal (and its own), and
        # the clean-shutdown marker (storage/sqlite.py).
        for suffix in ("", "-wal", "-shm", ".revocations", ".revocations-wal", ".revocations-shm",
                       ".clean"):  # fmt: skip
            with contextlib.suppress(FileNotFoundError):
                path.with_name(path.name + suffix).unlink()
    if not dir_existed:
        with contextlib.suppress(OSError):
            data_dir.rmdir()


def _init_text(r: dict, config: ServerConfig) -> str:
    hours = r["enrollment_code_expires_in"] / 3600
    kek_line = {
        "file": f"key file {config.path('kek_file')} (0600; back it up apart from the data)",
        "keyring": "stored in the OS keyring",
        "env": "from $SPLITKEY_COSIGNER_KEK, shown below",
    }[r["kek_source"]]
    lines = [
        f"Initialised {r['data_dir']} (mode 0700).",
        f"  server URL:   {r['url']}",
        f"  KEK:          {kek_line}",
        f"  first admin:  {r['admin']['subject']} ({r['admin']['id']})",
    ]
    if "tls" in r:
        lines += [
            f"  TLS:          {r['tls']['cert']} (TLS 1.2+, expires {r['tls']['expires']})",
            "  certificate SHA-256 fingerprint (clients pin it; hand it over with the URL):",
            f"    {r['tls']['fingerprint']}",
        ]
    else:
        lines.append("  TLS:          none (plain HTTP; serve allows loopback addresses only)")
    lines += [
        "",
        f"Enrollment code (shown once, valid {hours:g} h): {r['enrollment_code']}",
    ]
    if "kek" in r:
        lines += [
            "",
            "Key-encryption key (shown once; without it the server stays sealed and the data",
            "is unreadable; keep it in a password manager, not in a file beside the data):",
            f"  export SPLITKEY_COSIGNER_KEK='{r['kek']}'",
        ]
    lines += [
        "",
        "Next:",
        f"  1. start the server:  {PROG} serve --data-dir {r['data_dir']}",
        f"  2. {r['admin']['subject']} signs in once with the enrollment code "
        f"(POST {r['url']}/v1/auth/enroll)",
        f"  3. check it:          {PROG} status --data-dir {r['data_dir']}",
    ]
    return "\n".join(lines)


def cmd_users_recover_admin(args: argparse.Namespace) -> int:
    """The recovery for a server left with no enabled administrator: a new administrator and
    its one-time enrollment code, written by this process with the server stopped (the audit log
    has one writer) and recorded in the audit log. Needs the data directory and its KEK."""
    import asyncio

    from ..backup import database_in_use
    from ..views import user_view

    config = config_of(args)
    try:
        admin = find_admin(config)
    except CliError as exc:
        if "no enabled admin" not in str(exc):
            raise
    else:
        raise CliError(
            f"administrator {admin} is enabled: use `{PROG} users add {args.subject} --role "
            "admin` instead"
        )
    pid = database_in_use(config.db_path)
    if pid is not None:
        raise CliError(f"the server (pid {pid}) has the database open: stop it first")
    user, code = asyncio.run(_create_first_admin(config, args.subject, recovery=True))
    data = {"user": user_view(user).to_dict(), "enrollment_code": code}
    emit(args, data, code_text)
    return EXIT_OK
