"""``examples/_report.py`` reads back every stat, past one answer's limit."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from examples._report import all_stats, wait_for_stats
from statsmix_middleware import API
from tests.live_server import LiveServer

PAGE = 5
START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def track_at(api: API, name: str, seconds: list[int]) -> None:
    for n, second in enumerate(seconds):
        api.track(name, n, generated_at=START + timedelta(seconds=second))


def test_every_stat_is_read_across_pages_and_shared_times(
    live_server: LiveServer,
) -> None:
    # Pages of 5 end inside runs of stats that share a time: those come again
    # on the next page and must count once.
    seconds = [0, 1, 1, 1, 2, 3, 3, 3, 3, 4, 5, 6, 6, 7]
    with API(live_server.url, live_server.api_key) as api:
        track_at(api, "Orders", seconds)
        (metric,) = api.list_metrics()

        stats = all_stats(api, metric.id, page_size=PAGE)
        waited = wait_for_stats(api, {"Orders": len(seconds)}, page_size=PAGE)

    assert sorted(stat.value for stat in stats) == list(range(len(seconds)))
    assert len({stat.id for stat in stats}) == len(seconds)
    assert [stat.generated_at for stat in stats] == sorted(
        (START + timedelta(seconds=s) for s in seconds), reverse=True
    )
    assert len(waited["Orders"]) == len(seconds)


def test_a_page_of_stats_at_one_time_is_refused_not_miscounted(
    live_server: LiveServer,
) -> None:
    with API(live_server.url, live_server.api_key) as api:
        track_at(api, "Orders", [0] + [9] * PAGE)
        (metric,) = api.list_metrics()

        with pytest.raises(RuntimeError, match="cannot page"):
            all_stats(api, metric.id, page_size=PAGE)
        assert len(all_stats(api, metric.id, page_size=PAGE + 2)) == PAGE + 1


def test_what_did_not_arrive_in_time_is_said(
    live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with API(live_server.url, live_server.api_key) as api:
        track_at(api, "Orders", [0, 1])

        stats = wait_for_stats(api, {"Orders": 3, "Refunds": 1}, timeout=0)

    assert len(stats["Orders"]) == 2
    err = capsys.readouterr().err
    assert "Orders: 2 of 3 stats arrived" in err
    assert "Refunds: 0 of 1 stats arrived" in err
