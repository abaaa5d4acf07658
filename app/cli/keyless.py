"""`splitkey` commands for keyless wallets: the key is drawn and split on this machine; the
co-signer gets its own share and public keys only.

    splitkey wallet create --keyless --share-out FILE
    splitkey wallet import --keyless (--mnemonic M | --wallet-file F) --share-out FILE
    splitkey split create --wallet ID --from-share FILE --holder code [permission options]
    splitkey split refresh --share-file FILE

Share files are 0600 and created before the co-signer is asked (a path that cannot be written
fails before anything happens); a refresh writes the new share next to the old one first and
moves it into place once the co-signer has answered, so a lost answer can be retried.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from app.cli import session
from app.cli._common import InputError, Result, value
from app.cli.options import permissions_from_args
from app.cli.session import SHARE_KIND, private_file, read_share, write_fd
from app.client import CosignerError, ShareInfo
from app.crypto import SecretKey
from app.files import fsync_dir
from app.keys import KeysError, Wallet, generate_mnemonic, secret_key_from_mnemonic

PENDING_SUFFIX = ".refresh-pending"


@contextlib.contextmanager
def reserved_file(path: Path) -> Iterator[int]:
    """A new 0600 file for a share, removed again if filling it fails."""
    fd = private_file(path)
    try:
        yield fd
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        path.unlink(missing_ok=True)
        raise


def write_share(fd: int, share: ShareInfo) -> None:
    write_fd(fd, {"kind": SHARE_KIND, **share.to_dict()})


def _register(master: SecretKey, share_out: str) -> dict:
    out = Path(share_out)
    with reserved_file(out) as fd, session.client() as api:
        created = api.create_keyless_wallet(master)
        write_share(fd, created.share)
    return {"wallet": created.wallet.to_dict(), "split": created.split.to_dict(), "out": out}


def create_keyless(args: argparse.Namespace) -> Result:
    """The mnemonic is printed this once (the owner writes it down) and stored nowhere."""
    if not args.share_out:
        raise InputError("--keyless needs --share-out FILE: your share of the key goes there")
    mnemonic = generate_mnemonic()
    made = _register(secret_key_from_mnemonic(mnemonic), args.share_out)
    return 0, {
        "wallet": made["wallet"],
        "mnemonic": mnemonic,
        "split": made["split"],
        "share_file": str(made["out"]),
    }


def import_keyless(args: argparse.Namespace) -> Result:
    if not args.share_out:
        raise InputError("--keyless needs --share-out FILE: your share of the key goes there")
    if args.private_key is not None:
        raise InputError("--keyless imports --mnemonic or --wallet-file")
    if (args.mnemonic is None) == (args.wallet_file is None):
        raise InputError("give --mnemonic or --wallet-file")
    try:
        if args.mnemonic is not None:
            master = secret_key_from_mnemonic(value(args.mnemonic))
        else:
            master = _wallet_file_key(Path(args.wallet_file))
    except KeysError as exc:
        raise InputError(str(exc)) from None
    made = _register(master, args.share_out)
    return 0, {
        "wallet": made["wallet"],
        "split": made["split"],
        "share_file": str(made["out"]),
    }


def _wallet_file_key(path: Path) -> SecretKey:
    try:
        wallet = Wallet.from_json(path.read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read --wallet-file {path}: {exc.strerror}") from None
    if wallet.is_split:
        raise InputError(f"--wallet-file {path} is already split; import its unsplit wallet")
    return wallet.keys[0].private_key


def delegate(args: argparse.Namespace) -> Result:
    """split create --from-share: a new split of a keyless wallet, no master key anywhere."""
    share = read_share(args.from_share)
    if share.client_id != args.wallet:
        raise InputError(f"--from-share {args.from_share} is a share of another wallet")
    if args.holder not in ("me", "code"):
        raise InputError('--from-share shares through a code: --holder code (or "me")')
    if args.holder == "me" and not args.share_out:
        raise InputError("--holder me --from-share needs --share-out FILE for the new share")
    permissions = permissions_from_args(args)
    out = Path(args.share_out) if args.holder == "me" else None
    with contextlib.ExitStack() as stack:
        fd = stack.enter_context(reserved_file(out)) if out else None
        api = stack.enter_context(session.client())
        made = api.delegate(share, args.label, args.holder, permissions)
        if fd is not None:
            write_share(fd, made.share)
    result: dict = {"split": made.split.to_dict()}
    if made.share_code:  # valid for the co-signer's share_code_ttl (10 minutes by default)
        result["share_code"] = made.share_code
    if out:
        result["share_file"] = str(out)
    return 0, result


def refresh(args: argparse.Namespace) -> Result:
    path = Path(args.share_file)
    share = read_share(args.share_file)
    pending = path.with_name(path.name + PENDING_SUFFIX)
    refreshed = _pending_share(pending, share)
    if refreshed is None:
        while True:
            refreshed = SecretKey.generate()
            if refreshed != share.secret_key():
                break
        new = ShareInfo.from_dict(
            {
                **share.to_dict(),
                "public_key": refreshed.public_key().to_hex(),
                "private_key": refreshed.to_hex(),
            }
        )
        # Kept before asking: if the answer is lost, this command run again finishes the job.
        write_fd(private_file(pending), {"kind": SHARE_KIND, **new.to_dict()})
    try:
        with session.client() as api:
            split, _new_share = api.refresh(share, refreshed)
    except CosignerError as exc:
        if 400 <= exc.status < 500:
            pending.unlink(missing_ok=True)  # refused: nothing changed on the server
        raise  # else (5xx, unreachable) the pending share stays: run the command again
    os.replace(pending, path)  # the refreshed share takes the old one's place, atomically
    fsync_dir(path.parent)  # and keeps it after a power cut
    return 0, {"split": split.to_dict()}


def _pending_share(pending: Path, share: ShareInfo) -> SecretKey | None:
    """The share an interrupted refresh of this split drew, if one is waiting."""
    if not pending.exists():
        return None
    earlier = read_share(str(pending))
    if earlier.split_id != share.split_id:
        raise InputError(f"{pending} belongs to another split; move it away")
    return earlier.secret_key()


def add_wallet_options(create: argparse.ArgumentParser, imported: argparse.ArgumentParser) -> None:
    create.add_argument(
        "--keyless", action="store_true", help="draw and split the key here (not on the server)"
    )
    create.add_argument("--share-out", metavar="FILE", help="a new 0600 file for your share")
    imported.add_argument("--keyless", action="store_true", help="split here; server gets a share")
    imported.add_argument("--wallet-file", metavar="F", help="a zwallet JSON file (keyless)")
    imported.add_argument("--share-out", metavar="FILE", help="a new 0600 file for your share")


def add_split_options(create: argparse.ArgumentParser) -> None:
    create.add_argument(
        "--from-share", metavar="FILE", help="keyless wallet: cut the split from your share"
    )
    create.add_argument("--share-out", metavar="FILE", help="with --holder me: the new share")
