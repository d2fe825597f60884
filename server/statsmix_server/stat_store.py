"""Stats in the database, always seen through one account.

A ``ref_id`` is unique within its metric (``UNIQUE (metric_id, ref_id)``):
storing a stat with a ``ref_id`` already present updates that stat in one
``INSERT ... ON CONFLICT DO UPDATE``, inside the single write transaction,
so concurrent upserts of one ``ref_id`` leave exactly one stat. A stat
without a ``ref_id`` is always new, so many of them can go in by one plain
``INSERT`` run for each (:func:`insert_stats`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError
from .fields import MISSING, Missing
from .metric_store import get_metric, metric_id_for, resolve_profile
from .values import now_db_time

__all__ = [
    "DEFAULT_VALUE",
    "MAX_STAT_ID",
    "NewStat",
    "StatChanges",
    "create_stat",
    "delete_stat",
    "find_stat",
    "get_stat",
    "insert_stats",
    "list_stats",
    "next_stat_id",
    "track",
    "update_stat",
    "upsert_stat",
]

DEFAULT_VALUE = "1.0"

#: The largest id SQLite gives a row.
MAX_STAT_ID = 2**63 - 1

#: A new stat without a ``ref_id``: ``(id, metric_id, value, meta,
#: generated_at, created_at, updated_at)``, each in its stored form.
NewStat = tuple[int, int, str, str | None, str, str, str]

_SELECT = (
    "SELECT s.id, s.metric_id, m.profile_id, s.value, s.ref_id, s.meta, "
    "s.generated_at, s.created_at, s.updated_at FROM stats AS s "
    "JOIN metrics AS m ON m.id = s.metric_id "
    "JOIN profiles AS p ON p.id = m.profile_id "
)

_UPSERT = """
INSERT INTO stats
    (metric_id, value, ref_id, meta, generated_at, created_at, updated_at)
VALUES
    (:metric_id, :value, :ref_id, :meta, :generated_at, :now, :now)
ON CONFLICT (metric_id, ref_id) DO UPDATE SET
    value = excluded.value,
    meta = CASE WHEN :meta_given THEN excluded.meta ELSE stats.meta END,
    generated_at = CASE WHEN :generated_given
        THEN excluded.generated_at ELSE stats.generated_at END,
    updated_at = excluded.updated_at
RETURNING id, metric_id, value, ref_id, meta, generated_at, created_at,
    updated_at
"""

_INSERT = """
INSERT INTO stats
    (id, metric_id, value, ref_id, meta, generated_at, created_at, updated_at)
VALUES
    (?, ?, ?, NULL, ?, ?, ?, ?)
