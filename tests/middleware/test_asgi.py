from __future__ import annotations

import asyncio
import logging
import traceback
from datetime import datetime, timezone
from typing import Any

import pytest

import statsmix_middleware
from statsmix_middleware import (
    ASGIMiddleware,
    Client,
    MemoryBackend,
    Stat,
    current_request,
    tracked,
)
from statsmix_middleware._cardinality import (
    CardinalityBudget,
    forget_admitted_values,
)
from statsmix_middleware.context import RequestInfo, enter_request, exit_request
from statsmix_middleware.conventions import (
    DEFAULT_REQUEST_METRIC,
    OVERFLOW_VALUE,
    UNMATCHED_ROUTE,
)
from tests.middleware.drivers import (
    ASGIServer,
    get,
    http_scope,
    memory_client,
    ok_app,
    only_stat,
)

Message = dict[str, Any]


def routed_app(route: str, status: int = 200) -> Any:
    """An app that, like a framework adapter, reports the matched template."""

    async def app(scope: Message, receive: Any, send: Any) -> None:
        info = current_request()
        assert info is not None
        info.route = route
        await ok_app(status=status)(scope, receive, send)

    return app


def test_asgi_one_stat_per_request_with_method_route_and_status() -> None:
    client, backend = memory_client()
    app = ASGIMiddleware(routed_app("/items/{id}", status=201), client=client)

    sent = get(app, "/items/42", method="POST")

    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    stat = only_stat(backend)
    assert stat.name == DEFAULT_REQUEST_METRIC
    assert dict(stat.meta) == {
        "method": "POST",
        "route": "/items/{id}",
        "status": "201",
    }
    assert isinstance(stat.value, float) and stat.value >= 0


def test_asgi_generated_at_is_the_request_start() -> None:
    client, backend = memory_client()
    before = datetime.now(timezone.utc)

    get(ASGIMiddleware(ok_app(), client=client))

    after = datetime.now(timezone.utc)
    assert before <= only_stat(backend).generated_at <= after


def test_asgi_unmatched_route_is_the_placeholder_without_the_raw_path() -> None:
    client, backend = memory_client()

    get(ASGIMiddleware(ok_app(status=404), client=client), "/users/8123/secret")

    stat = only_stat(backend)
    assert stat.meta["route"] == UNMATCHED_ROUTE
    assert "8123" not in repr(stat)


def test_asgi_raw_path_only_when_asked() -> None:
    client, backend = memory_client()

    get(ASGIMiddleware(ok_app(), client=client, record_raw_path=True), "/a/1")

    assert only_stat(backend).meta["route"] == "/a/1"


def test_asgi_route_resolver_wins_and_falls_back_when_it_returns_none() -> None:
    client, backend = memory_client()
    seen: list[Message] = []

    def resolver(scope: Message) -> str | None:
        seen.append(scope)
        return "/from-resolver" if scope["path"] == "/r" else None

    app = ASGIMiddleware(
        routed_app("/from-adapter"), client=client, route_resolver=resolver
    )
    get(app, "/r")
    get(app, "/other")

    assert [s.meta["route"] for s in backend.stats] == [
        "/from-resolver",
        "/from-adapter",
    ]
    assert [scope["path"] for scope in seen] == ["/r", "/other"]


def test_asgi_route_resolver_runs_after_the_app_has_handled_the_request() -> None:
    client, backend = memory_client()

    async def app(scope: Message, receive: Any, send: Any) -> None:
        scope["matched"] = "/set/by/{app}"  # as a router would, while handling
        await ok_app()(scope, receive, send)

    resolver = ASGIMiddleware(
        app, client=client, route_resolver=lambda scope: scope.get("matched")
    )
    get(resolver, "/set/by/me")

    assert only_stat(backend).meta["route"] == "/set/by/{app}"


def test_asgi_value_count_and_callable_metric() -> None:
    client, backend = memory_client()
    app = ASGIMiddleware(
        ok_app(), client=client, value="count", metric=lambda scope: "Hits"
    )

    get(app)

    stat = only_stat(backend)
    assert (stat.name, stat.value) == ("Hits", 1)


def test_asgi_meta_hook_adds_keys_but_cannot_override_the_request_keys() -> None:
    client, backend = memory_client()
    app = ASGIMiddleware(
        ok_app(),
        client=client,
        meta=lambda scope: {"tenant": "acme", "status": "999"},
    )

    get(app)

    assert dict(only_stat(backend).meta) == {
        "method": "GET",
        "route": UNMATCHED_ROUTE,
        "status": "200",
        "tenant": "acme",
    }


