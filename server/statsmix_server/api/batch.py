"""``POST /api/v2/batch.json``: many stats in one request (an extension).

Request: ``{"stats": [{"name": ..., "value": ..., "meta": {...}, "ref_id":
..., "generated_at": ..., "profile_id": ...}, ...]}``, 1 to 1000 items, each
with the fields and defaults of ``track`` (``meta`` may be an object or its
JSON text).

Answer, HTTP 200 whenever the body itself could be read, one result per
item in the order sent::

    {"results": [
        {"status": 200, "stat": {"id": 7, "metric_id": 2, ...}},
        {"status": 422, "errors": {"error": "value must be finite, not ..."}},
        {"status": 403, "errors": {"error": "Plan limit reached: ..."}}
    ]}

``stat`` has the same fields as the ``stat`` of a JSON ``track`` answer. An
item's status is 200 (stored), 404 (its ``profile_id`` is not the account's),
422 (invalid; the message names the field) or 403 (past the plan limit: each
item counts one request, and when the month's allowance runs out mid-batch
the items beyond it are refused, the ones before it stored). The whole
request is refused only when it cannot be read: 400 (not JSON), 401, 403
(nothing left of the allowance), 413 (body over the limit, or more than 1000
items: split the batch) or 422 (``stats`` missing, not a list or empty).
Items are stored in one transaction, so a batch is either answered with its
results or not stored.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .. import stat_store
from ..accounts import Account
from ..errors import ApiError
from ..metric_store import metric_id_for, resolve_profile
from ..plan import limit_message
from ..records import stat_record
from ..render import json_response
from .endpoint import ApiCall, endpoint
from .routing import PREFIX
from .track import track_fields

__all__ = ["MAX_BATCH_ITEMS", "routes"]

MAX_BATCH_ITEMS = 1000


def _items(params: dict[str, Any]) -> list[Any]:
    items = params.get("stats")
    if not isinstance(items, list):
        raise ApiError(422, "stats must be a JSON list of stats")
    if not items:
        raise ApiError(422, "stats must hold at least one stat")
    if len(items) > MAX_BATCH_ITEMS:
        # 413, not 422: the batch is too large, not wrong, and a client that
        # splits a batch on 413 (as the HTTP backend does) then gets through.
        raise ApiError(
            413,
            f"stats has {len(items)} items; at most {MAX_BATCH_ITEMS} per batch",
        )
    return items


def _cost(params: dict[str, Any]) -> int:
    items = params.get("stats")
    if isinstance(items, list) and 0 < len(items) <= MAX_BATCH_ITEMS:
        return len(items)
    return 1


async def batch(call: ApiCall) -> Response:
    """Store each item as ``track`` would; see the module for the shapes."""
    items = _items(call.params)
    results = await call.write(_store, call.account, items, call.granted)
    return json_response({"results": results})


def _store(
    conn: sqlite3.Connection, account: Account, items: list[Any], granted: int
) -> list[dict[str, Any]]:
    places = _Places(conn, account.id)
    results = []
    for index, item in enumerate(items):
        try:
            if index >= granted:
                now = datetime.now(timezone.utc)
                raise ApiError(403, limit_message(account.monthly_limit or 0, now))
            results.append(_store_one(conn, places, index, item))
        except ApiError as error:
            results.append({"status": error.status, "errors": {"error": error.message}})
    return results


def _store_one(
    conn: sqlite3.Connection, places: _Places, index: int, item: Any
) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ApiError(422, f"stats[{index}] must be an object of fields")
    name, profile_id, changes = track_fields(item)
    profile = places.profile(profile_id)
    row = stat_store.upsert_stat(conn, places.metric(profile, name), profile, changes)
    stat = {field.name: field.value for field in stat_record(row)}
    return {"status": 200, "stat": stat}


class _Places:
    """Profiles and metrics of one batch, each looked up once.

    The batch runs in one write transaction, so what was found stays true
    until it ends.
    """

    def __init__(self, conn: sqlite3.Connection, account_id: int) -> None:
        self._conn = conn
        self._account_id = account_id
        self._profiles: dict[int | None, int] = {}
        self._metrics: dict[tuple[int, str], int] = {}

    def profile(self, profile_id: int | None) -> int:
        found = self._profiles.get(profile_id)
        if found is None:
            found = resolve_profile(self._conn, self._account_id, profile_id)
            self._profiles[profile_id] = found
        return found

    def metric(self, profile_id: int, name: str) -> int:
        found = self._metrics.get((profile_id, name))
        if found is None:
            found = metric_id_for(self._conn, profile_id, name)
            self._metrics[profile_id, name] = found
        return found


def routes() -> list[Route]:
    """JSON only, so the path has its suffix."""
    return [
        Route(
            f"{PREFIX}/batch.json",
            endpoint(batch, cost=_cost),
            methods=["POST"],
        )
    ]
