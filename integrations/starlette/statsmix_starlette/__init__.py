"""StatsMix for Starlette and FastAPI: one stat per request, with its template."""

from __future__ import annotations

from statsmix_middleware import __version__

from .middleware import StatsMixMiddleware
from .routes import resolve_route
from .stack import install

__all__ = [
    "SUPPORTED_FASTAPI",
    "SUPPORTED_STARLETTE",
    "StatsMixMiddleware",
    "__version__",
    "install",
    "resolve_route",
]

#: The Starlette releases this adapter supports: the oldest as a requirement,
#: the newest as the release the tests run against.
SUPPORTED_STARLETTE = (">=0.37", "1.10.0")

#: Likewise for FastAPI, which runs on Starlette.
SUPPORTED_FASTAPI = (">=0.111", "0.165.0")
