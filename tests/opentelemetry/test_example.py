"""``examples/otel_app.py``: in memory, and against a real statsmix-server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.types import ASGIApp, Message

from examples.otel_app import create_app
from statsmix_middleware import Client, MemoryBackend
from statsmix_middleware.conventions import DEFAULT_REQUEST_METRIC, UNMATCHED_ROUTE
from tests.live_server import LiveServer, free_port

PATHS = ["/", "/items/77", "/fail", "/nope"]

EXPECTED_REQUESTS = [
    {"route": "/", "method": "GET", "status": "200"},
    {"route": "/items/{item_id}", "method": "GET", "status": "200"},
    {"route": "/fail", "method": "GET", "status": "500", "error": "RuntimeError"},
    {"route": UNMATCHED_ROUTE, "method": "GET", "status": "404"},
]


@asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[None]:
    """Run the app's startup before the block and its shutdown after it."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}

    async def run() -> None:
        await app(scope, inbox.get, outbox.put)

    task = asyncio.create_task(run())

    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    yield
    await inbox.put({"type": "lifespan.shutdown"})
    assert (await outbox.get())["type"] == "lifespan.shutdown.complete"
    await task


def serve_requests(app: ASGIApp) -> list[int]:
    """Start the app, request every path, shut it down; return the statuses."""

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app, raise_app_exceptions=False)
        async with (
            lifespan(app),
            httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as http,
        ):
            return [(await http.get(path)).status_code for path in PATHS]

    return asyncio.run(run())


def test_example_tracks_requests_and_hand_made_spans() -> None:
    memory = MemoryBackend()

    statuses = serve_requests(create_app(Client(backend=memory, ignore=False)))

    assert statuses == [200, 200, 500, 404]
    requests = memory.named(DEFAULT_REQUEST_METRIC)
    assert [dict(stat.meta) for stat in requests] == EXPECTED_REQUESTS
    [load] = memory.named("Load Item")
    assert dict(load.meta) == {}
    assert len(memory) == 5
    assert all("/items/77" not in repr(stat) for stat in memory.stats)


def test_example_spans_reach_the_live_server(live_server: LiveServer) -> None:
    client = Client(
        url=live_server.url,
        api_key=live_server.api_key,
        ignore=False,
        test_metric_name="",
    )
    try:
        # The app's shutdown flushes the client through the span processor.
        serve_requests(create_app(client))
        stored = stats_on_server(live_server)
    finally:
        client.close()

    assert sorted(stored) == [DEFAULT_REQUEST_METRIC, "Load Item"]
    requests = stored[DEFAULT_REQUEST_METRIC]
    assert sorted(requests, key=_by_route) == sorted(EXPECTED_REQUESTS, key=_by_route)
    assert stored["Load Item"] == [{}]
    assert "/items/77" not in json.dumps(stored)


def test_example_runs_as_a_module_and_flushes_on_exit(
    live_server: LiveServer,
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "STATSMIX_URL": live_server.url,
        "STATSMIX_API_KEY": live_server.api_key,
        "STATSMIX_IGNORE": "0",
        "STATSMIX_TEST_METRIC_NAME": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "examples.otel_app", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        statuses = [
            get_when_up(f"http://127.0.0.1:{port}{path}").status_code
            for path in ["/items/7", "/nope"]
        ]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)

    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert process.returncode in (0, -signal.SIGTERM), stderr.decode()
    assert b"Traceback" not in stderr, stderr.decode()
    assert statuses == [200, 404]
    stored = stats_on_server(live_server)
    assert sorted(stored[DEFAULT_REQUEST_METRIC], key=_by_route) == [
        {"route": "/items/{item_id}", "method": "GET", "status": "200"},
        {"route": UNMATCHED_ROUTE, "method": "GET", "status": "404"},
    ]
    assert stored["Load Item"] == [{}]


def get_when_up(url: str, timeout: float = 20) -> httpx.Response:
    """GET ``url`` once the server behind it accepts connections."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def stats_on_server(server: LiveServer) -> dict[str, list[dict[str, Any]]]:
    """The meta of every stored stat, by metric name, read through the API."""
    api = httpx.Client(
        base_url=f"{server.url}/api/v2",
        headers={"X-StatsMix-Token": server.api_key},
        timeout=10,
    )
    with api:
        metrics = api.get("/metrics.json").raise_for_status().json()
        stored = {}
        for metric in metrics["metrics"]["metric"]:
            params = {"metric_id": metric["id"], "limit": 100}
            stats = api.get("/stats.json", params=params).raise_for_status().json()
            stored[metric["name"]] = [
                _meta(stat["meta"]) for stat in stats["stats"]["stat"]
            ]
    return stored


def _meta(meta: str | dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(meta, str):
        return dict(json.loads(meta)) if meta else {}
    return meta or {}


def _by_route(meta: dict[str, Any]) -> str:
    return str(meta.get("route"))
