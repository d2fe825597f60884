"""Track a Starlette or FastAPI app from outside its whole middleware stack."""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from statsmix_middleware._requests import MetaHook

from .middleware import StatsMixMiddleware

__all__ = ["install"]

# Where the class name of an exception the app raised waits for the stat.
ERROR_KEY = "statsmix.error"

_installed: weakref.WeakSet[Starlette] = weakref.WeakSet()


def install(app: Starlette, **options: Any) -> None:
    """Track ``app`` with a :class:`StatsMixMiddleware` around its whole stack.

    Starlette puts its ``ServerErrorMiddleware`` outside every middleware
    the app adds, and that is where a handler for ``Exception`` or for 500
    runs: it answers after the exception has left an added middleware.
    Installed this way, the middleware wraps that one too, so the stat has
    the status the handler sent (503, say) and still the ``error``, the
    class name of the exception. Everything else is as with
    ``app.add_middleware(StatsMixMiddleware, **options)``.

    Call it before the app serves its first request, as ``add_middleware``.
    A second call on the same app warns (``RuntimeWarning``) and changes
    nothing. With OpenTelemetry's ``FastAPIInstrumentor``, call it after
    ``instrument_app``, which expects to find Starlette's own stack.

    Args:
        app: a Starlette or FastAPI app.
        **options: those of :class:`StatsMixMiddleware`, checked here.

    Raises:
        TypeError: ``app`` is not a Starlette app, or an option is wrong.
        ValueError: an option has a wrong value.
        RuntimeError: the app has already started.
    """
    if not isinstance(app, Starlette):
        raise TypeError(
            f"install() takes a Starlette or FastAPI app, not {type(app).__name__};"
            " wrap any other ASGI app in StatsMixMiddleware"
        )
    if app in _installed:
        warnings.warn(
            "StatsMix is already installed on this app; nothing changed",
            RuntimeWarning,
            stacklevel=2,
        )
        return
    if app.middleware_stack is not None:
        raise RuntimeError("install StatsMix before the app serves its first request")

    meta = options.pop("meta", None)
    if meta is not None and not callable(meta):
        raise TypeError(f"meta must be callable, not {type(meta).__name__}")
    middleware = StatsMixMiddleware(_not_built, meta=_with_error(meta), **options)

    build = _OutermostStack(app.build_middleware_stack, middleware)
    app.build_middleware_stack = build  # type: ignore[method-assign]
    _installed.add(app)


class _OutermostStack:
    """The app's own ``build_middleware_stack``, wrapped in the middleware."""

    def __init__(
        self, build: Callable[[], ASGIApp], middleware: StatsMixMiddleware
    ) -> None:
        self.build = build
        self.middleware = middleware

    def __call__(self) -> ASGIApp:
        stack = self.build()
        if isinstance(stack, ServerErrorMiddleware):
            # It sends its answer before it re-raises, and the stat is made
            # from that answer: note the exception's class on its way out.
            stack.app = _ErrorWitness(stack.app)
        self.middleware.app = stack
        return self.middleware


class _ErrorWitness:
    """Notes the class of an exception leaving the app, then lets it go on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            scope[ERROR_KEY] = type(exc).__name__
            raise


def _with_error(hook: MetaHook | None) -> MetaHook:
    """The ``meta`` option given, plus the ``error`` the witness noted."""

    def meta(scope: Scope) -> Mapping[str, Any]:
        extra = {} if hook is None else dict(hook(scope))
        error = scope.get(ERROR_KEY)
        if error is not None:
            extra["error"] = error
        return extra

    return meta


async def _not_built(scope: Scope, receive: Receive, send: Send) -> None:
    """Stands in for the stack until the app builds it on its first call."""
    raise RuntimeError("the app's middleware stack has not been built")
