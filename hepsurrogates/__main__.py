"""``python -m hepsurrogates`` runs the command line."""

from hepsurrogates.cli import main

raise SystemExit(main())
