"""Read back what reached the server and print it as short tables."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from statsmix_middleware import API, StoredStat

__all__ = ["all_stats", "print_tables", "wait_for_stats"]

READ_LIMIT = 1000  # the most records the API returns in one answer


def wait_for_stats(
    api: API,
    expected: Mapping[str, int],
    timeout: float = 30.0,
    page_size: int = READ_LIMIT,
) -> dict[str, list[StoredStat]]:
    """Every metric's stats, once each expected metric has at least its count.

    The apps send their stats in the background, a moment after each
    response; past ``timeout`` whatever has arrived is returned, and what is
    missing is said on stderr.
    """
    deadline = time.monotonic() + timeout
    while True:
        # Limitation: one answer of metrics, so at most READ_LIMIT of them;
        # the demo makes a handful.
        stats = {
            metric.name: all_stats(api, metric.id, page_size)
            for metric in api.list_metrics(limit=READ_LIMIT)
        }
        short = {
            name: (len(stats.get(name, ())), n)
            for name, n in expected.items()
            if len(stats.get(name, ())) < n
        }
        if not short:
            return stats
        if time.monotonic() > deadline:
            for name, (arrived, n) in short.items():
                print(f"{name}: {arrived} of {n} stats arrived", file=sys.stderr)
            return stats
        time.sleep(0.25)


def all_stats(
    api: API, metric_id: int, page_size: int = READ_LIMIT
) -> list[StoredStat]:
    """Every stat of a metric, newest first, however many there are.

    The API answers at most ``page_size`` stats at a time, newest first, and
    its ``end_date`` is inclusive: each page ends at the oldest time of the
    one before, and the stats at that time, which come again, are told apart
    by their id.

    Raises:
        RuntimeError: a whole page of stats shares one time, and no date
            range can tell whether more share it.
    """
    stats: list[StoredStat] = []
    seen: set[int] = set()
    end: datetime | None = None
    while True:
        page = api.list_stats(metric_id, limit=page_size, end_date=end)
        fresh = [stat for stat in page if stat.id not in seen]
        stats.extend(fresh)
        seen.update(stat.id for stat in fresh)
        if len(page) < page_size:
            return stats

        end = page[-1].generated_at
        if not fresh or end is None:
            raise RuntimeError(
                f"{page_size} or more stats of metric {metric_id} share the"
                f" time {end}; the API cannot page through them"
            )


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
