"""Spans made by hand on a real SDK TracerProvider become stats."""

from __future__ import annotations

import inspect
import logging
from datetime import datetime, timedelta, timezone

import pytest
from opentelemetry.sdk.trace import (
    ConcurrentMultiSpanProcessor,
    SpanProcessor,
    TracerProvider,
)
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from statsmix_middleware import Client, MemoryBackend, Stat
from statsmix_middleware.conventions import DEFAULT_REQUEST_METRIC, UNMATCHED_ROUTE
from statsmix_opentelemetry import StatsMixSpanProcessor

START = 1_780_000_000_123_456_789  # ns since the epoch


def make_provider(processor: StatsMixSpanProcessor) -> TracerProvider:
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(processor)  # type: ignore[arg-type]
    return provider


def test_processor_has_every_hook_of_the_sdk_span_processor() -> None:
    hooks = {
        name
        for name, member in inspect.getmembers(SpanProcessor, inspect.isfunction)
        if name != "__init__"
    }
    assert {"on_start", "on_end", "shutdown", "force_flush"} <= hooks

    # Recent SDKs also call _on_ending on every processor, without documenting it.
    for name in hooks | {"_on_ending"}:
        ours = inspect.signature(getattr(StatsMixSpanProcessor, name))
        if name in hooks:
            theirs = inspect.signature(getattr(SpanProcessor, name))
            assert list(ours.parameters) == list(theirs.parameters), name
        else:
            assert list(ours.parameters) == ["self", "span"]


def test_span_becomes_one_stat_with_duration_and_start(
    tracer: Tracer, memory: MemoryBackend
) -> None:
    span = tracer.start_span("Import Feed", start_time=START)
    span.end(end_time=START + 12_345_678)

    [stat] = memory.stats
    assert stat.name == "Import Feed"
    assert stat.value == pytest.approx(12.346)
    started = datetime(2026, 5, 28, 20, 26, 40, 123456, tzinfo=timezone.utc)
    assert abs(stat.generated_at - started) <= timedelta(microseconds=1)
    assert dict(stat.meta) == {}


def test_context_manager_span_is_tracked_once(
    tracer: Tracer, memory: MemoryBackend
) -> None:
    with tracer.start_as_current_span("outer"):
        with tracer.start_as_current_span("inner"):
            pass

    assert [stat.name for stat in memory.stats] == ["inner", "outer"]
    assert all(stat.value >= 0 for stat in memory.stats)


def test_server_span_becomes_the_request_metric_with_bounded_meta(
    tracer: Tracer, memory: MemoryBackend
) -> None:
    span = tracer.start_span(
        "GET /items/77",
        kind=SpanKind.SERVER,
        attributes={
            "http.route": "/items/{item_id}",
            "http.request.method": "GET",
            "http.response.status_code": 200,
            "url.path": "/items/77",
            "url.full": "http://127.0.0.1/items/77?q=1",
            "http.target": "/items/77?q=1",
            "client.address": "127.0.0.1",
            "user_agent.original": "pytest",
        },
    )
    span.end()

    [stat] = memory.stats
    assert stat.name == DEFAULT_REQUEST_METRIC
    assert dict(stat.meta) == {
        "route": "/items/{item_id}",
        "method": "GET",
        "status": "200",
    }
    assert_no_raw_path(memory.stats, "/items/77")


def test_server_span_with_old_attribute_names(
    tracer: Tracer, memory: MemoryBackend
) -> None:
    span = tracer.start_span(
        "GET /items/77",
        kind=SpanKind.SERVER,
        attributes={"http.method": "POST", "http.status_code": 201},
    )
    span.end()

    [stat] = memory.stats
    assert dict(stat.meta) == {
        "route": UNMATCHED_ROUTE,
        "method": "POST",
        "status": "201",
    }


def test_stable_attribute_names_win_over_the_old(
    tracer: Tracer, memory: MemoryBackend
) -> None:
    span = tracer.start_span(
        "request",
        attributes={
            "http.method": "GET",
            "http.request.method": "PUT",
            "http.status_code": 200,
            "http.response.status_code": 204,
        },
    )
    span.end()

    assert dict(memory.stats[0].meta) == {"method": "PUT", "status": "204"}


