"""Tiny in-process drivers: call a raw ASGI or WSGI app as a server would."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from wsgiref.util import setup_testing_defaults

from statsmix_middleware import Client, MemoryBackend, Stat

Message = dict[str, Any]
ASGIApp = Callable[..., Awaitable[None]]


def memory_client() -> tuple[Client, MemoryBackend]:
    """A client that keeps what it is sent, whatever the environment says."""
    backend = MemoryBackend()
    return Client(backend=backend, ignore=False, test_metric_name=""), backend


def only_stat(backend: MemoryBackend) -> Stat:
    """The one stat the backend holds; fails if there are more or none."""
    stats = backend.stats
    assert len(stats) == 1, stats
    return stats[0]


def http_scope(method: str = "GET", path: str = "/", **extra: Any) -> Message:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    scope.update(extra)
    return scope


class ASGIServer:
    """Feeds an app the given messages, then waits; records what it sends."""

    def __init__(
        self, incoming: Iterable[Message] = (), *, send_error: Exception | None = None
    ) -> None:
        self.incoming = list(incoming)
        self.sent: list[Message] = []
        self.send_error = send_error

    async def receive(self) -> Message:
        if self.incoming:
            return self.incoming.pop(0)
        await asyncio.Event().wait()  # a real server blocks until something comes
        raise AssertionError("unreachable")

    async def send(self, message: Message) -> None:
        if self.send_error is not None:
            raise self.send_error
        self.sent.append(message)

    def run(self, app: ASGIApp, scope: Message) -> list[Message]:
        asyncio.run(app(scope, self.receive, self.send))
        return self.sent


def get(app: ASGIApp, path: str = "/", method: str = "GET") -> list[Message]:
    """One plain request; returns the messages the app sent."""
    request = {"type": "http.request", "body": b"", "more_body": False}
    return ASGIServer([request]).run(app, http_scope(method, path))


def ok_app(body: bytes = b"ok", status: int = 200) -> ASGIApp:
    async def app(scope: Message, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return app


class WSGIResult:
    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.body = b""


def wsgi_environ(method: str = "GET", path: str = "/") -> dict[str, Any]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path}
    setup_testing_defaults(environ)
    return environ


def wsgi_call(
    app: Callable[..., Iterable[bytes]],
    path: str = "/",
    method: str = "GET",
    *,
    stop_after: int | None = None,
) -> WSGIResult:
    """Run one request as a PEP 3333 server would, closing the response.

    ``stop_after`` stops reading after that many chunks, as a server does
    when the client has gone away.
    """
    result = WSGIResult()

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        result.status, result.headers = status, headers
        return lambda data: None

    iterable = app(wsgi_environ(method, path), start_response)
    try:
        for index, chunk in enumerate(iterable):
            if stop_after is not None and index >= stop_after:
                break
            result.body += chunk
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    return result
