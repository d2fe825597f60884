"""The JSON a chart polls: bucketed series of one metric, and its latest stats."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from .series import AGGREGATIONS, RANGES, aggregate, parse_window
from .store import MetricInfo, latest_stats, window_rows

__all__ = ["ChartView", "chart_payload", "poll_interval"]

_MAX_GROUP_KEY = 100


@dataclass(frozen=True)
class ChartView:
    """How a chart is drawn: range, aggregation and the meta key to group by."""

    range: str = "day"
    aggregation: str = "count"
    group_by: str = ""
    start: str = ""
    end: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ChartView:
        """Read a chart's settings from a query string.

        Raises:
            ValueError: an unknown range or aggregation, or a custom range
                whose times are missing or out of order, naming the field.
        """
        view = cls(
            range=query.get("range") or cls.range,
            aggregation=query.get("aggregation") or cls.aggregation,
            group_by=(query.get("group_by") or "")[:_MAX_GROUP_KEY],
            start=query.get("start") or "",
            end=query.get("end") or "",
        )
        if view.range not in (*RANGES, "custom"):
            raise ValueError(f"range must be one of {', '.join([*RANGES, 'custom'])}")
        if view.aggregation not in AGGREGATIONS:
            raise ValueError(f"aggregation must be one of {', '.join(AGGREGATIONS)}")
        if view.range == "custom":
            parse_window(view.range, time.time(), view.start, view.end)
        return view

    def query_string(self) -> str:
        """The view as a query string, without empty fields."""
        fields = {name: value for name, value in asdict(self).items() if value}
        if self.range != "custom":
            fields.pop("start", None)
            fields.pop("end", None)
        return urlencode(fields)


def poll_interval(range_name: str) -> int:
    """Milliseconds between polls: every second for the short ranges."""
    # Limitation: charts poll rather than listen to a push channel, so each
    # open chart costs one query per interval; the 30-day and custom ranges,
    # whose polls read far more stats, show a new stat within 5 s, not 2.
    return 1000 if range_name in ("hour", "day") else 5000


def chart_payload(
    conn: sqlite3.Connection,
    metric: MetricInfo,
    view: ChartView,
    *,
    with_stats: bool,
) -> dict[str, Any]:
    """What a chart draws, as a JSON-ready dict.

    ``with_stats`` adds the latest stats (with meta and ``ref_id``) for the
    metric page's table; a dashboard chart shows the series only.
    """
    window = parse_window(view.range, time.time(), view.start, view.end)
    rows = window_rows(conn, metric.id, window, view.group_by)
    chart = aggregate(rows, window, view.aggregation, label=metric.name)

    payload: dict[str, Any] = {
        "metric": {
            "id": metric.id,
            "name": metric.name,
            "profile_id": metric.profile_id,
        },
        "range": view.range,
        "aggregation": view.aggregation,
        "group_by": view.group_by or None,
        "step": window.step,
        "x": chart.x,
        "series": [
            {"label": label, "values": values} for label, values in chart.series
        ],
        "total": chart.total,
    }
    if with_stats:
        payload["latest"] = latest_stats(conn, metric.id)
    return payload
