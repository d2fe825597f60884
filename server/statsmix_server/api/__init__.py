"""The StatsMix v2 API: every route under ``/api/v2``.

:func:`api_routes` is the list :func:`statsmix_server.app.create_app` mounts;
other route modules reuse :func:`statsmix_server.api.endpoint.endpoint` (body,
auth, plan, errors) and :mod:`statsmix_server.render` to answer in the same
conventions.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import batch, metrics, profiles, stats, track
from .endpoint import ApiCall
from .fallback import fallback_routes
from .routing import PREFIX, api_route

__all__ = ["PREFIX", "ApiCall", "api_route", "api_routes"]


def api_routes() -> list[BaseRoute]:
    """Every API route, then the fallback that answers 405 or 404 for the rest."""
    return [
        *track.routes(),
        *batch.routes(),
        *metrics.routes(),
        *stats.routes(),
        *profiles.routes(),
        *fallback_routes(),
    ]
