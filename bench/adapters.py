"""Per-request overhead of the Flask and Starlette/FastAPI adapters and their peers.

Run: ``python -m bench.adapters``. As in ``bench/middleware.py``, apps are
driven in-process with no server and no network, each response read to its
end (and closed, for WSGI), and every variant of a section is timed in the
same run, interleaved (see ``bench/_timing.py``).

Each app has three routes, and the request goes to the last one, two levels
down (a blueprint, a ``Mount``, an included ``APIRouter``), so that finding
the route template costs what it costs in a real app.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from flask import Blueprint, Flask
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from werkzeug.test import EnvironBuilder

from bench._results import goal_table, machine, write_section
from bench._timing import Batch, Timings, format_table, measure, versions
from statsmix_flask import StatsMix
from statsmix_middleware import (
    ASGIMiddleware,
    Client,
    MemoryBackend,
    WSGIMiddleware,
)
from statsmix_starlette import StatsMixMiddleware

ROUNDS = 31
SECTION = "## Adapters"
VERSIONS = (
    "statsmix-middleware",
    "starlette",
    "fastapi",
    "flask",
    "werkzeug",
    "opentelemetry-sdk",
    "opentelemetry-instrumentation-starlette",
    "opentelemetry-instrumentation-fastapi",
    "opentelemetry-instrumentation-flask",
    "starlette-exporter",
    "prometheus-fastapi-instrumentator",
    "prometheus-flask-exporter",
)
METHOD = f"""\
Median of {ROUNDS} interleaved rounds (`bench/_timing.py`), in CPU time of
the process; an overhead is the median of the per-round differences with the
bare row. Apps are driven in-process. Each has three routes and the request
goes to the last one, two levels down: `/api/v1/items/42` through a `Mount`
(Starlette), an `APIRouter` included under a prefix (FastAPI, `async def`
endpoints, so that no thread pool hop adds its noise) or a blueprint (Flask).
Ours record the full template into a `MemoryBackend`; the core middleware
alone is shown for scale, and records `__unmatched__`. OpenTelemetry runs
with SDK providers and in-memory sinks; the Prometheus peers with a fresh
registry each."""
PATH = "/api/v1/items/42"
Variants = dict[str, Callable[[], Any]]

# -- the bare apps -----------------------------------------------------------------


async def item(request: Any) -> PlainTextResponse:
    return PlainTextResponse("ok")


def starlette_app() -> Starlette:
    api = [Route("/users", item), Route("/orders", item), Route("/items/{id}", item)]
    return Starlette(routes=[Route("/", item), Mount("/api/v1", routes=api)])


def fastapi_app() -> FastAPI:
    app = FastAPI()
    router = APIRouter(prefix="/v1")

    for path in ("/users", "/orders"):
        router.add_api_route(path, item)

    # async, so that no thread pool hop adds its noise to every variant
    @router.get("/items/{item_id}", response_class=PlainTextResponse)
    async def get_item(item_id: int) -> str:
        return "ok"

    app.include_router(router, prefix="/api")
    return app


def flask_app() -> Flask:
    app = Flask(__name__)
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    for path in ("/users", "/orders"):
        api.add_url_rule(path, path.strip("/"), lambda: "ok")
    api.add_url_rule("/items/<int:item_id>", "item", lambda item_id: "ok")
    app.register_blueprint(api)
    return app


# -- the variants ------------------------------------------------------------------

_backends: list[MemoryBackend] = []
_exporters: list[Any] = []


def memory_client() -> Client:
    backend = MemoryBackend()
    _backends.append(backend)
    return Client(backend=backend, ignore=False, test_metric_name="")


def otel_providers() -> dict[str, Any]:
    """SDK providers that keep spans and metrics in memory and export nothing."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
        InMemorySpanExporter,
    )

    exporter = InMemorySpanExporter()
    _exporters.append(exporter)
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    return {"tracer_provider": tracer_provider, "meter_provider": meter_provider}


def starlette_variants() -> Variants:
    def ours() -> Any:
        app = starlette_app()
        app.add_middleware(StatsMixMiddleware, client=memory_client())
        return app

    def core() -> Any:
        return ASGIMiddleware(starlette_app(), client=memory_client())

    def exporter() -> Any:
        from starlette_exporter import PrometheusMiddleware

        app = starlette_app()
        app.add_middleware(PrometheusMiddleware, app_name=f"bench{len(_backends)}")
        return app

    def otel() -> Any:
        from opentelemetry.instrumentation.starlette import StarletteInstrumentor

        app = starlette_app()
        StarletteInstrumentor.instrument_app(app, **otel_providers())
        return app

    return {
        "bare Starlette": starlette_app,
        "statsmix ASGIMiddleware alone (no template)": core,
        "statsmix-starlette StatsMixMiddleware": ours,
        "starlette-exporter": exporter,
        "opentelemetry-instrumentation-starlette": otel,
    }


