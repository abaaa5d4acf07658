"""One exit-status table for the product: `splitkey` (app/cli/) and `splitkey-cosigner`
(cosigner_server/cli/) give every number the same meaning, so a script can tell "the co-signer
said no" from "the co-signer could not be reached" whichever command it ran.

The table is printed in both CLIs' --help (`epilog`) and documented in README.md ("Exit status").
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    # A check came out false (a signature, the audit chain, readiness) or an operation failed
    # on the server's side (a 5xx answer, a restore that cannot be done).
    FAILED = 1
    # Bad input: arguments, files, the data directory or its configuration; nothing was sent.
    USAGE = 2
    # The co-signer answered with a refusal or an error about the request (4xx: a policy rule,
    # unauthorized, not found, a conflict).
    REFUSED = 3
    # The co-signer (or the server the admin CLI talks to) cannot be reached.
    UNREACHABLE = 4
    # An answer that must not be used: a signature that does not verify, a malformed answer, a
    # TLS certificate other than the pinned one, a confirmation that does not verify.
    UNTRUSTED = 5
    # The 0Chain network refused the transaction (or it failed in its block).
    NETWORK_REFUSED = 6
    # The 0Chain network is unreachable, or its sharders do not agree.
    NETWORK_UNREACHABLE = 7
    # Ctrl+C (128 + SIGINT, as shells report it).
    INTERRUPTED = 130


MEANINGS: dict[ExitStatus, str] = {
    ExitStatus.OK: "ok",
    ExitStatus.FAILED: "a check came out false or the operation failed",
    ExitStatus.USAGE: "bad input",
    ExitStatus.REFUSED: "refused by the co-signer",
    ExitStatus.UNREACHABLE: "co-signer unreachable",
    ExitStatus.UNTRUSTED: "untrusted answer",
    ExitStatus.NETWORK_REFUSED: "the network refused the transaction",
    ExitStatus.NETWORK_UNREACHABLE: "the network is unreachable or its sharders disagree",
    ExitStatus.INTERRUPTED: "interrupted",
}


def epilog() -> str:
    """The table as one sentence, for argparse's --help."""
    listed = ", ".join(f"{int(s)} {MEANINGS[s]}" for s in ExitStatus)
    return f"Exit status: {listed}."
