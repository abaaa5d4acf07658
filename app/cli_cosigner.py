"""`splitkey` commands that talk to the co-signer through app/client.py.

    splitkey cosigner login --url U --code C     (or --enterprise-token T, or --share-file F)
    splitkey wallet create | import | list | show | freeze | unfreeze | delete | cancel-deletion
    splitkey split create | list | show | revoke | permissions
    splitkey share retrieve ID --out FILE | share redeem CODE --out FILE
    splitkey cosign tx | message | headers --share-file F
    splitkey audit --wallet W
    splitkey admin users | user-create | enrollment-code | enable | disable | ...

The session (server URL, token, TLS pin) lives in <user config dir>/splitkey/cosigner-session.json,
mode 0600 ($SPLITKEY_CONFIG_DIR overrides the directory). The token is short-lived; a share
never goes there: it goes to the 0600 file named by --out, which is created (and must not exist)
before the share is asked for, so a share the server hands out once is never lost to a bad path.

Exit status, besides 0 / 1 / 2 of app/cli.py: 3 the co-signer answered with an error (a policy
refusal names its rule: "refused (period_value_cap): over the 24 h cap: ..."), 4 the co-signer
is unreachable, 5 its answer is untrusted (a signature that does not verify, a malformed answer,
a TLS certificate other than the pinned one).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import platformdirs

from app.cli import CommandFailed, InputError, Result, _command, _group, _transaction, _value
from app.client import (
    ClientError,
    CosignerClient,
    CosignerError,
    CosignerUnreachable,
    ShareInfo,
)
from app.compose import ComposeError, parse_zcn
from app.crypto import CryptoError
from app.files import write_private_atomic
from app.permissions import Permissions
from app.protocol.bodies import WireError
from app.protocol.enums import Role

EXIT_REFUSED = 3
EXIT_UNREACHABLE = 4
EXIT_UNTRUSTED = 5
CONFIG_ENV = "SPLITKEY_CONFIG_DIR"
SESSION_FILE = "cosigner-session.json"
SHARE_KIND = "splitkey-share"

# -- the session and share files ---------------------------------------------------------------


def config_dir() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or platformdirs.user_config_dir("splitkey"))


def session_path() -> Path:
    return config_dir() / SESSION_FILE


def _private_file(path: Path) -> int:
    """A new file only its owner can read; refuses to replace one."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(f"{path} exists; refusing to overwrite it") from None
    except OSError as exc:
        raise InputError(f"cannot create {path}: {exc.strerror}") from None


def _write_fd(fd: int, data: dict) -> None:
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


def _safe_url(url: str) -> str:
    """Tokens, codes and shares travel in the clear over http://: only to this machine."""
    from app.session import is_loopback_url

    if url.lower().startswith("http://") and not is_loopback_url(url):
        raise InputError(
            f"refusing to send credentials to {url} over plain http: use https:// (with "
            "--tls-fingerprint), or http:// only for a co-signer on this computer"
        )
    return url


def _api(session: dict | None = None) -> CosignerClient:
    session = session or load_session()
    return CosignerClient(
        _safe_url(session["url"]),
        token=session["token"],
        tls_fingerprint=session.get("tls_fingerprint"),
    )


def guarded(handler: Callable[[argparse.Namespace], Result]):
    """The client's errors as one-line failures with this module's exit statuses."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> Result:
        try:
            return handler(args)
        except CosignerError as exc:
            hint = " (log in again: splitkey cosigner login)" if exc.status == 401 else ""
            raise CommandFailed(EXIT_REFUSED, f"{exc}{hint}") from None
        except CosignerUnreachable as exc:
            raise CommandFailed(EXIT_UNREACHABLE, f"co-signer unreachable: {exc}") from None
        except ClientError as exc:  # PinMismatch, MalformedAnswer, TamperedAnswer
            raise CommandFailed(EXIT_UNTRUSTED, f"untrusted answer: {exc}") from None

    return run


# -- converting options ------------------------------------------------------------------------


def zcn_to_sas(text: str, option: str) -> int:
    """The desktop's rule (app/compose.parse_zcn): digits and a dot, at most 10 decimals, within
    0Chain's int64; no exponent ("1e3"), no sign."""
    try:
        return parse_zcn(text, option)
    except ComposeError as exc:
        raise InputError(f"{option}: {exc.message}") from None


