"""The wrapt wrappers behind ``@tracked``, one per kind of callable.

Each makes exactly one call to ``record`` per call of the wrapped function:
when it returns or raises, or, for generators, when they are exhausted,
closed or fail.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

__all__ = ["Record", "wrapper_for"]

#: ``record(name, started_at, started, args, kwargs, exc, result)``: when the
#: call began in microseconds since the epoch, and by ``time.perf_counter()``.
Record = Callable[
    [str, int, float, tuple[Any, ...], dict[str, Any], BaseException | None, Any],
    None,
]

_time_ns = time.time_ns
_perf_counter = time.perf_counter


def wrapper_for(func: Callable[..., Any], name: str, record: Record) -> Any:
    """The wrapt wrapper that suits ``func``: decided once, not per call."""
    target = func.__func__ if isinstance(func, (classmethod, staticmethod)) else func
    if inspect.isasyncgenfunction(target):
        return _async_generator_wrapper(name, record)
    if inspect.iscoroutinefunction(target):
        return _coroutine_wrapper(name, record)
    if inspect.isgeneratorfunction(target):
        return _generator_wrapper(name, record)
    return _function_wrapper(name, record)


def _function_wrapper(name: str, record: Record) -> Any:
    def wrapper(
        wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        started_at, started = _time_ns() // 1000, _perf_counter()
        try:
            result = wrapped(*args, **kwargs)
        except BaseException as exc:
            record(name, started_at, started, args, kwargs, exc, None)
            raise
        record(name, started_at, started, args, kwargs, None, result)
        return result

    return wrapper


def _coroutine_wrapper(name: str, record: Record) -> Any:
    async def wrapper(
        wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        started_at, started = _time_ns() // 1000, _perf_counter()
        try:
            result = await wrapped(*args, **kwargs)
        except BaseException as exc:
            record(name, started_at, started, args, kwargs, exc, None)
            raise
        record(name, started_at, started, args, kwargs, None, result)
        return result

    return wrapper


def _generator_wrapper(name: str, record: Record) -> Any:
    def watch(
        generator: Generator[Any, Any, Any],
        started_at: int,
        started: float,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Generator[Any, Any, Any]:
        # Limitation: a generator closed before its first item records
        # nothing: Python never runs an unstarted generator's body.
        try:
            result = yield from generator
        except GeneratorExit:
            record(name, started_at, started, args, kwargs, None, None)
            raise
        except BaseException as exc:
            record(name, started_at, started, args, kwargs, exc, None)
            raise
        record(name, started_at, started, args, kwargs, None, result)
        return result

    def wrapper(
        wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        started_at, started = _time_ns() // 1000, _perf_counter()
        generator = wrapped(*args, **kwargs)
        return watch(generator, started_at, started, args, kwargs)

    return wrapper


def _async_generator_wrapper(name: str, record: Record) -> Any:
    async def watch(
        generator: AsyncGenerator[Any, Any],
        started_at: int,
        started: float,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> AsyncGenerator[Any, Any]:
        # There is no ``yield from`` for async generators: forward asend,
        # athrow and aclose by hand so the wrapped one sees exactly what the
        # caller did.
        try:
            item = await generator.__anext__()
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    await generator.aclose()
                    raise
                except BaseException as exc:
                    item = await generator.athrow(exc)
                else:
                    item = await generator.asend(sent)
        except StopAsyncIteration:
            record(name, started_at, started, args, kwargs, None, None)
        except GeneratorExit:
            record(name, started_at, started, args, kwargs, None, None)
            raise
        except BaseException as exc:
            record(name, started_at, started, args, kwargs, exc, None)
            raise

    def wrapper(
        wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        started_at, started = _time_ns() // 1000, _perf_counter()
        generator = wrapped(*args, **kwargs)
        return watch(generator, started_at, started, args, kwargs)

    return wrapper
