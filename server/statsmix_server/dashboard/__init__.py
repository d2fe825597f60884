"""The web dashboard: sign-in, live metric charts, dashboards, sharing, embeds.

:func:`dashboard_routes` is what the server's app mounts: the pages, their
chart data, ``/api/v2/dashboards`` and the static files.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from . import (
    auth_pages,
    dashboard_pages,
    dashboards_api,
    metric_pages,
    shared_pages,
)
from .sharing import share_dashboard
from .templating import STATIC_DIR

__all__ = ["dashboard_routes", "share_dashboard"]


def dashboard_routes() -> list[BaseRoute]:
    """Every route of the dashboard, the API's ``/dashboards`` included."""
    return [
        *auth_pages.routes(),
        *metric_pages.routes(),
        *dashboard_pages.routes(),
        *shared_pages.routes(),
        *dashboards_api.routes(),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
