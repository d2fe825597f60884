"""Buckets and aggregations of the chart data, without a server."""

from __future__ import annotations

import pytest

from statsmix_server.dashboard.series import (
    OTHER_LABEL,
    TOP_SERIES,
    Window,
    aggregate,
    parse_window,
)

WINDOW = Window(start=0, end=300, step=60)


def rows(*items: tuple[float, float]) -> list[tuple[float, float, str | None]]:
    return [(moment, value, None) for moment, value in items]


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        ("count", [2, 0, 20, 0, 0]),
        ("sum", [3.0, 0, 210.0, 0, 0]),
        ("mean", [1.5, None, 10.5, None, None]),
        ("max", [2.0, None, 20.0, None, None]),
        ("p95", [2.0, None, 19.0, None, None]),
    ],
)
def test_each_aggregation_per_bucket(aggregation: str, expected: list[float]) -> None:
    data = rows((0, 1), (59.9, 2), *((120 + i, float(i + 1)) for i in range(20)))

    chart = aggregate(data, WINDOW, aggregation, label="Signups")

    assert chart.x == [0, 60, 120, 180, 240]
    assert chart.series == [("Signups", expected)]
    assert chart.total == 22


def test_stats_outside_the_window_are_left_out() -> None:
    chart = aggregate(rows((-1, 5), (300, 5), (10, 1)), WINDOW, "count", label="A")

    assert chart.total == 1


def test_grouping_keeps_the_top_values_and_folds_the_rest() -> None:
    data: list[tuple[float, float, str | None]] = [
        (0.0, 1.0, f"v{group}")
        for group in range(TOP_SERIES + 3)
        for _ in range(10 - group)
    ]
    data.append((0.0, 1.0, None))

    chart = aggregate(data, WINDOW, "count", label="A")

    labels = [label for label, _ in chart.series]
    assert labels[:TOP_SERIES] == [f"v{i}" for i in range(TOP_SERIES)]
    assert labels[-1] == OTHER_LABEL
    assert dict(chart.series)[OTHER_LABEL][0] == 5 + 4 + 3 + 1


def test_presets_align_buckets_and_cover_now() -> None:
    now = 1_000_000.5
    for name, step in (("hour", 60), ("day", 900), ("30d", 21600)):
        window = parse_window(name, now)

        assert window.step == step
        assert window.start % step == 0 and window.start <= now - 3600
        assert window.end > now
        assert len(window.buckets) <= 151


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("", "2026-01-02", "start"),
        ("2026-01-02", "nonsense", "end"),
        ("2026-01-02", "2026-01-01", "after"),
        ("2020-01-01", "2026-01-01", "366 days"),
    ],
)
def test_custom_ranges_are_checked(start: str, end: str, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        parse_window("custom", 0, start, end)


def test_unknown_range_and_aggregation_are_refused() -> None:
    with pytest.raises(ValueError, match="range"):
        parse_window("week", 0)
    with pytest.raises(ValueError, match="aggregation"):
        aggregate([], WINDOW, "median", label="A")