def hours_to_seconds(text: str, option: str) -> int:
    try:
        seconds = Decimal(text) * 3600
    except InvalidOperation:
        raise InputError(f"{option}: {text!r} is not a number of hours") from None
    if not seconds.is_finite() or seconds != seconds.to_integral_value():
        raise InputError(f"{option}: a whole number of seconds, got {text!r} h")
    return int(seconds)


def unix_time(text: str, option: str) -> int:
    """Unix seconds, or ISO 8601 (a time without an offset is UTC)."""
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{option}: {text!r} is not ISO 8601 or unix seconds") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [n.strip() for n in text.split(",") if n.strip()]


PERMISSION_OPTIONS = (
    "groups",
    "messages",
    "raw_hashes",
    "max_per_tx",
    "period_cap",
    "period_count",
    "period",
    "recipients",
    "not_before",
    "expires",
    "max_uses",
    "unrestricted",
    "chain_id",
)


def permissions_from_args(args: argparse.Namespace) -> Permissions | None:
    """--permissions-json, or the permission options; None when neither is given."""
    given = [n for n in PERMISSION_OPTIONS if getattr(args, n) not in (None, False)]
    if args.permissions_json is not None:
        if given:
            raise InputError(f"--permissions-json excludes --{given[0].replace('_', '-')}")
        try:
            return Permissions.from_dict(json.loads(_value(args.permissions_json)))
        except ValueError as exc:
            raise InputError(f"--permissions-json: {exc}") from None
    if not given:
        return None
    data: dict[str, Any] = {
        "groups": _names(args.groups) or [],
        "sign_messages": args.messages,
        "sign_raw_hashes": args.raw_hashes,
        "unrestricted": args.unrestricted,
        "recipients": _names(args.recipients),
        "max_count_per_period": args.period_count,
        "max_uses": args.max_uses,
        "chain_id": args.chain_id,
    }
    if args.max_per_tx is not None:
        data["max_per_transaction"] = zcn_to_sas(args.max_per_tx, "--max-per-tx")
    if args.period_cap is not None:
        data["max_value_per_period"] = zcn_to_sas(args.period_cap, "--period-cap")
    if args.period is not None:
        data["period_seconds"] = hours_to_seconds(args.period, "--period")
    if args.not_before is not None:
        data["not_before"] = unix_time(args.not_before, "--not-before")
    if args.expires is not None:
        data["expires_at"] = unix_time(args.expires, "--expires")
    try:
        return Permissions.from_dict(data)
    except ValueError as exc:
        raise InputError(str(exc)) from None


# -- commands: the session ---------------------------------------------------------------------


def cmd_login(args: argparse.Namespace) -> Result:
    # (A pin on an http:// URL is refused by the client itself, with its own words.)
    url = args.url if args.tls_fingerprint else _safe_url(args.url)
    with CosignerClient(url, tls_fingerprint=args.tls_fingerprint) as api:
        if args.code is not None:
            session = api.enroll(_value(args.code))
        elif args.enterprise_token is not None:
            session = api.exchange(_value(args.enterprise_token))
        else:
            share = read_share(args.share_file)
            session = api.login_with_share(share.split_id, share.secret_key())
    stored = {
        "url": api.base_url,
        "token": session.token,
        "user_id": session.user_id,
        "role": session.role,
        "expires_at": int(datetime.now(UTC).timestamp()) + session.expires_in,
        "tls_fingerprint": api.tls_fingerprint or None,
    }
    path = save_session(stored)
    shown = {k: v for k, v in stored.items() if k != "token"}
    return 0, {**shown, "session_file": str(path)}


def cmd_logout(args: argparse.Namespace) -> Result:
    path = session_path()
    existed = path.exists()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return 0, {"logged_out": existed}


def cmd_whoami(args: argparse.Namespace) -> Result:
    session = load_session()
    with _api(session) as api:
        return 0, {"url": session["url"], "user": api.whoami().to_dict()}