def test_recorded_exception_becomes_error_class_name(
    tracer: Tracer, memory: MemoryBackend
) -> None:
    class PaymentDeclined(Exception):
        pass

    with pytest.raises(PaymentDeclined):
        with tracer.start_as_current_span("charge"):
            raise PaymentDeclined("card 4242 declined")

    [stat] = memory.stats
    assert stat.name == "charge"
    assert dict(stat.meta) == {"error": "PaymentDeclined"}


def test_server_span_that_raised_before_a_status_gets_500(
    tracer: Tracer, memory: MemoryBackend
) -> None:
    with pytest.raises(KeyError):
        with tracer.start_as_current_span(
            "GET /x", kind=SpanKind.SERVER, attributes={"http.method": "GET"}
        ):
            raise KeyError("x")

    assert dict(memory.stats[0].meta) == {
        "method": "GET",
        "error": "KeyError",
        "route": UNMATCHED_ROUTE,
        "status": "500",
    }


@pytest.mark.parametrize(
    ("error_type", "expected"),
    [
        ("TimeoutError", "TimeoutError"),
        ("httpx.ConnectTimeout", "ConnectTimeout"),
        ("500", None),
        ("", None),
    ],
)
def test_error_type_of_a_failed_span(
    tracer: Tracer, memory: MemoryBackend, error_type: str, expected: str | None
) -> None:
    span = tracer.start_span("call", attributes={"error.type": error_type})
    span.set_status(Status(StatusCode.ERROR))
    span.end()

    assert memory.stats[0].meta.get("error") == expected


def test_error_type_of_a_span_that_did_not_fail_is_ignored(
    tracer: Tracer, memory: MemoryBackend
) -> None:
    tracer.start_span("call", attributes={"error.type": "TimeoutError"}).end()

    assert "error" not in memory.stats[0].meta


def test_last_exception_event_of_a_failed_span_wins_over_error_type(
    tracer: Tracer, memory: MemoryBackend
) -> None:
    span = tracer.start_span("call", attributes={"error.type": "500"})
    span.record_exception(ValueError("handled"))
    span.record_exception(ConnectionResetError("escaped"))
    span.set_status(Status(StatusCode.ERROR))
    span.end()

    assert memory.stats[0].meta["error"] == "ConnectionResetError"


def test_exception_handled_inside_a_span_is_no_error(
    tracer: Tracer, memory: MemoryBackend
) -> None:
    with tracer.start_as_current_span("retrying call") as span:
        span.record_exception(TimeoutError("first try"))

    [stat] = memory.stats
    assert "error" not in stat.meta


def test_extra_attributes_are_mapped_on_purpose(
    memory: MemoryBackend, client: Client
) -> None:
    processor = StatsMixSpanProcessor(
        client=client,
        attributes={"db.system": "db", "url.path": "path", "app.tags": "tags"},
    )
    tracer = make_provider(processor).get_tracer("tests")

    span = tracer.start_span(
        "query",
        attributes={
            "db.system": "sqlite",
            "url.path": "/items/77",
            "app.tags": ["a", "b"],
            "db.statement": "SELECT 1",
        },
    )
    span.end()

    assert dict(memory.stats[0].meta) == {
        "db": "sqlite",
        "path": "/items/77",
        "tags": "a,b",
    }


def test_meta_values_are_strings_cut_to_the_meta_limit(
    tracer: Tracer, memory: MemoryBackend
) -> None:
    span = tracer.start_span("x", attributes={"http.route": "/" + "a" * 2000})
    span.end()

    assert memory.stats[0].meta["route"] == ("/" + "a" * 2000)[:1000]


def test_metric_callable_chooses_the_name(
    memory: MemoryBackend, client: Client
) -> None:
    def metric(span: object) -> str | None:
        name: str = span.name  # type: ignore[attr-defined]
        return "Jobs" if name.startswith("job ") else None

    processor = StatsMixSpanProcessor(client=client, metric=metric)
    tracer = make_provider(processor).get_tracer("tests")

    tracer.start_span("job 1234").end()
    tracer.start_span("render").end()
    tracer.start_span("GET /a/1", kind=SpanKind.SERVER).end()

    assert [stat.name for stat in memory.stats] == [
        "Jobs",
        "render",
        DEFAULT_REQUEST_METRIC,
    ]


