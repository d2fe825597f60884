"""Retries, Retry-After, refusals and the track fallback, against a stub server.

The stub is a real ASGI app served by uvicorn on loopback: it answers 503, 429
or 413 on demand and can lack ``batch.json``, which the real server never does.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from statsmix_middleware import Stat
from tests.http.conftest import MakeBackend, stats
from tests.http.stub_server import StubServer, serving

LOGGER = "statsmix_middleware.backends.http"


def values(stub: StubServer) -> list[int]:
    return sorted(int(float(stat["value"])) for stat in stub.stats)


def test_5xx_is_retried_until_delivered(
    stub: StubServer, make_backend: MakeBackend
) -> None:
    stub.answer_next(503, times=2)
    stub.answer_next(500)
    backend = make_backend(stub.url)

    for stat in stats("Retried", 50):
        backend.send(stat)

    assert backend.flush(10) is True
    assert values(stub) == list(range(50))
    assert [status for _, status, _ in stub.requests[:4]] == [503, 503, 500, 200]
    assert backend.counts["retried"] == 150
    assert backend.counts["sent"] == 50


@pytest.mark.parametrize("status", [429, 503])
def test_a_refusal_waits_at_least_its_retry_after(
    status: int, stub: StubServer, make_backend: MakeBackend
) -> None:
    stub.answer_next(status, headers={"Retry-After": "0.4"})
    backend = make_backend(stub.url)

    backend.send(Stat("Rate limited"))

    assert backend.flush(10) is True
    (_, first, refused_at), (_, second, retried_at) = stub.requests
    assert (first, second) == (status, 200)
    assert retried_at - refused_at >= 0.35
    assert values(stub) == [1]


def test_a_request_that_times_out_is_retried_and_stored_once(
    stub: StubServer, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    stub.stall_next(1.0)
    backend = make_backend(stub.url, timeout=0.2)

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for stat in stats("Slow answer", 5):
            backend.send(stat)
        assert backend.flush(10) is True

    assert values(stub) == list(range(5))
    assert backend.counts["retried"] == 5
    assert backend.counts["sent"] == 5
    assert "did not take stats (ReadTimeout" in caplog.text


def test_batches_share_one_kept_alive_connection_until_close(
    stub: StubServer, make_backend: MakeBackend
) -> None:
    backend = make_backend(stub.url)
    for start in (0, 5, 10):
        for stat in stats("Kept alive", 5, start=start):
            backend.send(stat)
        assert backend.flush(10) is True

    runtime = backend._runtime
    assert runtime is not None
    assert runtime.worker.thread.daemon
    assert [path for path, _, _ in stub.requests] == ["/api/v2/batch.json"] * 3
    assert len(set(stub.clients)) == 1

    backend.close()
    runtime.worker.thread.join(5)
    assert not runtime.worker.thread.is_alive()


def test_plan_limit_pauses_sending_and_is_logged_once_per_pause(
    stub: StubServer, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    explanation = "Plan limit reached: 5 requests this month"
    stub.answer_next(403, times=2, message=explanation)
    lost: list[tuple[int, str]] = []
    backend = make_backend(
        stub.url,
        plan_limit_pause=0.5,
        on_drop=lambda stat, reason: lost.append((int(stat.value), reason)),
    )

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for value in range(3):
            backend.send(Stat("Paused", value))
            assert backend.flush(10) is False
        assert len(stub.requests) == 1  # the 2nd and 3rd waited out the pause
        time.sleep(0.6)

        backend.send(Stat("Paused", 3))
        assert backend.flush(10) is False
        time.sleep(0.6)
        backend.send(Stat("Paused", 4))
        assert backend.flush(10) is True

    assert [status for _, status, _ in stub.requests] == [403, 403, 200]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2
    assert all(explanation in warning for warning in warnings)
    assert lost == [(value, "plan_limit") for value in range(4)]
    counts = backend.counts
    assert (counts["sent"], counts["failed"], counts["dropped"]) == (1, 2, 2)
    assert values(stub) == [4]


def test_retries_run_out_and_the_stats_count_as_failed(
    stub: StubServer, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    stub.answer_next(503, times=3)
    lost: list[str] = []
    backend = make_backend(
        stub.url, max_retries=2, on_drop=lambda stat, reason: lost.append(reason)
    )

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for stat in stats("Exhausted", 5):
            backend.send(stat)
        assert backend.flush(10) is False

    assert backend.counts["failed"] == 5
    assert backend.counts["retried"] == 10
    assert lost == ["retries_exhausted"] * 5
    assert "gave up on 5 stats after 2 retries" in caplog.text

    backend.send(Stat("Exhausted", 5))
    assert backend.flush(10) is True
    assert values(stub) == [5]


def test_without_batch_route_each_stat_goes_to_track(
    make_backend: MakeBackend,
) -> None:
    plain = StubServer(batch=False)
    with serving(plain) as url:
        backend = make_backend(url)
        backend.send(Stat("Fallback", 1, meta={"plan": "gold"}, ref_id="r-1"))
        backend.send(Stat("Fallback", 2, profile_id=1))
        assert backend.flush(10) is True

        for stat in stats("Fallback", 3, start=3):
            backend.send(stat)
        assert backend.flush(10) is True

    paths = [path for path, _, _ in plain.requests]
    assert paths == ["/api/v2/batch.json"] + ["/api/v2/track.json"] * 5
    assert values(plain) == [1, 2, 3, 4, 5]
    first = plain.stats[0]
    assert (first["meta"], first["ref_id"]) == ({"plan": "gold"}, "r-1")
    assert plain.stats[1]["profile_id"] == "1"
    assert backend.counts["sent"] == 5


def test_items_refused_as_invalid_are_logged_and_counted_one_by_one(
    make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    def odd_is_invalid(stat: dict[str, Any]) -> tuple[int, str]:
        if int(stat["value"]) % 2:
            return 422, "value must be even"
        return 200, ""

    picky = StubServer(item=odd_is_invalid)
    with serving(picky) as url, caplog.at_level(logging.WARNING, logger=LOGGER):
        lost: list[str] = []
        backend = make_backend(url, on_drop=lambda stat, reason: lost.append(reason))
        for stat in stats("Picky", 10):
            backend.send(stat)
        assert backend.flush(10) is False

    assert values(picky) == [0, 2, 4, 6, 8]
    assert backend.counts["sent"] == 5
    assert backend.counts["failed"] == 5
    assert lost == ["invalid"] * 5
    refusals = [r for r in caplog.records if "value must be even" in r.getMessage()]
    assert len(refusals) == 5


def test_a_stat_that_cannot_be_written_fails_alone(
    stub: StubServer, make_backend: MakeBackend
) -> None:
    """JSON cannot hold every int; only the stat that has one is lost."""
    lost: list[tuple[str, str]] = []
    backend = make_backend(
        stub.url, on_drop=lambda stat, reason: lost.append((stat.name, reason))
    )
    unwritable = Stat._trusted("Huge", 1, {"n": 10**5000}, 0, None)

    backend.send(Stat("Fine", 1))
    backend.send(unwritable)
    backend.send(Stat("Fine", 2))
    assert backend.flush(10) is False

    assert values(stub) == [1, 2]
    assert backend.counts["sent"] == 2
    assert backend.counts["failed"] == 1
    assert lost == [("Huge", "invalid")]


def test_a_batch_too_large_is_split_until_it_fits(make_backend: MakeBackend) -> None:
    small = StubServer(max_items=10)
    with serving(small) as url:
        backend = make_backend(url, batch_size=40)
        for stat in stats("Split", 40):
            backend.send(stat)
        assert backend.flush(10) is True

    assert values(small) == list(range(40))
    assert backend.counts["sent"] == 40
    assert backend.counts["failed"] == 0


def test_other_403_is_refused_without_pausing(
    stub: StubServer, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    stub.answer_next(403, message="this key may not write to profile 7")
    lost: list[str] = []
    backend = make_backend(stub.url, on_drop=lambda stat, reason: lost.append(reason))

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        backend.send(Stat("Forbidden", 1))
        assert backend.flush(10) is False
        backend.send(Stat("Forbidden", 2))
        assert backend.flush(10) is True

    assert lost == ["forbidden"]
    assert values(stub) == [2]
    assert "may not write to profile 7" in caplog.text


def test_a_failing_on_drop_hook_is_logged_and_ignored(
    stub: StubServer, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(stat: Stat, reason: str) -> None:
        raise RuntimeError("hook bug")

    backend = make_backend(
        stub.url, max_queue_size=1, batch_size=10, flush_interval=60, on_drop=broken
    )
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        backend.send(Stat("Hooked", 1))
        backend.send(Stat("Hooked", 2))
        backend.send(Stat("Hooked", 3))

    assert backend.counts["dropped"] == 2
    assert [r.getMessage() for r in caplog.records] == [
        "StatsMix on_drop hook raised; ignored"
    ]
    assert backend.flush(10) is False
    assert values(stub) == [1]
