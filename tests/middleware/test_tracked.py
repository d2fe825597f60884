from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from statsmix_middleware import MemoryBackend, RequestInfo, tracked
from statsmix_middleware.context import enter_request, exit_request
from statsmix_middleware.tracked import Tracker
from tests.middleware.drivers import memory_client, only_stat


def test_bare_decorator_names_the_metric_after_module_and_qualname(
    statsmix: MemoryBackend,
) -> None:
    @tracked
    def publish(title: str) -> str:
        return title.upper()

    assert publish("hi") == "HI"

    stat = only_stat(statsmix)
    assert stat.name == f"{__name__}.{publish.__qualname__}"
    assert "test_bare_decorator" in stat.name and stat.name.endswith(".publish")
    assert (stat.value, dict(stat.meta)) == (1, {})


def test_named_decorator_with_static_value_and_meta(statsmix: MemoryBackend) -> None:
    @tracked("Blog Posts", value=3, meta={"kind": "draft"})
    def publish() -> None:
        pass

    publish()
    publish()

    assert [(s.name, s.value, dict(s.meta)) for s in statsmix.stats] == [
        ("Blog Posts", 3, {"kind": "draft"}),
    ] * 2


def test_callable_value_gets_the_result_and_meta_gets_the_arguments() -> None:
    client, backend = memory_client()

    @tracked(
        "Orders",
        value=lambda order: order["total"],
        meta=lambda customer, *, plan: {"customer": customer, "plan": plan},
        client=client,
    )
    def place(customer: str, *, plan: str) -> dict[str, float]:
        return {"total": 19.5}

    place("acme", plan="pro")

    stat = only_stat(backend)
    assert (stat.value, dict(stat.meta)) == (19.5, {"customer": "acme", "plan": "pro"})


def test_timed_value_is_the_duration_in_milliseconds() -> None:
    client, backend = memory_client()

    @tracked("Slow", timed=True, client=client)
    def slow() -> None:
        time.sleep(0.02)

    slow()

    assert only_stat(backend).value >= 20


def test_the_return_value_is_never_changed() -> None:
    client, _ = memory_client()
    result = object()

    @tracked(client=client)
    def give() -> object:
        return result

    assert give() is result


def test_exception_makes_one_stat_with_error_and_passes_through() -> None:
    client, backend = memory_client()
    raised = KeyError("x")

    @tracked("Failing", value=lambda result: 5, client=client)
    def fail() -> None:
        raise raised

    with pytest.raises(KeyError) as caught:
        fail()

    assert caught.value is raised
    assert caught.value.__context__ is None
    stat = only_stat(backend)
    assert (stat.value, dict(stat.meta)) == (0, {"error": "KeyError"})


def test_signature_and_metadata_are_kept() -> None:
    @tracked("X")
    def documented(a: int, b: str = "b", *, c: float = 1.0) -> str:
        """Docs."""
        return b

    signature = inspect.signature(documented)
    assert list(signature.parameters) == ["a", "b", "c"]
    assert signature == inspect.signature(documented.__wrapped__)
    assert documented.__name__ == "documented"
    assert documented.__doc__ == "Docs."


def test_async_function_stays_a_coroutine_function() -> None:
    client, backend = memory_client()

    @tracked("Async", timed=True, client=client)
    async def fetch(n: int) -> int:
        await asyncio.sleep(0.01)
        return n * 2

    assert inspect.iscoroutinefunction(fetch)
    assert asyncio.run(fetch(4)) == 8
    assert only_stat(backend).value >= 10


def test_async_function_exception() -> None:
    client, backend = memory_client()

    @tracked("Async", client=client)
    async def fail() -> None:
        await asyncio.sleep(0)
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        asyncio.run(fail())

    assert only_stat(backend).meta["error"] == "ValueError"


