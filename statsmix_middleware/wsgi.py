"""PEP 3333 middleware: one stat per request, sent once the response is over.

The response iterable is wrapped so that the clock stops when the server has
consumed it to the end (or closed it early), not when the app returns it: a
streamed body counts in full.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterable, Iterator
from contextvars import Token
from typing import Any, Literal

from ._cardinality import DEFAULT_CARDINALITY_LIMIT, CardinalityBudget
from ._failures import FailureLog
from ._requests import MetaHook, MetricOption, RequestRecorder, RouteResolver
from ._types import Environ, ExcInfo, StartResponse, WSGIApp
from .client import Client
from .context import RequestInfo, current_request, enter_request, exit_request
from .conventions import DEFAULT_REQUEST_METRIC

__all__ = ["ENVIRON_KEY", "WSGIMiddleware"]

logger = logging.getLogger(__name__)

#: The environ key under which the middleware leaves the request's RequestInfo.
ENVIRON_KEY = "statsmix.request"

_perf_counter = time.perf_counter
_time_ns = time.time_ns


class WSGIMiddleware:
    """Track every request of a WSGI app as one stat.

    The stat goes to ``metric`` (``"HTTP Requests"``) when the server has read
    the response to its end or closed it, with the duration in milliseconds as
    its value and the request's ``method``, ``route``, ``status`` and, when the
    app raised, ``error`` in its meta. A response closed before it was exhausted counts
    as status 499: the client went away. Options as for
    :class:`~statsmix_middleware.ASGIMiddleware`; hooks get the environ.
    """

    def __init__(
        self,
        app: WSGIApp,
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
    ) -> None:
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

    @property
    def budget(self) -> CardinalityBudget:
        """The cardinality budget of this middleware, with its fold counts."""
        return self._recorder.budget

    def __call__(
        self, environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        # A copy of this middleware further out already tracks this request.
        # The environ check, not the context alone, tells it apart from a
        # context left behind on a worker thread by an unclosed response.
        outer = current_request()
        if outer is not None and environ.get(ENVIRON_KEY) is outer:
            return self.app(environ, start_response)

        started = _perf_counter()
        info = RequestInfo(environ.get("REQUEST_METHOD", "GET"))
        environ[ENVIRON_KEY] = info
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        recorder = self._recorder
        exchange = _Exchange(recorder, environ, info, path, start_response, started)
        if recorder.excludes and recorder.excluded(info.method, path):
            exchange.done = True

        exchange.token = enter_request(info)
        try:
            iterable = self.app(environ, exchange.start_response)
        except BaseException as exc:
            exchange.fail(exc)
            exchange.leave()
            raise
        return _ClosingIterable(iterable, exchange)


class _Exchange:
    """One request's state: what status was started, and whether it is over."""

    __slots__ = (
        "recorder",
        "environ",
        "info",
        "path",
        "started",
        "started_at",
        "status",
        "done",
        "token",
        "_start_response",
    )

    def __init__(
        self,
        recorder: RequestRecorder,
        environ: Environ,
        info: RequestInfo,
        path: str,
        start_response: StartResponse,
        started: float,
    ) -> None:
        self.recorder = recorder
        self.environ = environ
        self.info = info
        self.path = path
        self.started = started
        self.started_at = _time_ns() // 1000
        self.status: str | None = None
        self.done = False
        self.token: Token[RequestInfo | None] | None = None
        self._start_response = start_response

    def start_response(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: ExcInfo | None = None,
    ) -> Any:
        self.status = status[:3]
        return self._start_response(status, headers, exc_info)

    def fail(self, exc: BaseException) -> None:
        """The app raised: record 500 unless a status went out already."""
        if not self.done:
            self._record(self.status or "500", type(exc).__name__)

    def close(self, exhausted: bool) -> None:
        """The server closed the response: record it, 499 if it was cut short."""
        if not self.done:
            status = self.status or "500"
            self._record(status if exhausted else "499", None)

    def leave(self) -> None:
        """Restore the request context that was current before this request."""
        token, self.token = self.token, None
        if token is None:
            return
        try:
            exit_request(token)
        except ValueError:
            # Limitation: a server that closes the response on another thread
            # than it called the app on leaves the context to that thread.
            logger.debug("StatsMix request context closed on another thread")

    def _record(self, status: str, error: str | None) -> None:
        self.done = True
        self.recorder.record(
            self.environ,
            self.info,
            self.path,
            status,
            error,
            self.started_at,
            _perf_counter() - self.started,
        )


class _ClosingIterable:
    """The app's response, passed through chunk by chunk, noticing its end.

    ``close()`` is forwarded to the app's iterable when it has one, as PEP 3333
    requires, and the stat is recorded then.
    """

    # Limitation: the wrapper hides a wsgi.file_wrapper from the server, which
    # then streams the file in Python instead of using sendfile().

    __slots__ = ("_iterable", "_chunks", "_exchange", "_exhausted")

    def __init__(self, iterable: Iterable[bytes], exchange: _Exchange) -> None:
        self._iterable = iterable
        self._chunks: Generator[bytes, None, None] | None = None
        self._exchange = exchange
        self._exhausted = False

    def __iter__(self) -> Iterator[bytes]:
        # One pass only, however often a server calls iter() on the response.
        chunks = self._chunks
        if chunks is None:
            chunks = self._chunks = self._pass_through()
        return chunks

    def _pass_through(self) -> Generator[bytes, None, None]:
        # A plain loop, not ``yield from``: closing this generator must never
        # close the app's iterable a second time behind close()'s back.
        try:
            for chunk in self._iterable:  # noqa: UP028
                yield chunk
        except GeneratorExit:
            raise  # the server stopped reading; close() says so
        except BaseException as exc:
            self._exchange.fail(exc)
            raise

        # The whole body is out. Record now rather than wait for close(): a
        # test client that never closes the response still sees the stat, and
        # leaves no finished request behind as the thread's current one.
        self._exhausted = True
        self._exchange.close(True)
        self._exchange.leave()

    def close(self) -> None:
        exchange = self._exchange
        if self._chunks is not None:
            self._chunks.close()
        try:
            close = getattr(self._iterable, "close", None)
            if close is not None:
                close()
        except BaseException as exc:
            exchange.fail(exc)
            raise
        finally:
            exchange.close(self._exhausted)
            exchange.leave()