"""


@dataclass(frozen=True)
class StatChanges:
    """The fields a write sets; MISSING means the default on a new stat and
    "leave as it is" on an existing one (``value`` always defaults to 1.0 when
    a stat is tracked)."""

    value: str | Missing = MISSING
    ref_id: str | None = None
    meta: str | None | Missing = MISSING
    generated_at: str | Missing = MISSING


def upsert_stat(
    conn: sqlite3.Connection,
    metric_id: int,
    profile_id: int,
    changes: StatChanges,
    *,
    now: str | None = None,
) -> dict[str, Any]:
    """Insert the stat, or update the one with its ``ref_id``; return it.

    ``profile_id`` is the metric's, copied into the answer without a query.
    ``now`` is the stored time of the write, the current time unless given.
    """
    now = now or now_db_time()
    row = conn.execute(
        _UPSERT,
        {
            "metric_id": metric_id,
            "value": DEFAULT_VALUE if changes.value is MISSING else changes.value,
            "ref_id": changes.ref_id,
            "meta": None if changes.meta is MISSING else changes.meta,
            "meta_given": changes.meta is not MISSING,
            "generated_at": (
                now if changes.generated_at is MISSING else changes.generated_at
            ),
            "generated_given": changes.generated_at is not MISSING,
            "now": now,
        },
    ).fetchone()
    return {**dict(row), "profile_id": profile_id}


def next_stat_id(conn: sqlite3.Connection) -> int:
    """The id SQLite gives the next stat it inserts without one.

    The table has no ``AUTOINCREMENT``, so that is one past the largest id
    (past :data:`MAX_STAT_ID`, SQLite picks a free id at random instead). It
    holds until the write transaction that asked ends.
    """
    row = conn.execute("SELECT max(id) FROM stats").fetchone()
    return int(row[0] or 0) + 1


def insert_stats(conn: sqlite3.Connection, stats: Iterable[NewStat]) -> None:
    """Insert new stats without a ``ref_id``, each with the id it carries."""
    conn.executemany(_INSERT, stats)


def track(
    conn: sqlite3.Connection,
    account_id: int,
    name: str,
    profile_id: int | None,
    changes: StatChanges,
) -> dict[str, Any]:
    """Store a stat under the named metric, made on first use."""
    profile = resolve_profile(conn, account_id, profile_id)
    metric_id = metric_id_for(conn, profile, name)
    return upsert_stat(conn, metric_id, profile, changes)


def create_stat(
    conn: sqlite3.Connection, account_id: int, metric_id: int, changes: StatChanges
) -> dict[str, Any]:
    """Store a stat under a metric given by id."""
    metric = get_metric(conn, account_id, metric_id)
    return upsert_stat(conn, metric_id, metric["profile_id"], changes)


def get_stat(conn: sqlite3.Connection, account_id: int, stat_id: int) -> sqlite3.Row:
    """The stat with that id, or a 404."""
    row: sqlite3.Row | None = conn.execute(
        _SELECT + "WHERE s.id = ? AND p.account_id = ?", (stat_id, account_id)
    ).fetchone()
    if row is None:
        raise ApiError(404, f"stat {stat_id} not found in this account")
    return row


def find_stat(
    conn: sqlite3.Connection, account_id: int, key: str, metric_id: int | None
) -> sqlite3.Row:
    """The stat a path names: its ``ref_id`` in ``metric_id``, else its id.

    With ``metric_id`` given, a stat of that metric whose ``ref_id`` is
    ``key`` wins; otherwise a numeric ``key`` is the stat's id (and must be in
    ``metric_id`` when one is given).
    """
    if metric_id is not None:
        row: sqlite3.Row | None = conn.execute(
            _SELECT + "WHERE s.metric_id = ? AND s.ref_id = ? AND p.account_id = ?",
            (metric_id, key, account_id),
        ).fetchone()
        if row is not None:
            return row

    if key.isascii() and key.isdigit() and len(key) < 19:
        row = conn.execute(
            _SELECT + "WHERE s.id = ? AND p.account_id = ?", (int(key), account_id)
        ).fetchone()
        if row is not None and metric_id in (None, row["metric_id"]):
            return row

    where = "" if metric_id is None else f" in metric {metric_id}"
    raise ApiError(404, f"stat {key[:64]!r} not found{where} in this account")


def list_stats(
    conn: sqlite3.Connection,
    account_id: int,
    metric_id: int | None,
    start: str | None,
    end: str | None,
    limit: int,
) -> list[sqlite3.Row]:
    """Stats, newest ``generated_at`` first, of one metric or of the account."""
    where = ["p.account_id = ?"]
    args: list[object] = [account_id]
    if metric_id is not None:
        get_metric(conn, account_id, metric_id)
        where.append("s.metric_id = ?")
        args.append(metric_id)
    if start is not None:
        where.append("s.generated_at >= ?")
        args.append(start)
    if end is not None:
        where.append("s.generated_at < ?")
        args.append(end)
    args.append(limit)
    return conn.execute(
        _SELECT + "WHERE " + " AND ".join(where) + " "
        "ORDER BY s.generated_at DESC, s.id DESC LIMIT ?",
        args,
    ).fetchall()


def update_stat(
    conn: sqlite3.Connection, account_id: int, stat_id: int, changes: StatChanges
) -> sqlite3.Row:
    """Change the fields given of an existing stat.

    A new ``ref_id`` must be free in the stat's metric (422 otherwise).
    """
    current = get_stat(conn, account_id, stat_id)
    ref_id = current["ref_id"] if changes.ref_id is None else changes.ref_id
    if ref_id != current["ref_id"]:
        taken = conn.execute(
            "SELECT id FROM stats WHERE metric_id = ? AND ref_id = ?",
            (current["metric_id"], ref_id),
        ).fetchone()
        if taken is not None:
            raise ApiError(
                422,
                f"ref_id {ref_id[:64]!r} is already used by stat {taken[0]} "
                f"in metric {current['metric_id']}",
            )

    def keep(new: object, field: str) -> object:
        return current[field] if new is MISSING else new

    conn.execute(
        "UPDATE stats SET value = ?, ref_id = ?, meta = ?, generated_at = ?, "
        "updated_at = ? WHERE id = ?",
        (
            keep(changes.value, "value"),
            ref_id,
            keep(changes.meta, "meta"),
            keep(changes.generated_at, "generated_at"),
            now_db_time(),
            stat_id,
        ),
    )
    return get_stat(conn, account_id, stat_id)


def delete_stat(conn: sqlite3.Connection, account_id: int, stat_id: int) -> sqlite3.Row:
    """Delete the stat; return it as it was."""
    row = get_stat(conn, account_id, stat_id)
    conn.execute("DELETE FROM stats WHERE id = ?", (stat_id,))
    return row
