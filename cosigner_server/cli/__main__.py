"""`python -m cosigner_server.cli` (the same as `python -m cosigner_server`)."""

from cosigner_server.cli import main

raise SystemExit(main())
