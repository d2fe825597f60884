"""The ASGI application: the API's routes on one SQLite file.

:func:`create_app` builds the Starlette app. The routes it mounts come from
:func:`route_groups`, a list of functions returning routes, so another part
of the server adds its pages by adding one entry there.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute

from .api import PREFIX, api_routes
from .api.endpoint import early_format
from .dashboard import dashboard_routes
from .database import Database
from .errors import ApiError
from .render import render_error
from .state import ServerState

__all__ = ["DEFAULT_BODY_LIMIT", "create_app", "route_groups"]

logger = logging.getLogger(__name__)

#: Request bodies past this many bytes are refused with 413.
DEFAULT_BODY_LIMIT = 1024 * 1024

RouteGroup = Callable[[], Sequence[BaseRoute]]


def route_groups() -> list[RouteGroup]:
    """The functions whose routes the app mounts, in matching order.

    The API comes last because it ends with a catch-all under ``/api/v2``.
    """
    return [dashboard_routes, api_routes]


def create_app(
    db_path: str | Path,
    *,
    body_limit: int = DEFAULT_BODY_LIMIT,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The server as an ASGI app; the database is opened when it starts.

    Args:
        db_path: the SQLite file, created and migrated at startup.
        body_limit: the largest request body accepted, in bytes.
        extra_routes: more routes, matched before the API's.
    """
    if body_limit <= 0:
        raise ValueError("body_limit must be positive")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        database = Database(db_path)
        app.state.statsmix = ServerState(database, body_limit)
        logger.info("statsmix-server using %s", database.path)
        try:
            yield
        finally:
            database.close()

    routes: list[BaseRoute] = list(extra_routes)
    for group in route_groups():
        routes.extend(group())

    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals: in the API's format under its path.

    The API's fallback routes (:mod:`statsmix_server.api.fallback`) answer
    every unknown path and method there first; this catches whatever else
    Starlette may raise, in the format an endpoint would have used.
    """
    assert isinstance(exc, HTTPException)
    path = request.url.path
    if path.startswith(PREFIX + "/") or path == PREFIX:
        response = render_error(
            ApiError(exc.status_code, exc.detail), early_format(request)
        )
        response.headers.update(exc.headers or {})
        return response
    return PlainTextResponse(exc.detail, exc.status_code, headers=exc.headers)
