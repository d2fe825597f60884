"""``/api/v2/dashboards``: scripts build and share dashboards like the pages do.

The conventions are the API's own: the key in the header or ``api_key``,
XML unless ``.json`` or ``format=json``, Rails-style records, errors in the
requested format, and a 404 for a dashboard of another account.

A dashboard answers ``id``, ``name``, ``sharing`` (``public`` or ``none``),
``url`` (its ``/d/<token>`` address while shared, else null), ``metric_ids``
(its charts' metrics in order, comma-separated) and the two timestamps.
Create and update take ``name``, ``sharing`` and ``metric_ids`` (a
comma-separated string or a JSON array), which replaces the charts.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from ..api.endpoint import ApiCall, endpoint
from ..api.routing import api_route
from ..errors import ApiError
from ..fields import MISSING, Params, limit_field, parse_id, sharing_field
from ..render import Field, Record, render_list, render_one
from ..values import api_time
from . import dashboards, sharing
from .dashboards import Dashboard

__all__ = ["routes"]


def _metric_ids(params: Params) -> list[int] | None:
    raw: Any = params.get("metric_ids")
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [part for part in raw.replace(" ", "").split(",") if part]
    if not isinstance(raw, list):
        raise ApiError(422, "metric_ids must be a list of metric ids")
    return [parse_id(item, "metric_ids") for item in raw]


def _record(conn: sqlite3.Connection, board: Dashboard, base_url: str) -> Record:
    charts = dashboards.list_charts(conn, board.id)
    url = None
    if board.share_token:
        url = base_url + sharing.share_path(board.share_token)
    return (
        Field("id", board.id, "integer"),
        Field("name", board.name),
        Field("sharing", "public" if board.share_token else "none"),
        Field("url", url),
        Field("metric_ids", ",".join(str(chart.metric_id) for chart in charts)),
        Field("created_at", api_time(board.created_at), "datetime"),
        Field("updated_at", api_time(board.updated_at), "datetime"),
    )


def _owned(conn: sqlite3.Connection, account_id: int, dashboard_id: int) -> Dashboard:
    found = dashboards.get_dashboard(conn, account_id, dashboard_id)
    if found is None:
        raise ApiError(404, f"dashboard {dashboard_id} not found in this account")
    return found


def _apply(
    conn: sqlite3.Connection, account_id: int, board_id: int, params: Params
) -> None:
    """Set the fields given in ``params``; a bad one is a 422 naming it."""
    try:
        if params.get("name") not in (None, ""):
            dashboards.rename_dashboard(conn, board_id, params["name"])
        metric_ids = _metric_ids(params)
        if metric_ids is not None:
            dashboards.replace_charts(conn, account_id, board_id, metric_ids)
    except ValueError as exc:
        raise ApiError(422, str(exc)) from None

    shared = sharing_field(params)
    if shared == "public":
        sharing.share(conn, board_id)
    elif shared is not MISSING:
        sharing.revoke(conn, board_id)


def _dashboard_id(call: ApiCall) -> int:
    return parse_id(call.request.path_params["dashboard_id"], "dashboard id")


async def list_dashboards(call: ApiCall) -> Response:
    """The account's dashboards, oldest first; 50 unless ``limit``."""
    limit = limit_field(call.params)

    def load(conn: sqlite3.Connection) -> list[Record]:
        boards = dashboards.list_dashboards(conn, call.account.id)[:limit]
        return [_record(conn, board, call.base_url) for board in boards]

    records = await call.read(load)
    return render_list("dashboards", "dashboard", records, call.format)


async def create_dashboard(call: ApiCall) -> Response:
    """A new dashboard: ``name`` required."""

    def create(conn: sqlite3.Connection) -> Record:
        try:
            board = dashboards.create_dashboard(
                conn, call.account.id, call.params.get("name")
            )
        except ValueError as exc:
            raise ApiError(422, str(exc)) from None
        _apply(conn, call.account.id, board.id, {**call.params, "name": None})
        return _record(conn, _owned(conn, call.account.id, board.id), call.base_url)

    return render_one("dashboard", await call.write(create), call.format)


async def show_dashboard(call: ApiCall) -> Response:
    """One dashboard."""

    def load(conn: sqlite3.Connection) -> Record:
        board = _owned(conn, call.account.id, _dashboard_id(call))
        return _record(conn, board, call.base_url)

    return render_one("dashboard", await call.read(load), call.format)


async def update_dashboard(call: ApiCall) -> Response:
    """Change the fields given; ``sharing=none`` revokes the address."""

    def update(conn: sqlite3.Connection) -> Record:
        board = _owned(conn, call.account.id, _dashboard_id(call))
        _apply(conn, call.account.id, board.id, call.params)
        return _record(conn, _owned(conn, call.account.id, board.id), call.base_url)

    return render_one("dashboard", await call.write(update), call.format)


async def delete_dashboard(call: ApiCall) -> Response:
    """Delete a dashboard; the answer is the dashboard as it was."""

    def delete(conn: sqlite3.Connection) -> Record:
        board = _owned(conn, call.account.id, _dashboard_id(call))
        record = _record(conn, board, call.base_url)
        dashboards.delete_dashboard(conn, board.id)
        return record

    return render_one("dashboard", await call.write(delete), call.format)


def routes() -> list[Route]:
    """The collection and the item, with and without a format suffix."""
    item = "/dashboards/{dashboard_id:int}"
    return [
        *api_route("/dashboards", endpoint(list_dashboards), ["GET"]),
        *api_route("/dashboards", endpoint(create_dashboard), ["POST"]),
        *api_route(item, endpoint(show_dashboard), ["GET"]),
        *api_route(item, endpoint(update_dashboard), ["PUT", "PATCH"]),
        *api_route(item, endpoint(delete_dashboard), ["DELETE"]),
    ]
