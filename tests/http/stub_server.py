"""A small real ASGI server on 127.0.0.1 that answers what a test scripts.

The real ``statsmix-server`` never answers 503 or 429 on demand, nor lacks
``batch.json``; this one does, over real sockets, served by uvicorn.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

import uvicorn

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]

#: How the server answers one stat of a batch: (status, error message).
ItemRule = Callable[[dict[str, Any]], tuple[int, str]]


class StubServer:
    """Stores the stats it is sent; answers planned statuses first.

    ``plan`` holds ``(status, headers, message)`` for the next requests, in
    order; once it is empty every stat is stored and answered by ``item``
    (200 by default). Without ``batch`` the batch route answers 404.
    """

    def __init__(
        self,
        *,
        batch: bool = True,
        item: ItemRule | None = None,
        max_items: int | None = None,
    ) -> None:
        self.batch = batch
        self.max_items = max_items
        self.item = item or (lambda stat: (200, ""))
        self.plan: deque[tuple[int, dict[str, str], str]] = deque()
        self.stats: list[dict[str, Any]] = []
        self.requests: list[tuple[str, int, float]] = []
        self.clients: list[tuple[str, int]] = []
        self.url = ""
        self._stalls: deque[float] = deque()
        self._lock = threading.Lock()

    def answer_next(
        self,
        status: int,
        times: int = 1,
        message: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` requests with ``status`` (and headers)."""
        for _ in range(times):
            self.plan.append((status, headers or {}, message or f"planned {status}"))

    def stall_next(self, seconds: float, times: int = 1) -> None:
        """Keep the next ``times`` requests waiting ``seconds``, then answer 503.

        A stalled request stores nothing, so a client that timed out and
        tried again must not find its stats twice.
        """
        for _ in range(times):
            self._stalls.append(seconds)

    def names(self) -> list[str]:
        with self._lock:
            return [stat["name"] for stat in self.stats]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break

        host, port = scope["client"]
        with self._lock:
            self.clients.append((host, port))
            stall = self._stalls.popleft() if self._stalls else None
        headers: dict[str, str]
        if stall is not None:
            await asyncio.sleep(stall)
            status, headers, payload = 503, {}, {"errors": {"error": "stalled"}}
        else:
            status, headers, payload = self._handle(scope["path"], scope, body)
        with self._lock:
            self.requests.append((scope["path"], status, time.monotonic()))
        raw_headers = [(b"content-type", b"application/json")]
        raw_headers += [(k.encode(), v.encode()) for k, v in headers.items()]
        await send(
            {"type": "http.response.start", "status": status, "headers": raw_headers}
        )
        await send({"type": "http.response.body", "body": json.dumps(payload).encode()})

    def _handle(
        self, path: str, scope: Scope, body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        if not self.batch and path.endswith("/batch.json"):
            return 404, {}, {"errors": {"error": "no such route"}}
        if self.plan:
            status, headers, message = self.plan.popleft()
            return status, headers, {"errors": {"error": message}}

        if path.endswith("/batch.json"):
            stats = json.loads(body)["stats"]
            if self.max_items is not None and len(stats) > self.max_items:
                return 413, {}, {"errors": {"error": "request body too large"}}
            return 200, {}, {"results": [self._store(stat) for stat in stats]}

        fields = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if "meta" in fields:
            fields["meta"] = json.loads(fields["meta"])
        result = self._store(fields)
        return result["status"], {}, result

    def _store(self, stat: dict[str, Any]) -> dict[str, Any]:
        status, message = self.item(stat)
        if status != 200:
            return {"status": status, "errors": {"error": message}}
        with self._lock:
            self.stats.append(stat)
        return {"status": 200, "stat": stat}


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]

    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        if isinstance(app, StubServer):
            app.url = f"http://127.0.0.1:{port}"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def free_port() -> int:
    """A loopback port that nothing listens on (just released by the OS)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
