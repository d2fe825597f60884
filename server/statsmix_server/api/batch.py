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
results or not stored, and they share one stored time: every stat of a batch
has the same ``created_at`` and ``updated_at`` (and ``generated_at`` when
none was sent), read from the clock as the batch starts.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from statsmix_middleware.conventions import MAX_BATCH_SIZE

from ..errors import ApiError
from ..render import json_text_response
from .batch_store import store_batch
from .endpoint import ApiCall, endpoint
from .routing import PREFIX

__all__ = ["MAX_BATCH_ITEMS", "routes"]

MAX_BATCH_ITEMS = MAX_BATCH_SIZE


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
    body = await call.write(store_batch, call.account, items, call.granted)
    return json_text_response(body)


def routes() -> list[Route]:
    """JSON only, so the path has its suffix."""
    return [
        Route(
            f"{PREFIX}/batch.json",
            endpoint(batch, cost=_cost),
            methods=["POST"],
        )
    ]
