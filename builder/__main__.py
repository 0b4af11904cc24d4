"""`python -m builder`: the command line."""

from .cli import main

raise SystemExit(main())
