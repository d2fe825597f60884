"""statsmix-server: a StatsMix-compatible API server on SQLite."""

from __future__ import annotations

from statsmix_middleware import __version__

from .app import DEFAULT_BODY_LIMIT, create_app
from .database import Database

__all__ = ["DEFAULT_BODY_LIMIT", "Database", "__version__", "create_app"]
