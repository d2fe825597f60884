"""Pure ASGI middleware: one stat per HTTP request, with a route template.

It watches the messages the app sends and never reads or changes them: the
request body, lifespan and WebSocket traffic all reach the app as they came.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Literal

from ._asgi_exchange import Connection, Exchange
from ._cardinality import DEFAULT_CARDINALITY_LIMIT, CardinalityBudget
from ._failures import FailureLog
from ._requests import (
    DEFAULT_FLUSH_TIMEOUT,
    MetaHook,
    MetricOption,
    RequestRecorder,
    RouteResolver,
)
from ._types import ASGIApp, Message, Receive, Scope, Send
from .client import Client
from .context import RequestInfo, current_request, enter_request, exit_request
from .conventions import DEFAULT_REQUEST_METRIC

__all__ = ["SCOPE_KEY", "ASGIMiddleware"]

logger = logging.getLogger(__name__)

#: Where the middleware leaves the request it tracks, for copies further in.
SCOPE_KEY = "statsmix.request"

_perf_counter = time.perf_counter


class ASGIMiddleware:
    """Track every HTTP request of an ASGI app as one stat.

    The stat goes to ``metric`` (``"HTTP Requests"``) when the last body
    chunk has been sent, with the duration in milliseconds as its value and
    the request's ``method``, ``route``, ``status`` and, when the app raised,
    ``error`` in its meta. See the README for every option.

    Args:
        app: the ASGI app to wrap.
        client: where stats go; the default client, looked up per request.
        metric: the metric's name, or a callable given the scope.
        value: ``"duration"`` in milliseconds, or ``"count"`` (always 1).
        exclude_paths: paths left untracked; a trailing ``*`` makes a prefix.
        exclude_methods: methods left untracked, e.g. ``["OPTIONS"]``.
        route_resolver: given the scope once the response is complete,
            returns the route template or None.
        meta: given the scope once the response is complete, returns extra
            meta; the request's own keys win over it.
        record_raw_path: use the raw path when no route template is known,
            instead of ``"__unmatched__"``. Mind the cardinality.
        cardinality_limit: distinct values per meta key before new ones are
            recorded as ``"__other__"``.
        track_websockets: record one stat per WebSocket connection.
        flush_timeout: seconds to wait for the client at lifespan shutdown.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        client: Client | None = None,
        metric: MetricOption = DEFAULT_REQUEST_METRIC,
        value: Literal["duration", "count"] = "duration",
        exclude_paths: Iterable[str] = (),
        exclude_methods: Iterable[str] = (),
        route_resolver: RouteResolver | None = None,
        meta: MetaHook | None = None,
        record_raw_path: bool = False,
        cardinality_limit: int = DEFAULT_CARDINALITY_LIMIT,
        track_websockets: bool = False,
        flush_timeout: float = DEFAULT_FLUSH_TIMEOUT,
    ) -> None:
        if isinstance(flush_timeout, bool) or not (
            isinstance(flush_timeout, (int, float)) and flush_timeout > 0
        ):
            raise ValueError(
                f"flush_timeout must be a positive number, not {flush_timeout!r}"
            )
        self.app = app
        self.failures = FailureLog(logger)
        self._recorder = RequestRecorder(
            client=client,
            metric=metric,
            value=value,
            exclude_paths=exclude_paths,
            exclude_methods=exclude_methods,
            route_resolver=route_resolver,
            meta=meta,
            record_raw_path=record_raw_path,
            cardinality_limit=cardinality_limit,
            failures=self.failures,
        )
        self.track_websockets = track_websockets
        self.flush_timeout = flush_timeout

    @property
    def budget(self) -> CardinalityBudget:
        """The cardinality budget of this middleware, with its fold counts."""
        return self._recorder.budget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" or _tracked_further_out(scope):
            # Another copy of this middleware further out already tracks the
            # request; lifespan and WebSocket scopes have their own paths.
            if kind == "lifespan":
                await self._lifespan(scope, receive, send)
            elif kind == "websocket" and self.track_websockets:
                await self._websocket(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return

        started = _perf_counter()
        recorder = self._recorder
        info = RequestInfo(scope["method"])
        scope[SCOPE_KEY] = info
        token = enter_request(info)
        try:
            if recorder.excludes and recorder.excluded(info.method, scope["path"]):
                await self.app(scope, receive, send)
                return

            exchange = Exchange(recorder, scope, info, receive, send, started)
            try:
                await self.app(scope, exchange.receive, exchange.send)
            except BaseException as exc:
                exchange.finish(exc)
                raise
            if not exchange.done:
                exchange.finish(None)
        finally:
            exit_request(token)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One stat per connection: its lifetime, and the close code as status."""
        if _tracked_further_out(scope):
            await self.app(scope, receive, send)
            return

        started = _perf_counter()
        info = RequestInfo("WEBSOCKET")
        scope[SCOPE_KEY] = info
        token = enter_request(info)
        try:
            if self._recorder.excluded(info.method, scope["path"]):
                await self.app(scope, receive, send)
                return

            connection = Connection(self._recorder, scope, info, receive, send, started)
            try:
                await self.app(scope, connection.receive, connection.send)
            except BaseException as exc:
                connection.finish(exc)
                raise
            connection.finish(None)
        finally:
            exit_request(token)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass lifespan through, flushing the client once the app has shut down."""
        shutting_down = False
        flushed = False

        async def watch_receive() -> Message:
            nonlocal shutting_down
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                shutting_down = True
            return message

        async def watch_send(message: Message) -> None:
            nonlocal flushed
            # Flush before the server hears "complete": it may exit right after.
            if message["type"] in (
                "lifespan.shutdown.complete",
                "lifespan.shutdown.failed",
            ):
                flushed = True
                await self._flush()
            await send(message)

        try:
            await self.app(scope, watch_receive, watch_send)
        finally:
            if shutting_down and not flushed:
                await self._flush()

    async def _flush(self) -> None:
        """Flush the client in a worker thread, bounded by ``flush_timeout``."""
        timeout = self.flush_timeout
        try:
            client = self._recorder.current_client()
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                # Limitation: outside asyncio (e.g. under trio) the flush runs
                # on the event loop's thread, still bounded by flush_timeout.
                delivered = client.flush(timeout)
            else:
                flushing = asyncio.to_thread(client.flush, timeout)
                delivered = await asyncio.wait_for(flushing, timeout + 0.5)
        except Exception:
            self.failures.report("flush at shutdown")
            return

        if not delivered:
            logger.warning(
                "StatsMix could not deliver every stat within %.1f s of shutdown",
                timeout,
            )


def _tracked_further_out(scope: Scope) -> bool:
    """Whether a copy of the middleware further out tracks this request.

    The scope check, not the context alone, tells it apart from a context
    left behind on this thread, by an unclosed WSGI response for one.
    """
    outer = current_request()
    return outer is not None and scope.get(SCOPE_KEY) is outer