def test_methods_classmethods_and_staticmethods() -> None:
    client, backend = memory_client()

    class Shop:
        def __init__(self) -> None:
            self.sold = 0

        @tracked(client=client, meta=lambda n: {"n": n})
        def sell(self, n: int) -> int:
            self.sold += n
            return self.sold

        @tracked(client=client)
        @classmethod
        def open(cls) -> Shop:
            return cls()

        @tracked(client=client)
        @staticmethod
        def price(n: int) -> int:
            return n * 10

    shop = Shop.open()
    assert isinstance(shop, Shop)
    assert shop.sell(2) == 2
    assert Shop.sell(shop, 3) == 5
    assert shop.price(2) == Shop.price(2) == 20

    names = [stat.name.rsplit(".", 2)[-2:] for stat in backend.stats]
    assert names == [
        ["Shop", "open"],
        ["Shop", "sell"],
        ["Shop", "sell"],
        ["Shop", "price"],
        ["Shop", "price"],
    ]
    assert [dict(s.meta) for s in backend.stats[1:3]] == [{"n": 2}, {"n": 3}]


def test_decorator_inside_classmethod_and_staticmethod_binds_the_same() -> None:
    client, backend = memory_client()
    arguments: list[tuple[Any, ...]] = []

    def note(*args: Any) -> dict[str, str]:
        arguments.append(args)
        return {}

    class Shop:
        @classmethod
        @tracked(client=client, meta=note)
        def open(cls, name: str) -> tuple[type, str]:
            return cls, name

        @staticmethod
        @tracked(client=client, meta=note)
        def price(n: int) -> int:
            return n * 10

    assert (Shop.open("a"), Shop().open("b")) == ((Shop, "a"), (Shop, "b"))
    assert Shop.price(1) == Shop().price(1) == 10
    assert list(inspect.signature(Shop.open).parameters) == ["name"]

    assert arguments == [("a",), ("b",), (1,), (1,)]
    assert [s.name.rsplit(".", 2)[-2:] for s in backend.stats] == [
        ["Shop", "open"],
        ["Shop", "open"],
        ["Shop", "price"],
        ["Shop", "price"],
    ]


def test_generator_makes_one_stat_when_exhausted() -> None:
    client, backend = memory_client()

    @tracked("Rows", timed=True, client=client)
    def rows(n: int) -> Iterator[int]:
        for i in range(n):
            time.sleep(0.005)
            yield i

    assert inspect.isgeneratorfunction(rows)
    generator = rows(3)
    assert inspect.isgenerator(generator)
    assert next(generator) == 0
    assert len(backend) == 0

    assert list(generator) == [1, 2]
    assert only_stat(backend).value >= 15


def test_generator_closed_early_makes_one_stat_and_forwards_send_and_close() -> None:
    client, backend = memory_client()
    closed: list[bool] = []

    @tracked("Echo", client=client)
    def echo() -> Iterator[Any]:
        received = None
        try:
            while True:
                received = yield received
        finally:
            closed.append(True)

    generator = echo()
    next(generator)
    assert generator.send("ping") == "ping"
    generator.close()

    assert closed == [True]
    assert "error" not in only_stat(backend).meta


def test_generator_exception_is_recorded_and_raised() -> None:
    client, backend = memory_client()

    @tracked("Rows", client=client)
    def rows() -> Iterator[int]:
        yield 1
        raise RuntimeError("broken row")

    with pytest.raises(RuntimeError, match="broken row"):
        list(rows())

    assert only_stat(backend).meta["error"] == "RuntimeError"


def test_async_generator_exhausted_closed_and_failing() -> None:
    client, backend = memory_client()

    @tracked("Stream", client=client)
    async def stream(fail: bool = False) -> AsyncIterator[int]:
        yield 1
        yield 2
        if fail:
            raise OSError("stream cut")

    async def main() -> None:
        assert [item async for item in stream()] == [1, 2]

        partial = stream()
        assert await partial.__anext__() == 1
        await partial.aclose()

        with pytest.raises(OSError, match="stream cut"):
            _ = [item async for item in stream(fail=True)]

    assert inspect.isasyncgenfunction(stream)
    asyncio.run(main())

    assert [dict(s.meta) for s in backend.stats] == [{}, {}, {"error": "OSError"}]


def test_async_generator_forwards_asend_and_athrow() -> None:
    client, backend = memory_client()

    @tracked("Echo", client=client)
    async def echo() -> Any:
        received = None
        while True:
            try:
                received = yield received
            except ValueError:
                received = "recovered"

    async def main() -> None:
        generator = echo()
        await generator.__anext__()
        assert await generator.asend("ping") == "ping"
        assert await generator.athrow(ValueError()) == "recovered"
        await generator.aclose()

    asyncio.run(main())

    assert len(backend) == 1


