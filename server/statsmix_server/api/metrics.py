"""``/api/v2/metrics``: list, create, show, update and delete metrics."""

from __future__ import annotations

import sqlite3

from starlette.responses import Response
from starlette.routing import Route

from .. import metric_store
from ..fields import (
    Params,
    flag_field,
    id_field,
    limit_field,
    name_field,
    parse_id,
    sharing_field,
)
from ..metric_store import MetricChanges
from ..records import metric_record
from ..render import render_list, render_one
from .endpoint import ApiCall, endpoint
from .routing import api_route

__all__ = ["routes"]


def _changes(params: Params) -> MetricChanges:
    return MetricChanges(
        name=name_field(params),
        profile_id=id_field(params, "profile_id"),
        sharing=sharing_field(params),
        include_in_email=flag_field(params, "include_in_email"),
    )


def _metric_id(call: ApiCall) -> int:
    return parse_id(call.request.path_params["metric_id"], "metric id")


def _one(call: ApiCall, row: sqlite3.Row) -> Response:
    return render_one("metric", metric_record(row, call.base_url), call.format)


async def list_metrics(call: ApiCall) -> Response:
    """The account's metrics, of one ``profile_id`` if given; 50 unless ``limit``.

    ``start_date`` and ``end_date`` are accepted and ignored here.
    """
    rows = await call.read(
        metric_store.list_metrics,
        call.account.id,
        id_field(call.params, "profile_id"),
        limit_field(call.params),
    )
    records = [metric_record(row, call.base_url) for row in rows]
    return render_list("metrics", "metric", records, call.format)


async def create_metric(call: ApiCall) -> Response:
    """A new metric: ``name`` required and free in its profile."""
    row = await call.write(
        metric_store.create_metric,
        call.account.id,
        _changes(call.params),
        quick=True,
    )
    return _one(call, row)


async def show_metric(call: ApiCall) -> Response:
    """One metric."""
    row = await call.read(
        metric_store.get_metric, call.account.id, _metric_id(call), quick=True
    )
    return _one(call, row)


async def update_metric(call: ApiCall) -> Response:
    """Change the fields given; an ``id`` parameter (Java sends one) is ignored."""
    row = await call.write(
        metric_store.update_metric,
        call.account.id,
        _metric_id(call),
        _changes(call.params),
        quick=True,
    )
    return _one(call, row)


async def delete_metric(call: ApiCall) -> Response:
    """Delete a metric with its stats; the answer is the metric as it was."""
    row = await call.write(
        metric_store.delete_metric, call.account.id, _metric_id(call)
    )
    return _one(call, row)


def routes() -> list[Route]:
    """The collection and the item, each with every verb the clients used."""
    item = "/metrics/{metric_id:int}"
    return [
        *api_route("/metrics", endpoint(list_metrics), ["GET"]),
        *api_route("/metrics", endpoint(create_metric), ["POST"]),
        *api_route(item, endpoint(show_metric), ["GET"]),
        *api_route(item, endpoint(update_metric), ["PUT", "PATCH"]),
        *api_route(item, endpoint(delete_metric), ["DELETE"]),
    ]
