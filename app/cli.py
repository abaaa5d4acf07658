"""`splitkey`: the headless command line over app.crypto, app.keys and app.transaction.

Every command prints one JSON object on stdout. Exit status: 0 done, 1 a verification came out
false, 2 bad input (one line on stderr naming the problem, no traceback); the co-signer commands
(app/cli_cosigner.py) add 3 refused by the co-signer, 4 co-signer unreachable, 5 untrusted answer.
Keys and signatures are lowercase hex in herumi's serialization; points are also accepted in
herumi's GetHexString form. A value of "-" for --mnemonic, --private-key or --file is read from
standard input, which keeps secrets out of the process list.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from app import crypto
from app.crypto import CryptoError, PublicKey, SecretKey, Signature
from app.crypto.encoding import parse_hex
from app.keys import KeysError, Wallet, client_id_of
from app.transaction import Transaction, TransactionError
from app.version import __version__

PROG = "splitkey"
MAX_PARTS = 100  # a split is for people and services; more shares is a typo, not a use


class InputError(Exception):
    """Bad input from the user: reported on one line, exit status 2."""


class CommandFailed(Exception):
    """A command that could not be done for a reason other than bad input: one line on stderr
    and its own exit status (the co-signer commands' 3, 4, 5)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    # argparse prints usage plus a message and exits; we want the one-line error and exit 2
    # from one place, and a main() that returns instead of exiting when called in-process.
    def error(self, message: str) -> NoReturn:
        raise InputError(message)


# -- reading inputs ----------------------------------------------------------------------------


def _value(text: str) -> str:
    return sys.stdin.read().strip() if text == "-" else text


def _decoded(kind: type, text: str, option: str):
    """SecretKey / PublicKey / Signature from hex, or a point from herumi's text form."""
    try:
        if kind is not SecretKey and " " in text.strip():
            # Imported here: the text form pulls in the pure backend's curve code.
            from app.crypto import text_form

            if kind is PublicKey:
                return text_form.public_key_from_text(text)
            return text_form.signature_from_text(text)
        return kind.from_hex(text)
    except CryptoError as exc:
        raise InputError(f"{option}: {exc}") from None


def _secret_key(args: argparse.Namespace) -> SecretKey:
    return _decoded(SecretKey, _value(args.private_key), "--private-key")


def _transaction(args: argparse.Namespace) -> Transaction:
    if args.file == "-":
        text = sys.stdin.read()
    else:
        try:
            with open(args.file, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise InputError(f"--file: cannot read {args.file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise InputError(f"--file: {args.file} is not UTF-8 text") from None
    return Transaction.from_json(text)


# -- commands: each takes the parsed arguments and returns (exit status, JSON object) ----------

Result = tuple[int, dict[str, Any]]


def _wallet_result(wallet: Wallet) -> Result:
    return 0, {
        "mnemonic": wallet.mnemonic,
        "private_key": wallet.keys[0].private_key.to_hex(),
        "public_key": wallet.client_key.to_hex(),
        "client_id": wallet.client_id,
    }


def cmd_keys_new(args: argparse.Namespace) -> Result:
    return _wallet_result(Wallet.create())


def cmd_keys_recover(args: argparse.Namespace) -> Result:
    return _wallet_result(Wallet.from_mnemonic(_value(args.mnemonic)))


def cmd_keys_public(args: argparse.Namespace) -> Result:
    public_key = _secret_key(args).public_key()
    return 0, {"public_key": public_key.to_hex(), "client_id": client_id_of(public_key)}


def cmd_sign(args: argparse.Namespace) -> Result:
    secret_key = _secret_key(args)
    return 0, {"signature": secret_key.sign_hash(args.hash).to_hex()}


def cmd_verify(args: argparse.Namespace) -> Result:
    public_key = _decoded(PublicKey, args.public_key, "--public-key")
    signature = _decoded(Signature, args.signature, "--signature")
    valid = public_key.verify_hash(args.hash, signature)
    return (0 if valid else 1), {"valid": valid}


def cmd_split(args: argparse.Namespace) -> Result:
    if args.private_key is None:
        raise InputError(
            "the following arguments are required: --private-key "
            "(or name a co-signer command: create, list, show, revoke, permissions)"
        )
    if not 2 <= args.parts <= MAX_PARTS:
        raise InputError(f"--parts must be between 2 and {MAX_PARTS}, got {args.parts}")
    shares = crypto.split_secret_key(_secret_key(args), args.parts)
    keys = [{"private_key": s.to_hex(), "public_key": s.public_key().to_hex()} for s in shares]
    return 0, {"keys": keys}


def cmd_combine(args: argparse.Namespace) -> Result:
    signatures = [_decoded(Signature, s, "--signature") for s in args.signature]
    return 0, {"signature": crypto.aggregate_signatures(signatures).to_hex()}


def cmd_combine_keys(args: argparse.Namespace) -> Result:
    keys = [_decoded(PublicKey, k, "--public-key") for k in args.public_key]
    return 0, {"public_key": crypto.aggregate_public_keys(keys).to_hex()}


def cmd_hash_to_g1(args: argparse.Namespace) -> Result:
    message = parse_hex(args.message_hex, None, "--message-hex")
    return 0, {"point": crypto.hash_to_g1(message).hex()}


def cmd_tx_hash(args: argparse.Namespace) -> Result:
    tx = _transaction(args)
    return 0, {"hash": tx.hash, "hash_data": tx.hash_data}


def cmd_tx_sign(args: argparse.Namespace) -> Result:
    if args.file == "-" and args.private_key == "-":
        raise InputError("--private-key and --file cannot both be read from standard input")
    tx = _transaction(args)
    secret_key = _secret_key(args)
    foreign = tx.public_key and tx.public_key != secret_key.public_key().to_hex()
    if foreign and not args.partial:
        raise InputError(
            "--private-key does not belong to the transaction's public_key "
            "(add --partial to sign with a share of a split key)"
        )
    return 0, tx.sign(secret_key).to_dict()


# -- the parser --------------------------------------------------------------------------------


def _add_backend_option(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--backend",
        choices=("auto", "pure", "native"),
        default=default,
        help="crypto backend: native (herumi mcl), pure (Python) or auto (native if it works)",
    )


def _command(
    subparsers: argparse._SubParsersAction,
    name: str,
    handler: Callable[[argparse.Namespace], Result],
    help_text: str,
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    # Accept --backend after the command too; SUPPRESS keeps the top-level value otherwise.
    _add_backend_option(parser, argparse.SUPPRESS)
    parser.set_defaults(handler=handler)
    return parser


def _group(subparsers: argparse._SubParsersAction, name: str, help_text: str):
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=None, help_parser=parser)
    return parser.add_subparsers(title="commands", metavar="COMMAND")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Splitkey: 0Chain BLS keys, signatures and split keys from the command line.",
        epilog=(
            "Output is JSON. Exit status: 0 ok, 1 verification false, 2 bad input, "
            "3 refused by the co-signer, 4 co-signer unreachable, 5 untrusted answer (co-signer "
            "or confirmation), 6 the network refused the transaction, 7 the network is "
            "unreachable or its sharders do not agree."
        ),
    )
    _add_backend_option(parser, None)
    parser.add_argument(
        "--network",
        default=None,
        metavar="NAME_OR_URL",
        help="mainnet, or a block_worker URL (default: $SPLITKEY_NETWORK, Settings, mainnet)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.set_defaults(handler=None, help_parser=parser)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    keys = _group(commands, "keys", "make, recover and inspect wallet keys")
    _command(keys, "new", cmd_keys_new, "a new 24-word mnemonic and its keys")
    recover = _command(keys, "recover", cmd_keys_recover, "the keys of a 24-word mnemonic")
    recover.add_argument("--mnemonic", required=True, metavar="M", help='the words, or "-"')
    public = _command(keys, "public", cmd_keys_public, "public key and client_id of a key")
    _private_key_option(public)

    sign = _command(commands, "sign", cmd_sign, "sign a 0Chain hash (its 32 raw bytes)")
    _private_key_option(sign)
    _hash_option(sign)

    verify = _command(commands, "verify", cmd_verify, "verify a signature of a hash")
    verify.add_argument("--public-key", required=True, metavar="P")
    _hash_option(verify)
    verify.add_argument("--signature", required=True, metavar="S")

    split = _command(
        commands, "split", cmd_split, "split a key into additive shares; or a co-signer split"
    )
    split.add_argument("--private-key", metavar="K", help='hex, or "-"')
    split.add_argument("--parts", type=int, default=2, metavar="N", help="shares (default 2)")

    combine = _command(commands, "combine", cmd_combine, "add signatures (partial -> full)")
    combine.add_argument(
        "--signature", required=True, action="extend", nargs="+", metavar="S", help="2 or more"
    )
    combine_keys = _command(commands, "combine-keys", cmd_combine_keys, "add public keys")
    combine_keys.add_argument(
        "--public-key", required=True, action="extend", nargs="+", metavar="P", help="2 or more"
    )

    h2g = _command(commands, "hash-to-g1", cmd_hash_to_g1, "herumi's hash of a message to G1")
    h2g.add_argument("--message-hex", required=True, metavar="X", help="the message bytes, hex")

    tx = _group(commands, "tx", "0Chain transactions (miner JSON)")
    tx_hash = _command(tx, "hash", cmd_tx_hash, "hash and hash_data of a transaction")
    _file_option(tx_hash)
    tx_sign = _command(tx, "sign", cmd_tx_sign, "sign a transaction; prints the miner JSON")
    _private_key_option(tx_sign)
    _file_option(tx_sign)
    tx_sign.add_argument(
        "--partial",
        action="store_true",
        help="the key is a share of the transaction's public_key (a partial signature)",
    )
    # Imported here: the co-signer commands pull in httpx and import this module's helpers.
    from app import cli_cosigner

    cli_cosigner.add_commands(commands, split)
    from app import cli_network

    cli_network.add_commands(commands, tx)
    return parser


def _private_key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--private-key", required=True, metavar="K", help='hex, or "-"')


def _hash_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hash", required=True, metavar="H", help="64 hex digits (SHA3-256)")


def _file_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file", required=True, metavar="F", help='transaction JSON file, or "-" for stdin'
    )


# -- entry point -------------------------------------------------------------------------------


def run(argv: Sequence[str]) -> Result | None:
    """Parse and run one command; None when only help was printed."""
    args = build_parser().parse_args(argv)
    if args.handler is None:
        if argv:  # a group such as `keys` without its command
            raise InputError(f"{args.help_parser.prog}: name a command (see --help)")
        args.help_parser.print_help()
        return None
    if args.backend:
        crypto.use_backend(args.backend)
    return args.handler(args)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        result = run(argv)
    except SystemExit as exc:  # --help and argparse's own exits
        return exc.code if isinstance(exc.code, int) else 0
    except CommandFailed as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return exc.status
    except (InputError, CryptoError, KeysError, TransactionError, ValueError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    if result is None:
        return 0
    status, payload = result
    print(json.dumps(payload, indent=2))
    return status


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":
    # Run the app.cli module, not this __main__ copy of it, so that app.cli_cosigner and this
    # entry point share one set of classes (InputError, CommandFailed).
    from app.cli import main as app_main

    sys.exit(app_main())