# -- commands: wallets -------------------------------------------------------------------------


def cmd_wallet_create(args: argparse.Namespace) -> Result:
    if args.keyless:
        from app.cli_keyless import create_keyless  # it builds on this module

        return create_keyless(args)
    if args.share_out:
        raise InputError("--share-out is for --keyless wallets")
    with _api() as api:
        created = api.create_wallet()
    return 0, {
        "wallet": created.wallet.to_dict(),
        "mnemonic": created.mnemonic,
        "note": "write the mnemonic down now: the co-signer does not show it again",
    }


def cmd_wallet_import(args: argparse.Namespace) -> Result:
    if args.keyless:
        from app.cli_keyless import import_keyless

        return import_keyless(args)
    if args.share_out or args.wallet_file:
        raise InputError("--share-out and --wallet-file are for --keyless imports")
    if (args.mnemonic is None) == (args.private_key is None):
        raise InputError("give --mnemonic or --private-key")
    if args.mnemonic is not None:
        secret = {"mnemonic": _value(args.mnemonic)}
    else:
        secret = {"private_key": _value(args.private_key)}
    with _api() as api:
        return 0, {"wallet": api.import_wallet(**secret).wallet.to_dict()}


def cmd_wallet_list(args: argparse.Namespace) -> Result:
    with _api() as api:
        listed = api.wallets()
    return 0, {
        "owned": [w.to_dict() for w in listed.owned],
        "shared": [w.to_dict() for w in listed.shared],
    }


def _wallet_command(call: Callable[[CosignerClient, str], Any]):
    def handler(args: argparse.Namespace) -> Result:
        with _api() as api:
            return 0, {"wallet": call(api, args.client_id).to_dict()}

    return handler


# -- commands: splits and shares ---------------------------------------------------------------


def cmd_split_create(args: argparse.Namespace) -> Result:
    if args.from_share:
        from app.cli_keyless import delegate

        return delegate(args)
    if args.share_out:
        raise InputError("--share-out is for --from-share splits")
    permissions = permissions_from_args(args)
    with _api() as api:
        made = api.create_split(args.wallet, args.label, args.holder, permissions)
    out: dict[str, Any] = {"split": made.split.to_dict()}
    if made.share_code:
        out["share_code"] = made.share_code
        out["share_code_expires_in"] = made.share_code_expires_in
    return 0, out


def cmd_split_refresh(args: argparse.Namespace) -> Result:
    from app.cli_keyless import refresh

    return refresh(args)


def cmd_split_list(args: argparse.Namespace) -> Result:
    with _api() as api:
        splits = api.splits(args.wallet) if args.wallet else api.my_splits()
    return 0, {"splits": [s.to_dict() for s in splits]}


def cmd_split_show(args: argparse.Namespace) -> Result:
    with _api() as api:
        return 0, {"split": api.split(args.split_id).to_dict()}


def cmd_split_revoke(args: argparse.Namespace) -> Result:
    with _api() as api:
        return 0, {"split": api.revoke(args.split_id).to_dict()}


def cmd_split_permissions(args: argparse.Namespace) -> Result:
    permissions = permissions_from_args(args)
    if permissions is None:
        raise InputError("give the new permissions (--permissions-json or --groups ...)")
    with _api() as api:
        return 0, {"split": api.set_permissions(args.split_id, permissions).to_dict()}


def _deliver_share(args: argparse.Namespace, take: Callable[[CosignerClient], ShareInfo]):
    """Take a once-only share and write it to --out (created first) or print it."""
    out = Path(args.out) if args.out else None
    fd = _private_file(out) if out else None
    try:
        with _api() as api:
            share = take(api)
    except BaseException:
        if fd is not None:
            os.close(fd)
            out.unlink()
        raise
    if fd is None:
        return 0, share.to_dict()
    _write_fd(fd, {"kind": SHARE_KIND, **share.to_dict()})
    public = {k: v for k, v in share.to_dict().items() if k != "private_key"}
    return 0, {**public, "share_file": str(out)}


def cmd_share_retrieve(args: argparse.Namespace) -> Result:
    return _deliver_share(args, lambda api: api.retrieve_share(args.split_id))


