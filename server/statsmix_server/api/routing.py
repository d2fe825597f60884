"""Paths of the API: every resource with an optional ``.xml`` / ``.json``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["PREFIX", "api_route"]

PREFIX = "/api/v2"

Endpoint = Callable[[Request], Awaitable[Response]]


def api_route(path: str, endpoint: Endpoint, methods: Sequence[str]) -> list[Route]:
    """The route at ``PREFIX + path``, bare and with each format suffix."""
    return [
        Route(f"{PREFIX}{path}{suffix}", endpoint, methods=list(methods))
        for suffix in ("", ".xml", ".json")
    ]