def test_metric_callable_also_names_server_spans(
    memory: MemoryBackend, client: Client
) -> None:
    processor = StatsMixSpanProcessor(client=client, metric=lambda span: "Checkout")
    tracer = make_provider(processor).get_tracer("tests")

    tracer.start_span("POST /cart/9/checkout", kind=SpanKind.SERVER).end()

    [stat] = memory.stats
    assert stat.name == "Checkout"
    assert dict(stat.meta) == {"route": UNMATCHED_ROUTE}


def test_extra_attribute_replaces_the_key_of_a_default_one(
    memory: MemoryBackend, client: Client
) -> None:
    processor = StatsMixSpanProcessor(client=client, attributes={"http.route": "path"})
    tracer = make_provider(processor).get_tracer("tests")

    tracer.start_span("render", attributes={"http.route": "/items/{id}"}).end()

    assert dict(memory.stats[0].meta) == {"path": "/items/{id}"}


def test_request_metric_option(memory: MemoryBackend, client: Client) -> None:
    processor = StatsMixSpanProcessor(client=client, request_metric="Web Hits")
    tracer = make_provider(processor).get_tracer("tests")

    tracer.start_span("GET /a/1", kind=SpanKind.SERVER).end()

    assert memory.stats[0].name == "Web Hits"


def test_filter_by_kind(memory: MemoryBackend, client: Client) -> None:
    processor = StatsMixSpanProcessor(
        client=client, kinds=[SpanKind.SERVER, SpanKind.CONSUMER]
    )
    tracer = make_provider(processor).get_tracer("tests")

    for kind in SpanKind:
        tracer.start_span(kind.name, kind=kind).end()

    assert [stat.name for stat in memory.stats] == [DEFAULT_REQUEST_METRIC, "CONSUMER"]


def test_filter_by_one_kind(memory: MemoryBackend, client: Client) -> None:
    processor = StatsMixSpanProcessor(client=client, kinds=SpanKind.CLIENT)
    tracer = make_provider(processor).get_tracer("tests")

    for kind in SpanKind:
        tracer.start_span(kind.name, kind=kind).end()

    assert [stat.name for stat in memory.stats] == ["CLIENT"]


def test_filter_by_name(memory: MemoryBackend, client: Client) -> None:
    processor = StatsMixSpanProcessor(
        client=client, names=["job *", "render"], exclude_names="job internal*"
    )
    tracer = make_provider(processor).get_tracer("tests")

    for name in ["job import", "job internal sweep", "render", "rendering", "x"]:
        tracer.start_span(name).end()

    assert [stat.name for stat in memory.stats] == ["job import", "render"]


def test_asgi_message_spans_are_left_out_by_default(
    tracer: Tracer, memory: MemoryBackend
) -> None:
    for name in ["GET /items/77 http send", "GET /items/77 http receive", "send"]:
        tracer.start_span(name, kind=SpanKind.INTERNAL).end()

    assert [stat.name for stat in memory.stats] == ["send"]


