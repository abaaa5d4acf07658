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

Exit status: app/protocol/exit_codes.py (3 the co-signer refused: a policy refusal names its
rule, "refused (period_value_cap): over the 24 h cap: ..."; 4 unreachable; 5 untrusted answer).
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.cli import keyless, session
from app.cli._common import InputError, Result, command, group, read_transaction, value
from app.cli.admin import ADMIN_COMMANDS, AdminCommand
from app.cli.options import page_options, permission_options, permissions_from_args
from app.cli.session import (
    SHARE_KIND,
    guarded,
    private_file,
    read_share,
    safe_url,
    save_session,
    session_path,
    write_fd,
)
from app.client import CosignerClient, ShareInfo

# -- commands: the session ---------------------------------------------------------------------


def cmd_login(args: argparse.Namespace) -> Result:
    # (A pin on an http:// URL is refused by the client itself, with its own words.)
    url = args.url if args.tls_fingerprint else safe_url(args.url)
    with CosignerClient(url, tls_fingerprint=args.tls_fingerprint) as api:
        if args.code is not None:
            granted = api.enroll(value(args.code))
        elif args.enterprise_token is not None:
            granted = api.exchange(value(args.enterprise_token))
        else:
            share = read_share(args.share_file)
            granted = api.login_with_share(share.split_id, share.secret_key())
    stored = {
        "url": api.base_url,
        "token": granted.token,
        "user_id": granted.user_id,
        "role": granted.role,
        "expires_at": int(datetime.now(UTC).timestamp()) + granted.expires_in,
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
    stored = session.load_session()
    with session.client(stored) as api:
        return 0, {"url": stored["url"], "user": api.whoami().to_dict()}


# -- commands: wallets -------------------------------------------------------------------------


def cmd_wallet_create(args: argparse.Namespace) -> Result:
    if args.keyless:
        return keyless.create_keyless(args)
    if args.share_out:
        raise InputError("--share-out is for --keyless wallets")
    with session.client() as api:
        created = api.create_wallet()
    return 0, {
        "wallet": created.wallet.to_dict(),
        "mnemonic": created.mnemonic,
        "note": "write the mnemonic down now: the co-signer does not show it again",
    }


def cmd_wallet_import(args: argparse.Namespace) -> Result:
    if args.keyless:
        return keyless.import_keyless(args)
    if args.share_out or args.wallet_file:
        raise InputError("--share-out and --wallet-file are for --keyless imports")
    if (args.mnemonic is None) == (args.private_key is None):
        raise InputError("give --mnemonic or --private-key")
    if args.mnemonic is not None:
        secret = {"mnemonic": value(args.mnemonic)}
    else:
        secret = {"private_key": value(args.private_key)}
    with session.client() as api:
        return 0, {"wallet": api.import_wallet(**secret).wallet.to_dict()}


def cmd_wallet_list(args: argparse.Namespace) -> Result:
    with session.client() as api:
        listed = api.wallets()
    return 0, {
        "owned": [w.to_dict() for w in listed.owned],
        "shared": [w.to_dict() for w in listed.shared],
    }


def _wallet_command(call: Callable[[CosignerClient, str], Any]):
    def handler(args: argparse.Namespace) -> Result:
        with session.client() as api:
            return 0, {"wallet": call(api, args.client_id).to_dict()}

    return handler


# -- commands: splits and shares ---------------------------------------------------------------


def cmd_split_create(args: argparse.Namespace) -> Result:
    if args.from_share:
        return keyless.delegate(args)
    if args.share_out:
        raise InputError("--share-out is for --from-share splits")
    permissions = permissions_from_args(args)
    with session.client() as api:
        made = api.create_split(args.wallet, args.label, args.holder, permissions)
    out: dict[str, Any] = {"split": made.split.to_dict()}
    if made.share_code:
        out["share_code"] = made.share_code
        out["share_code_expires_in"] = made.share_code_expires_in
    return 0, out


def cmd_split_refresh(args: argparse.Namespace) -> Result:
    return keyless.refresh(args)


def cmd_split_list(args: argparse.Namespace) -> Result:
    with session.client() as api:
        splits = api.splits(args.wallet) if args.wallet else api.my_splits()
    return 0, {"splits": [s.to_dict() for s in splits]}


def cmd_split_show(args: argparse.Namespace) -> Result:
    with session.client() as api:
        return 0, {"split": api.split(args.split_id).to_dict()}


def cmd_split_revoke(args: argparse.Namespace) -> Result:
    with session.client() as api:
        return 0, {"split": api.revoke(args.split_id).to_dict()}


def cmd_split_permissions(args: argparse.Namespace) -> Result:
    permissions = permissions_from_args(args)
    if permissions is None:
        raise InputError("give the new permissions (--permissions-json or --groups ...)")
    with session.client() as api:
        return 0, {"split": api.set_permissions(args.split_id, permissions).to_dict()}


def _deliver_share(args: argparse.Namespace, take: Callable[[CosignerClient], ShareInfo]):
    """Take a once-only share and write it to --out (created first) or print it."""
    out = Path(args.out) if args.out else None
    fd = private_file(out) if out else None
    try:
        with session.client() as api:
            share = take(api)
    except BaseException:
        if fd is not None:
            os.close(fd)
            out.unlink()
        raise
    if fd is None:
        return 0, share.to_dict()
    write_fd(fd, {"kind": SHARE_KIND, **share.to_dict()})
    public = {k: v for k, v in share.to_dict().items() if k != "private_key"}
    return 0, {**public, "share_file": str(out)}


def cmd_share_retrieve(args: argparse.Namespace) -> Result:
    return _deliver_share(args, lambda api: api.retrieve_share(args.split_id))


def cmd_share_redeem(args: argparse.Namespace) -> Result:
    return _deliver_share(args, lambda api: api.redeem(value(args.code)))


# -- commands: co-signing ----------------------------------------------------------------------


def _share_for(args: argparse.Namespace) -> ShareInfo:
    share = read_share(args.share_file)
    if args.split and args.split != share.split_id:
        raise InputError(f"--split {args.split} is not the split of {args.share_file}")
    return share


def cmd_cosign_tx(args: argparse.Namespace) -> Result:
    share = _share_for(args)
    tx = read_transaction(args)
    if tx.client_id != share.client_id:
        raise InputError("the transaction's client_id is not the wallet of --share-file")
    with session.client() as api:
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
    message = value(args.message)
    with session.client() as api:
        cosign = api.auth_headers if headers else api.cosign_message
        answer = cosign(share.split_id, share.secret_key(), message, share.wallet_public_key)
    return 0, answer.to_dict()


def cmd_cosign_message(args: argparse.Namespace) -> Result:
    return _cosign_message(args, headers=False)


def cmd_cosign_headers(args: argparse.Namespace) -> Result:
    return _cosign_message(args, headers=True)


def cmd_audit(args: argparse.Namespace) -> Result:
    with session.client() as api:
        records = api.wallet_audit(args.wallet, since=args.since, limit=args.limit)
    return 0, {"records": records}


# -- the parser --------------------------------------------------------------------------------


def _add(sub, name: str, handler, help_text: str) -> argparse.ArgumentParser:
    return command(sub, name, guarded(handler), help_text)


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
    page_options(audit)
    _add_admin_commands(commands)


def _add_session_commands(commands) -> None:
    sub = group(commands, "cosigner", "log in to a co-signer server (session in a 0600 file)")
    login = _add(sub, "login", cmd_login, "get a token: enrollment code, enterprise JWT or share")
    login.add_argument("--url", required=True, metavar="U", help="e.g. http://127.0.0.1:8787")
    how = login.add_mutually_exclusive_group(required=True)
    how.add_argument("--code", metavar="C", help='a one-time enrollment code, or "-"')
    how.add_argument("--enterprise-token", metavar="T", help='an enterprise JWT, or "-"')
    how.add_argument("--share-file", metavar="F", help="prove possession of a split's share")
    login.add_argument("--tls-fingerprint", metavar="FP", help="SHA-256 of the server cert DER")
    _add(sub, "logout", cmd_logout, "forget the session")
    _add(sub, "whoami", cmd_whoami, "the logged-in user")


def _add_wallet_commands(commands) -> None:
    sub = group(commands, "wallet", "wallets held by the co-signer's vault")
    create = _add(sub, "create", cmd_wallet_create, "a new wallet (its mnemonic is shown once)")
    imported = _add(sub, "import", cmd_wallet_import, "import a 0Chain wallet")
    imported.add_argument("--mnemonic", metavar="M", help='the 24 words, or "-"')
    imported.add_argument("--private-key", metavar="K", help='hex, or "-"')
    keyless.add_wallet_options(create, imported)
    _add(sub, "list", cmd_wallet_list, "my wallets and those shared with me")
    actions = (
        ("show", lambda api, cid: api.wallet(cid), "one wallet"),
        ("freeze", lambda api, cid: api.freeze(cid, True), "refuse every co-sign"),
        ("unfreeze", lambda api, cid: api.freeze(cid, False), "allow co-signing again"),
        ("delete", lambda api, cid: api.delete_wallet(cid), "delete after the waiting period"),
        ("cancel-deletion", lambda api, cid: api.cancel_deletion(cid), "keep the wallet"),
    )
    for name, call, help_text in actions:
        _add(sub, name, _wallet_command(call), help_text).add_argument("client_id")


def _add_split_commands(split: argparse.ArgumentParser) -> None:
    sub = split.add_subparsers(title="co-signer commands", metavar="COMMAND")
    create = _add(sub, "create", cmd_split_create, "a new split of a wallet (owner)")
    create.add_argument("--wallet", required=True, metavar="CLIENT_ID")
    create.add_argument("--label", default="", metavar="L")
    create.add_argument(
        "--holder", default="me", metavar="H", help='"me", "code" (a share code), or a user id'
    )
    keyless.add_split_options(create)
    permission_options(create)
    refresh = _add(sub, "refresh", cmd_split_refresh, "refresh my share (the old one stops)")
    refresh.add_argument("--share-file", required=True, metavar="F", help="rewritten in place")
    listed = _add(sub, "list", cmd_split_list, "a wallet's splits (owner), or the ones I hold")
    listed.add_argument("--wallet", metavar="CLIENT_ID")
    _add(sub, "show", cmd_split_show, "one split").add_argument("split_id")
    _add(sub, "revoke", cmd_split_revoke, "revoke at once").add_argument("split_id")
    permissions = _add(sub, "permissions", cmd_split_permissions, "replace the permissions")
    permissions.add_argument("split_id")
    permission_options(permissions)


def _add_share_commands(commands) -> None:
    sub = group(commands, "share", "take a split's user share (once)")
    retrieve = _add(sub, "retrieve", cmd_share_retrieve, "my share of a split I hold")
    retrieve.add_argument("split_id")
    _share_output(retrieve)
    redeem = _add(sub, "redeem", cmd_share_redeem, "a share code an owner gave me")
    redeem.add_argument("code", help='the share code, or "-"')
    _share_output(redeem)


def _share_output(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="FILE", help="a new 0600 file for the share")
    where.add_argument("--print", action="store_true", help="print the share on stdout")


def _add_cosign_commands(commands) -> None:
    sub = group(commands, "cosign", "sign with a share and the co-signer; answers verified")
    tx = _add(sub, "tx", cmd_cosign_tx, "co-sign a 0Chain transaction; prints the miner JSON")
    _share_options(tx)
    tx.add_argument("--file", required=True, metavar="F", help='transaction JSON, or "-"')
    for name, handler, help_text in (
        ("message", cmd_cosign_message, "co-sign sha3 of a message"),
        ("headers", cmd_cosign_headers, "X-App-Client-ID / -Key / -Signature for a string"),
    ):
        parser = _add(sub, name, handler, help_text)
        _share_options(parser)
        parser.add_argument("--message", required=True, metavar="M", help='text, or "-"')


def _share_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--share-file", required=True, metavar="F", help="from share retrieve")
    parser.add_argument("--split", metavar="ID", help="the split (default: the share file's)")


def _admin_handler(definition: AdminCommand):
    def handler(args: argparse.Namespace) -> Result:
        with session.client() as api:
            return definition.run(api, args)

    handler.admin_command = definition  # type: ignore[attr-defined]  # which one, for tests
    return handler


def _add_admin_commands(commands) -> None:
    sub = group(commands, "admin", "co-signer administration (admins)")
    for definition in ADMIN_COMMANDS:
        parser = _add(sub, definition.name, _admin_handler(definition), definition.help)
        definition.add_arguments(parser)
