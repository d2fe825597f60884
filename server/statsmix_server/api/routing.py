"""Paths of the API: every resource with an optional ``.xml`` / ``.json``.

HEAD: Starlette answers it wherever GET is allowed, by running the GET
endpoint and leaving out the body, so a HEAD gets the headers of its GET and
counts against the plan as that GET would. That is right for a GET that only
reads; a GET that writes (``track``) is routed with ``head=False`` and
refuses HEAD with a 405 instead, so a HEAD never stores anything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["PREFIX", "Endpoint", "api_route"]

PREFIX = "/api/v2"

Endpoint = Callable[[Request], Awaitable[Response]]


def api_route(
    path: str, endpoint: Endpoint, methods: Sequence[str], *, head: bool = True
) -> list[Route]:
    """The route at ``PREFIX + path``, bare and with each format suffix.

    Args:
        methods: the methods it takes; HEAD comes with GET unless ``head``
            is False.
    """
    routes = [
        Route(f"{PREFIX}{path}{suffix}", endpoint, methods=list(methods))
        for suffix in ("", ".xml", ".json")
    ]
    if not head:
        for route in routes:
            assert route.methods is not None
            route.methods.discard("HEAD")
    return routes