def test_no_exclusions_when_asked(memory: MemoryBackend, client: Client) -> None:
    processor = StatsMixSpanProcessor(client=client, exclude_names=())
    tracer = make_provider(processor).get_tracer("tests")

    tracer.start_span("GET / http send").end()

    assert [stat.name for stat in memory.stats] == ["GET / http send"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kinds": ["SERVER"]}, "kinds"),
        ({"kinds": 1}, "kinds"),
        ({"shutdown_timeout": "5"}, "shutdown_timeout"),
        ({"shutdown_timeout": -1}, "shutdown_timeout"),
        ({"names": [1]}, "names"),
        ({"exclude_names": [None]}, "exclude_names"),
        ({"attributes": ["http.route"]}, "attributes"),
        ({"attributes": {"a": ""}}, "attributes"),
        ({"attributes": {f"a{i}": f"k{i}" for i in range(60)}}, "meta keys"),
        ({"metric": "Requests"}, "metric"),
        ({"request_metric": ""}, "name"),
    ],
)
def test_bad_options_raise_naming_the_option(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        StatsMixSpanProcessor(**options)  # type: ignore[arg-type]


def test_default_client_is_looked_up_on_each_span(statsmix: MemoryBackend) -> None:
    processor = StatsMixSpanProcessor()
    tracer = make_provider(processor).get_tracer("tests")

    tracer.start_span("uses the default client").end()

    assert [stat.name for stat in statsmix.stats] == ["uses the default client"]


class FlushRecorder(MemoryBackend):
    def __init__(self) -> None:
        super().__init__()
        self.flushes: list[float | None] = []
        self.closed = False

    def flush(self, timeout: float | None = None) -> bool:
        self.flushes.append(timeout)
        return True

    def close(self) -> None:
        self.closed = True


def test_force_flush_and_shutdown_flush_the_client() -> None:
    backend = FlushRecorder()
    processor = StatsMixSpanProcessor(
        client=Client(backend=backend, ignore=False), shutdown_timeout=2.5
    )
    provider = make_provider(processor)
    tracer = provider.get_tracer("tests")

    assert provider.force_flush(timeout_millis=3000) is True
    provider.shutdown()
    tracer.start_span("after shutdown").end()

    assert len(backend.flushes) == 2
    assert 0 < backend.flushes[0] <= 3.0  # type: ignore[operator]
    assert backend.flushes[1] == 2.5
    assert backend.closed is False
    assert backend.stats == []


def test_failures_are_logged_and_never_reach_the_sdk(
    tracer: Tracer,
    memory: MemoryBackend,
    processor: StatsMixSpanProcessor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="statsmix_middleware.opentelemetry")

    tracer.start_span("").end()  # not a valid metric name
    tracer.start_span("x" * 300).end()  # too long for one
    tracer.start_span("fine").end()

    assert [stat.name for stat in memory.stats] == ["fine"]
    assert processor.failures == 2
    logger = "statsmix_middleware.opentelemetry"
    records = [r for r in caplog.records if r.name == logger]
    assert [r.levelname for r in records] == ["ERROR", "DEBUG"]
    assert records[0].exc_info is not None


def test_raising_metric_callable_is_logged_and_ignored(
    memory: MemoryBackend, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    def metric(span: object) -> str:
        raise RuntimeError("bug in the metric callable")

    processor = StatsMixSpanProcessor(client=client, metric=metric)
    tracer = make_provider(processor).get_tracer("tests")

    with tracer.start_as_current_span("work"):
        pass

    assert memory.stats == []
    assert "could not track span 'work'" in caplog.text


def test_broken_client_never_reaches_the_traced_code() -> None:
    class BrokenClient(Client):
        def track(self, *args: object, **kwargs: object) -> None:
            raise OSError("disk full")

        def flush(self, timeout: float | None = None) -> bool:
            raise OSError("disk full")

    processor = StatsMixSpanProcessor(client=BrokenClient(ignore=False))
    provider = make_provider(processor)

    with provider.get_tracer("tests").start_as_current_span("work"):
        pass
    assert provider.force_flush() is False
    provider.shutdown()

    assert processor.failures == 1


def test_works_under_the_concurrent_multi_span_processor(
    memory: MemoryBackend, client: Client
) -> None:
    multi = ConcurrentMultiSpanProcessor(num_threads=2)
    provider = TracerProvider(active_span_processor=multi, shutdown_on_exit=False)
    provider.add_span_processor(StatsMixSpanProcessor(client=client))  # type: ignore[arg-type]

    provider.get_tracer("tests").start_span("threaded").end()
    provider.shutdown()

    assert [stat.name for stat in memory.stats] == ["threaded"]


def assert_no_raw_path(stats: list[Stat], path: str) -> None:
    for stat in stats:
        assert path not in stat.name
        for key, value in stat.meta.items():
            assert path not in key and path not in str(value), stat
