"""What the dashboard reads of profiles, metrics and stats.

Every function that takes an ``account_id`` returns only what that account
owns, so a page cannot show another account's data by naming its ids.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..values import api_time, db_time
from .series import Window

__all__ = [
    "MetricInfo",
    "MetricSummary",
    "latest_stats",
    "list_metrics",
    "meta_keys",
    "owned_metric",
    "profile_metrics",
    "public_metric",
    "window_rows",
]

# Seconds since the epoch of a stored time; SQLite 3.40 has no unixepoch().
_EPOCH = "(julianday({column}) - 2440587.5) * 86400.0"

_SPARK = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class MetricInfo:
    """A metric as a chart names it."""

    id: int
    profile_id: int
    name: str
    sharing: str

    @property
    def public(self) -> bool:
        return self.sharing == "public"


@dataclass(frozen=True)
class MetricSummary:
    """A row of the metrics list: the latest value and the last day's activity."""

    id: int
    name: str
    sharing: str
    latest_value: str | None
    latest_at: str | None
    last_day: int
    hourly: list[int] = field(default_factory=list)

    @property
    def sparkline(self) -> str:
        peak = max(self.hourly, default=0)
        if peak == 0:
            return ""
        top = len(_SPARK) - 1
        return "".join(_SPARK[round(count * top / peak)] for count in self.hourly)


def owned_metric(
    conn: sqlite3.Connection, account_id: int, profile_id: int, metric_id: int
) -> MetricInfo | None:
    """The metric if it is in that profile and the profile is the account's."""
    row = conn.execute(
        "SELECT m.id, m.profile_id, m.name, m.sharing FROM metrics AS m "
        "JOIN profiles AS p ON p.id = m.profile_id "
        "WHERE m.id = ? AND m.profile_id = ? AND p.account_id = ?",
        (metric_id, profile_id, account_id),
    ).fetchone()
    return None if row is None else MetricInfo(*row)


def public_metric(
    conn: sqlite3.Connection, profile_id: int, metric_id: int
) -> MetricInfo | None:
    """The metric if its owner shares it publicly."""
    row = conn.execute(
        "SELECT id, profile_id, name, sharing FROM metrics "
        "WHERE id = ? AND profile_id = ? AND sharing = 'public'",
        (metric_id, profile_id),
    ).fetchone()
    return None if row is None else MetricInfo(*row)


def profile_metrics(conn: sqlite3.Connection, profile_id: int) -> list[MetricInfo]:
    """The profile's metrics by name, without their stats: a menu's choices."""
    rows = conn.execute(
        "SELECT id, profile_id, name, sharing FROM metrics "
        "WHERE profile_id = ? ORDER BY name, id",
        (profile_id,),
    ).fetchall()
    return [MetricInfo(*row) for row in rows]


def list_metrics(conn: sqlite3.Connection, profile_id: int) -> list[MetricSummary]:
    """The profile's metrics by name, each with its latest stat and activity."""
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    since = db_time(now - timedelta(hours=23))
    rows = conn.execute(
        "SELECT m.id, m.name, m.sharing, "
        "(SELECT s.value FROM stats AS s WHERE s.metric_id = m.id "
        " ORDER BY s.generated_at DESC, s.id DESC LIMIT 1), "
        "(SELECT max(s.generated_at) FROM stats AS s WHERE s.metric_id = m.id) "
        "FROM metrics AS m WHERE m.profile_id = ? ORDER BY m.name, m.id",
        (profile_id,),
    ).fetchall()

    hourly: dict[int, list[int]] = {row[0]: [0] * 24 for row in rows}
    counts = conn.execute(
        "SELECT s.metric_id, CAST((julianday(s.generated_at) - julianday(?)) * 24 "
        "AS INTEGER), count(*) FROM stats AS s JOIN metrics AS m "
        "ON m.id = s.metric_id WHERE m.profile_id = ? AND s.generated_at >= ? "
        "GROUP BY 1, 2",
        (since, profile_id, since),
    )
    for metric_id, hour, count in counts:
        if 0 <= hour < 24:
            hourly[metric_id][hour] += count

    return [
        MetricSummary(
            id=row[0],
            name=row[1],
            sharing=row[2],
            latest_value=row[3],
            latest_at=None if row[4] is None else api_time(row[4]),
            last_day=sum(hourly[row[0]]),
            hourly=hourly[row[0]],
        )
        for row in rows
    ]


def window_rows(
    conn: sqlite3.Connection, metric_id: int, window: Window, group_by: str
) -> list[tuple[float, float, str | None]]:
    """``(epoch, value, group)`` of the metric's stats inside the window.

    The group is the stat's meta value under ``group_by`` as text, or None.
    """
    # Limitation: every stat of the window is read and aggregated in Python
    # (p95 and the top-N grouping need the values), so a window holding
    # millions of stats takes seconds per poll.
    start = datetime.fromtimestamp(window.start, timezone.utc)
    end = datetime.fromtimestamp(window.end, timezone.utc)
    # json_each rather than a JSON path, so that a key may hold any character.
    rows = conn.execute(
        f"SELECT {_EPOCH.format(column='s.generated_at')}, "
        "CAST(s.value AS REAL), "
        "(SELECT j.value FROM json_each(s.meta) AS j WHERE j.key = ?) "
        "FROM stats AS s WHERE s.metric_id = ? "
        "AND s.generated_at >= ? AND s.generated_at < ?",
        (group_by, metric_id, db_time(start), db_time(end)),
    ).fetchall()
    return [
        (moment, value, None if group is None else str(group))
        for moment, value, group in rows
    ]


def latest_stats(
    conn: sqlite3.Connection, metric_id: int, limit: int = 20
) -> list[dict[str, Any]]:
    """The metric's most recent stats, newest first, as the table shows them."""
    rows = conn.execute(
        "SELECT id, value, ref_id, meta, generated_at FROM stats "
        "WHERE metric_id = ? ORDER BY generated_at DESC, id DESC LIMIT ?",
        (metric_id, limit),
    ).fetchall()
    return [
        {
            "id": row[0],
            "value": row[1],
            "ref_id": row[2],
            "meta": json.loads(row[3]) if row[3] else {},
            "generated_at": api_time(row[4]),
        }
        for row in rows
    ]


def meta_keys(conn: sqlite3.Connection, metric_id: int) -> list[str]:
    """The meta keys of the metric's recent stats: what a chart can group by."""
    rows = conn.execute(
        "SELECT DISTINCT j.key FROM (SELECT meta FROM stats "
        "WHERE metric_id = ? AND meta IS NOT NULL "
        "ORDER BY generated_at DESC LIMIT 500) AS s, json_each(s.meta) AS j "
        "ORDER BY j.key LIMIT 50",
        (metric_id,),
    ).fetchall()
    return [str(row[0]) for row in rows]
