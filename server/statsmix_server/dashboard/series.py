"""Time windows, buckets and per-bucket aggregation of a metric's stats.

Everything here is pure: the caller reads the stats of a window from the
database and gets back the series a chart draws.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from statsmix_middleware.timestamps import parse_timestamp

__all__ = [
    "AGGREGATIONS",
    "RANGES",
    "ChartSeries",
    "Window",
    "aggregate",
    "parse_window",
]

#: The aggregations a chart offers per time bucket, in menu order.
AGGREGATIONS = ("count", "sum", "mean", "p95", "max")

#: Range presets and their length in seconds; "custom" takes start and end.
RANGES = {"hour": 3600, "day": 86400, "30d": 30 * 86400}

#: The series a chart draws at most; the rest of the values share one more.
TOP_SERIES = 5

OTHER_LABEL = "(other)"
MISSING_LABEL = "(none)"

# Bucket widths a chart may use, narrowest first; the first one that cuts the
# window into at most _MAX_BUCKETS buckets wins.
_STEPS = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400)
_MAX_BUCKETS = 150
_MAX_SPAN = 366 * 86400


@dataclass(frozen=True)
class Window:
    """A time range cut into buckets of ``step`` seconds (epoch seconds)."""

    start: int
    end: int
    step: int

    @property
    def buckets(self) -> list[int]:
        return list(range(self.start, self.end, self.step))


@dataclass(frozen=True)
class ChartSeries:
    """What a chart draws: bucket starts and one list of values per series."""

    x: list[int]
    series: list[tuple[str, list[float | None]]]
    total: int


def parse_window(range_name: str, now: float, start: str = "", end: str = "") -> Window:
    """Return the window of a range preset, or of a custom start and end.

    Raises:
        ValueError: an unknown range, or a custom range that is not two
            ISO 8601 times in order, naming the field.
    """
    if range_name == "custom":
        first = _parse_time(start, "start")
        last = _parse_time(end, "end")
        if last <= first:
            raise ValueError("end must be after start")
        if last - first > _MAX_SPAN:
            raise ValueError("a custom range spans at most 366 days")
    elif range_name in RANGES:
        last = int(now)
        first = last - RANGES[range_name]
    else:
        raise ValueError(f"range must be one of {', '.join([*RANGES, 'custom'])}")

    step = next((s for s in _STEPS if (last - first) / s <= _MAX_BUCKETS), _STEPS[-1])

    # Align buckets to the step so that they stay put while "now" moves on.
    start_bucket = first - first % step
    end_bucket = last - last % step + step
    return Window(start_bucket, end_bucket, step)


def aggregate(
    rows: Iterable[tuple[float, float, str | None]],
    window: Window,
    aggregation: str,
    *,
    label: str,
) -> ChartSeries:
    """Aggregate ``(epoch, value, group)`` rows into per-bucket series.

    With no group (every group None) there is one series named ``label``;
    otherwise one per group value, the ``TOP_SERIES`` most frequent ones, and
    one more for the rest.
    """
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {', '.join(AGGREGATIONS)}")

    buckets: dict[str | None, dict[int, list[float]]] = {}
    total = 0
    for moment, value, group in rows:
        index = int((moment - window.start) // window.step)
        if 0 <= index < len(window.buckets):
            buckets.setdefault(group, {}).setdefault(index, []).append(value)
            total += 1

    grouped = _fold_rare_groups(buckets, label)

    size = len(window.buckets)
    series = [
        (name, [_apply(aggregation, per_bucket.get(i)) for i in range(size)])
        for name, per_bucket in grouped.items()
    ]
    return ChartSeries(window.buckets, series, total)


def _fold_rare_groups(
    buckets: Mapping[str | None, dict[int, list[float]]], label: str
) -> dict[str, dict[int, list[float]]]:
    if not buckets or list(buckets) == [None]:
        return {label: dict(buckets.get(None, {}))}

    def size(group: str | None) -> int:
        return sum(len(values) for values in buckets[group].values())

    ranked = sorted(buckets, key=lambda group: (-size(group), str(group)))
    folded: dict[str, dict[int, list[float]]] = {}
    for rank, group in enumerate(ranked):
        name = OTHER_LABEL if rank >= TOP_SERIES else group or MISSING_LABEL
        target = folded.setdefault(name, {})
        for index, values in buckets[group].items():
            target.setdefault(index, []).extend(values)
    return folded


def _apply(aggregation: str, values: list[float] | None) -> float | None:
    if not values:
        return 0 if aggregation in ("count", "sum") else None
    if aggregation == "count":
        return len(values)
    if aggregation == "sum":
        return round(sum(values), 2)
    if aggregation == "mean":
        return round(sum(values) / len(values), 4)
    if aggregation == "max":
        return max(values)

    # Nearest rank: the smallest value with at least 95% of values at or below.
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def _parse_time(text: str, field: str) -> int:
    if not text:
        raise ValueError(f"{field} is required for a custom range")
    return int(parse_timestamp(text, field=field).timestamp())
