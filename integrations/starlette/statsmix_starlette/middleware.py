"""The Starlette and FastAPI middleware: one stat per request, route known early."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Literal

from starlette.types import ASGIApp, Receive, Scope, Send

from statsmix_middleware import Client, current_request
from statsmix_middleware._cardinality import DEFAULT_CARDINALITY_LIMIT
from statsmix_middleware._failures import FailureLog
from statsmix_middleware._requests import (
    DEFAULT_FLUSH_TIMEOUT,
    MetaHook,
    MetricOption,
    RouteResolver,
)
from statsmix_middleware.asgi import ASGIMiddleware
from statsmix_middleware.conventions import DEFAULT_REQUEST_METRIC

from .routes import resolve_route, routes_of

__all__ = ["StatsMixMiddleware"]

# Tracking failures log where the core's do, under ``statsmix_middleware``.
logger = logging.getLogger("statsmix_middleware.starlette")


class StatsMixMiddleware:
    """Track every request of a Starlette or FastAPI app as one stat.

    Add it like any pure ASGI middleware::

        app = Starlette(routes=..., middleware=[Middleware(StatsMixMiddleware)])
        app.add_middleware(StatsMixMiddleware, exclude_paths=["/health"])

    Each request becomes one stat (metric ``"HTTP Requests"`` by default)
    with meta ``method``, ``route``, ``status`` and, when the app raised,
    ``error``. ``route`` is the full template as declared, through every
    ``Mount``, ``Host``, ``Router`` and FastAPI ``include_router`` prefix,
    such as ``/api/v1/users/{user_id}``; ``"__unmatched__"`` when no route
    matched (404, and the redirect Starlette answers for a path that
    differs from a route's by a trailing slash), never the raw path. The
    template is kept as declared, converters included
    (``/items/{item_id:int}``). It is found before the app runs, so stats
    tracked by the endpoint carry it. ``status`` is the one actually sent,
    after ``HTTPException`` and the exception handlers of the app's
    ``ExceptionMiddleware``; a handler for ``Exception`` or 500 runs outside
    any added middleware, so for it use :func:`statsmix_starlette.install`.
    The clock stops at the last body chunk, so background tasks do not count.

    Add it to the app rather than to a sub-app mounted in it: on a sub-app,
    templates start at the sub-app's own routes, without the mount's prefix
    (unless the outer app has the middleware too; its template then wins).

    The options are those of :class:`statsmix_middleware.ASGIMiddleware`,
    spelled out so that type checkers can check ``Middleware(...)`` calls.

    Args:
        app: the ASGI app to wrap; Starlette passes it.
        client: where stats go; the default client, looked up per request.
        metric: the metric's name, or a callable given the scope.
        value: ``"duration"`` in milliseconds, or ``"count"`` (always 1).
        exclude_paths: paths left untracked; a trailing ``*`` makes a prefix.
        exclude_methods: methods left untracked, e.g. ``["OPTIONS"]``.
        route_resolver: given the scope once the response is complete,
            returns a route template that wins over the one found here.
        meta: given the scope once the response is complete, returns extra
            meta; the request's own keys win over it.
        record_raw_path: use the raw path when no route matched, instead of
            ``"__unmatched__"``. Mind the cardinality.
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
        self.app = app
        self.failures = FailureLog(logger)
        self.tracker = ASGIMiddleware(
            self._with_route,
            client=client,
            metric=metric,
            value=value,
            exclude_paths=exclude_paths,
            exclude_methods=exclude_methods,
            route_resolver=route_resolver,
            meta=meta,
            record_raw_path=record_raw_path,
            cardinality_limit=cardinality_limit,
            track_websockets=track_websockets,
            flush_timeout=flush_timeout,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Limitation: added with add_middleware() or Middleware(...), this
        # sits inside Starlette's ServerErrorMiddleware, whose handler for
        # Exception or 500 answers after the exception has left here: the
        # stat says 500 with the error, whatever the handler sent. install()
        # places the middleware outside it instead.
        await self.tracker(scope, receive, send)

    async def _with_route(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Name the request's route template, then let the app handle it."""
        info = current_request()
        if info is not None and info.route is None and scope["type"] != "lifespan":
            try:
                info.route = self._resolve(scope)
            except Exception:
                self.failures.report("route resolution")
        await self.app(scope, receive, send)

    def _resolve(self, scope: Scope) -> str | None:
        # Starlette puts itself in the scope before its middleware run; a
        # Router wrapped directly has no app above it and is its own table.
        # Limitation: a Starlette sub-app replaces the outer app in the scope,
        # so on a mounted sub-app the template lacks the mount's prefix.
        routes = routes_of(scope.get("app")) or routes_of(self.app)
        if routes is None:
            return None

        template = resolve_route(routes, scope)
        if template is None and "app_root_path" in scope:
            # Added on a Mount, below the app's router: match again from the
            # app's own routes, as the request stood before the mount.
            outer = {**scope, "root_path": scope["app_root_path"], "path_params": {}}
            template = resolve_route(routes, outer)
        return template
