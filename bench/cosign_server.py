"""Serve a co-signer from an initialised data directory, for bench/cosign_load.py:

    python bench/cosign_server.py DATA_DIR

Used only when `python -m cosigner_server serve` is not available. Host, port, crypto mode and
workers come from DATA_DIR/config.toml (and SPLITKEY_COSIGNER_* variables), as they would for
the real command; the crypto backend from SPLITKEY_CRYPTO_BACKEND.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/cosign_server.py` puts bench/ first on sys.path, not the repository.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web  # noqa: E402

from cosigner_server.app import create_app  # noqa: E402
from cosigner_server.config import load_config  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python bench/cosign_server.py DATA_DIR")
    config = load_config(args[0])
    # No access log: the bench measures the co-signer, not the formatting of log lines.
    web.run_app(create_app(config), host=config.host, port=config.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
