"""`python -m app.cli`."""

import sys

from app.cli.program import main

sys.exit(main())
