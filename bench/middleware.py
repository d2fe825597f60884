"""Per-request and per-call overhead of the middleware and ``@tracked``.

Run: ``python -m bench.middleware``. Apps are driven in-process, with no
server and no network: ASGI apps get a synthetic scope, receive and send on
one event loop, WSGI apps a synthetic environ, and each response is read to
the end and closed as a server would. Every variant of a section is timed
in the same run, interleaved (see ``bench/_timing.py``).

To measure another variant, add a :class:`Variant` to ``ASGI``, ``WSGI`` or
``CALLS``: ``build`` gets the bare app (or function) and returns what to
drive. Wrappers share one bare app; a variant that changes the app it is
given (``add_middleware``, ``instrument_app``) says ``changes_app=True`` and
gets one of its own.

Sentry patches the Starlette and Flask classes for the whole process, so
every other app is built, and served once, before ``sentry_sdk.init``, from
subclasses that keep the unpatched ``__call__``; Sentry's client is bound only
while its own variants run. Its Flask signal receivers stay connected, which
adds the same small cost to every Flask variant, the bare one included.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import wrapt
from flask import Flask
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from werkzeug.test import EnvironBuilder

from bench._results import goal_table, machine, write_section
from bench._timing import Batch, Timings, format_table, measure, versions
from statsmix_middleware import (
    ASGIMiddleware,
    Client,
    MemoryBackend,
    WSGIMiddleware,
    tracked,
)

ROUNDS = 81

#: The reference of the ASGI table: the floor of measuring a request.
FLOOR = "two clock readings, the second at the last chunk, + append"
SECTION = "## Middleware and decorator overhead"
OURS_ASGI = "statsmix ASGIMiddleware -> MemoryBackend"
OURS_WSGI = "statsmix WSGIMiddleware -> MemoryBackend"
OURS_CALL = "statsmix @tracked -> MemoryBackend"
WRAPT = "wrapt pass-through"


@dataclass(frozen=True)
class Variant:
    """One row of a table: how to build what is driven from a bare target."""

    name: str
    build: Callable[[Any], Any]
    changes_app: bool = False  # gets an app of its own instead of the shared one
    sentry: bool = False  # built after sentry_sdk.init; Sentry bound while run


# -- the bare targets ---------------------------------------------------------


class PlainStarlette(Starlette):
    __call__ = Starlette.__call__  # kept from before Sentry patches the class


class PlainFlask(Flask):
    __call__ = Flask.__call__  # kept from before Sentry patches the class


async def item(request: Any) -> PlainTextResponse:
    return PlainTextResponse("ok")


def starlette_app(cls: type[Starlette] = PlainStarlette) -> Starlette:
    return cls(routes=[Route("/items/{item_id}", item)])


def flask_app(cls: type[Flask] = PlainFlask) -> Flask:
    app = cls(__name__)

    @app.route("/items/<int:item_id>")
    def flask_item(item_id: int) -> str:
        return "ok"

    return app


def bare_function(x: int) -> int:
    return x


# -- ASGI variants --------------------------------------------------------------


class PassThrough:
    """A pure ASGI middleware that does nothing: the floor of any middleware."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