def test_context_manager_times_a_block() -> None:
    client, backend = memory_client()

    with tracked("Import", timed=True, client=client) as tracker:
        time.sleep(0.01)

    assert isinstance(tracker, Tracker)
    stat = only_stat(backend)
    assert stat.name == "Import" and stat.value >= 10


def test_context_manager_records_the_error_and_lets_it_through() -> None:
    client, backend = memory_client()

    with pytest.raises(ZeroDivisionError):
        with tracked("Import", client=client):
            1 / 0  # noqa: B018

    assert only_stat(backend).meta["error"] == "ZeroDivisionError"


def test_one_tracker_nested_and_shared_by_threads_and_tasks() -> None:
    client, backend = memory_client()
    block = tracked("Blocks", timed=True, client=client)

    with block:
        with block:
            time.sleep(0.01)
        time.sleep(0.01)

    def in_thread() -> None:
        with block:
            time.sleep(0.001)

    threads = [threading.Thread(target=in_thread) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    async def in_task() -> None:
        async with block:
            await asyncio.sleep(0.01)

    async def main() -> None:
        await asyncio.gather(*(in_task() for _ in range(3)))

    asyncio.run(main())

    values = [stat.value for stat in backend.stats]
    assert len(values) == 2 + 4 + 3
    inner, outer = values[0], values[1]
    assert outer >= inner + 10
    assert all(value >= 10 for value in values[-3:])


def test_context_manager_needs_a_name() -> None:
    with pytest.raises(TypeError, match="name"):
        with tracked():
            pass


def test_enabled_false_leaves_the_function_alone() -> None:
    def plain() -> int:
        return 1

    assert tracked("X", enabled=False)(plain) is plain


def test_enabled_callable_is_asked_on_every_call() -> None:
    client, backend = memory_client()
    switch = {"on": False}

    @tracked("Toggled", client=client, enabled=lambda: switch["on"])
    def work() -> int:
        return 7

    assert work() == 7
    switch["on"] = True
    assert work() == 7
    switch["on"] = False
    with tracked("Toggled", client=client, enabled=lambda: switch["on"]):
        pass

    assert len(backend) == 1


def test_request_route_and_method_are_added_unless_set() -> None:
    client, backend = memory_client()

    @tracked("Inner", client=client, meta={"method": "custom"})
    def inner() -> None:
        pass

    token = enter_request(RequestInfo("PATCH", "/things/{id}"))
    try:
        inner()
    finally:
        exit_request(token)
    inner()

    assert [dict(s.meta) for s in backend.stats] == [
        {"method": "custom", "route": "/things/{id}"},
        {"method": "custom"},
    ]


@pytest.mark.parametrize(
    ("args", "options", "error"),
    [
        (("",), {}, ValueError),
        (("X",), {"timed": True, "value": 2}, TypeError),
        (("X",), {"value": True}, TypeError),
        (("X",), {"meta": {"k": object()}}, TypeError),
        (("X",), {"enabled": "yes"}, TypeError),
        (("X",), {"client": "default"}, TypeError),
    ],
)
def test_bad_options_raise_where_the_decorator_is_applied(
    args: tuple[Any, ...], options: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        tracked(*args, **options)


def test_broken_value_or_meta_callable_never_affects_the_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, backend = memory_client()

    @tracked("V", client=client, value=lambda result: "not a number")
    def bad_value() -> str:
        return "result"

    @tracked("M", client=client, meta=lambda: 1 / 0)
    def bad_meta() -> str:
        return "result"

    with caplog.at_level(logging.DEBUG, logger="statsmix_middleware"):
        assert [bad_value(), bad_value(), bad_meta(), bad_meta()] == ["result"] * 4

    assert [(s.name, dict(s.meta)) for s in backend.stats] == [("M", {}), ("M", {})]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2


def test_broken_enabled_callable_counts_as_off() -> None:
    client, backend = memory_client()

    def broken() -> bool:
        raise RuntimeError("flag service down")

    @tracked("Flagged", client=client, enabled=broken)
    def work() -> int:
        return 3

    assert work() == 3
    with tracked("Flagged", client=client, enabled=broken):
        pass
    assert len(backend) == 0