def cmd_share_redeem(args: argparse.Namespace) -> Result:
    return _deliver_share(args, lambda api: api.redeem(_value(args.code)))


# -- commands: co-signing ----------------------------------------------------------------------


def _share_for(args: argparse.Namespace) -> ShareInfo:
    share = read_share(args.share_file)
    if args.split and args.split != share.split_id:
        raise InputError(f"--split {args.split} is not the split of {args.share_file}")
    return share


def cmd_cosign_tx(args: argparse.Namespace) -> Result:
    share = _share_for(args)
    tx = _transaction(args)
    if tx.client_id != share.client_id:
        raise InputError("the transaction's client_id is not the wallet of --share-file")
    with _api() as api:
        signed, answer = api.cosign_transaction(
            share.split_id, share.secret_key(), tx, share.wallet_public_key
        )
    return 0, {
        "transaction": signed.to_dict(),
        "hash": answer.hash,
        "signature": answer.signature,
        "receipt": answer.receipt.to_dict(),
    }


def _cosign_message(args: argparse.Namespace, headers: bool) -> Result:
    share = _share_for(args)
    message = _value(args.message)
    with _api() as api:
        cosign = api.auth_headers if headers else api.cosign_message
        answer = cosign(share.split_id, share.secret_key(), message, share.wallet_public_key)
    return 0, answer.to_dict()


def cmd_cosign_message(args: argparse.Namespace) -> Result:
    return _cosign_message(args, headers=False)


def cmd_cosign_headers(args: argparse.Namespace) -> Result:
    return _cosign_message(args, headers=True)


def cmd_audit(args: argparse.Namespace) -> Result:
    with _api() as api:
        records = api.wallet_audit(args.wallet, since=args.since, limit=args.limit)
    return 0, {"records": records}


# -- commands: administrators ------------------------------------------------------------------


def cmd_admin_users(args: argparse.Namespace) -> Result:
    with _api() as api:
        return 0, {"users": [u.to_dict() for u in api.users()]}


def cmd_admin_user_create(args: argparse.Namespace) -> Result:
    with _api() as api:
        made = api.create_user(args.subject, args.role)
    return 0, {"user": made.user.to_dict(), "enrollment_code": made.enrollment_code}


def cmd_admin_enrollment_code(args: argparse.Namespace) -> Result:
    with _api() as api:
        # {"enrollment_code"}, or for a wallet owner half of it and an approval reference
        return 0, api.enrollment_code_or_half(args.user_id)


def _admin_enabled(enabled: bool):
    def handler(args: argparse.Namespace) -> Result:
        with _api() as api:
            return 0, {"user": api.set_enabled(args.user_id, enabled).to_dict()}

    return handler


def cmd_admin_wallets(args: argparse.Namespace) -> Result:
    with _api() as api:
        return 0, {"wallets": [w.to_dict() for w in api.all_wallets()]}


def cmd_admin_splits(args: argparse.Namespace) -> Result:
    with _api() as api:
        return 0, {"splits": [s.to_dict() for s in api.all_splits()]}


def cmd_admin_revoke(args: argparse.Namespace) -> Result:
    with _api() as api:
        return 0, {"split": api.admin_revoke(args.split_id).to_dict()}


def cmd_admin_stats(args: argparse.Namespace) -> Result:
    with _api() as api:
        return 0, api.stats()


def cmd_admin_audit(args: argparse.Namespace) -> Result:
    with _api() as api:
        return 0, {"records": api.audit(since=args.since, limit=args.limit)}


def cmd_admin_audit_verify(args: argparse.Namespace) -> Result:
    with _api() as api:
        report = api.audit_verify()
    return (0 if report.get("ok") else 1), report


# -- the parser --------------------------------------------------------------------------------


def _add(sub, name: str, handler, help_text: str) -> argparse.ArgumentParser:
    return _command(sub, name, guarded(handler), help_text)


