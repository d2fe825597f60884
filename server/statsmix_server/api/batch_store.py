"""Storing the items of one batch, in order, and writing the answer.

Everything happens inside the batch's one write transaction, where this
server is the only writer. An item with a ``ref_id`` goes through the same
atomic upsert as ``track``. An item without one is always a new stat: it
waits with the others for one plain ``INSERT`` run over all of them, under
the id SQLite would have given it (one past the largest, counted here as
the batch goes), so its answer is known at once from the values in hand.
Before each upsert the waiting stats are inserted, so the upsert sees every
stat before it in the batch (a ``ref_id`` sent twice updates the first) and
the ids come out just as if each item had been stored on its own.

Every stat of a batch is stored at one moment, read from the clock once as
the batch starts: its ``created_at`` and ``updated_at``, and its
``generated_at`` when none was sent. The batch is one transaction, and one
time for it costs nothing per item.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timezone

from ..accounts import Account
from ..errors import ApiError
from ..fields import MISSING
from ..metric_store import metric_id_for, resolve_profile
from ..plan import limit_message
from ..records import new_stat_json, stat_record
from ..stat_store import (
    DEFAULT_VALUE,
    MAX_STAT_ID,
    NewStat,
    insert_stats,
    next_stat_id,
    upsert_stat,
)
from ..values import api_time, compact_json, now_db_time
from .batch_items import BatchItem, read_item

__all__ = ["store_batch"]


def store_batch(
    conn: sqlite3.Connection,
    account: Account,
    items: Sequence[object],
    granted: int,
    now: str | None = None,
) -> str:
    """Store each item as ``track`` would; return the answer's JSON text.

    Args:
        items: the batch's ``stats``, each a result in the answer.
        granted: how many items the plan allows; those past it get a 403.
        now: the stored time of the batch, the current time unless given.
    """
    places = _Places(conn, account.id)
    stats = _Stats(conn, now or now_db_time())
    refusal = _plan_refusal(account) if granted < len(items) else ""

    results = [
        _store_one(places, stats, index, item) if index < granted else refusal
        for index, item in enumerate(items)
    ]
    stats.flush()
    return '{"results":[' + ",".join(results) + "]}"


def _store_one(places: _Places, stats: _Stats, index: int, item: object) -> str:
    try:
        fields = read_item(item, index)
        profile_id = places.profile(fields.profile_id)
        metric_id = places.metric(profile_id, fields.name)
    except ApiError as error:
        return _error_json(error)
    return stats.add(metric_id, profile_id, fields)


def _plan_refusal(account: Account) -> str:
    """The result of each item past the month's allowance."""
    now = datetime.now(timezone.utc)
    message = limit_message(account.monthly_limit or 0, now)
    return _error_json(ApiError(403, message))


def _error_json(error: ApiError) -> str:
    return compact_json({"status": error.status, "errors": {"error": error.message}})


class _Stats:
    """The batch's stats, written in order; see the module for how."""

    def __init__(self, conn: sqlite3.Connection, now: str) -> None:
        self._conn = conn
        self._now = now
        self._now_answered = api_time(now)
        self._next_id = next_stat_id(conn)
        self._waiting: list[NewStat] = []

    def add(self, metric_id: int, profile_id: int, item: BatchItem) -> str:
        """Store ``item``, or queue it for :meth:`flush`; return its result."""
        # Past the largest id SQLite picks ids at random: only it knows them.
        if item.ref_id is not None or self._next_id > MAX_STAT_ID:
            return self._upsert(metric_id, profile_id, item)

        stat_id = self._next_id
        self._next_id += 1
        value = DEFAULT_VALUE if item.value is MISSING else item.value
        meta = None if item.meta is MISSING else item.meta
        if item.generated_at is MISSING:
            generated_at, answered = self._now, self._now_answered
        else:
            generated_at = item.generated_at
            answered = api_time(generated_at)

        now = self._now
        self._waiting.append((stat_id, metric_id, value, meta, generated_at, now, now))
        stat = new_stat_json(
            stat_id, metric_id, profile_id, value, meta, answered, self._now_answered
        )
        return '{"status":200,"stat":' + stat + "}"

    def flush(self) -> None:
        """Insert the stats waiting; before an upsert, and at the end."""
        if self._waiting:
            insert_stats(self._conn, self._waiting)
            self._waiting.clear()

    def _upsert(self, metric_id: int, profile_id: int, item: BatchItem) -> str:
        self.flush()
        row = upsert_stat(
            self._conn, metric_id, profile_id, item.changes, now=self._now
        )
        self._next_id = max(self._next_id, row["id"] + 1)
        stat = {field.name: field.value for field in stat_record(row)}
        return compact_json({"status": 200, "stat": stat})


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
