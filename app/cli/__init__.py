"""`splitkey`, the headless command line (app/cli/program.py builds and runs it).

program.py   the parser and the entry point
_common.py   errors, parser class, helpers every command module uses
local.py     keys, sign, verify, split, combine, tx: no server involved
session.py   the co-signer session and share files, the client, its errors as exit statuses
options.py   option converters shared by the co-signer and network commands
cosigner.py  co-signer commands (login, wallet, split, share, cosign, audit)
keyless.py   keyless wallets (the key drawn and split here)
network.py   0Chain network commands (balance, tx submit | status, send)
admin.py     the admin commands, defined once and registered by both CLIs
tables.py    plain-text tables for the admin CLI's human output
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    # Imported on call: `app.cli.admin` is imported by the server's CLI, which should not load
    # the whole of `splitkey` with it.
    from app.cli.program import main as run

    return run(argv)