def add_commands(commands: argparse._SubParsersAction, split: argparse.ArgumentParser) -> None:
    """Register the co-signer commands; `split` is the local key-splitting command, which gets
    the co-signer's split commands as its subcommands."""
    _add_session_commands(commands)
    _add_wallet_commands(commands)
    _add_split_commands(split)
    _add_share_commands(commands)
    _add_cosign_commands(commands)
    audit = _add(commands, "audit", cmd_audit, "a wallet's audit trail (owner)")
    audit.add_argument("--wallet", required=True, metavar="CLIENT_ID")
    _page_options(audit)
    _add_admin_commands(commands)


def _add_session_commands(commands) -> None:
    group = _group(commands, "cosigner", "log in to a co-signer server (session in a 0600 file)")
    login = _add(group, "login", cmd_login, "get a token: enrollment code, enterprise JWT or share")
    login.add_argument("--url", required=True, metavar="U", help="e.g. http://127.0.0.1:8787")
    how = login.add_mutually_exclusive_group(required=True)
    how.add_argument("--code", metavar="C", help='a one-time enrollment code, or "-"')
    how.add_argument("--enterprise-token", metavar="T", help='an enterprise JWT, or "-"')
    how.add_argument("--share-file", metavar="F", help="prove possession of a split's share")
    login.add_argument("--tls-fingerprint", metavar="FP", help="SHA-256 of the server cert DER")
    _add(group, "logout", cmd_logout, "forget the session")
    _add(group, "whoami", cmd_whoami, "the logged-in user")


def _add_wallet_commands(commands) -> None:
    from app.cli_keyless import add_wallet_options

    group = _group(commands, "wallet", "wallets held by the co-signer's vault")
    create = _add(group, "create", cmd_wallet_create, "a new wallet (its mnemonic is shown once)")
    imported = _add(group, "import", cmd_wallet_import, "import a 0Chain wallet")
    imported.add_argument("--mnemonic", metavar="M", help='the 24 words, or "-"')
    imported.add_argument("--private-key", metavar="K", help='hex, or "-"')
    add_wallet_options(create, imported)
    _add(group, "list", cmd_wallet_list, "my wallets and those shared with me")
    actions = (
        ("show", lambda api, cid: api.wallet(cid), "one wallet"),
        ("freeze", lambda api, cid: api.freeze(cid, True), "refuse every co-sign"),
        ("unfreeze", lambda api, cid: api.freeze(cid, False), "allow co-signing again"),
        ("delete", lambda api, cid: api.delete_wallet(cid), "delete after the waiting period"),
        ("cancel-deletion", lambda api, cid: api.cancel_deletion(cid), "keep the wallet"),
    )
    for name, call, help_text in actions:
        _add(group, name, _wallet_command(call), help_text).add_argument("client_id")


def _add_split_commands(split: argparse.ArgumentParser) -> None:
    sub = split.add_subparsers(title="co-signer commands", metavar="COMMAND")
    create = _add(sub, "create", cmd_split_create, "a new split of a wallet (owner)")
    create.add_argument("--wallet", required=True, metavar="CLIENT_ID")
    create.add_argument("--label", default="", metavar="L")
    create.add_argument(
        "--holder", default="me", metavar="H", help='"me", "code" (a share code), or a user id'
    )
    from app.cli_keyless import add_split_options

    add_split_options(create)
    _permission_options(create)
    refresh = _add(sub, "refresh", cmd_split_refresh, "refresh my share (the old one stops)")
    refresh.add_argument("--share-file", required=True, metavar="F", help="rewritten in place")
    listed = _add(sub, "list", cmd_split_list, "a wallet's splits (owner), or the ones I hold")
    listed.add_argument("--wallet", metavar="CLIENT_ID")
    _add(sub, "show", cmd_split_show, "one split").add_argument("split_id")
    _add(sub, "revoke", cmd_split_revoke, "revoke at once").add_argument("split_id")
    permissions = _add(sub, "permissions", cmd_split_permissions, "replace the permissions")
    permissions.add_argument("split_id")
    _permission_options(permissions)


