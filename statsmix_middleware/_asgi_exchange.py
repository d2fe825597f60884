"""What the ASGI middleware watches on one connection: status, end, outcome."""

from __future__ import annotations

import asyncio
import time

from ._requests import RequestRecorder
from ._types import Message, Receive, Scope, Send
from .context import RequestInfo

__all__ = ["Connection", "Exchange"]

_perf_counter = time.perf_counter
_time_ns = time.time_ns

# Errors that mean the client has gone (a server's from ``send``, Starlette's
# from reading the body), matched by name so that nothing need be imported.
# A cancelled request task counts as gone too: servers cancel on disconnect.
_DISCONNECT_ERRORS = frozenset({"ClientDisconnect", "ClientDisconnected"})


class Exchange:
    """Watches one HTTP request's messages for its status and its end."""

    __slots__ = (
        "recorder",
        "scope",
        "info",
        "started",
        "started_at",
        "status",
        "done",
        "disconnected",
        "trailers",
        "_receive",
        "_send",
    )

    def __init__(
        self,
        recorder: RequestRecorder,
        scope: Scope,
        info: RequestInfo,
        receive: Receive,
        send: Send,
        started: float,
    ) -> None:
        self.recorder = recorder
        self.scope = scope
        self.info = info
        self.started = started
        self.started_at = _time_ns() // 1000
        self.status: int | None = None
        self.done = False
        self.disconnected = False
        self.trailers = False
        self._receive = receive
        self._send = send

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.disconnect" and not self.done:
            self.disconnected = True
        return message

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            if message.get("more_body", False) or self.trailers:
                await self._send(message)
                return
        elif kind == "http.response.start":
            self.status = message["status"]
            self.trailers = message.get("trailers", False)
            await self._send(message)
            return
        elif kind != "http.response.pathsend" and (
            kind != "http.response.trailers" or message.get("more_trailers", False)
        ):
            await self._send(message)
            return

        # The response's last message: the request is over once it is sent.
        try:
            await self._send(message)
        except OSError:
            self.disconnected = True
            raise
        if not self.done:
            self._record(None)

    def finish(self, exc: BaseException | None) -> None:
        """Record a request that ended without its last message, if any did."""
        if self.done:
            return
        if isinstance(exc, (OSError, asyncio.CancelledError)) or (
            type(exc).__name__ in _DISCONNECT_ERRORS
        ):
            self.disconnected = True
        self._record(exc)

    def _record(self, exc: BaseException | None) -> None:
        self.done = True
        duration = _perf_counter() - self.started

        if self.disconnected:
            status = "499"
        elif self.status is None:
            status = "500"
        else:
            status = str(self.status)

        self.recorder.record(
            self.scope,
            self.info,
            self.scope["path"],
            status,
            None if exc is None else type(exc).__name__,
            self.started_at,
            duration,
        )


class Connection:
    """Watches one WebSocket connection for its close code and its end."""

    __slots__ = (
        "recorder",
        "scope",
        "info",
        "started",
        "started_at",
        "code",
        "_receive",
        "_send",
    )

    def __init__(
        self,
        recorder: RequestRecorder,
        scope: Scope,
        info: RequestInfo,
        receive: Receive,
        send: Send,
        started: float,
    ) -> None:
        self.recorder = recorder
        self.scope = scope
        self.info = info
        self.started = started
        self.started_at = _time_ns() // 1000
        self.code: int | None = None
        self._receive = receive
        self._send = send

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "websocket.disconnect" and self.code is None:
            self.code = message.get("code", 1005)
        return message

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "websocket.close" and self.code is None:
            self.code = message.get("code", 1000)
        elif kind == "websocket.http.response.start":
            self.code = message["status"]
        await self._send(message)

    def finish(self, exc: BaseException | None) -> None:
        code = self.code
        if code is None:
            # The server closes with 1000 when the app returns, 1011 on a crash.
            code = 1000 if exc is None else 1011

        self.recorder.record(
            self.scope,
            self.info,
            self.scope["path"],
            str(code),
            None if exc is None else type(exc).__name__,
            self.started_at,
            _perf_counter() - self.started,
        )
