"""Dashboards and their charts, as stored; every lookup is per account."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from ..values import now_db_time
from .series import AGGREGATIONS, RANGES

__all__ = [
    "MAX_CHARTS",
    "MAX_NAME_LENGTH",
    "Chart",
    "Dashboard",
    "add_chart",
    "check_name",
    "create_dashboard",
    "delete_dashboard",
    "get_dashboard",
    "list_charts",
    "list_dashboards",
    "move_chart",
    "remove_chart",
    "rename_dashboard",
    "replace_charts",
]

MAX_NAME_LENGTH = 255
MAX_CHARTS = 50

_COLUMNS = "id, account_id, name, share_token, created_at, updated_at"


@dataclass(frozen=True)
class Dashboard:
    """A named, ordered set of metric charts owned by one account."""

    id: int
    account_id: int
    name: str
    share_token: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Chart:
    """One metric on a dashboard, with how it is drawn."""

    id: int
    dashboard_id: int
    metric_id: int
    profile_id: int
    metric_name: str
    position: int
    aggregation: str
    time_range: str
    group_by: str | None


def check_name(name: object) -> str:
    """The dashboard name, stripped, or a ValueError naming the field."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name is required")
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"name is longer than {MAX_NAME_LENGTH} characters")
    return name


def list_dashboards(conn: sqlite3.Connection, account_id: int) -> list[Dashboard]:
    """The account's dashboards, oldest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM dashboards WHERE account_id = ? ORDER BY id",
        (account_id,),
    ).fetchall()
    return [Dashboard(*row) for row in rows]


def get_dashboard(
    conn: sqlite3.Connection, account_id: int, dashboard_id: int
) -> Dashboard | None:
    """The dashboard if the account owns it, else None."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM dashboards WHERE id = ? AND account_id = ?",
        (dashboard_id, account_id),
    ).fetchone()
    return None if row is None else Dashboard(*row)


def list_charts(conn: sqlite3.Connection, dashboard_id: int) -> list[Chart]:
    """The dashboard's charts in order, with their metrics' names."""
    rows = conn.execute(
        "SELECT c.id, c.dashboard_id, c.metric_id, m.profile_id, m.name, "
        "c.position, c.aggregation, c.time_range, c.group_by "
        "FROM dashboard_metrics AS c JOIN metrics AS m ON m.id = c.metric_id "
        "WHERE c.dashboard_id = ? ORDER BY c.position, c.id",
        (dashboard_id,),
    ).fetchall()
    return [Chart(*row) for row in rows]


def create_dashboard(
    conn: sqlite3.Connection,
    account_id: int,
    name: object,
    metric_ids: Sequence[int] = (),
) -> Dashboard:
    """Make a dashboard with a chart per metric, in order.

    Raises:
        ValueError: a bad name, or a metric the account does not own.
    """
    now = now_db_time()
    cursor = conn.execute(
        "INSERT INTO dashboards (account_id, name, created_at, updated_at) "
        "VALUES (?, ?, ?, ?)",
        (account_id, check_name(name), now, now),
    )
    dashboard_id = int(cursor.lastrowid or 0)
    replace_charts(conn, account_id, dashboard_id, metric_ids)
    return _load(conn, dashboard_id)


def rename_dashboard(conn: sqlite3.Connection, dashboard_id: int, name: object) -> None:
    """Rename; the name is checked as :func:`check_name` does."""
    conn.execute(
        "UPDATE dashboards SET name = ?, updated_at = ? WHERE id = ?",
        (check_name(name), now_db_time(), dashboard_id),
    )


def delete_dashboard(conn: sqlite3.Connection, dashboard_id: int) -> None:
    """Delete the dashboard with its charts and share address."""
    conn.execute("DELETE FROM dashboards WHERE id = ?", (dashboard_id,))


