"""Stats recorded into histograms of a real SDK MeterProvider."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader

from statsmix_middleware import Backend, Client
from statsmix_middleware.stat import MAX_NAME_LENGTH
from statsmix_opentelemetry import OpenTelemetryBackend, instrument_name


@pytest.fixture
def reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def meter_provider(reader: InMemoryMetricReader) -> Iterator[MeterProvider]:
    provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    yield provider
    provider.shutdown()


@pytest.fixture
def backend(meter_provider: MeterProvider) -> OpenTelemetryBackend:
    return OpenTelemetryBackend(
        meter_provider=meter_provider, units={"Response Time": "ms"}
    )


@pytest.fixture
def client(backend: OpenTelemetryBackend) -> Client:
    return Client(backend=backend, ignore=False, test_metric_name="")


def histograms(reader: InMemoryMetricReader) -> dict[str, Any]:
    """Every metric the reader holds, by instrument name."""
    data = reader.get_metrics_data()
    assert data is not None
    return {
        metric.name: metric
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }


def points(metric: Any) -> dict[frozenset[tuple[str, Any]], HistogramDataPoint]:
    return {
        frozenset(point.attributes.items()): point for point in metric.data.data_points
    }


def test_backend_meets_the_backend_protocol(backend: OpenTelemetryBackend) -> None:
    assert isinstance(backend, Backend)


def test_stats_become_histograms_with_meta_as_attributes(
    client: Client, reader: InMemoryMetricReader
) -> None:
    client.track("Blog Posts", meta={"author": "ann", "draft": False})
    client.track("Blog Posts", 2, meta={"author": "ann", "draft": False})
    client.track("Blog Posts", meta={"author": "bob", "draft": True})
    client.track("Response Time", 12.5, meta={"route": "/items/{id}"})
    client.track("Revenue", Decimal("19.99"))

    found = histograms(reader)
    assert set(found) == {"blog_posts", "response_time", "revenue"}

    blog = found["blog_posts"]
    assert blog.description == "Blog Posts"
    assert blog.unit == ""
    by_author = points(blog)
    ann = by_author[frozenset({("author", "ann"), ("draft", False)})]
    assert (ann.count, ann.sum) == (2, 3)
    bob = by_author[frozenset({("author", "bob"), ("draft", True)})]
    assert (bob.count, bob.sum) == (1, 1)

    response = found["response_time"]
    assert response.unit == "ms"
    [point] = points(response).values()
    assert dict(point.attributes or {}) == {"route": "/items/{id}"}
    assert point.sum == 12.5

    [revenue] = points(found["revenue"]).values()
    assert revenue.sum == pytest.approx(19.99)
    assert dict(revenue.attributes or {}) == {}


def test_names_that_sanitise_alike_share_one_histogram(
    client: Client, reader: InMemoryMetricReader
) -> None:
    client.track("Blog Posts")
    client.track("blog   posts!")

    found = histograms(reader)
    assert list(found) == ["blog_posts"]
    [point] = points(found["blog_posts"]).values()
    assert point.count == 2


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("Blog Posts", "blog_posts"),
        ("HTTP Requests", "http_requests"),
        ("api.latency/p95", "api.latency/p95"),
        ("File Uploads (PDF)", "file_uploads_pdf"),
        ("  Sign-ups  ", "sign-ups"),
        ("2026 Sales", "statsmix_2026_sales"),
        ("Café Visits", "caf_visits"),
        ("-dash", "statsmix_-dash"),
        ("!!!", "statsmix_"),
        ("x" * 300, "x" * 255),
    ],
)
def test_instrument_name(metric: str, expected: str) -> None:
    assert instrument_name(metric) == expected


def test_every_valid_metric_name_makes_a_valid_instrument(
    client: Client, reader: InMemoryMetricReader, caplog: pytest.LogCaptureFixture
) -> None:
    names = ["9", "é", "_", "a" * MAX_NAME_LENGTH, "1" * MAX_NAME_LENGTH, "日本語"]
    for name in names:
        client.track(name)

    assert client.failures == 0
    assert "Invalid instrument name" not in caplog.text
    assert sum(len(m.data.data_points) for m in histograms(reader).values()) == len(
        {instrument_name(name) for name in names}
    )


def test_flush_forces_the_meter_provider_to_export(
    meter_provider: MeterProvider,
) -> None:
    calls: list[float] = []
    original = meter_provider.force_flush

    def force_flush(timeout_millis: float = 10_000) -> bool:
        calls.append(timeout_millis)
        return original(timeout_millis)

    meter_provider.force_flush = force_flush  # type: ignore[method-assign]
    backend = OpenTelemetryBackend(meter_provider=meter_provider, close_timeout=1.5)

    assert backend.flush(2) is True
    assert backend.flush() is True
    backend.close()
    backend.close()

    assert calls == [2000, 10_000, 1500]


def test_close_drops_later_stats_and_leaves_the_provider_running(
    client: Client, backend: OpenTelemetryBackend, reader: InMemoryMetricReader
) -> None:
    client.track("Before")
    client.close()
    client.track("After")

    assert set(histograms(reader)) == {"before"}


def test_global_meter_provider_is_used_when_none_is_given() -> None:
    """The global provider can be set once per process: use a fresh one."""
    script = textwrap.dedent(
        """
        from opentelemetry import metrics
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from statsmix_middleware import Client
        from statsmix_opentelemetry import OpenTelemetryBackend

        backend = OpenTelemetryBackend()  # before the SDK is configured
        reader = InMemoryMetricReader()
        metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))

        client = Client(backend=backend, ignore=False)
        client.track("Page Views", 3, meta={"page": "home"})
        assert backend.flush(5)

        [resource] = reader.get_metrics_data().resource_metrics
        [metric] = resource.scope_metrics[0].metrics
        [point] = metric.data.data_points
        print(metric.name, point.sum, dict(point.attributes or {}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split("\n")[0] == "page_views 3 {'page': 'home'}"


def test_default_provider_without_force_flush_counts_as_flushed() -> None:
    from opentelemetry.metrics import NoOpMeterProvider

    backend = OpenTelemetryBackend(meter_provider=NoOpMeterProvider())
    Client(backend=backend, ignore=False).track("Anything")

    assert backend.flush(1) is True


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"close_timeout": "5"}, "close_timeout"),
        ({"units": ["ms"]}, "units"),
    ],
)
def test_bad_options_raise_naming_the_option(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        OpenTelemetryBackend(**options)  # type: ignore[arg-type]
