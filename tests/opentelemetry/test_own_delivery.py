"""Spans made while stats are delivered are never tracked: no feedback loop."""

from __future__ import annotations

import threading

import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import TracerProvider

from statsmix_middleware import Client, MemoryBackend
from statsmix_middleware.backends.http import HTTPBackend
from statsmix_opentelemetry import StatsMixSpanProcessor
from tests.live_server import LiveServer


def test_spans_ended_on_statsmix_threads_are_not_tracked(
    memory: MemoryBackend, processor: StatsMixSpanProcessor, provider: TracerProvider
) -> None:
    tracer = provider.get_tracer("tests")

    def end_spans() -> None:
        tracer.start_span("on this thread").end()

    for name in ["statsmix-http-backend", "statsmix-anything", "app-worker"]:
        thread = threading.Thread(target=end_spans, name=name)
        thread.start()
        thread.join()

    assert len(memory) == 1
    assert processor.failures == 0


def test_instrumented_httpx_delivery_does_not_feed_back(
    live_server: LiveServer,
) -> None:
    """Every batch the backend posts makes a client span; none becomes a stat."""
    provider = TracerProvider(shutdown_on_exit=False)
    backend = HTTPBackend(live_server.url, live_server.api_key)
    client = Client(backend=backend, ignore=False, test_metric_name="")
    provider.add_span_processor(StatsMixSpanProcessor(client=client))  # type: ignore[arg-type]

    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    try:
        with provider.get_tracer("tests").start_as_current_span("Import Feed"):
            pass
        for _ in range(5):  # each flush posts a batch, a span, when looping
            assert client.flush(5)
    finally:
        HTTPXClientInstrumentor().uninstrument()
        client.close()

    assert backend.counts["sent"] == 1
    metrics = httpx.get(
        f"{live_server.url}/api/v2/metrics.json",
        headers={"X-StatsMix-Token": live_server.api_key},
    ).json()
    assert [metric["name"] for metric in metrics["metrics"]["metric"]] == [
        "Import Feed"
    ]
