"""The StatsMix v2 API: every route under ``/api/v2``.

:func:`api_routes` is the list :func:`statsmix_server.app.create_app` mounts;
other route modules reuse :func:`statsmix_server.api.endpoint.endpoint` (body,
auth, plan, errors) and :mod:`statsmix_server.render` to answer in the same
conventions.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..errors import ApiError
from ..render import format_from_path, render_error
from . import batch, metrics, profiles, stats, track
from .endpoint import ApiCall
from .routing import PREFIX, api_route

__all__ = ["PREFIX", "ApiCall", "api_route", "api_routes"]


async def _not_found(request: Request) -> Response:
    path = request.url.path
    error = ApiError(404, f"no API resource at {path[:100]}")
    return render_error(error, format_from_path(path) or "xml")


def api_routes() -> list[BaseRoute]:
    """Every API route, then a catch-all that answers 404 in the API's format."""
    return [
        *track.routes(),
        *batch.routes(),
        *metrics.routes(),
        *stats.routes(),
        *profiles.routes(),
        Route(f"{PREFIX}/{{rest:path}}", _not_found, methods=None),
    ]
