"""``python -m s2sad``: the same as the ``s2sad`` command."""

from .cli import main

raise SystemExit(main())
