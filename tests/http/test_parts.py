"""The pieces behind the backend and the API client, each on its own."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from email.utils import format_datetime

import pytest

from statsmix_middleware import (
    AuthenticationError,
    ForbiddenError,
    HTTPBackend,
    Metric,
    NotFoundError,
    PlanLimitError,
    Stat,
    StatsMixError,
    StoredStat,
    ValidationError,
)
from statsmix_middleware._records import read_list, read_one
from statsmix_middleware.backends import http
from statsmix_middleware.backends._retry import (
    backoff_delay,
    is_retryable,
    parse_retry_after,
)
from statsmix_middleware.errors import error_for_status
from tests.http.stub_server import free_port


class _RecordedWaits(threading.Event):
    """A stop event whose waits return at once and are only added up."""

    def __init__(self) -> None:
        super().__init__()
        self.waited: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waited.append(timeout or 0.0)
        return self.is_set()


def test_default_retries_ride_out_thirty_seconds_of_downtime(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real worker, default settings, a server that is not there at all.

    Each backoff is its shortest (no jitter) and returns at once, so the test
    adds up how long the worker would have kept trying.
    """
    monkeypatch.setattr(random, "uniform", lambda low, high: low)
    monkeypatch.setattr(http, "_start_worker", lambda worker: None)
    backend = HTTPBackend(f"http://127.0.0.1:{free_port()}", "key")
    try:
        backend.send(Stat("Outage"))
        runtime = backend._runtime
        assert runtime is not None
        waits = _RecordedWaits()
        runtime.worker.stopping = waits
        runtime.worker.start()

        assert backend.flush(20) is False
        assert backend.counts["failed"] == 1
        assert backend.counts["retried"] == len(waits.waited)
        assert sum(waits.waited) >= 30
    finally:
        backend.close(timeout=1.0)


def test_backoff_grows_stays_under_its_cap_and_obeys_retry_after() -> None:
    for attempt in range(12):
        ceiling = min(10.0, 0.5 * 2**attempt)
        assert ceiling / 2 <= backoff_delay(attempt, 0.5, 10.0) <= ceiling

    jittered = {backoff_delay(3, 0.5, 10.0) for _ in range(20)}
    assert len(jittered) > 1

    assert backoff_delay(0, 0.5, 10.0, retry_after=7) == 7
    assert backoff_delay(0, 0.5, 10.0, retry_after=3600) == 60


def test_retry_after_reads_seconds_and_http_dates() -> None:
    later = datetime.now(timezone.utc) + timedelta(seconds=30)

    assert parse_retry_after("2") == 2
    assert parse_retry_after(" 0.5 ") == 0.5
    assert 25 < (parse_retry_after(format_datetime(later, usegmt=True)) or 0) <= 30
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(0, True), (408, True), (429, True), (500, True), (503, True), (501, False)]
    + [(400, False), (401, False), (403, False), (404, False), (422, False)],
)
def test_which_statuses_are_retried(status: int, retryable: bool) -> None:
    assert is_retryable(status) is retryable


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (401, "bad key", AuthenticationError),
        (403, "Plan limit reached: 5 requests", PlanLimitError),
        (403, "not your profile", ForbiddenError),
        (404, "no metric 3", NotFoundError),
        (422, "name must not be empty", ValidationError),
        (413, "too large", StatsMixError),
    ],
)
def test_each_status_has_its_error(
    status: int, message: str, kind: type[StatsMixError]
) -> None:
    error = error_for_status(status, message)

    assert type(error) is kind
    assert (error.status, error.message) == (status, message)
    assert str(error) == f"{status}: {message}"


def test_answers_read_with_dashed_keys_and_single_objects() -> None:
    body = {
        "stats": {
            "stat": {
                "id": "6271",
                "metric-id": "12",
                "value": "20.0",
                "ref-id": "2012-10-19",
                "meta": '{"file type":"PDF"}',
                "generated-at": "2012-10-19T21:13:20Z",
            }
        }
    }

    (fields,) = read_list(body, "stats", "stat")
    stat = StoredStat.from_fields(fields)

    assert (stat.id, stat.metric_id, stat.value) == (6271, 12, Decimal("20.0"))
    assert (stat.ref_id, stat.meta) == ("2012-10-19", {"file type": "PDF"})
    assert stat.generated_at == datetime(2012, 10, 19, 21, 13, 20, tzinfo=timezone.utc)


def test_answers_read_in_their_looser_shapes() -> None:
    metric = {"id": 4, "name": "Uploads", "include_in_email": 1, "url": None}

    assert read_list({"metrics": [metric]}, "metrics", "metric") == [metric]
    assert read_list({"metrics": {"metric": []}}, "metrics", "metric") == []
    assert read_list({"metrics": None}, "metrics", "metric") == []
    assert read_one(metric, "metric") == metric
    assert Metric.from_fields(read_one({"metric": metric}, "metric")) == Metric(
        id=4, name="Uploads", include_in_email=True
    )


@pytest.mark.parametrize(
    "options",
    [
        {"batch_size": 0},
        {"batch_size": 1001},
        {"max_queue_size": 0},
        {"flush_interval": 0},
        {"timeout": -1},
        {"max_retries": -1},
        {"backoff": 0},
        {"shutdown_timeout": -1},
    ],
)
def test_out_of_range_settings_raise_naming_the_setting(
    options: dict[str, float],
) -> None:
    (name,) = options
    with pytest.raises(ValueError, match=name):
        HTTPBackend("http://127.0.0.1:1", "key", **options)  # type: ignore[arg-type]


def test_a_backend_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATSMIX_API_KEY", raising=False)
    with pytest.raises(ValueError, match="STATSMIX_API_KEY"):
        HTTPBackend("http://127.0.0.1:1")


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATSMIX_API_KEY", raising=False)
    monkeypatch.setenv("STATSMIX_URL", "http://127.0.0.1:9/api_key/heroku-key")

    backend = HTTPBackend()

    assert backend.url == "http://127.0.0.1:9"
    assert backend.options.api_key == "heroku-key"
    backend.close()


def test_an_unused_backend_starts_no_thread_and_flushes_at_once() -> None:
    backend = HTTPBackend(f"http://127.0.0.1:{free_port()}", "key")

    assert dict(backend.counts) == dict.fromkeys(
        ("sent", "dropped", "failed", "retried", "queued"), 0
    )
    assert backend.flush(0) is True
    backend.close()


def test_send_after_close_drops_with_the_reason_closed() -> None:
    lost: list[str] = []
    backend = HTTPBackend(
        f"http://127.0.0.1:{free_port()}",
        "key",
        on_drop=lambda stat, reason: lost.append(reason),
    )
    backend.close()

    backend.send(Stat("Late"))

    assert lost == ["closed"]
    assert backend.counts["dropped"] == 1