def test_asgi_default_client_is_looked_up_per_request(statsmix: MemoryBackend) -> None:
    get(ASGIMiddleware(ok_app()))

    assert only_stat(statsmix).meta["status"] == "200"


class Boom(Exception):
    pass


def test_asgi_exception_before_response_is_500_and_passes_through_unchanged() -> None:
    client, backend = memory_client()
    raised = Boom("no")

    async def app(scope: Message, receive: Any, send: Any) -> None:
        raise raised

    with pytest.raises(Boom) as caught:
        get(ASGIMiddleware(app, client=client))

    assert caught.value is raised
    frames = traceback.extract_tb(caught.value.__traceback__)
    assert frames[-1].name == "app"
    assert caught.value.__context__ is None
    assert dict(only_stat(backend).meta) == {
        "method": "GET",
        "route": UNMATCHED_ROUTE,
        "status": "500",
        "error": "Boom",
    }


def test_asgi_exception_after_response_start_keeps_the_status_sent() -> None:
    client, backend = memory_client()

    async def app(scope: Message, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        raise Boom

    with pytest.raises(Boom):
        get(ASGIMiddleware(app, client=client))

    stat = only_stat(backend)
    assert (stat.meta["status"], stat.meta["error"]) == ("200", "Boom")


def test_asgi_streamed_duration_covers_the_whole_stream() -> None:
    client, backend = memory_client()

    async def app(scope: Message, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(3):
            await send({"type": "http.response.body", "body": b"x", "more_body": True})
            await asyncio.sleep(0.02)
        await send({"type": "http.response.body", "body": b""})

    get(ASGIMiddleware(app, client=client))

    assert only_stat(backend).value >= 60


def test_asgi_records_at_the_last_body_chunk_before_background_work() -> None:
    client, backend = memory_client()
    during_background: list[int] = []

    async def app(scope: Message, receive: Any, send: Any) -> None:
        await ok_app()(scope, receive, send)
        during_background.append(len(backend))  # e.g. a BackgroundTask
        raise Boom("after the response")

    with pytest.raises(Boom):
        get(ASGIMiddleware(app, client=client))

    assert during_background == [1]
    assert "error" not in only_stat(backend).meta


def test_asgi_disconnect_before_the_response_is_499() -> None:
    client, backend = memory_client()

    async def app(scope: Message, receive: Any, send: Any) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    server = ASGIServer(
        [
            {"type": "http.request", "body": b"", "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    server.run(ASGIMiddleware(app, client=client), http_scope())

    assert only_stat(backend).meta["status"] == "499"


def test_asgi_send_failing_because_the_client_left_is_499() -> None:
    client, backend = memory_client()
    gone = ConnectionResetError("peer gone")
    server = ASGIServer(send_error=gone)

    with pytest.raises(ConnectionResetError) as caught:
        server.run(ASGIMiddleware(ok_app(), client=client), http_scope())

    assert caught.value is gone
    stat = only_stat(backend)
    assert (stat.meta["status"], stat.meta["error"]) == ("499", "ConnectionResetError")


@pytest.mark.parametrize(
    ("path", "method", "tracked_"),
    [
        ("/health", "GET", False),
        ("/health/deep", "GET", True),
        ("/static/app.css", "GET", False),
        ("/static", "GET", True),
        ("/items", "OPTIONS", False),
        ("/items", "GET", True),
    ],
)
def test_asgi_excluded_paths_and_methods(
    path: str, method: str, tracked_: bool
) -> None:
    client, backend = memory_client()
    app = ASGIMiddleware(
        ok_app(),
        client=client,
        exclude_paths=["/health", "/static/*"],
        exclude_methods=["options"],
    )

    sent = get(app, path, method)

    assert sent[-1]["body"] == b"ok"
    assert len(backend) == (1 if tracked_ else 0)


def test_asgi_stacked_twice_records_each_request_once() -> None:
    client, backend = memory_client()
    inner = ASGIMiddleware(routed_app("/x/{id}"), client=client)

    get(ASGIMiddleware(inner, client=client), "/x/1")

    assert only_stat(backend).meta["route"] == "/x/{id}"


def test_asgi_tracks_despite_a_request_context_left_behind() -> None:
    client, backend = memory_client()
    app = ASGIMiddleware(routed_app("/x/{id}"), client=client)

    # As an unclosed WSGI response on this thread would leave it.
    token = enter_request(RequestInfo("POST"))
    try:
        get(app, "/x/1")
    finally:
        exit_request(token)

    stat = only_stat(backend)
    assert stat.meta["method"] == "GET" and stat.meta["route"] == "/x/{id}"


def test_asgi_cardinality_budget_folds_and_counts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, backend = memory_client()
    app = ASGIMiddleware(
        ok_app(),
        client=client,
        route_resolver=lambda scope: scope["path"],
        cardinality_limit=2,
    )

    with caplog.at_level(logging.WARNING):
        for path in ["/a", "/b", "/c", "/a", "/d", "/c"]:
            get(app, path)

    routes = [stat.meta["route"] for stat in backend.stats]
    assert routes == ["/a", "/b", OVERFLOW_VALUE, "/a", OVERFLOW_VALUE, OVERFLOW_VALUE]
    assert app.budget.folds == {(DEFAULT_REQUEST_METRIC, "route"): 3}
    warnings = [r for r in caplog.records if "budget" in r.getMessage()]
    assert len(warnings) == 1


def test_asgi_cardinality_budget_is_one_per_process() -> None:
    client, backend = memory_client()
    first, second = (
        ASGIMiddleware(
            ok_app(),
            client=client,
            route_resolver=lambda scope: scope["path"],
            cardinality_limit=2,
        )
        for _ in range(2)
    )

    for app, path in [(first, "/a"), (second, "/b"), (second, "/c"), (first, "/b")]:
        get(app, path)

    routes = [stat.meta["route"] for stat in backend.stats]
    assert routes == ["/a", "/b", OVERFLOW_VALUE, "/b"]
    assert first.budget.folds == {}
    assert second.budget.folds == {(DEFAULT_REQUEST_METRIC, "route"): 1}


def test_forgetting_admitted_values_gives_the_whole_budget_back() -> None:
    budget = CardinalityBudget(1)
    assert budget.admit("M", {"k": "a"}) == {"k": "a"}
    assert budget.admit("M", {"k": "b"}) == {"k": OVERFLOW_VALUE}

    forget_admitted_values()

    assert budget.admit("M", {"k": "b"}) == {"k": "b"}
    assert budget.admit("M", {"k": "a"}) == {"k": OVERFLOW_VALUE}


class BrokenBackend(MemoryBackend):
    def send(self, stat: Stat) -> None:
        raise RuntimeError("backend down")


def broken_resolver(scope: Message) -> str:
    raise RuntimeError("resolver bug")


def broken_meta(scope: Message) -> dict[str, str]:
    raise RuntimeError("meta bug")


@pytest.mark.parametrize(
    ("options", "stats_expected"),
    [
        ({"route_resolver": broken_resolver}, 1),
        ({"meta": broken_meta}, 1),
        ({"meta": lambda scope: "not a mapping"}, 1),
        ({"metric": lambda scope: ""}, 0),
    ],
    ids=["resolver", "meta", "meta-type", "metric"],
)
def test_asgi_broken_hooks_never_touch_the_response(
    options: dict[str, Any], stats_expected: int, caplog: pytest.LogCaptureFixture
) -> None:
    client, backend = memory_client()
    app = ASGIMiddleware(ok_app(b"body"), client=client, **options)

    with caplog.at_level(logging.DEBUG, logger="statsmix_middleware"):
        first, second = get(app), get(app)

    assert first == second
    assert first[-1]["body"] == b"body"
    assert len(backend) == 2 * stats_expected
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1
    for stat in backend.stats:
        assert stat.meta["route"] == UNMATCHED_ROUTE


def test_asgi_broken_backend_never_touches_the_response() -> None:
    backend = BrokenBackend()
    client = Client(backend=backend, ignore=False, test_metric_name="")

    sent = get(ASGIMiddleware(ok_app(b"body"), client=client))

    assert sent[-1]["body"] == b"body"
    assert client.failures == 1


def test_asgi_stats_inside_the_request_inherit_route_and_method_across_await(
    statsmix: MemoryBackend,
) -> None:
    @tracked("Lookups")
    async def lookup() -> str:
        await asyncio.sleep(0)
        return "found"

    async def app(scope: Message, receive: Any, send: Any) -> None:
        info = current_request()
        assert info is not None
        info.route = "/orders/{id}"
        await asyncio.sleep(0)
        statsmix_middleware.track("Orders", meta={"plan": "pro"})
        assert await asyncio.create_task(lookup()) == "found"
        statsmix_middleware.track("Own", meta={"route": "mine"})
        await ok_app()(scope, receive, send)

    get(ASGIMiddleware(app), "/orders/7", method="PUT")

    by_name = {stat.name: dict(stat.meta) for stat in statsmix.stats}
    assert by_name["Orders"] == {
        "plan": "pro",
        "method": "PUT",
        "route": "/orders/{id}",
    }
    assert by_name["Lookups"] == {"method": "PUT", "route": "/orders/{id}"}
    assert by_name["Own"] == {"route": "mine", "method": "PUT"}
    assert current_request() is None


def test_asgi_concurrent_requests_each_keep_their_own_route_across_await(
    statsmix: MemoryBackend,
) -> None:
    both_routed = asyncio.Event()
    routed: list[str] = []

    async def app(scope: Message, receive: Any, send: Any) -> None:
        info = current_request()
        assert info is not None
        info.route = scope["path"] + "/{id}"
        routed.append(info.route)
        if len(routed) == 2:
            both_routed.set()
        await both_routed.wait()  # each resumes after the other set its route
        statsmix_middleware.track("Inner")
        await ok_app()(scope, receive, send)

    async def serve() -> None:
        middleware = ASGIMiddleware(app)
        servers = [ASGIServer(), ASGIServer()]
        await asyncio.gather(
            middleware(http_scope("GET", "/a"), servers[0].receive, servers[0].send),
            middleware(http_scope("POST", "/b"), servers[1].receive, servers[1].send),
        )

    asyncio.run(serve())

    inner = sorted(
        (s.meta["method"], s.meta["route"]) for s in statsmix.stats if s.name == "Inner"
    )
    assert inner == [("GET", "/a/{id}"), ("POST", "/b/{id}")]
    assert current_request() is None


def test_asgi_other_scope_types_pass_through_untouched() -> None:
    client, backend = memory_client()
    received: list[tuple[Any, Any, Any]] = []

    async def app(scope: Message, receive: Any, send: Any) -> None:
        received.append((scope, receive, send))

    server = ASGIServer()
    scope = {"type": "custom"}
    asyncio.run(ASGIMiddleware(app, client=client)(scope, server.receive, server.send))

    assert received[0][0] is scope
    assert received[0][1] == server.receive and received[0][2] == server.send
    assert len(backend) == 0


def test_asgi_response_with_trailers_ends_at_the_last_trailer() -> None:
    client, backend = memory_client()
    seen_before_trailers: list[int] = []

    async def app(scope: Message, receive: Any, send: Any) -> None:
        start = {"type": "http.response.start", "status": 200, "trailers": True}
        await send(start)
        await send({"type": "http.response.body", "body": b"data"})
        seen_before_trailers.append(len(backend))
        await send({"type": "http.response.trailers", "headers": []})

    get(ASGIMiddleware(app, client=client))

    assert seen_before_trailers == [0]
    assert only_stat(backend).meta["status"] == "200"


def test_asgi_cancelled_request_counts_as_the_client_gone() -> None:
    client, backend = memory_client()

    async def app(scope: Message, receive: Any, send: Any) -> None:
        await asyncio.sleep(10)

    async def serve() -> None:
        middleware = ASGIMiddleware(app, client=client)
        server = ASGIServer()
        task = asyncio.create_task(
            middleware(http_scope(), server.receive, server.send)
        )
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(serve())

    stat = only_stat(backend)
    assert (stat.meta["status"], stat.meta["error"]) == ("499", "CancelledError")


def test_asgi_stat_meta_is_read_only() -> None:
    client, backend = memory_client()

    get(ASGIMiddleware(ok_app(), client=client))
    get(ASGIMiddleware(ok_app(), client=client))

    with pytest.raises(TypeError):
        backend.stats[0].meta["status"] = "201"  # type: ignore[index]
    assert backend.stats[1].meta["status"] == "200"


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"value": "sum"}, ValueError),
        ({"metric": ""}, ValueError),
        ({"exclude_paths": "/health"}, TypeError),
        ({"exclude_methods": [1]}, TypeError),
        ({"route_resolver": "/x"}, TypeError),
        ({"cardinality_limit": 0}, ValueError),
        ({"flush_timeout": 0}, ValueError),
    ],
)
def test_asgi_bad_options_raise_at_construction(
    options: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        ASGIMiddleware(ok_app(), **options)


def test_asgi_stats_honour_ignore_and_test_metric_name() -> None:
    backend = MemoryBackend()
    renamed = Client(backend=backend, ignore=False, test_metric_name="Staging")
    ignored = Client(backend=backend, ignore=True, test_metric_name="")

    get(ASGIMiddleware(ok_app(), client=renamed))
    get(ASGIMiddleware(ok_app(), client=ignored))

    assert [stat.name for stat in backend.stats] == ["Staging"]
