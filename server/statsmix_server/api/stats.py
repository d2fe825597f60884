"""``/api/v2/stats``: list, create, show, update and delete stats.

A stat is addressed as ``/stats/<id>`` or as ``/stats/<ref_id>`` with a
``metric_id`` parameter. The Java library puts the ``ref_id`` in the path
without encoding it, so the path segment may hold any character, slashes
included; a trailing ``.xml`` or ``.json`` is always read as the format.
"""

from __future__ import annotations

import sqlite3

from starlette.responses import Response
from starlette.routing import Route

from .. import stat_store
from ..errors import ApiError
from ..fields import date_range, id_field, limit_field
from ..records import Row, stat_record
from ..render import format_from_path, render_list, render_one
from ..stat_store import StatChanges
from .endpoint import ApiCall, endpoint
from .routing import PREFIX, api_route
from .track import stat_changes

__all__ = ["routes"]


def _one(call: ApiCall, row: Row) -> Response:
    return render_one("stat", stat_record(row), call.format)


def _path_key(call: ApiCall) -> str:
    key: str = call.request.path_params["key"]
    # Limitation: a ref_id that itself ends in .xml or .json is reached only
    # with a format suffix after it (/stats/v1.json.json), since the last
    # suffix is always read as the format.
    suffix = format_from_path(key)
    if suffix is not None:
        key = key[: -len(suffix) - 1]
    if not key:
        raise ApiError(404, "a stat id or ref_id is needed after /stats/")
    return key


def _find(
    conn: sqlite3.Connection, account_id: int, key: str, metric_id: int | None
) -> int:
    row = stat_store.find_stat(conn, account_id, key, metric_id)
    return int(row["id"])


async def list_stats(call: ApiCall) -> Response:
    """Stats of ``metric_id`` (of the account without one), newest first.

    ``start_date`` and ``end_date`` bound ``generated_at``, both inclusive;
    50 records unless ``limit`` (at most 1000).
    """
    start, end = date_range(call.params)
    rows = await call.read(
        stat_store.list_stats,
        call.account.id,
        id_field(call.params, "metric_id"),
        start,
        end,
        limit_field(call.params),
    )
    records = [stat_record(row) for row in rows]
    return render_list("stats", "stat", records, call.format)


async def create_stat(call: ApiCall) -> Response:
    """A stat in the metric ``metric_id``; a known ``ref_id`` updates it."""
    metric_id = id_field(call.params, "metric_id")
    if metric_id is None:
        raise ApiError(422, "metric_id is required")
    changes = stat_changes(call.params)
    row = await call.write(
        stat_store.create_stat, call.account.id, metric_id, changes, quick=True
    )
    return _one(call, row)


async def show_stat(call: ApiCall) -> Response:
    """One stat, by id or by ``ref_id`` with ``metric_id``."""
    row = await call.read(_show, call.account.id, *_address(call), quick=True)
    return _one(call, row)


def _show(
    conn: sqlite3.Connection, account_id: int, key: str, metric_id: int | None
) -> sqlite3.Row:
    return stat_store.find_stat(conn, account_id, key, metric_id)


async def update_stat(call: ApiCall) -> Response:
    """Change the fields given: ``value``, ``generated_at``, ``meta``, ``ref_id``.

    A field not sent, or sent empty, is left as it is.
    """
    changes = stat_changes(call.params)
    row = await call.write(
        _update, call.account.id, *_address(call), changes, quick=True
    )
    return _one(call, row)


def _update(
    conn: sqlite3.Connection,
    account_id: int,
    key: str,
    metric_id: int | None,
    changes: StatChanges,
) -> sqlite3.Row:
    stat_id = _find(conn, account_id, key, metric_id)
    return stat_store.update_stat(conn, account_id, stat_id, changes)


async def delete_stat(call: ApiCall) -> Response:
    """Delete a stat; the answer is the stat as it was."""
    row = await call.write(_delete, call.account.id, *_address(call), quick=True)
    return _one(call, row)


def _delete(
    conn: sqlite3.Connection, account_id: int, key: str, metric_id: int | None
) -> sqlite3.Row:
    stat_id = _find(conn, account_id, key, metric_id)
    return stat_store.delete_stat(conn, account_id, stat_id)


def _address(call: ApiCall) -> tuple[str, int | None]:
    return _path_key(call), id_field(call.params, "metric_id")


def routes() -> list[Route]:
    """The collection, and the item under any path (ids and raw ref_ids)."""
    item = f"{PREFIX}/stats/{{key:path}}"
    return [
        *api_route("/stats", endpoint(list_stats), ["GET"]),
        *api_route("/stats", endpoint(create_stat), ["POST"]),
        Route(item, endpoint(show_stat), methods=["GET"]),
        Route(item, endpoint(update_stat), methods=["PUT", "PATCH"]),
        Route(item, endpoint(delete_stat), methods=["DELETE"]),
    ]
