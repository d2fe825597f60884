"""The metrics of a profile and the page of one metric, with its chart data.

``/profiles/<profile_id>/metrics/<metric_id>`` is both the owner's page and,
when the metric's ``sharing`` is ``public``, the read-only page anyone may
open: it is the ``url`` the API answers for a shared metric.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..accounts import list_profiles
from .chart_data import ChartView, chart_payload, poll_interval
from .sessions import Session
from .store import (
    MetricInfo,
    latest_stats,
    list_metrics,
    meta_keys,
    owned_metric,
    public_metric,
)
from .web import (
    PageError,
    data,
    data_response,
    page,
    read,
    render,
    require_account,
    shared,
)

__all__ = ["account_context", "routes"]


def account_context(
    conn: sqlite3.Connection, account_id: int, profile_id: int | None = None
) -> dict[str, Any]:
    """The profiles of the header's switcher, and the one being looked at."""
    profiles = list_profiles(conn, account_id)
    current = next((p for p in profiles if p.id == profile_id), None)
    if current is None and profile_id is None and profiles:
        current = profiles[0]
    return {"profiles": profiles, "profile": current}


async def metrics_list(request: Request, session: Session) -> Response:
    """``/profiles/<id>/metrics``: the profile's metrics."""
    account_id = require_account(session)
    profile_id: int = request.path_params["profile_id"]

    def load(conn: sqlite3.Connection) -> dict[str, Any] | None:
        context = account_context(conn, account_id, profile_id)
        if context["profile"] is None or context["profile"].id != profile_id:
            return None
        return {**context, "metrics": list_metrics(conn, profile_id)}

    context = await read(request, load)
    if context is None:
        raise PageError(404)
    return render(request, session, "metrics.html", context)


async def _visible_metric(
    request: Request, session: Session
) -> tuple[MetricInfo, bool]:
    """The metric of the path and whether the visitor owns it.

    Raises:
        PageError: 401 for a private metric and nobody signed in; 404 when
            the metric is neither the visitor's nor public.
    """
    profile_id: int = request.path_params["profile_id"]
    metric_id: int = request.path_params["metric_id"]

    if session.account_id is not None:
        owned = await read(
            request, owned_metric, session.account_id, profile_id, metric_id
        )
        if owned is not None:
            return owned, True

    shared = await read(request, public_metric, profile_id, metric_id)
    if shared is not None:
        return shared, False
    raise PageError(404 if session.signed_in else 401)


async def metric_page(request: Request, session: Session) -> Response:
    """The metric's page: the owner's, or anyone's when it is public."""
    metric, owner = await _visible_metric(request, session)
    error = None
    try:
        view = ChartView.from_query(request.query_params)
    except ValueError as exc:
        view, error = ChartView(), str(exc)

    def load(conn: sqlite3.Connection) -> dict[str, Any]:
        context: dict[str, Any] = {}
        if owner and session.account_id is not None:
            context = account_context(conn, session.account_id, metric.profile_id)
        return {
            **context,
            "meta_keys": meta_keys(conn, metric.id),
            "stats": latest_stats(conn, metric.id),
        }

    context = await read(request, load)
    path = request.url.path
    return render(
        request,
        session if owner else None,
        "metric.html",
        {
            **context,
            "metric": metric,
            "owner": owner,
            "view": view,
            "error": error,
            "request_path": path,
            "data_src": f"{path}/data.json?{view.query_string()}",
            "poll": poll_interval(view.range),
            "public_url": str(request.url.replace(query="")),
        },
    )


async def metric_data(request: Request, session: Session) -> Response:
    """The metric's chart data, for the same visitors as its page."""
    metric, _owner = await _visible_metric(request, session)
    try:
        view = ChartView.from_query(request.query_params)
    except ValueError as exc:
        raise PageError(422, str(exc)) from None
    payload = await read(
        request, lambda conn: chart_payload(conn, metric, view, with_stats=True)
    )
    return data_response(payload)


async def metric_embed(request: Request) -> Response:
    """A public metric's chart alone, for an iframe."""
    profile_id: int = request.path_params["profile_id"]
    metric_id: int = request.path_params["metric_id"]
    metric = await read(request, public_metric, profile_id, metric_id)
    if metric is None:
        raise PageError(404)

    view = ChartView()
    base = f"/profiles/{profile_id}/metrics/{metric_id}"
    chart = {
        "title": metric.name,
        "caption": "count · Last day",
        "src": f"{base}/data.json?{view.query_string()}",
        "poll": poll_interval(view.range),
    }
    return render(
        request,
        None,
        "shared.html",
        {"title": metric.name, "charts": [chart], "embed": True},
        frameable=True,
    )


def routes() -> list[Route]:
    """The metrics list, the metric page, its data and its embed view."""
    item = "/profiles/{profile_id:int}/metrics/{metric_id:int}"
    return [
        Route("/profiles/{profile_id:int}/metrics", page(metrics_list)),
        Route(item, page(metric_page)),
        Route(f"{item}/data.json", data(metric_data)),
        Route(f"{item}/embed", shared(metric_embed)),
    ]
