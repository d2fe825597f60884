from __future__ import annotations

import gc
import logging
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from werkzeug.test import Client as WerkzeugClient

import statsmix_middleware
from statsmix_middleware import (
    ASGIMiddleware,
    Client,
    MemoryBackend,
    RequestInfo,
    Stat,
    WSGIMiddleware,
    current_request,
    tracked,
)
from statsmix_middleware.context import enter_request, exit_request
from statsmix_middleware.conventions import (
    DEFAULT_REQUEST_METRIC,
    OVERFLOW_VALUE,
    UNMATCHED_ROUTE,
)
from tests.middleware.drivers import get as asgi_get
from tests.middleware.drivers import memory_client, only_stat, wsgi_call
from tests.middleware.drivers import ok_app as asgi_ok_app

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


def ok_app(body: bytes = b"ok", status: str = "200 OK") -> Any:
    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        start_response(status, [("Content-Type", "text/plain")])
        return [body]

    return app


def routed_app(route: str) -> Any:
    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        info = current_request()
        assert info is not None
        info.route = route
        return ok_app()(environ, start_response)

    return app


class ClosableBody:
    """A response iterable with a close(), as PEP 3333 allows."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = 0

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed += 1


def test_wsgi_one_stat_per_request_with_method_route_and_status() -> None:
    client, backend = memory_client()
    app = WSGIMiddleware(routed_app("/items/<int:id>"), client=client)

    result = wsgi_call(app, "/items/3", method="DELETE")

    assert (result.status, result.body) == ("200 OK", b"ok")
    stat = only_stat(backend)
    assert stat.name == DEFAULT_REQUEST_METRIC
    assert dict(stat.meta) == {
        "method": "DELETE",
        "route": "/items/<int:id>",
        "status": "200",
    }
    assert current_request() is None


def test_wsgi_generated_at_is_the_request_start() -> None:
    client, backend = memory_client()

    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [])
        time.sleep(0.02)
        yield b"late"

    before = datetime.now(timezone.utc)
    response = WSGIMiddleware(app, client=client)(
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *args: None
    )
    after_call = datetime.now(timezone.utc)
    assert list(response) == [b"late"]

    assert before <= only_stat(backend).generated_at <= after_call


def test_wsgi_value_count_and_callable_metric_get_the_environ() -> None:
    client, backend = memory_client()
    app = WSGIMiddleware(
        ok_app(),
        client=client,
        value="count",
        metric=lambda environ: f"{environ['REQUEST_METHOD'].title()} Hits",
    )

    wsgi_call(app, method="PATCH")

    stat = only_stat(backend)
    assert (stat.name, stat.value) == ("Patch Hits", 1)


def test_wsgi_route_resolver_runs_after_the_app_has_handled_the_request() -> None:
    client, backend = memory_client()

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        environ["matched"] = "/set/by/<app>"  # as a router would, while handling
        return ok_app()(environ, start_response)

    routed = WSGIMiddleware(
        app, client=client, route_resolver=lambda environ: environ.get("matched")
    )
    wsgi_call(routed, "/set/by/me")

    assert only_stat(backend).meta["route"] == "/set/by/<app>"


def test_wsgi_through_werkzeug_test_client(statsmix: MemoryBackend) -> None:
    app = WSGIMiddleware(ok_app(b"hello", "404 NOT FOUND"))

    response = WerkzeugClient(app).get("/nowhere/123", buffered=True)

    assert (response.status_code, response.data) == (404, b"hello")
    stat = only_stat(statsmix)
    assert dict(stat.meta) == {
        "method": "GET",
        "route": UNMATCHED_ROUTE,
        "status": "404",
    }
    assert "123" not in repr(stat)


def test_wsgi_raw_path_only_when_asked() -> None:
    client, backend = memory_client()

    wsgi_call(WSGIMiddleware(ok_app(), client=client, record_raw_path=True), "/p/9")

    assert only_stat(backend).meta["route"] == "/p/9"


def test_wsgi_route_resolver_gets_the_environ() -> None:
    client, backend = memory_client()
    app = WSGIMiddleware(
        ok_app(), client=client, route_resolver=lambda environ: environ["PATH_INFO"][:2]
    )

    wsgi_call(app, "/abc")

    assert only_stat(backend).meta["route"] == "/a"


def test_wsgi_stat_is_recorded_at_exhaustion_and_close_forwarded_once() -> None:
    client, backend = memory_client()
    body = ClosableBody([b"a", b"b"])

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [])
        return body

    response = WSGIMiddleware(app, client=client)(
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *args: None
    )
    assert list(response) == [b"a", b"b"]
    assert only_stat(backend).meta["status"] == "200"
    assert body.closed == 0

    response.close()  # type: ignore[attr-defined]

    assert body.closed == 1
    assert len(backend) == 1


def test_wsgi_streamed_duration_covers_the_whole_stream() -> None:
    client, backend = memory_client()

    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [])
        for _ in range(3):
            time.sleep(0.02)
            yield b"x"

    result = wsgi_call(WSGIMiddleware(app, client=client))

    assert result.body == b"xxx"
    assert only_stat(backend).value >= 60


def test_wsgi_response_closed_before_the_end_is_499() -> None:
    client, backend = memory_client()
    body = ClosableBody([b"a", b"b", b"c"])

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [])
        return body

    wsgi_call(WSGIMiddleware(app, client=client), stop_after=1)

    assert body.closed == 1
    assert only_stat(backend).meta["status"] == "499"


class Boom(Exception):
    pass


def test_wsgi_exception_from_the_app_is_500_and_passes_through_unchanged() -> None:
    client, backend = memory_client()
    raised = Boom("no")

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        raise raised

    with pytest.raises(Boom) as caught:
        wsgi_call(WSGIMiddleware(app, client=client))

    assert caught.value is raised
    assert traceback.extract_tb(caught.value.__traceback__)[-1].name == "app"
    assert caught.value.__context__ is None
    assert dict(only_stat(backend).meta) == {
        "method": "GET",
        "route": UNMATCHED_ROUTE,
        "status": "500",
        "error": "Boom",
    }
    assert current_request() is None


@pytest.mark.parametrize(("start_first", "status"), [(False, "500"), (True, "200")])
def test_wsgi_exception_while_streaming(start_first: bool, status: str) -> None:
    client, backend = memory_client()
    raised = Boom("mid-stream")

    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        if start_first:
            start_response("200 OK", [])
            yield b"partial"
        raise raised

    with pytest.raises(Boom) as caught:
        wsgi_call(WSGIMiddleware(app, client=client))

    assert caught.value is raised
    assert traceback.extract_tb(caught.value.__traceback__)[-1].name == "app"

    stat = only_stat(backend)
    assert (stat.meta["status"], stat.meta["error"]) == (status, "Boom")
    assert current_request() is None


def test_wsgi_iterable_without_close_is_fine() -> None:
    client, backend = memory_client()

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        start_response("201 Created", [])
        return (chunk for chunk in [b"x"])

    result = wsgi_call(WSGIMiddleware(app, client=client))

    assert result.body == b"x"
    assert only_stat(backend).meta["status"] == "201"


@pytest.mark.parametrize(
    ("path", "method", "tracked_"),
    [
        ("/health", "GET", False),
        ("/healthz", "GET", True),
        ("/internal/metrics", "GET", False),
        ("/items", "HEAD", False),
        ("/items", "GET", True),
    ],
)
def test_wsgi_excluded_paths_and_methods(
    path: str, method: str, tracked_: bool
) -> None:
    client, backend = memory_client()
    app = WSGIMiddleware(
        ok_app(),
        client=client,
        exclude_paths=["/health", "/internal/*"],
        exclude_methods=["HEAD"],
    )

    assert wsgi_call(app, path, method).body == b"ok"
    assert len(backend) == (1 if tracked_ else 0)
    assert current_request() is None


def test_wsgi_stacked_twice_records_each_request_once() -> None:
    client, backend = memory_client()
    inner = WSGIMiddleware(routed_app("/in"), client=client)

    wsgi_call(WSGIMiddleware(inner, client=client))

    assert only_stat(backend).meta["route"] == "/in"


def test_wsgi_context_left_behind_on_a_thread_does_not_hide_requests() -> None:
    client, backend = memory_client()
    stale = enter_request(RequestInfo("GET", "/stale"))
    try:
        wsgi_call(WSGIMiddleware(ok_app(), client=client))
    finally:
        exit_request(stale)

    assert only_stat(backend).meta["route"] == UNMATCHED_ROUTE


def test_wsgi_response_read_to_the_end_but_never_closed_leaves_no_context() -> None:
    client, backend = memory_client()
    response = WSGIMiddleware(routed_app("/first"), client=client)(
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *args: None
    )

    assert list(response) == [b"ok"]  # as a test client does, without close()

    assert current_request() is None
    asgi_app = ASGIMiddleware(asgi_ok_app(), client=client)
    asgi_get(asgi_app, "/next")  # not mistaken for a request inside another
    assert [s.meta["route"] for s in backend.stats] == ["/first", UNMATCHED_ROUTE]


def test_wsgi_cardinality_budget_folds_user_meta() -> None:
    client, backend = memory_client()
    app = WSGIMiddleware(
        ok_app(),
        client=client,
        meta=lambda environ: {"user": environ["PATH_INFO"]},
        cardinality_limit=1,
    )

    for path in ["/1", "/2", "/1"]:
        wsgi_call(app, path)

    assert [s.meta["user"] for s in backend.stats] == ["/1", OVERFLOW_VALUE, "/1"]
    assert app.budget.folds == {(DEFAULT_REQUEST_METRIC, "user"): 1}


class BrokenBackend(MemoryBackend):
    def send(self, stat: Stat) -> None:
        raise RuntimeError("backend down")


def test_wsgi_broken_backend_resolver_and_meta_never_touch_the_response(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Client(backend=BrokenBackend(), ignore=False, test_metric_name="")

    def fail(environ: Environ) -> Any:
        raise RuntimeError("hook bug")

    app = WSGIMiddleware(ok_app(b"fine"), client=client, route_resolver=fail, meta=fail)

    with caplog.at_level(logging.ERROR):
        results = [wsgi_call(app) for _ in range(3)]

    assert {(r.status, r.body) for r in results} == {("200 OK", b"fine")}
    assert client.failures == 3
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 3  # one per kind: resolver, meta, backend


def test_wsgi_stats_inside_the_request_inherit_route_and_method(
    statsmix: MemoryBackend,
) -> None:
    @tracked
    def render(chunk: str) -> bytes:
        return chunk.encode()

    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        info = current_request()
        assert info is not None
        info.route = "/report"
        start_response("200 OK", [])
        statsmix_middleware.track("Reports")
        yield render("a")  # runs while the server iterates the body

    wsgi_call(WSGIMiddleware(app), method="POST")

    metas = {stat.name: dict(stat.meta) for stat in statsmix.stats}
    assert metas["Reports"] == {"method": "POST", "route": "/report"}
    assert metas[f"{__name__}.{render.__qualname__}"] == {
        "method": "POST",
        "route": "/report",
    }
    assert metas[DEFAULT_REQUEST_METRIC]["route"] == "/report"


class SelfIterating:
    """An iterable that is its own iterator and has close(), like werkzeug's."""

    def __init__(self) -> None:
        self.chunks = [b"a", b"b", b"c"]
        self.closed = 0

    def __iter__(self) -> SelfIterating:
        return self

    def __next__(self) -> bytes:
        if not self.chunks:
            raise StopIteration
        return self.chunks.pop(0)

    def close(self) -> None:
        self.closed += 1


def test_wsgi_close_reaches_a_self_iterating_body_exactly_once() -> None:
    client, backend = memory_client()
    body = SelfIterating()

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [])
        return body

    wsgi_call(WSGIMiddleware(app, client=client), stop_after=1)
    gc.collect()

    assert body.closed == 1
    assert only_stat(backend).meta["status"] == "499"