class TwoClocks:
    """Two clock readings around the app call, appended to a list."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.samples: list[float] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        await self.app(scope, receive, send)
        self.samples.append(time.perf_counter() - started)
        if len(self.samples) > 100_000:
            self.samples.clear()


class TwoClocksToLastChunk:
    """Two clock readings, the second at the last body chunk, appended.

    The floor of measuring what a request costs its client: the clock has to
    stop when the response is complete, not when the app returns (background
    tasks run after that), so ``send`` is watched for the last chunk, as any
    middleware that measures a request's duration must do.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.samples: list[float] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        samples = self.samples

        async def watched(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get(
                "more_body", False
            ):
                samples.append(time.perf_counter() - started)

        await self.app(scope, receive, watched)
        if len(samples) > 100_000:
            samples.clear()


def memory_client() -> Client:
    backend = MemoryBackend()
    _memory_backends.append(backend)
    return Client(backend=backend, ignore=False, test_metric_name="")


def ours_asgi(app: Any) -> Any:
    return ASGIMiddleware(app, client=memory_client())


def otel_asgi(app: Any) -> Any:
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    tracer_provider, meter_provider = otel_providers()
    return OpenTelemetryMiddleware(
        app, tracer_provider=tracer_provider, meter_provider=meter_provider
    )


def starlette_exporter(app: Starlette) -> Any:
    from starlette_exporter import PrometheusMiddleware

    app.add_middleware(PrometheusMiddleware)
    return app


def sentry_starlette(app: Any) -> Any:
    return starlette_app(Starlette)  # Starlette as patched by sentry_sdk.init


ASGI = [
    Variant("bare Starlette", lambda app: app),
    Variant("pass-through ASGI middleware", PassThrough),
    Variant("two clock readings around the call + append", TwoClocks),
    Variant(FLOOR, TwoClocksToLastChunk),
    Variant(OURS_ASGI, ours_asgi),
    Variant("opentelemetry-instrumentation-asgi (SDK providers)", otel_asgi),
    Variant("starlette-exporter", starlette_exporter, changes_app=True),
    Variant("sentry-sdk Starlette integration", sentry_starlette, sentry=True),
]


# -- WSGI variants --------------------------------------------------------------


def ours_wsgi(app: Flask) -> Any:
    return WSGIMiddleware(app, client=memory_client())


def prometheus_flask_exporter(app: Flask) -> Flask:
    from prometheus_client import CollectorRegistry
    from prometheus_flask_exporter import PrometheusMetrics

    PrometheusMetrics(app, registry=CollectorRegistry())
    return app


def otel_flask(app: Flask) -> Flask:
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    tracer_provider, meter_provider = otel_providers()
    FlaskInstrumentor.instrument_app(
        app, tracer_provider=tracer_provider, meter_provider=meter_provider
    )
    return app


def sentry_flask(app: Flask) -> Flask:
    return flask_app(Flask)  # Flask as patched by sentry_sdk.init


WSGI = [
    Variant("bare Flask", lambda app: app),
    Variant(OURS_WSGI, ours_wsgi),
    Variant("prometheus-flask-exporter", prometheus_flask_exporter, changes_app=True),
    Variant(
        "opentelemetry-instrumentation-flask (SDK providers)",
        otel_flask,
        changes_app=True,
    ),
    Variant("sentry-sdk Flask integration", sentry_flask, sentry=True),
]


# -- per-call variants ---------------------------------------------------------


@wrapt.decorator
def pass_through(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    return wrapped(*args, **kwargs)


def ours_tracked(func: Any) -> Any:
    return tracked("Calls", client=memory_client())(func)


def datadog_timed(func: Any) -> Any:
    from datadog.dogstatsd import DogStatsd

    statsd = DogStatsd(host="127.0.0.1", port=closed_udp_port())
    return statsd.timed("bench.calls")(func)


CALLS = [
    Variant("bare function", lambda func: func),
    Variant(WRAPT, pass_through),
    Variant(OURS_CALL, ours_tracked),
    Variant("datadog statsd.timed -> closed UDP port", datadog_timed),
]


# -- helpers ---------------------------------------------------------------------


def otel_providers() -> tuple[Any, Any]:
    """SDK providers that keep spans and metrics in memory and export nothing."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
        InMemorySpanExporter,
    )

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    _exporters.append(exporter)
    return tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()])


_exporters: list[Any] = []
_memory_backends: list[MemoryBackend] = []


def closed_udp_port() -> int:
    """A loopback UDP port that nothing listens on (it was just released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def forget_recorded() -> None:
    """Drop what the peers kept in memory, so that no batch pays for another."""
    for exporter in _exporters:
        exporter.clear()
    for backend in _memory_backends:
        backend.clear()


SCOPE = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/items/42",
    "raw_path": b"/items/42",
    "query_string": b"",
    "root_path": "",
    "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench")],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8000),
}


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def discard(message: Any) -> None:
    pass


def asgi_batch(app: Any, loop: asyncio.AbstractEventLoop) -> Batch:
    async def serve(n: int) -> None:
        for _ in range(n):
            await app(dict(SCOPE), receive, discard)

    def run(n: int) -> None:
        forget_recorded()
        loop.run_until_complete(serve(n))

    return run


