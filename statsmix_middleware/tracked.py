"""``@tracked``: one stat per call of a function, or per ``with`` block.

Built on :mod:`wrapt`, so the decorated function keeps its name, signature
and kind: an ``async def`` stays a coroutine function, a generator function a
generator function, and methods, classmethods and staticmethods bind as
before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from types import MappingProxyType, TracebackType
from typing import Any, TypeVar, cast, overload

import wrapt

from ._failures import FailureLog
from ._wrappers import wrapper_for
from .client import Client
from .context import current_request, fast_current_request
from .default_client import get_client
from .stat import (
    MAX_META_KEYS,
    MAX_META_VALUE_LENGTH,
    MAX_NAME_LENGTH,
    MetaValue,
    Number,
    Stat,
    checked_meta,
    validate_name,
    validate_value,
)

__all__ = ["Tracker", "tracked"]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
ValueOption = Number | Callable[[Any], Number]
MetaOption = Mapping[str, Any] | Callable[..., Mapping[str, Any]]
EnabledOption = bool | Callable[[], bool]

_failures = FailureLog(logger)
_perf_counter = time.perf_counter
_time_ns = time.time_ns
_NO_META: Mapping[str, MetaValue] = MappingProxyType({})

# When each open ``with`` block started, per tracker: kept in a context
# variable so that threads and tasks sharing one tracker never mix them up.
_Start = tuple[int, float]
_open_blocks: ContextVar[Mapping[int, tuple[_Start, ...]]] = ContextVar(
    "statsmix_tracked_blocks", default=MappingProxyType({})
)


@overload
def tracked(func: F, /) -> F: ...


@overload
def tracked(
    name: str | None = None,
    /,
    *,
    value: ValueOption | None = None,
    meta: MetaOption | None = None,
    timed: bool = False,
    client: Client | None = None,
    enabled: EnabledOption = True,
) -> Tracker: ...


def tracked(
    target: Any = None,
    /,
    *,
    value: ValueOption | None = None,
    meta: MetaOption | None = None,
    timed: bool = False,
    client: Client | None = None,
    enabled: EnabledOption = True,
) -> Any:
    """Track each call of a function, or each run of a ``with`` block.

    Used bare (``@tracked``) the metric is the function's module and
    qualified name; ``@tracked("Blog Posts")`` names it. Every call makes one
    stat, value 1, whose meta gets ``method`` and ``route`` when it runs
    inside a request. When the function raises, the stat gets ``error`` (the
    exception's class name) and the exception goes on unchanged. Generators
    and async generators make their stat when exhausted or closed.

    Args:
        value: the stat's value: a number, or a callable given the result
            (given None in a ``with`` block; the stat's value is 0 when the
            function raised).
        meta: a mapping, or a callable given the call's arguments (without
            ``self`` or ``cls``) that returns one.
        timed: use the duration in milliseconds as the value.
        client: where stats go; the default client, looked up per call.
        enabled: False leaves the function undecorated; a callable is asked
            on every call.
    """
    if callable(target) and not isinstance(target, str):
        return Tracker()(target)
    return Tracker(
        target, value=value, meta=meta, timed=timed, client=client, enabled=enabled
    )


class Tracker:
    """What ``tracked(...)`` returns: a decorator and a context manager.

    One tracker may decorate many functions and guard many ``with`` blocks,
    nested or concurrent. See :func:`tracked` for the options.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        value: ValueOption | None = None,
        meta: MetaOption | None = None,
        timed: bool = False,
        client: Client | None = None,
        enabled: EnabledOption = True,
    ) -> None:
        if name is not None:
            validate_name(name)
        if timed and value is not None:
            raise TypeError("tracked() takes timed=True or value=, not both")
        if value is not None and not callable(value):
            value = validate_value(value)
        if meta is not None and not callable(meta):
            meta = checked_meta(meta)
        if not isinstance(enabled, bool) and not callable(enabled):
            raise TypeError("enabled must be a bool or a callable returning one")
        if client is not None and not isinstance(client, Client):
            raise TypeError(f"client must be a Client, not {type(client).__name__}")

        self.name = name
        self.value: ValueOption = 1 if value is None else value
        self.meta = meta
        self.timed = timed
        self.client = client
        self.enabled = enabled
        self._is_enabled = None if isinstance(enabled, bool) else _guarded(enabled)

    def __call__(self, func: F) -> F:
        if self.enabled is False:
            return func

        name = self.name or _default_name(func)
        wrapper = wrapper_for(func, name, self.record)
        return cast(F, wrapt.FunctionWrapper(func, wrapper, enabled=self._is_enabled))

    def __enter__(self) -> Tracker:
        if self.name is None:
            raise TypeError("tracked() as a context manager needs a metric name")
        blocks = _open_blocks.get()
        stack = blocks.get(id(self), ())
        start: _Start = (_time_ns() // 1000, _perf_counter())
        _open_blocks.set({**blocks, id(self): (*stack, start)})
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        blocks = _open_blocks.get()
        stack = blocks.get(id(self))
        if not stack or self.name is None:
            logger.debug("StatsMix tracked block %r ended elsewhere", self.name)
            return

        remaining = dict(blocks)
        if len(stack) > 1:
            remaining[id(self)] = stack[:-1]
        else:
            del remaining[id(self)]
        _open_blocks.set(remaining)

        is_enabled = self._is_enabled
        if self.enabled is True or (is_enabled is not None and is_enabled()):
            started_at, started = stack[-1]
            self.record(self.name, started_at, started, (), {}, exc, None)

    async def __aenter__(self) -> Tracker:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, traceback)

    def record(
        self,
        name: str,
        started_at: int,
        started: float,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        exc: BaseException | None,
        result: Any,
    ) -> None:
        """Track one call or block that began at ``started``; never raises.

        ``started_at`` is the same moment in microseconds since the epoch.
        """
        try:
            value = self.value
            if self.timed:
                value = int((_perf_counter() - started) * 1_000_000) / 1000
            elif callable(value):
                value = 0 if exc is not None else validate_value(value(result))

            option = self.meta
            meta: Mapping[str, MetaValue]
            if option is None:
                meta = _NO_META
            elif callable(option):
                meta = self._meta_of(name, option, args, kwargs)
            else:
                meta = option
            if exc is not None or fast_current_request() is not None:
                meta = _with_context(meta, exc)

            client = self.client or get_client()
            stat = Stat._trusted(name, value, meta, started_at, client.profile_id)
            client._send_trusted(stat)
        except Exception:
            _failures.report(f"@tracked {name!r}")

    def _meta_of(
        self,
        name: str,
        hook: Callable[..., Mapping[str, Any]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Mapping[str, MetaValue]:
        try:
            return checked_meta(hook(*args, **kwargs))
        except Exception:
            _failures.report(f"meta callable of {name!r}")
            return _NO_META


def _with_context(
    meta: Mapping[str, MetaValue], exc: BaseException | None
) -> Mapping[str, MetaValue]:
    """Add the error, then the request's method and route where meta has none."""
    merged = dict(meta)
    if exc is not None:
        merged["error"] = type(exc).__name__

    request = current_request()
    if request is not None:
        extra: list[tuple[str, str]] = [("method", request.method)]
        route = request.route
        if isinstance(route, str) and len(route) <= MAX_META_VALUE_LENGTH:
            extra.append(("route", route))
        for key, item in extra:
            if key not in merged and len(merged) < MAX_META_KEYS:
                merged[key] = item
    return merged


def _guarded(enabled: Callable[[], bool]) -> Callable[[], bool]:
    """``enabled``, except that a failure of it counts as off and is logged."""

    def is_enabled() -> bool:
        try:
            return bool(enabled())
        except Exception:
            _failures.report("@tracked enabled callable")
            return False

    return is_enabled


def _default_name(func: Callable[..., Any]) -> str:
    module = getattr(func, "__module__", None) or "__main__"
    qualname = getattr(func, "__qualname__", None) or type(func).__qualname__
    return f"{module}.{qualname}"[-MAX_NAME_LENGTH:]