def add_chart(
    conn: sqlite3.Connection,
    account_id: int,
    dashboard_id: int,
    metric_id: int,
    *,
    aggregation: str = "count",
    time_range: str = "day",
    group_by: str | None = None,
) -> None:
    """Put a chart of the metric at the end of the dashboard.

    Raises:
        ValueError: a metric the account does not own, an unknown
            aggregation or range, or a dashboard already full.
    """
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {', '.join(AGGREGATIONS)}")
    if time_range not in RANGES:
        raise ValueError(f"range must be one of {', '.join(RANGES)}")
    _check_metric(conn, account_id, metric_id)

    count, last = conn.execute(
        "SELECT count(*), coalesce(max(position), -1) FROM dashboard_metrics "
        "WHERE dashboard_id = ?",
        (dashboard_id,),
    ).fetchone()
    if count >= MAX_CHARTS:
        raise ValueError(f"a dashboard holds at most {MAX_CHARTS} charts")

    conn.execute(
        "INSERT INTO dashboard_metrics (dashboard_id, metric_id, position, "
        "aggregation, time_range, group_by) VALUES (?, ?, ?, ?, ?, ?)",
        (dashboard_id, metric_id, last + 1, aggregation, time_range, group_by),
    )
    _touch(conn, dashboard_id)


def remove_chart(conn: sqlite3.Connection, dashboard_id: int, chart_id: int) -> bool:
    """Remove a chart; False if the dashboard has no such chart."""
    cursor = conn.execute(
        "DELETE FROM dashboard_metrics WHERE id = ? AND dashboard_id = ?",
        (chart_id, dashboard_id),
    )
    _touch(conn, dashboard_id)
    return cursor.rowcount > 0


def move_chart(
    conn: sqlite3.Connection, dashboard_id: int, chart_id: int, offset: int
) -> bool:
    """Move a chart ``offset`` places (-1 up, +1 down); False if it is not there."""
    order = [chart.id for chart in list_charts(conn, dashboard_id)]
    if chart_id not in order:
        return False

    index = order.index(chart_id)
    target = min(max(index + offset, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    _renumber(conn, order)
    _touch(conn, dashboard_id)
    return True


def replace_charts(
    conn: sqlite3.Connection,
    account_id: int,
    dashboard_id: int,
    metric_ids: Sequence[int],
) -> None:
    """Make the dashboard chart exactly these metrics, in this order.

    A metric already charted keeps its chart settings.
    """
    if len(metric_ids) > MAX_CHARTS:
        raise ValueError(f"a dashboard holds at most {MAX_CHARTS} charts")
    for metric_id in metric_ids:
        _check_metric(conn, account_id, metric_id)

    existing: dict[int, list[int]] = {}
    for chart in list_charts(conn, dashboard_id):
        existing.setdefault(chart.metric_id, []).append(chart.id)

    order: list[int] = []
    for metric_id in metric_ids:
        kept = existing.get(metric_id)
        if kept:
            order.append(kept.pop(0))
            continue
        cursor = conn.execute(
            "INSERT INTO dashboard_metrics (dashboard_id, metric_id, position) "
            "VALUES (?, ?, 0)",
            (dashboard_id, metric_id),
        )
        order.append(int(cursor.lastrowid or 0))

    leftover = [chart_id for ids in existing.values() for chart_id in ids]
    conn.executemany(
        "DELETE FROM dashboard_metrics WHERE id = ?", [(i,) for i in leftover]
    )
    _renumber(conn, order)
    _touch(conn, dashboard_id)


def _check_metric(conn: sqlite3.Connection, account_id: int, metric_id: int) -> None:
    row = conn.execute(
        "SELECT 1 FROM metrics AS m JOIN profiles AS p ON p.id = m.profile_id "
        "WHERE m.id = ? AND p.account_id = ?",
        (metric_id, account_id),
    ).fetchone()
    if row is None:
        raise ValueError(f"metric_id {metric_id} is not a metric of this account")


def _renumber(conn: sqlite3.Connection, order: Sequence[int]) -> None:
    conn.executemany(
        "UPDATE dashboard_metrics SET position = ? WHERE id = ?",
        [(position, chart_id) for position, chart_id in enumerate(order)],
    )


def _touch(conn: sqlite3.Connection, dashboard_id: int) -> None:
    conn.execute(
        "UPDATE dashboards SET updated_at = ? WHERE id = ?",
        (now_db_time(), dashboard_id),
    )


def _load(conn: sqlite3.Connection, dashboard_id: int) -> Dashboard:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM dashboards WHERE id = ?", (dashboard_id,)
    ).fetchone()
    return Dashboard(*row)
