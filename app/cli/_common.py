"""What every `splitkey` command module shares: the errors that end a command, the parser class
and the helpers that register commands and read values. Nothing here imports the client (the
local commands start without httpx)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from app.cli.errors import CommandFailed, InputError
from app.crypto import CryptoError, PublicKey, SecretKey
from app.protocol.exit_codes import ExitStatus
from app.transaction import Transaction

PROG = "splitkey"

# -- commands: each takes the parsed arguments and returns (exit status, JSON object) ----------

Result = tuple[int, dict[str, Any]]


class Parser(argparse.ArgumentParser):
    # argparse prints usage plus a message and exits; we want the one-line error and exit 2
    # from one place, and a main() that returns instead of exiting when called in-process.
    def error(self, message: str) -> NoReturn:
        raise InputError(message)


def one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# -- reading inputs ----------------------------------------------------------------------------


def value(text: str) -> str:
    """The text itself, or standard input for "-" (keeps secrets out of the process list)."""
    return sys.stdin.read().strip() if text == "-" else text


def decoded(kind: type, text: str, option: str):
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


def secret_key(args: argparse.Namespace) -> SecretKey:
    return decoded(SecretKey, value(args.private_key), "--private-key")


def read_transaction(args: argparse.Namespace) -> Transaction:
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


# -- registering commands ----------------------------------------------------------------------


def add_backend_option(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--backend",
        choices=("auto", "pure", "native"),
        default=default,
        help="crypto backend: native (herumi mcl), pure (Python) or auto (native if it works)",
    )


def command(
    subparsers: argparse._SubParsersAction,
    name: str,
    handler: Callable[[argparse.Namespace], Result],
    help_text: str,
    aliases: tuple[str, ...] = (),
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help_text, description=help_text, aliases=aliases)
    # Accept --backend after the command too; SUPPRESS keeps the top-level value otherwise.
    add_backend_option(parser, argparse.SUPPRESS)
    parser.set_defaults(handler=handler)
    return parser


def group(subparsers: argparse._SubParsersAction, name: str, help_text: str):
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=None, help_parser=parser)
    return parser.add_subparsers(title="commands", metavar="COMMAND")


__all__ = [
    "PROG", "CommandFailed", "ExitStatus", "InputError", "Parser", "Result", "add_backend_option",
    "command", "decoded", "group", "one_line", "read_transaction", "secret_key", "value",
]  # fmt: skip
