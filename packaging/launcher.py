"""The desktop bundle's entry point (PyInstaller freezes this file, packaging/splitkey.spec).

A frozen executable has no `python -m`, yet two things start this same executable as a child:
- the desktop's built-in co-signer ("This computer"): app/local_cosigner.py runs
  `[sys.executable, "-m", "cosigner_server", ...]`, dispatched here to the co-signer's CLI;
- the co-signer's crypto workers (multiprocessing, spawn): the child is started with
  `--multiprocessing-fork ...`, which freeze_support() recognises and runs, never returning.
Everything else is the `splitkey` console script: the desktop, or the CLI with arguments."""

from __future__ import annotations

import multiprocessing
import sys


def main(argv: list[str]) -> int:
    if argv[:2] == ["-m", "cosigner_server"]:
        from cosigner_server.cli import main as cosigner_main

        return cosigner_main(argv[2:])
    from ui.main import main as splitkey_main

    return splitkey_main(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main(sys.argv[1:]))
