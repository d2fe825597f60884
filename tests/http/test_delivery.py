"""HTTPBackend against a real statsmix-server: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest

from statsmix_middleware import Client, Stat
from tests.http.conftest import MakeBackend, stats, stored_values
from tests.http.stub_server import StubServer, free_port, serving
from tests.live_server import LiveServer

LOGGER = "statsmix_middleware.backends.http"


def test_four_threads_deliver_every_stat_exactly_once(
    live_server: LiveServer, make_backend: MakeBackend
) -> None:
    backend = make_backend(live_server.url, live_server.api_key)
    client = Client(backend=backend, ignore=False, test_metric_name="")

    def track_range(start: int) -> None:
        for value in range(start, start + 500):
            client.track("Threads", value)

    threads = [threading.Thread(target=track_range, args=(n * 500,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert backend.flush(20) is True
    assert sorted(stored_values(live_server.db_path, "Threads")) == list(range(2000))
    assert dict(backend.counts) == {
        "sent": 2000,
        "dropped": 0,
        "failed": 0,
        "retried": 0,
        "queued": 0,
    }


def test_server_down_tracks_stay_fast_and_flush_gives_up(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend(f"http://127.0.0.1:{free_port()}", max_retries=100)
    client = Client(backend=backend, ignore=False, test_metric_name="")

    started = time.perf_counter()
    for value in range(1000):
        client.track("Down", value)
    tracking = time.perf_counter() - started

    started = time.perf_counter()
    delivered = backend.flush(2)
    flushing = time.perf_counter() - started

    assert delivered is False
    assert tracking < 1.0
    assert flushing < 3.5
    assert backend.counts["queued"] == 1000

    backend.close(timeout=0.2)
    counts = backend.counts
    assert counts["sent"] == 0
    assert counts["dropped"] == 1000
    assert counts["queued"] == 0
    assert counts["retried"] > 0


def test_close_with_the_server_down_is_bounded_and_says_what_was_lost(
    make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    lost: list[str] = []
    backend = make_backend(
        f"http://127.0.0.1:{free_port()}",
        max_retries=100,
        shutdown_timeout=0.5,
        on_drop=lambda stat, reason: lost.append(reason),
    )
    for stat in stats("Closing", 30):
        backend.send(stat)

    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="statsmix_middleware"):
        backend.close()
    closing = time.perf_counter() - started

    assert closing < 3.0
    assert backend.counts["dropped"] == 30
    assert lost == ["shutdown"] * 30
    assert "stopped with 30 stats undelivered" in caplog.text


def test_server_restart_mid_stream_loses_nothing(
    live_server: LiveServer, make_backend: MakeBackend
) -> None:
    backend = make_backend(
        live_server.url, live_server.api_key, batch_size=20, max_retries=200
    )
    done = threading.Event()

    def track_slowly() -> None:
        for value in range(600):
            backend.send(Stat("Restart", value))
            if value % 10 == 0:
                time.sleep(0.01)
        done.set()

    thread = threading.Thread(target=track_slowly)
    thread.start()
    time.sleep(0.1)
    live_server.stop()
    time.sleep(0.5)
    live_server.start()
    thread.join()

    assert done.is_set()
    assert backend.flush(20) is True
    assert sorted(stored_values(live_server.db_path, "Restart")) == list(range(600))
    assert backend.counts["retried"] > 0


def test_bad_key_is_logged_once_and_every_stat_counted(
    live_server: LiveServer, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    lost: list[str] = []
    backend = make_backend(
        live_server.url,
        "not-a-key",
        batch_size=25,
        on_drop=lambda stat, reason: lost.append(reason),
    )

    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        for stat in stats("Unauthorised", 60):
            backend.send(stat)
        assert backend.flush(10) is False
        for stat in stats("Unauthorised", 40):
            backend.send(stat)
        assert backend.flush(10) is False

    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1
    assert "401" in errors[0].getMessage()
    assert "STATSMIX_API_KEY" in errors[0].getMessage()
    assert backend.counts["failed"] == 100
    assert lost == ["unauthorized"] * 100


def test_plan_limit_is_logged_once_counted_and_pauses_sending(
    live_server: LiveServer, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    key = live_server.create_account("Small plan", monthly_limit=5)
    lost: list[str] = []
    backend = make_backend(
        live_server.url, key, on_drop=lambda stat, reason: lost.append(reason)
    )

    with caplog.at_level(logging.INFO, logger=LOGGER):
        for stat in stats("Limited", 20):
            backend.send(stat)
        assert backend.flush(10) is False
        for stat in stats("Limited", 10, start=20):
            backend.send(stat)
        assert backend.flush(10) is False

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "Plan limit reached" in warnings[0].getMessage()
    assert stored_values(live_server.db_path, "Limited") == [0, 1, 2, 3, 4]
    counts = backend.counts
    assert (counts["sent"], counts["failed"], counts["dropped"]) == (5, 15, 10)
    assert lost == ["plan_limit"] * 25


def test_batch_accepted_in_part_is_counted_item_by_item(
    live_server: LiveServer, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    lost: list[tuple[float, str]] = []
    backend = make_backend(
        live_server.url,
        live_server.api_key,
        on_drop=lambda stat, reason: lost.append((float(stat.value), reason)),
    )

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for value in range(10):
            profile_id = 999_999 if value % 3 == 0 else None
            backend.send(Stat("Partial", value, profile_id=profile_id))
        assert backend.flush(10) is False

    assert stored_values(live_server.db_path, "Partial") == [1, 2, 4, 5, 7, 8]
    assert backend.counts["sent"] == 6
    assert backend.counts["failed"] == 4
    assert lost == [(0, "rejected"), (3, "rejected"), (6, "rejected"), (9, "rejected")]


def test_full_queue_drops_the_new_stat_and_calls_on_drop(
    live_server: LiveServer, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    lost: list[tuple[int, str]] = []
    backend = make_backend(
        live_server.url,
        live_server.api_key,
        max_queue_size=10,
        batch_size=100,
        flush_interval=60,
        on_drop=lambda stat, reason: lost.append((int(stat.value), reason)),
    )

    for stat in stats("Full", 25):
        backend.send(stat)

    assert backend.counts["queued"] == 10
    assert backend.counts["dropped"] == 15
    assert lost == [(value, "queue_full") for value in range(10, 25)]

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert backend.flush(10) is False
    assert stored_values(live_server.db_path, "Full") == list(range(10))
    assert "queue is full" in caplog.text
    assert "15 stats dropped" in caplog.text

    backend.send(Stat("Full", 99))
    assert backend.flush(10) is True


def test_tracking_inside_a_running_event_loop_never_waits_on_the_server(
    make_backend: MakeBackend,
) -> None:
    """A server that takes half a second per answer cannot slow the loop down."""

    class SlowServer(StubServer):
        async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
            await asyncio.sleep(0.5)
            await super().__call__(scope, receive, send)

    slow = SlowServer()
    with serving(slow) as url:
        backend = make_backend(url, batch_size=1000)
        client = Client(backend=backend, ignore=False, test_metric_name="")

        async def main() -> tuple[int, bool]:
            for chunk in range(20):
                for value in range(chunk * 100, chunk * 100 + 100):
                    client.track("Loop", value)
                await asyncio.sleep(0)
            # Had any track() waited on the server, an answer would be in.
            answered = len(slow.requests)
            delivered = await asyncio.get_running_loop().run_in_executor(
                None, backend.flush, 20
            )
            return answered, delivered

        answered, delivered = asyncio.run(main())

    assert answered == 0
    assert delivered is True
    assert sorted(int(stat["value"]) for stat in slow.stats) == list(range(2000))
