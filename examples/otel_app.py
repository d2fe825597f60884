"""A Starlette app traced by OpenTelemetry, whose spans become StatsMix stats.

The app knows nothing of StatsMix: opentelemetry-instrumentation-asgi traces
each request, and the tracer provider's ``StatsMixSpanProcessor`` turns every
span into a stat for the server at ``STATSMIX_URL``, with the key in
``STATSMIX_API_KEY``. Each request is one stat in ``HTTP Requests`` with its
route template, method, status and error; the span made by hand in
``item`` is one stat in ``Load Item``.

Run it against a local ``statsmix-server``::

    STATSMIX_URL=http://127.0.0.1:8765 STATSMIX_API_KEY=... \\
        python -m examples.otel_app --port 5004

then ``curl http://127.0.0.1:5004/items/7``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Scope

from examples._serve import parse_port
from statsmix_middleware import Client
from statsmix_opentelemetry import StatsMixSpanProcessor

__all__ = ["create_app", "route_details"]

SpanDetails = Callable[[Scope], tuple[str, dict[str, Any]]]


async def home(request: Request) -> Response:
    """``/``: a greeting, one stat of ``HTTP Requests``."""
    return PlainTextResponse("Hello from an OpenTelemetry-traced app.\n")


async def item(request: Request) -> Response:
    """``/items/{item_id:int}``: the request's stat, and one of ``Load Item``."""
    tracer: trace.Tracer = request.app.state.tracer
    with tracer.start_as_current_span("Load Item"):
        item_id = request.path_params["item_id"]
        found = {"id": item_id, "name": f"Item {item_id}"}
    return JSONResponse(found)


async def fail(request: Request) -> Response:
    """``/fail``: always raises, so its stat carries the error."""
    raise RuntimeError("this endpoint always fails")


async def record_error(request: Request, exc: Exception) -> Response:
    """Put the exception on the request's span, then answer 500.

    The ASGI instrumentation sets only the status of a failed request; the
    server span is current here, so the error's type reaches the stat too.
    """
    trace.get_current_span().record_exception(exc)
    return PlainTextResponse("Internal Server Error", status_code=500)


def route_details(routes: Sequence[BaseRoute]) -> SpanDetails:
    """Name each server span after its route template, not its raw path.

    The ASGI instrumentation runs before Starlette routes the request, so by
    default it names the span ``GET /items/7`` and sets no ``http.route``.
    This matches the routes first, as Starlette will: a full match, else a
    partial one (a wrong method), else no route. The template is written
    without converters (``/items/{item_id}``), as statsmix-starlette does.
    """

    def details(scope: Scope) -> tuple[str, dict[str, Any]]:
        method = scope.get("method", "HTTP")
        for wanted in (Match.FULL, Match.PARTIAL):
            for route in routes:
                template = getattr(route, "path_format", None)
                if template is not None and route.matches(scope)[0] is wanted:
                    return f"{method} {template}", {"http.route": template}
        return method, {}

    return details


def create_app(client: Client | None = None) -> ASGIApp:
    """The traced app; its stats go to ``client``, or to one from the env.

    A client made here (an ``HTTPBackend`` to ``STATSMIX_URL``, with the key
    in ``STATSMIX_API_KEY``) is closed when the app shuts down; a client
    given is flushed there and left open for its owner.
    """
    owned = client is None
    statsmix = Client() if client is None else client
    provider = TracerProvider()
    provider.add_span_processor(StatsMixSpanProcessor(client=statsmix))  # type: ignore[arg-type]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        provider.shutdown()  # flushes the client, bounded in time
        if owned:
            statsmix.close()

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/items/{item_id:int}", item),
            Route("/fail", fail),
        ],
        exception_handlers={Exception: record_error},
        lifespan=lifespan,
    )
    app.state.tracer = provider.get_tracer(__name__)

    return OpenTelemetryMiddleware(
        app,
        tracer_provider=provider,
        default_span_details=route_details(app.routes),
        exclude_spans=["receive", "send"],
    )


def main(argv: list[str] | None = None) -> None:
    """Serve the app on 127.0.0.1 with uvicorn."""
    import uvicorn

    port = parse_port("the OpenTelemetry example", argv)
    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
