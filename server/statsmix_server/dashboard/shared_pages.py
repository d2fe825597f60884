"""Shared dashboards: ``/d/<token>``, its ``/embed`` view and its chart data.

No session is read or set here. The token is the only key, and it opens that
one dashboard's charts and nothing else: a chart id of any other dashboard
is a 404, as is a token once revoked.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import dashboards, sharing
from .chart_data import poll_interval
from .dashboard_pages import respond_chart
from .dashboards import Dashboard
from .templating import RANGE_LABELS
from .web import PageError, read, render, shared

__all__ = ["routes"]


async def _shared(request: Request) -> Dashboard:
    token: str = request.path_params["token"]
    found = await read(request, sharing.shared_dashboard, token)
    if found is None:
        raise PageError(404)
    return found


async def _view(request: Request, *, embed: bool) -> Response:
    dashboard = await _shared(request)
    base = sharing.share_path(request.path_params["token"])
    charts = [
        {
            "title": chart.metric_name,
            "caption": " · ".join(
                part
                for part in (
                    chart.aggregation,
                    RANGE_LABELS[chart.time_range],
                    f"by {chart.group_by}" if chart.group_by else "",
                )
                if part
            ),
            "src": f"{base}/charts/{chart.id}/data.json",
            "poll": poll_interval(chart.time_range),
        }
        for chart in await read(request, dashboards.list_charts, dashboard.id)
    ]
    context = {"title": dashboard.name, "charts": charts, "embed": embed}
    return render(request, None, "shared.html", context, frameable=embed)


async def shared_page(request: Request) -> Response:
    """``/d/<token>``: the shared dashboard with a minimal header."""
    return await _view(request, embed=False)


async def embed_page(request: Request) -> Response:
    """``/d/<token>/embed``: the charts alone; the one framable page."""
    return await _view(request, embed=True)


async def shared_chart(request: Request) -> Response:
    """The data of one chart of the shared dashboard."""
    dashboard = await _shared(request)
    return await respond_chart(request, dashboard, request.path_params["chart_id"])


def routes() -> list[Route]:
    """The share address, its embed view and its charts' data."""
    base = "/d/{token:str}"
    return [
        Route(base, shared(shared_page), methods=["GET"]),
        Route(f"{base}/embed", shared(embed_page), methods=["GET"]),
        Route(
            base + "/charts/{chart_id:int}/data.json",
            shared(shared_chart),
            methods=["GET"],
        ),
    ]