def _permission_options(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--permissions-json", metavar="J", help='a permissions object as JSON, or "-"')
    add("--groups", metavar="G1,G2", help="0Chain permission groups, e.g. token_transfers")
    add("--messages", action="store_true", help="may sign messages")
    add(
        "--raw-hashes",
        action="store_true",
        help="may sign raw hashes (0Chain ZAuth /sign/msg): as powerful as an unrestricted key",
    )
    add("--max-per-tx", metavar="ZCN", help="cap per transaction")
    add("--period-cap", metavar="ZCN", help="cap per rolling period")
    add("--period-count", type=int, metavar="N", help="signatures per rolling period")
    add("--period", metavar="HOURS", help="the rolling period (default 24)")
    add("--recipients", metavar="ID1,ID2", help="allowed recipients of sends")
    add("--not-before", metavar="TIME", help="ISO 8601 (UTC unless an offset) or unix seconds")
    add("--expires", metavar="TIME", help="ISO 8601 (UTC unless an offset) or unix seconds")
    add("--max-uses", type=int, metavar="N")
    add("--unrestricted", action="store_true", help="no limits (only your own split)")
    add("--chain-id", metavar="ID", help="pin a chain (a signature is valid on every chain)")


def _add_share_commands(commands) -> None:
    group = _group(commands, "share", "take a split's user share (once)")
    retrieve = _add(group, "retrieve", cmd_share_retrieve, "my share of a split I hold")
    retrieve.add_argument("split_id")
    _share_output(retrieve)
    redeem = _add(group, "redeem", cmd_share_redeem, "a share code an owner gave me")
    redeem.add_argument("code", help='the share code, or "-"')
    _share_output(redeem)


def _share_output(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="FILE", help="a new 0600 file for the share")
    where.add_argument("--print", action="store_true", help="print the share on stdout")


def _add_cosign_commands(commands) -> None:
    group = _group(commands, "cosign", "sign with a share and the co-signer; answers verified")
    tx = _add(group, "tx", cmd_cosign_tx, "co-sign a 0Chain transaction; prints the miner JSON")
    _share_options(tx)
    tx.add_argument("--file", required=True, metavar="F", help='transaction JSON, or "-"')
    for name, handler, help_text in (
        ("message", cmd_cosign_message, "co-sign sha3 of a message"),
        ("headers", cmd_cosign_headers, "X-App-Client-ID / -Key / -Signature for a string"),
    ):
        parser = _add(group, name, handler, help_text)
        _share_options(parser)
        parser.add_argument("--message", required=True, metavar="M", help='text, or "-"')


def _share_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--share-file", required=True, metavar="F", help="from share retrieve")
    parser.add_argument("--split", metavar="ID", help="the split (default: the share file's)")


def _page_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=int, metavar="SEQ", help="records after this one")
    parser.add_argument("--limit", type=int, metavar="N", help="at most N records")


def _add_admin_commands(commands) -> None:
    group = _group(commands, "admin", "co-signer administration (admins)")
    _add(group, "users", cmd_admin_users, "all users")
    made = _add(group, "user-create", cmd_admin_user_create, "a user and an enrollment code")
    made.add_argument("--subject", required=True, metavar="S")
    made.add_argument("--role", choices=[r.value for r in Role], default=Role.USER.value)
    for name, handler, help_text in (
        ("enrollment-code", cmd_admin_enrollment_code, "a new enrollment code"),
        ("enable", _admin_enabled(True), "enable a user"),
        ("disable", _admin_enabled(False), "disable a user (tokens refused at once)"),
    ):
        _add(group, name, handler, help_text).add_argument("user_id")
    _add(group, "wallets", cmd_admin_wallets, "all wallets")
    _add(group, "splits", cmd_admin_splits, "all splits")
    _add(group, "revoke", cmd_admin_revoke, "revoke any split").add_argument("split_id")
    for name, frozen in (("freeze", True), ("unfreeze", False)):
        handler = _wallet_command(lambda api, cid, frozen=frozen: api.admin_freeze(cid, frozen))
        _add(group, name, handler, f"{name} any wallet").add_argument("client_id")
    _add(group, "stats", cmd_admin_stats, "statistics")
    _page_options(_add(group, "audit", cmd_admin_audit, "the whole audit chain"))
    _add(group, "audit-verify", cmd_admin_audit_verify, "verify the chain (exit 1 if broken)")
