"""Cost per span of ``StatsMixSpanProcessor`` beside the SDK's own processor.

Run: ``python -m bench.otel_processor``. Two tables, each from one run with
the variants interleaved (see ``bench/_timing.py``):

- a whole span, started and ended on a real SDK ``TracerProvider`` that has
  no processor (the floor), the SDK's ``SimpleSpanProcessor`` exporting to an
  ``InMemorySpanExporter``, or ours tracking into a ``MemoryBackend``;
- ``on_end`` alone, called on one span that has already ended, beside the
  SDK's base ``SpanProcessor`` whose ``on_end`` does nothing (the floor),
  and beside the ``Client.track`` call ours makes for that span, made
  directly: the part of our cost that is the core client's.

Every span is a server span with the attributes an HTTP instrumentation
sets, so ours does all its work: filter, read the meta, build a stat. Both
in-memory sinks keep what they get, and are emptied after each batch.
"""

from __future__ import annotations

from collections.abc import Callable

from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind

from bench._results import machine, write_section
from bench._timing import Batch, format_table, measure, versions
from statsmix_middleware import Client, MemoryBackend
from statsmix_opentelemetry import StatsMixSpanProcessor

ATTRIBUTES: dict[str, str | int] = {
    "http.request.method": "GET",
    "http.route": "/items/{item_id}",
    "http.response.status_code": 200,
    "url.path": "/items/77",
    "url.scheme": "http",
    "client.address": "127.0.0.1",
}

FLOOR = "no processor"
SDK = "SimpleSpanProcessor + InMemorySpanExporter"
OURS = "StatsMixSpanProcessor -> MemoryBackend"
NOTHING = "SpanProcessor.on_end (does nothing)"
TRACK = "Client.track of the same stat -> MemoryBackend"


def whole_spans(processor: object | None, empty: Callable[[], None]) -> Batch:
    """Start and end ``n`` spans on a provider with this processor, if any."""
    provider = TracerProvider(shutdown_on_exit=False)
    if processor is not None:
        provider.add_span_processor(processor)  # type: ignore[arg-type]
    tracer = provider.get_tracer("bench")

    def run(n: int) -> None:
        for _ in range(n):
            tracer.start_span(
                "GET /items/77", kind=SpanKind.SERVER, attributes=ATTRIBUTES
            ).end()
        empty()

    return run


def on_end_only(
    processor: Callable[[ReadableSpan], None], empty: Callable[[], None]
) -> Batch:
    """Call ``on_end`` ``n`` times on one span that has already ended."""
    span = ended_span()

    def run(n: int) -> None:
        for _ in range(n):
            processor(span)
        empty()

    return run


def track_only(memory: MemoryBackend) -> Batch:
    """What ours hands to the client for each span, tracked directly."""
    client = Client(backend=memory, ignore=False, test_metric_name="")
    meta = {"route": "/items/{item_id}", "method": "GET", "status": "200"}

    def run(n: int) -> None:
        for _ in range(n):
            client.track("HTTP Requests", 1.234, meta=meta, generated_at=1.78e9)
        memory.clear()

    return run


def ended_span() -> ReadableSpan:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    provider.get_tracer("bench").start_span(
        "GET /items/77", kind=SpanKind.SERVER, attributes=ATTRIBUTES
    ).end()
    [span] = exporter.get_finished_spans()
    return span


def ours(memory: MemoryBackend) -> StatsMixSpanProcessor:
    client = Client(backend=memory, ignore=False, test_metric_name="")
    return StatsMixSpanProcessor(client=client)


METHOD = """\
Median of 31 interleaved rounds (`bench/_timing.py`), in CPU time of the
process; an overhead is the median of the per-round differences with the
floor. Every span is a server span with six HTTP attributes; both in-memory
sinks keep what they receive and are emptied after each batch. Ours builds
and validates one stat per span, where the SDK's in-memory exporter appends
the span to a list: the last row is the part of that which is the core's
`Client.track`."""


def main() -> None:
    exporter = InMemorySpanExporter()
    memory = MemoryBackend()

    spans = measure(
        {
            FLOOR: whole_spans(None, lambda: None),
            SDK: whole_spans(SimpleSpanProcessor(exporter), exporter.clear),
            OURS: whole_spans(ours(memory), memory.clear),
        }
    )
    alone = measure(
        {
            NOTHING: on_end_only(SpanProcessor().on_end, lambda: None),
            SDK: on_end_only(SimpleSpanProcessor(exporter).on_end, exporter.clear),
            OURS: on_end_only(ours(memory).on_end, memory.clear),
            TRACK: track_only(MemoryBackend()),
        }
    )

    whole = format_table(spans, baseline=FLOOR, reference=SDK)
    on_end = format_table(alone, baseline=NOTHING, reference=SDK)
    print(f"{whole}\n\n{on_end}")
    write_section(
        "\n".join(
            [
                "## OpenTelemetry span processor",
                "",
                "`python -m bench.otel_processor`; "
                f"{versions('opentelemetry-api', 'opentelemetry-sdk')}.",
                "",
                METHOD,
                "",
                "Whole span: start and end one server span on an SDK `TracerProvider`.",
                "",
                whole,
                "",
                "`on_end` alone, on one span that has already ended.",
                "",
                on_end,
                "",
                f"{machine()}.",
            ]
        )
    )


if __name__ == "__main__":
    main()
