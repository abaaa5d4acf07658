"""`splitkey`: the headless command line. Builds the parser from the command modules and runs
one command.

Every command prints one JSON object on stdout. Exit status: app/protocol/exit_codes.py (0 done,
1 a verification came out false, 2 bad input: one line on stderr naming the problem, no
traceback; 3 refused by the co-signer, 4 co-signer unreachable, 5 untrusted answer, 6 and 7 the
network). Keys and signatures are lowercase hex in herumi's serialization; points are also
accepted in herumi's GetHexString form. A value of "-" for --mnemonic, --private-key or --file is
read from standard input, which keeps secrets out of the process list.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from app import crypto
from app.cli import local
from app.cli._common import (
    PROG,
    CommandFailed,
    InputError,
    Parser,
    Result,
    add_backend_option,
    one_line,
)
from app.crypto import CryptoError
from app.keys import KeysError
from app.protocol import exit_codes
from app.protocol.exit_codes import ExitStatus
from app.transaction import TransactionError
from app.version import __version__


def build_parser() -> Parser:
    parser = Parser(
        prog=PROG,
        description="Splitkey: 0Chain BLS keys, signatures and split keys from the command line.",
        epilog="Output is JSON. " + exit_codes.epilog(),
    )
    add_backend_option(parser, None)
    parser.add_argument(
        "--network",
        default=None,
        metavar="NAME_OR_URL",
        help="mainnet, or a block_worker URL (default: $SPLITKEY_NETWORK, Settings, mainnet)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.set_defaults(handler=None, help_parser=parser)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    split, tx = local.add_commands(commands)
    # Imported here: the co-signer and network commands pull in httpx, which the local
    # commands do without (start-up time).
    from app.cli import cosigner, network

    cosigner.add_commands(commands, split)
    network.add_commands(commands, tx)
    return parser


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
        return exc.code if isinstance(exc.code, int) else ExitStatus.OK
    except CommandFailed as exc:
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        return exc.status
    except (InputError, CryptoError, KeysError, TransactionError, ValueError) as exc:
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        return ExitStatus.USAGE
    if result is None:
        return ExitStatus.OK
    status, payload = result
    print(json.dumps(payload, indent=2))
    return status