def check_asgi(app: Any, loop: asyncio.AbstractEventLoop) -> None:
    sent: list[Any] = []

    async def keep(message: Any) -> None:
        sent.append(message)

    loop.run_until_complete(app(dict(SCOPE), receive, keep))
    assert sent[0]["status"] == 200 and sent[-1]["body"] == b"ok", sent


ENVIRON = EnvironBuilder(
    path="/items/42", headers={"User-Agent": "bench"}, base_url="http://127.0.0.1:8000"
).get_environ()


def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
    return None


def wsgi_batch(app: Any) -> Batch:
    def run(n: int) -> None:
        forget_recorded()
        for _ in range(n):
            body = app(dict(ENVIRON), start_response)
            for _chunk in body:
                pass
            if hasattr(body, "close"):
                body.close()

    return run


def check_wsgi(app: Any) -> None:
    statuses: list[str] = []
    body = app(dict(ENVIRON), lambda status, headers, *rest: statuses.append(status))
    data = b"".join(body)
    body.close()
    assert statuses == ["200 OK"] and data == b"ok", (statuses, data)


def call_batch(func: Callable[[int], int]) -> Batch:
    def run(n: int) -> None:
        forget_recorded()
        for i in range(n):
            func(i)

    return run


# -- Sentry ----------------------------------------------------------------------


_sentry_client: Any = None


def init_sentry() -> None:
    """Start Sentry with tracing on and a transport that drops every envelope."""
    global _sentry_client
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.starlette import StarletteIntegration
    from sentry_sdk.transport import Transport

    class DropTransport(Transport):
        def capture_envelope(self, envelope: Any) -> None:
            pass

    sentry_sdk.init(
        dsn="http://public@127.0.0.1:9/1",
        transport=DropTransport,
        traces_sample_rate=1.0,
        default_integrations=False,
        auto_enabling_integrations=False,
        integrations=[StarletteIntegration(), FlaskIntegration()],
    )
    _sentry_client = sentry_sdk.get_client()
    sentry_sdk.get_global_scope().set_client(None)


@contextmanager
def sentry_bound() -> Iterator[None]:
    import sentry_sdk

    scope = sentry_sdk.get_global_scope()
    scope.set_client(_sentry_client)
    try:
        yield
    finally:
        scope.set_client(None)


def with_sentry(run: Batch) -> Batch:
    def sentry_run(n: int) -> None:
        with sentry_bound():
            run(n)

    return sentry_run


# -- main ------------------------------------------------------------------------


def build(loop: asyncio.AbstractEventLoop) -> list[tuple[str, dict[str, Batch]]]:
    """Every variant, built in the order Sentry's class patches require."""
    asgi: dict[str, Batch] = {}
    wsgi: dict[str, Batch] = {}
    # Wrappers share one bare app, so that the rows differ by the wrapper only.
    shared_starlette, shared_flask = starlette_app(), flask_app()
    for variant in (v for v in ASGI if not v.sentry):
        bare = starlette_app() if variant.changes_app else shared_starlette
        app = variant.build(bare)
        check_asgi(app, loop)
        asgi[variant.name] = asgi_batch(app, loop)
    for variant in (v for v in WSGI if not v.sentry):
        app = variant.build(flask_app() if variant.changes_app else shared_flask)
        check_wsgi(app)
        wsgi[variant.name] = wsgi_batch(app)

    init_sentry()
    with sentry_bound():
        for variant in (v for v in ASGI if v.sentry):
            app = variant.build(None)
            check_asgi(app, loop)
            asgi[variant.name] = with_sentry(asgi_batch(app, loop))
        for variant in (v for v in WSGI if v.sentry):
            app = variant.build(None)
            check_wsgi(app)
            wsgi[variant.name] = with_sentry(wsgi_batch(app))

    calls = {v.name: call_batch(v.build(bare_function)) for v in CALLS}
    return [
        ("ASGI, per request", asgi),
        ("WSGI, per request", wsgi),
        ("Decorator, per call", calls),
    ]


