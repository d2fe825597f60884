"""What the API answers when none of its routes takes a request: 405 or 404.

Left to itself Starlette answers such a request in plain text, and a
catch-all route whose endpoint is a function serves GET alone, so a POST to an
unknown resource would be a 405. The routes here come after every other one,
take every path under ``/api/v2`` with every method, and answer:

- 405 when another route has this path for other methods: the message names
  the method, the path and the methods allowed there, which the ``Allow``
  header lists too;
- 404 otherwise, since there is no such resource (the HTTP backend falls back
  from ``batch.json`` to single ``track`` calls on exactly this answer).

Both are in the requested format, found the way an endpoint finds it before
reading the body (:func:`~statsmix_server.api.endpoint.early_format`): the
path suffix, then ``format`` in the query string. The body is never read.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from ..errors import ApiError
from ..render import render_error
from .endpoint import early_format
from .routing import PREFIX

__all__ = ["fallback_routes"]

_PATH_SHOWN = 100


class _Fallback:
    """An ASGI app, so that its route takes every method."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        path = request.url.path[:_PATH_SHOWN]
        allowed = _allowed_methods(scope)

        if allowed:
            error = ApiError(
                405,
                f"{request.method} is not allowed on {path}; "
                f"allowed: {', '.join(allowed)}",
            )
            response = render_error(error, early_format(request))
            response.headers["Allow"] = ", ".join(allowed)
        else:
            error = ApiError(404, f"no API resource at {path}")
            response = render_error(error, early_format(request))
        await response(scope, receive, send)


def _allowed_methods(scope: Scope) -> list[str]:
    """The methods of the routes whose path is this request's, if any.

    A route matches a request "partially" when the path fits and the method
    does not; these routes themselves take every method, so never do.
    """
    allowed: set[str] = set()
    for route in scope["router"].routes:
        match, _ = route.matches(scope)
        if match is Match.PARTIAL and isinstance(route, Route) and route.methods:
            allowed |= route.methods
    return sorted(allowed)


def fallback_routes() -> list[BaseRoute]:
    """``/api/v2`` and everything under it, for every method; mount them last."""
    fallback = _Fallback()
    return [
        Route(PREFIX, fallback),
        Route(f"{PREFIX}/{{rest:path}}", fallback),
    ]