def fastapi_variants() -> Variants:
    def ours() -> Any:
        app = fastapi_app()
        app.add_middleware(StatsMixMiddleware, client=memory_client())
        return app

    def instrumentator() -> Any:
        from prometheus_client import CollectorRegistry
        from prometheus_fastapi_instrumentator import Instrumentator

        app = fastapi_app()
        Instrumentator(registry=CollectorRegistry()).instrument(app)
        return app

    def otel() -> Any:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        app = fastapi_app()
        FastAPIInstrumentor.instrument_app(app, **otel_providers())
        return app

    return {
        "bare FastAPI": fastapi_app,
        "statsmix-starlette StatsMixMiddleware": ours,
        "prometheus-fastapi-instrumentator": instrumentator,
        "opentelemetry-instrumentation-fastapi": otel,
    }


def flask_variants() -> Variants:
    def ours() -> Any:
        app = flask_app()
        StatsMix(app, client=memory_client())
        return app

    def core() -> Any:
        app = flask_app()
        app.wsgi_app = WSGIMiddleware(app.wsgi_app, client=memory_client())  # type: ignore[method-assign]
        return app

    def exporter() -> Any:
        from prometheus_client import CollectorRegistry
        from prometheus_flask_exporter import PrometheusMetrics

        app = flask_app()
        PrometheusMetrics(app, registry=CollectorRegistry(), group_by="url_rule")
        return app

    def otel() -> Any:
        from opentelemetry.instrumentation.flask import FlaskInstrumentor

        app = flask_app()
        FlaskInstrumentor.instrument_app(app, **otel_providers())
        return app

    return {
        "bare Flask": flask_app,
        "statsmix WSGIMiddleware alone (no template)": core,
        "statsmix-flask StatsMix": ours,
        "prometheus-flask-exporter": exporter,
        "opentelemetry-instrumentation-flask": otel,
    }


# -- driving them ------------------------------------------------------------------

SCOPE = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": PATH,
    "raw_path": PATH.encode(),
    "query_string": b"",
    "root_path": "",
    "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench")],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8000),
}
ENVIRON = EnvironBuilder(path=PATH, base_url="http://127.0.0.1:8000").get_environ()


def forget_recorded() -> None:
    """Drop what was kept in memory, so that no batch pays for another's."""
    for exporter in _exporters:
        exporter.clear()
    for backend in _backends:
        backend.clear()


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def asgi_batch(app: Any, loop: asyncio.AbstractEventLoop) -> Batch:
    sent: list[Any] = []

    async def keep(message: Any) -> None:
        sent.append(message)

    loop.run_until_complete(app(dict(SCOPE), receive, keep))
    assert sent[0]["status"] == 200 and sent[-1]["body"] == b"ok", sent

    async def discard(message: Any) -> None:
        pass

    async def serve(n: int) -> None:
        for _ in range(n):
            await app(dict(SCOPE), receive, discard)

    def run(n: int) -> None:
        forget_recorded()
        loop.run_until_complete(serve(n))

    return run


def wsgi_batch(app: Any) -> Batch:
    statuses: list[str] = []
    body = app(dict(ENVIRON), lambda status, headers, *rest: statuses.append(status))
    assert b"".join(body) == b"ok" and statuses == ["200 OK"], statuses
    body.close()

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        pass

    def run(n: int) -> None:
        forget_recorded()
        for _ in range(n):
            body = app(dict(ENVIRON), start_response)
            for _chunk in body:
                pass
            body.close()

    return run


def main(only: list[str]) -> None:
    loop = asyncio.new_event_loop()
    sections = {
        "Starlette, per request": (
            {k: asgi_batch(v(), loop) for k, v in starlette_variants().items()},
            "bare Starlette",
        ),
        "FastAPI, per request": (
            {k: asgi_batch(v(), loop) for k, v in fastapi_variants().items()},
            "bare FastAPI",
        ),
        "Flask, per request": (
            {k: wsgi_batch(v()) for k, v in flask_variants().items()},
            "bare Flask",
        ),
    }
    # The check request of each of our variants left its stat: show that the
    # figures below are for recording the full template.
    routes = sorted({str(s.meta["route"]) for b in _backends for s in b.stats})
    lines = [
        SECTION,
        "",
        f"`python -m bench.adapters`; {versions(*VERSIONS)}.",
        "",
        METHOD,
        "",
        f"Templates recorded by ours: {', '.join(f'`{r}`' for r in routes)}.",
    ]
    found = []
    for title, (variants, baseline) in sections.items():
        if only and not title.lower().startswith(tuple(o.lower() for o in only)):
            continue
        timings = measure(variants, rounds=ROUNDS)
        reference = next(name for name in variants if "statsmix-" in name)
        table = format_table(timings, baseline=baseline, reference=reference)
        lines += ["", f"{title}:", "", table]
        print(f"\n### {title}\n\n{table}", flush=True)
        found.append(_below_every_peer(title, timings, baseline, reference))
    loop.close()

    lines += ["", goal_table(found), "", f"{machine()}."]
    print("\n" + goal_table(found))
    if not only:
        write_section("\n".join(lines))


def _below_every_peer(
    title: str, timings: Timings, baseline: str, ours: str
) -> tuple[str, bool, str]:
    """Whether our adapter's overhead is below every peer's in one table."""
    mine = timings.overhead(ours, baseline)
    peers = [
        timings.overhead(name, baseline)
        for name in timings.samples
        if "statsmix" not in name and name != baseline
    ]
    framework = title.split(",")[0]
    return (
        f"{framework}: overhead below every peer's",
        mine < min(peers),
        f"cheapest peer {min(peers) / mine:.2f}× ours",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
