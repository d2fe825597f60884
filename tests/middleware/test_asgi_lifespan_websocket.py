from __future__ import annotations

import threading
from typing import Any

import statsmix_middleware
from statsmix_middleware import ASGIMiddleware, Client, MemoryBackend, current_request
from statsmix_middleware.conventions import UNMATCHED_ROUTE
from statsmix_middleware.default_client import set_client
from tests.middleware.drivers import ASGIServer, memory_client, only_stat

Message = dict[str, Any]


class FlushingBackend(MemoryBackend):
    """Remembers each flush: its timeout, its thread, the stats it covered."""

    def __init__(self) -> None:
        super().__init__()
        self.flushes: list[tuple[float | None, int, int]] = []

    def flush(self, timeout: float | None = None) -> bool:
        self.flushes.append((timeout, threading.get_ident(), len(self)))
        return True


async def lifespan_app(scope: Message, receive: Any, send: Any) -> None:
    """A well-behaved app that tracks one stat in its shutdown handler."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            statsmix_middleware.track("Shutdowns")
            await send({"type": "lifespan.shutdown.complete"})
            return


class LifespanServer(ASGIServer):
    def __init__(self, backend: FlushingBackend) -> None:
        super().__init__([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
        self.to_app = list(self.incoming)
        self.backend = backend
        self.flushes_seen_at_complete: int | None = None

    async def send(self, message: Message) -> None:
        if message["type"] == "lifespan.shutdown.complete":
            self.flushes_seen_at_complete = len(self.backend.flushes)
        await super().send(message)


def test_lifespan_messages_pass_through_and_shutdown_flushes_first() -> None:
    backend = FlushingBackend()
    previous = set_client(Client(backend=backend, ignore=False, test_metric_name=""))
    try:
        received: list[Message] = []
        sent: list[Message] = []

        async def app(scope: Message, receive: Any, send: Any) -> None:
            async def spy_receive() -> Message:
                received.append(await receive())
                return received[-1]

            async def spy_send(message: Message) -> None:
                sent.append(message)
                await send(message)

            await lifespan_app(scope, spy_receive, spy_send)

        server = LifespanServer(backend)
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        server.run(ASGIMiddleware(app, flush_timeout=1.5), scope)
    finally:
        set_client(previous)

    assert [a is b for a, b in zip(received, server.to_app, strict=True)] == [True] * 2
    assert [a is b for a, b in zip(sent, server.sent, strict=True)] == [True] * 2
    assert server.flushes_seen_at_complete == 1
    timeout, thread, stats_covered = backend.flushes[0]
    assert timeout == 1.5
    assert thread != threading.get_ident()  # not on the event loop's thread
    assert stats_covered == 1


def test_lifespan_flushes_when_the_app_returns_without_completing() -> None:
    backend = FlushingBackend()
    client = Client(backend=backend, ignore=False, test_metric_name="")

    async def app(scope: Message, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()

    server = ASGIServer([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    server.run(ASGIMiddleware(app, client=client), {"type": "lifespan"})

    assert len(backend.flushes) == 1


def test_lifespan_shutdown_goes_on_when_the_flush_hangs() -> None:
    released = threading.Event()
    finished: list[bool] = []

    class StuckBackend(MemoryBackend):
        def flush(self, timeout: float | None = None) -> bool:
            finished.append(released.wait(5))  # ignores timeout, as a bug would
            return True

    class Server(ASGIServer):
        flush_done_at_complete: bool | None = None

        async def send(self, message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                self.flush_done_at_complete = bool(finished)
                released.set()
            await super().send(message)

    async def app(scope: Message, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})

    client = Client(backend=StuckBackend(), ignore=False, test_metric_name="")
    server = Server([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    server.run(
        ASGIMiddleware(app, client=client, flush_timeout=0.05), {"type": "lifespan"}
    )

    assert server.flush_done_at_complete is False
    assert [m["type"] for m in server.sent][-1] == "lifespan.shutdown.complete"
    assert finished == [True]  # released by the test, not by the 5 s guard


def test_lifespan_startup_alone_does_not_flush() -> None:
    backend = FlushingBackend()
    client = Client(backend=backend, ignore=False, test_metric_name="")

    async def app(scope: Message, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})

    server = ASGIServer([{"type": "lifespan.startup"}])
    server.run(ASGIMiddleware(app, client=client), {"type": "lifespan"})

    assert backend.flushes == []


def websocket_scope(path: str = "/ws") -> Message:
    return {"type": "websocket", "path": path, "headers": [], "subprotocols": []}


def echo_app(close_code: int | None = 4000) -> Any:
    async def app(scope: Message, receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": message["text"]})
        if close_code is not None:
            await send({"type": "websocket.close", "code": close_code})

    return app


def websocket_server() -> ASGIServer:
    return ASGIServer(
        [{"type": "websocket.connect"}, {"type": "websocket.receive", "text": "hi"}]
    )


def test_websocket_passes_through_untouched_by_default() -> None:
    client, backend = memory_client()
    inside: list[object] = []
    received: list[Message] = []

    async def app(scope: Message, receive: Any, send: Any) -> None:
        inside.append(current_request())
        received.append(await receive())
        await send({"type": "websocket.close", "code": 1000})

    server = websocket_server()
    connect = server.incoming[0]
    server.run(ASGIMiddleware(app, client=client), websocket_scope())

    assert received[0] is connect
    assert server.sent == [{"type": "websocket.close", "code": 1000}]
    assert inside == [None]
    assert len(backend) == 0


def test_websocket_tracked_as_one_stat_per_connection_with_close_code() -> None:
    client, backend = memory_client()

    async def app(scope: Message, receive: Any, send: Any) -> None:
        info = current_request()
        assert info is not None
        info.route = "/ws/{room}"
        await echo_app(close_code=4000)(scope, receive, send)

    server = websocket_server()
    server.run(
        ASGIMiddleware(app, client=client, track_websockets=True), websocket_scope()
    )

    assert [m["type"] for m in server.sent] == [
        "websocket.accept",
        "websocket.send",
        "websocket.close",
    ]
    stat = only_stat(backend)
    assert dict(stat.meta) == {
        "method": "WEBSOCKET",
        "route": "/ws/{room}",
        "status": "4000",
    }
    assert stat.value >= 0


def test_websocket_client_disconnect_code_is_the_status() -> None:
    client, backend = memory_client()
    server = ASGIServer(
        [{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1001}]
    )

    server.run(
        ASGIMiddleware(echo_app(), client=client, track_websockets=True),
        websocket_scope(),
    )

    stat = only_stat(backend)
    assert (stat.meta["status"], stat.meta["route"]) == ("1001", UNMATCHED_ROUTE)
