"""Read back what reached the server and print it as short tables."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from statsmix_middleware import API, StoredStat

__all__ = ["print_tables", "wait_for_stats"]

READ_LIMIT = 1000  # the most stats the API returns in one page


def wait_for_stats(
    api: API, expected: Mapping[str, int], timeout: float = 30.0
) -> dict[str, list[StoredStat]]:
    """Every metric's stats, once each expected metric has at least its count.

    The apps send their stats in the background, a moment after each
    response; past ``timeout`` whatever has arrived is returned.
    """
    deadline = time.monotonic() + timeout
    while True:
        stats = {
            metric.name: api.list_stats(metric.id, limit=READ_LIMIT)
            for metric in api.list_metrics(limit=READ_LIMIT)
        }
        arrived = all(len(stats.get(name, ())) >= n for name, n in expected.items())
        if arrived or time.monotonic() > deadline:
            return stats
        time.sleep(0.25)


def print_tables(stats: Mapping[str, list[StoredStat]]) -> None:
    """One row per metric (stats, mean value), then requests by route."""
    print(f"{'metric':<20} {'stats':>6} {'mean':>10}")
    for name in sorted(stats):
        values = [stat.value for stat in stats[name]]
        print(f"{name:<20} {len(values):>6} {_mean(values):>10}")

    requests = stats.get("HTTP Requests", [])
    if requests:
        print()
        print("HTTP Requests by route and status (the mean is in milliseconds)")
        _print_requests(requests)


def _print_requests(requests: list[StoredStat]) -> None:
    groups: defaultdict[tuple[str, str, str], list[Decimal]] = defaultdict(list)
    for stat in requests:
        meta = stat.meta
        key = (str(meta.get("route")), str(meta.get("status")), _error(meta))
        groups[key].append(stat.value)

    print(f"{'route':<34} {'status':>6} {'stats':>6} {'mean':>10}  error")
    for (route, status, error), values in sorted(groups.items()):
        mean = _mean(values)
        print(f"{route:<34} {status:>6} {len(values):>6} {mean:>10}  {error}")


def _error(meta: Mapping[str, object]) -> str:
    error = meta.get("error")
    return str(error) if error else ""


def _mean(values: list[Decimal]) -> str:
    if not values:
        return "-"
    mean = f"{sum(values) / len(values):,.3f}"
    return mean.rstrip("0").rstrip(".")