REFERENCES = {
    "ASGI, per request": ("bare Starlette", FLOOR),
    "WSGI, per request": ("bare Flask", OURS_WSGI),
    "Decorator, per call": ("bare function", WRAPT),
}


METHOD = f"""\
Median of {ROUNDS} interleaved rounds (`bench/_timing.py`), in CPU time of
the process; an overhead is the median of the per-round differences with the
bare row. Apps are driven in-process: a synthetic scope, receive and send on
one event loop for ASGI, a synthetic environ for WSGI, each response read to
its end (and closed). The request is `GET /items/42` to a one-route app
answering `ok`; the wrappers share one bare app. Ours record into a
`MemoryBackend`, emptied after each batch, and record `__unmatched__` (no
adapter names the route here). OpenTelemetry runs with SDK providers, a
`SimpleSpanProcessor` into an `InMemorySpanExporter` and an
`InMemoryMetricReader`; Sentry with tracing on and a transport that drops
every envelope.

The ASGI floor stops its clock at the last body chunk, as ours does (and as
any middleware must that measures what a request costs its client rather
than how long the app ran, background tasks included): it watches `send`.
The row above it stops the clock when the app returns, for scale."""

VERSIONS = (
    "statsmix-middleware",
    "starlette",
    "flask",
    "werkzeug",
    "wrapt",
    "opentelemetry-sdk",
    "opentelemetry-instrumentation-asgi",
    "opentelemetry-instrumentation-flask",
    "starlette-exporter",
    "prometheus-flask-exporter",
    "sentry-sdk",
    "datadog",
)


def goals(results: dict[str, Timings]) -> list[tuple[str, bool, str]]:
    """The issue's goals, judged from this run's overheads."""
    found = []
    asgi = results.get("ASGI, per request")
    if asgi is not None:
        ours = asgi.overhead(OURS_ASGI, "bare Starlette")
        floor = asgi.overhead(FLOOR, "bare Starlette")
        found.append(
            (
                "ASGI overhead ≤ 4× the floor's",
                floor > 0 and ours <= 4 * floor,
                f"{ours / floor:.2f}×" if floor > 0 else "floor ≤ 0",
            )
        )
    wsgi = results.get("WSGI, per request")
    if wsgi is not None:
        ours = wsgi.overhead(OURS_WSGI, "bare Flask")
        peers = [
            wsgi.overhead(name, "bare Flask")
            for name in wsgi.samples
            if name not in (OURS_WSGI, "bare Flask")
        ]
        found.append(
            (
                "WSGI overhead below every peer's",
                ours < min(peers),
                f"cheapest peer {min(peers) / ours:.2f}× ours",
            )
        )
    calls = results.get("Decorator, per call")
    if calls is not None:
        ours = calls.overhead(OURS_CALL, "bare function")
        floor = calls.overhead(WRAPT, "bare function")
        found.append(
            (
                "`@tracked` overhead ≤ 3× the wrapt pass-through's",
                ours <= 3 * floor,
                f"{ours / floor:.2f}×",
            )
        )
    return found


def main(only: list[str]) -> None:
    """Run every section, or those whose title starts with one of ``only``.

    A full run writes its section of RESULTS.md; a partial one only prints.
    """
    loop = asyncio.new_event_loop()
    sections = [
        (title, variants)
        for title, variants in build(loop)
        if not only or title.lower().startswith(tuple(o.lower() for o in only))
    ]

    lines = [
        SECTION,
        "",
        f"`python -m bench.middleware`; {versions(*VERSIONS)}.",
        "",
        METHOD,
    ]
    results: dict[str, Timings] = {}
    for title, variants in sections:
        baseline, reference = REFERENCES[title]
        timings = results[title] = measure(variants, rounds=ROUNDS)
        table = format_table(timings, baseline=baseline, reference=reference)
        lines += ["", f"{title}:", "", table]
        print(f"\n### {title}\n\n{table}", flush=True)
    loop.close()

    lines += ["", goal_table(goals(results)), "", f"{machine()}."]
    print("\n" + goal_table(goals(results)))
    if not only:
        write_section("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
