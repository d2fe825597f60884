"""``python -m statsmix_server``: the same as the ``statsmix-server`` command."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
