"""Custom dashboards: list, create, rename, chart, reorder, share, delete.

Every change is a form post with a CSRF token, answered with a redirect to
the page it came from (post/redirect/get), so reloading never posts twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..accounts import list_profiles
from . import dashboards, sharing
from .chart_data import ChartView, chart_payload, poll_interval
from .dashboards import Dashboard
from .metric_pages import account_context
from .sessions import Session
from .store import MetricInfo, profile_metrics
from .web import (
    PageError,
    checked_form,
    data,
    data_response,
    page,
    read,
    redirect,
    render,
    require_account,
    write,
)

__all__ = ["respond_chart", "routes"]

Form = dict[str, str]
Change = Callable[[sqlite3.Connection, int, Dashboard, Form], None]


async def dashboard_list(request: Request, session: Session) -> Response:
    """``GET /dashboards``: the account's dashboards and a form for more."""
    account_id = require_account(session)

    def load(conn: sqlite3.Connection) -> dict[str, Any]:
        return {
            **account_context(conn, account_id),
            "dashboards": dashboards.list_dashboards(conn, account_id),
        }

    context = await read(request, load)
    return render(request, session, "dashboards.html", {**context, "error": None})


async def dashboard_create(request: Request, session: Session) -> Response:
    """``POST /dashboards``: a new, empty dashboard."""
    form = await checked_form(request, session)
    account_id = require_account(session)
    try:
        created = await write(
            request, dashboards.create_dashboard, account_id, form.get("name")
        )
    except ValueError as exc:
        raise PageError(422, str(exc)) from None
    return redirect(f"/dashboards/{created.id}")


async def _owned(request: Request, session: Session) -> Dashboard:
    account_id = require_account(session)
    dashboard_id: int = request.path_params["dashboard_id"]
    found = await read(request, dashboards.get_dashboard, account_id, dashboard_id)
    if found is None:
        raise PageError(404)
    return found


async def dashboard_page(request: Request, session: Session) -> Response:
    """``GET /dashboards/<id>``: the charts, with every editing form."""
    dashboard = await _owned(request, session)
    account_id = require_account(session)

    def load(conn: sqlite3.Connection) -> dict[str, Any]:
        metrics = [
            {"profile": profile, "metrics": profile_metrics(conn, profile.id)}
            for profile in list_profiles(conn, account_id)
        ]
        return {
            **account_context(conn, account_id),
            "charts": dashboards.list_charts(conn, dashboard.id),
            "metrics": [group for group in metrics if group["metrics"]],
        }

    context = await read(request, load)
    share_url = None
    if dashboard.share_token:
        base = str(request.base_url).rstrip("/")
        share_url = base + sharing.share_path(dashboard.share_token)
    return render(
        request,
        session,
        "dashboard.html",
        {
            **context,
            "dashboard": dashboard,
            "share_url": share_url,
            "poll_for": poll_interval,
            "error": None,
        },
    )


def _change(
    work: Change, *, then: str = "/dashboards/{id}"
) -> Callable[[Request, Session], Awaitable[Response]]:
    """A form post that changes one owned dashboard, then goes to ``then``."""

    async def view(request: Request, session: Session) -> Response:
        form = await checked_form(request, session)
        dashboard = await _owned(request, session)
        account_id = require_account(session)
        try:
            await write(request, work, account_id, dashboard, form)
        except ValueError as exc:
            raise PageError(422, str(exc)) from None
        return redirect(then.format(id=dashboard.id))

    return view


def _rename(conn: sqlite3.Connection, _: int, board: Dashboard, form: Form) -> None:
    dashboards.rename_dashboard(conn, board.id, str(form.get("name") or ""))


def _delete(conn: sqlite3.Connection, _: int, board: Dashboard, form: Form) -> None:
    dashboards.delete_dashboard(conn, board.id)


def _add_chart(
    conn: sqlite3.Connection, account_id: int, board: Dashboard, form: Form
) -> None:
    metric_id = str(form.get("metric_id") or "")
    if not metric_id.isdigit():
        raise ValueError("metric_id must be a metric of this account")
    group_by = str(form.get("group_by") or "").strip()[:100] or None
    dashboards.add_chart(
        conn,
        account_id,
        board.id,
        int(metric_id),
        aggregation=str(form.get("aggregation") or "count"),
        time_range=str(form.get("range") or "day"),
        group_by=group_by,
    )


def _share(conn: sqlite3.Connection, _: int, board: Dashboard, form: Form) -> None:
    sharing.share(conn, board.id)


def _unshare(conn: sqlite3.Connection, _: int, board: Dashboard, form: Form) -> None:
    sharing.revoke(conn, board.id)


async def chart_remove(request: Request, session: Session) -> Response:
    """Take a chart off its dashboard."""
    await checked_form(request, session)
    dashboard = await _owned(request, session)
    chart_id: int = request.path_params["chart_id"]
    if not await write(request, dashboards.remove_chart, dashboard.id, chart_id):
        raise PageError(404)
    return redirect(f"/dashboards/{dashboard.id}")


async def chart_move(request: Request, session: Session) -> Response:
    """Move a chart one place up or down (``direction``)."""
    form = await checked_form(request, session)
    dashboard = await _owned(request, session)
    chart_id: int = request.path_params["chart_id"]
    offset = -1 if form.get("direction") == "up" else 1
    if not await write(request, dashboards.move_chart, dashboard.id, chart_id, offset):
        raise PageError(404)
    return redirect(f"/dashboards/{dashboard.id}")


async def chart_data(request: Request, session: Session) -> Response:
    """The data of one chart of one of the account's dashboards."""
    dashboard = await _owned(request, session)
    return await respond_chart(request, dashboard, request.path_params["chart_id"])


async def respond_chart(
    request: Request, dashboard: Dashboard, chart_id: int
) -> Response:
    """The data of one chart of this dashboard; any other chart id is a 404."""
    charts = await read(request, dashboards.list_charts, dashboard.id)
    chart = next((c for c in charts if c.id == chart_id), None)
    if chart is None:
        raise PageError(404)

    metric = MetricInfo(chart.metric_id, chart.profile_id, chart.metric_name, "")
    view = ChartView(
        range=chart.time_range,
        aggregation=chart.aggregation,
        group_by=chart.group_by or "",
    )
    payload = await read(
        request, lambda conn: chart_payload(conn, metric, view, with_stats=False)
    )
    return data_response(payload)


def routes() -> list[Route]:
    """The dashboard pages, their forms and their charts' data."""
    item = "/dashboards/{dashboard_id:int}"
    chart = item + "/charts/{chart_id:int}"
    post = ["POST"]
    return [
        Route("/dashboards", page(dashboard_list), methods=["GET"]),
        Route("/dashboards", page(dashboard_create), methods=post),
        Route(item, page(dashboard_page), methods=["GET"]),
        Route(f"{item}/rename", page(_change(_rename)), methods=post),
        Route(
            f"{item}/delete", page(_change(_delete, then="/dashboards")), methods=post
        ),
        Route(f"{item}/share", page(_change(_share)), methods=post),
        Route(f"{item}/unshare", page(_change(_unshare)), methods=post),
        Route(f"{item}/charts", page(_change(_add_chart)), methods=post),
        Route(f"{chart}/remove", page(chart_remove), methods=post),
        Route(f"{chart}/move", page(chart_move), methods=post),
        Route(f"{chart}/data.json", data(chart_data), methods=["GET"]),
    ]
