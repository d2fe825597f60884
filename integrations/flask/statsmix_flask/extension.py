"""The Flask extension: one stat per request, with Flask's own route and status."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, got_request_exception, request, request_started
from flask.globals import request_ctx
from werkzeug.exceptions import MethodNotAllowed

from statsmix_middleware import Client, current_request
from statsmix_middleware._failures import FailureLog
from statsmix_middleware.wsgi import WSGIMiddleware

from .config import app_client, exclude_paths

__all__ = ["StatsMix", "StatsMixState"]

logger = logging.getLogger(__name__)

MetaHook = Callable[[dict[str, Any]], Mapping[str, Any]]

_failures = FailureLog(logger)

# Where the exception Flask turned into a 500 page is noted for the stat.
_ERROR_KEY = "statsmix.error"


@dataclass(frozen=True)
class StatsMixState:
    """What :meth:`StatsMix.init_app` leaves in ``app.extensions["statsmix"]``.

    Args:
        extension: the :class:`StatsMix` object that set the app up.
        client: the app's own client, or None when it uses the default one.
        middleware: the middleware now wrapping ``app.wsgi_app``.
    """

    extension: StatsMix
    client: Client | None
    middleware: WSGIMiddleware


class StatsMix:
    """Track one stat per request of a Flask app.

    Each request becomes one stat (metric ``"HTTP Requests"`` by default)
    with meta ``method``, ``route`` (the matched rule, such as
    ``/items/<int:item_id>``, blueprint prefixes included), ``status`` (the
    one actually sent) and ``error`` (the class of an unhandled exception).
    Stats tracked inside a view, ``@tracked`` among them, carry its
    ``method`` and ``route``.

    ``STATSMIX_API_KEY``, ``STATSMIX_URL``, ``STATSMIX_IGNORE``,
    ``STATSMIX_TEST_METRIC_NAME``, ``STATSMIX_PROFILE_ID`` and
    ``STATSMIX_EXCLUDE_PATHS`` in ``app.config`` are read by :meth:`init_app`
    and win over the environment; see :func:`statsmix_flask.config.app_client`.

    One object may set up several apps (the app factory pattern); it keeps no
    reference to any of them.

    Args:
        app: the app to set up now; or call :meth:`init_app` later.
        client: the client stats go through; the default client when None.
        **options: the options of :class:`statsmix_middleware.WSGIMiddleware`
            (``metric``, ``value``, ``exclude_paths``, ``exclude_methods``,
            ``route_resolver``, ``meta``, ``cardinality_limit``...).
    """

    def __init__(
        self, app: Flask | None = None, *, client: Client | None = None, **options: Any
    ) -> None:
        self.client = client
        self.options = options
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Wrap ``app.wsgi_app`` and connect to the app's request signals.

        Setting up an app a second time warns and changes nothing, so a
        request is never counted twice.
        """
        if "statsmix" in app.extensions:
            warnings.warn(
                f"StatsMix is already set up on the Flask app {app.name!r}; "
                "this second init_app() does nothing",
                RuntimeWarning,
                stacklevel=2,
            )
            return

        client = app_client(app.config, self.client)
        options = dict(self.options)
        extra_paths = exclude_paths(app.config)
        if extra_paths:
            options["exclude_paths"] = [*options.get("exclude_paths", ()), *extra_paths]
        options["meta"] = _with_handled_error(options.get("meta"))

        middleware = WSGIMiddleware(app.wsgi_app, client=client, **options)
        app.wsgi_app = middleware  # type: ignore[method-assign]
        request_started.connect(_note_route, app, weak=False)
        got_request_exception.connect(_note_error, app, weak=False)
        app.extensions["statsmix"] = StatsMixState(self, client, middleware)


def _note_route(sender: Flask, **extra: Any) -> None:
    """Tell the middleware the matched rule, before any view code runs.

    ``request_started`` comes after URL matching and before every
    ``before_request`` function, so even a request answered by one of those
    has its route. A 405 keeps the rule whose path matched.
    """
    info = current_request()
    if info is None:
        return
    try:
        info.route = _matched_rule()
    except Exception:
        _failures.report("Flask rule lookup")


def _matched_rule() -> str | None:
    rule = request.url_rule
    if rule is not None:
        return rule.rule

    # Werkzeug drops the rule of a path that matched with another method;
    # matching again with one of the allowed methods finds it.
    error = request.routing_exception
    adapter = request_ctx.url_adapter
    if isinstance(error, MethodNotAllowed) and error.valid_methods and adapter:
        method = next(iter(error.valid_methods))
        matched, _ = adapter.match(method=method, return_rule=True)
        return str(matched.rule)
    return None


def _note_error(sender: Flask, exception: BaseException, **extra: Any) -> None:
    """Remember the exception behind a 500 page Flask rendered itself.

    When Flask does not propagate an exception, the middleware only sees the
    500 response; the class name noted here becomes the stat's ``error``.
    """
    try:
        request.environ[_ERROR_KEY] = type(exception).__name__
    except Exception:
        _failures.report("Flask exception note")


def _with_handled_error(meta: MetaHook | None) -> MetaHook:
    """The ``meta`` hook, plus the ``error`` noted by :func:`_note_error`.

    A failing hook of the user's is logged once and loses only its own keys.
    """
    if meta is not None and not callable(meta):
        raise TypeError(f"meta must be callable, not {type(meta).__name__}")
    failures = FailureLog(logger)

    def meta_with_error(environ: dict[str, Any]) -> Mapping[str, Any]:
        extra: dict[str, Any] = {}
        if meta is not None:
            try:
                extra.update(meta(environ))
            except Exception:
                failures.report("meta callable")

        error = environ.get(_ERROR_KEY)
        if error is not None:
            extra.setdefault("error", error)
        return extra

    return meta_with_error
