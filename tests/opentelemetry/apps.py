"""Real apps traced by the OpenTelemetry instrumentations, and their drivers.

``python -m tests.opentelemetry.apps`` drives both apps once and prints their
stats as JSON: for a fresh process, where the semantic-convention mode set
in the environment takes effect.
"""

from __future__ import annotations

import asyncio
import json

import flask
import httpx
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from statsmix_middleware import Client, MemoryBackend, Stat
from statsmix_opentelemetry import StatsMixSpanProcessor

#: What each driver requests, in order; the statuses the apps answer.
PATHS = ["/items/77", "/items/78", "/boom", "/nope"]
STATUSES = ["200", "200", "500", "404"]


def traced_by(client: Client) -> TracerProvider:
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(StatsMixSpanProcessor(client=client))  # type: ignore[arg-type]
    return provider


def starlette_app(provider: TracerProvider) -> OpenTelemetryMiddleware:
    async def item(request: Request) -> Response:
        return JSONResponse({"id": request.path_params["item_id"]})

    async def boom(request: Request) -> Response:
        raise KeyError("boom")

    app = Starlette(routes=[Route("/items/{item_id:int}", item), Route("/boom", boom)])
    return OpenTelemetryMiddleware(app, tracer_provider=provider)


def flask_app(provider: TracerProvider) -> flask.Flask:
    app = flask.Flask("traced")

    @app.get("/items/<int:item_id>")
    def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/boom")
    def boom() -> str:
        raise KeyError("boom")

    FlaskInstrumentor.instrument_app(app, tracer_provider=provider)  # type: ignore[no-untyped-call]
    return app


def drive_starlette(app: OpenTelemetryMiddleware) -> list[int]:
    async def requests() -> list[int]:
        transport = httpx.ASGITransport(app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as http:
            return [(await http.get(path)).status_code for path in PATHS]

    return asyncio.run(requests())


def drive_flask(app: flask.Flask) -> list[int]:
    with app.test_client() as http:
        return [http.get(path).status_code for path in PATHS]


def stats_of(framework: str) -> list[Stat]:
    """Drive one traced app through every path; return its stats."""
    memory = MemoryBackend()
    provider = traced_by(Client(backend=memory, ignore=False, test_metric_name=""))

    if framework == "starlette":
        drive_starlette(starlette_app(provider))
    else:
        app = flask_app(provider)
        try:
            drive_flask(app)
        finally:
            FlaskInstrumentor.uninstrument_app(app)  # type: ignore[no-untyped-call]

    provider.shutdown()
    return memory.stats


def main() -> None:
    found = {
        framework: [stat.to_dict() for stat in stats_of(framework)]
        for framework in ("starlette", "flask")
    }
    print(json.dumps(found))


if __name__ == "__main__":
    main()
