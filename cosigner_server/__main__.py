"""`python -m cosigner_server` runs the same admin CLI as `splitkey-cosigner`."""

from .cli import main

raise SystemExit(main())
