"""The Starlette middleware, through Starlette's own test client."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Host, Mount, Route, Router, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from statsmix_middleware import Client, MemoryBackend, tracked
from statsmix_middleware.conventions import UNMATCHED_ROUTE
from statsmix_starlette import StatsMixMiddleware, middleware
from tests.integrations.conftest import get_crash, only_stat


def ok(request: Request) -> Response:
    return PlainTextResponse("ok")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


def make_app(client: Client, routes: Sequence[BaseRoute], **options: Any) -> Starlette:
    return Starlette(
        routes=routes,
        middleware=[Middleware(StatsMixMiddleware, client=client, **options)],
    )


def route_of(memory: MemoryBackend) -> str:
    return str(only_stat(memory).meta["route"])


def test_route_template_and_meta(memory: MemoryBackend, client: Client) -> None:
    app = make_app(client, [Route("/items/{item_id}", ok)])

    response = TestClient(app).get("/items/42")

    assert response.status_code == 200
    stat = only_stat(memory)
    assert stat.name == "HTTP Requests"
    assert stat.meta == {"method": "GET", "route": "/items/{item_id}", "status": "200"}


def test_template_keeps_its_converters_as_declared(
    memory: MemoryBackend, client: Client
) -> None:
    files = Route("/files/{file_path:path}", ok)
    app = make_app(client, [Mount("/v{major:int}", routes=[files])])

    TestClient(app).get("/v2/files/docs/a.txt")

    assert route_of(memory) == "/v{major:int}/files/{file_path:path}"


def test_add_middleware_works_like_the_constructor(
    memory: MemoryBackend, client: Client
) -> None:
    app = Starlette(routes=[Route("/posts/{slug}", ok)])
    app.add_middleware(StatsMixMiddleware, client=client, metric="Web")

    TestClient(app).get("/posts/hello")

    stat = only_stat(memory)
    assert (stat.name, stat.meta["route"]) == ("Web", "/posts/{slug}")


def test_mounts_nested_to_any_depth(memory: MemoryBackend, client: Client) -> None:
    leaf = Route("/files/{name}", ok)
    deep = Mount("/orgs/{org}", routes=[Mount("/teams/{team}", routes=[leaf])])
    app = make_app(client, [Mount("/api", routes=[Mount("/v1", routes=[deep])])])

    TestClient(app).get("/api/v1/orgs/acme/teams/red/files/a.txt")

    assert route_of(memory) == "/api/v1/orgs/{org}/teams/{team}/files/{name}"


def test_mounted_sub_app_and_router(memory: MemoryBackend, client: Client) -> None:
    sub_app = Starlette(routes=[Route("/users/{user_id}", ok)])
    router = Router([Route("/reports/{year:int}", ok)])
    app = make_app(client, [Mount("/admin", app=sub_app), Mount("/stats", router)])
    http = TestClient(app)

    http.get("/admin/users/9")
    http.get("/stats/reports/2026")

    routes = [stat.meta["route"] for stat in memory.stats]
    assert routes == ["/admin/users/{user_id}", "/stats/reports/{year:int}"]


def test_mounted_app_without_routes_answers_below_its_prefix(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(client, [Mount("/static", app=PlainTextResponse("file"))])

    TestClient(app).get("/static/css/site.css")

    assert route_of(memory) == "/static/{path:path}"


def test_middleware_on_a_mount_still_sees_the_full_template(
    memory: MemoryBackend, client: Client
) -> None:
    tracked_mount = Mount(
        "/api/{version}",
        routes=[Route("/items/{item_id}", ok)],
        middleware=[Middleware(StatsMixMiddleware, client=client)],
    )
    app = Starlette(routes=[tracked_mount])

    TestClient(app).get("/api/v2/items/3")

    assert route_of(memory) == "/api/{version}/items/{item_id}"


def test_sub_app_tracked_inside_and_out_counts_once_with_full_template(
    memory: MemoryBackend, client: Client
) -> None:
    sub_app = make_app(client, [Route("/users/{user_id}", ok)])
    app = make_app(client, [Mount("/admin", app=sub_app)])
    http = TestClient(app)

    http.get("/admin/users/1")
    assert route_of(memory) == "/admin/users/{user_id}"

    memory.clear()
    TestClient(sub_app).get("/users/1")
    assert route_of(memory) == "/users/{user_id}"


def test_host_routes(memory: MemoryBackend, client: Client) -> None:
    api = Router([Route("/widgets/{widget_id}", ok)])
    app = make_app(client, [Host("api.example.com", api), Route("/widgets/{x}", ok)])

    TestClient(app, base_url="http://api.example.com").get("/widgets/3")

    assert route_of(memory) == "/widgets/{widget_id}"


def test_wrapping_a_bare_router(memory: MemoryBackend, client: Client) -> None:
    app = StatsMixMiddleware(Router([Route("/items/{item_id}", ok)]), client=client)

    TestClient(app).get("/items/1")

    assert route_of(memory) == "/items/{item_id}"


def test_root_path_is_not_part_of_the_template(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(client, [Mount("/v1", routes=[Route("/items/{item_id}", ok)])])

    # Behind a proxy at /gateway: the server keeps the prefix in the path and
    # names it in root_path.
    http = TestClient(app, root_path="/gateway")
    response = http.get("/gateway/v1/items/5")

    assert response.status_code == 200
    assert route_of(memory) == "/v1/items/{item_id}"


def test_websocket_route(memory: MemoryBackend, client: Client) -> None:
    app = make_app(client, [WebSocketRoute("/ws/{room}", echo)], track_websockets=True)

    with TestClient(app).websocket_connect("/ws/lobby") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "hi"

    stat = only_stat(memory)
    assert stat.meta["route"] == "/ws/{room}"
    assert stat.meta["method"] == "WEBSOCKET"


def test_unknown_path_gets_the_placeholder_and_no_trace_of_it(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(client, [Route("/items/{item_id}", ok)])

    response = TestClient(app).get("/wp-login.php?probe=secret-probe")

    assert response.status_code == 404
    stat = only_stat(memory)
    assert stat.meta == {"method": "GET", "route": UNMATCHED_ROUTE, "status": "404"}
    assert "wp-login" not in repr(stat) and "secret-probe" not in repr(stat)


def test_unknown_path_inside_a_mount_is_unmatched(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(client, [Mount("/api", routes=[Route("/items/{item_id}", ok)])])

    assert TestClient(app).get("/api/nothing/here").status_code == 404
    assert route_of(memory) == UNMATCHED_ROUTE


@pytest.mark.parametrize("declared", ["/posts", "/posts/"])
def test_trailing_slash_redirect_is_unmatched(
    memory: MemoryBackend, client: Client, declared: str
) -> None:
    app = make_app(client, [Route(declared, ok)])
    other = "/posts/" if declared == "/posts" else "/posts"

    response = TestClient(app).get(other, follow_redirects=False)

    assert response.status_code == 307
    assert only_stat(memory).meta == {
        "method": "GET",
        "route": UNMATCHED_ROUTE,
        "status": "307",
    }


def test_wrong_method_keeps_the_template(memory: MemoryBackend, client: Client) -> None:
    routes = [Route("/posts/{slug}", ok, methods=["GET"])]
    app = make_app(client, [Mount("/blog", routes=routes)])

    response = TestClient(app).delete("/blog/posts/hello")

    assert response.status_code == 405
    assert only_stat(memory).meta == {
        "method": "DELETE",
        "route": "/blog/posts/{slug}",
        "status": "405",
    }


def test_http_exception_and_handlers_give_the_status_sent(
    memory: MemoryBackend, client: Client
) -> None:
    def conflict(request: Request) -> Response:
        raise HTTPException(409, "taken")

    def bad_value(request: Request) -> Response:
        raise ValueError("nope")

    def teapot(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("handled", status_code=418)

    app = Starlette(
        routes=[Route("/conflict", conflict), Route("/value", bad_value)],
        middleware=[Middleware(StatsMixMiddleware, client=client)],
        exception_handlers={ValueError: teapot},
    )
    http = TestClient(app)

    assert http.get("/conflict").status_code == 409
    assert http.get("/value").status_code == 418
    assert [s.meta["status"] for s in memory.stats] == ["409", "418"]
    assert all("error" not in s.meta for s in memory.stats)


@pytest.mark.parametrize("raise_server_exceptions", [True, False])
def test_unhandled_exception_is_500_with_error(
    memory: MemoryBackend, client: Client, raise_server_exceptions: bool
) -> None:
    raised = ZeroDivisionError("boom")

    def crash(request: Request) -> Response:
        raise raised

    app = make_app(client, [Route("/crash", crash)])

    get_crash(app, raised, raise_server_exceptions)

    assert only_stat(memory).meta == {
        "method": "GET",
        "route": "/crash",
        "status": "500",
        "error": "ZeroDivisionError",
    }


def test_stats_made_by_the_endpoint_carry_the_template(
    memory: MemoryBackend, client: Client
) -> None:
    @tracked("Renders", client=client)
    async def render(slug: str) -> str:
        return slug.upper()

    async def post(request: Request) -> Response:
        client.track("Blog Posts", meta={"author": "ada"})
        return PlainTextResponse(await render(request.path_params["slug"]))

    def sync_post(request: Request) -> Response:
        client.track("Sync Posts")
        return PlainTextResponse("ok")

    routes = [Route("/posts/{slug}", post), Route("/sync/{slug}", sync_post)]
    app = make_app(client, [Mount("/blog", routes=routes)])
    http = TestClient(app)

    http.get("/blog/posts/hello")
    http.get("/blog/sync/hello")

    posts, renders, _, sync, _ = memory.stats
    assert posts.meta == {
        "author": "ada",
        "method": "GET",
        "route": "/blog/posts/{slug}",
    }
    assert renders.meta["route"] == "/blog/posts/{slug}"
    assert sync.meta["route"] == "/blog/sync/{slug}"


def test_background_tasks_run_after_the_stat(
    memory: MemoryBackend, client: Client
) -> None:
    seen_by_task: list[int] = []

    def send_email() -> None:
        seen_by_task.append(len(memory.named("HTTP Requests")))

    def signup(request: Request) -> Response:
        return PlainTextResponse("welcome", background=BackgroundTask(send_email))

    app = make_app(client, [Route("/signup", signup, methods=["POST"])])
    TestClient(app).post("/signup")

    # The request's stat was already recorded when the task started: its
    # duration cannot include the task.
    assert seen_by_task == [1]


def test_streaming_response_counts_once_at_its_end(
    memory: MemoryBackend, client: Client
) -> None:
    async def chunks() -> object:
        for number in range(3):
            assert memory.stats == []
            yield f"{number}\n"

    def stream(request: Request) -> Response:
        return StreamingResponse(chunks())  # type: ignore[arg-type]

    app = make_app(client, [Route("/stream", stream)])

    assert TestClient(app).get("/stream").text == "0\n1\n2\n"
    assert route_of(memory) == "/stream"


def test_excluded_paths_and_methods(memory: MemoryBackend, client: Client) -> None:
    routes = [
        Route("/health", ok),
        Route("/items/{item_id}", ok, methods=["GET", "OPTIONS"]),
    ]
    app = make_app(
        client, routes, exclude_paths=["/health"], exclude_methods=["OPTIONS"]
    )
    http = TestClient(app)

    http.get("/health")
    http.options("/items/1")
    http.get("/items/1")

    assert route_of(memory) == "/items/{item_id}"


def test_stacked_twice_counts_once(memory: MemoryBackend, client: Client) -> None:
    app = Starlette(
        routes=[Route("/items/{item_id}", ok)],
        middleware=[
            Middleware(StatsMixMiddleware, client=client),
            Middleware(StatsMixMiddleware, client=client),
        ],
    )

    TestClient(app).get("/items/1")

    assert route_of(memory) == "/items/{item_id}"


def test_lifespan_passes_through(memory: MemoryBackend, client: Client) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    app = Starlette(
        routes=[Route("/", ok)],
        middleware=[Middleware(StatsMixMiddleware, client=client)],
        lifespan=lifespan,
    )

    with TestClient(app) as http:
        http.get("/")

    assert events == ["startup", "shutdown"]
    assert route_of(memory) == "/"


def test_a_failing_route_lookup_never_breaks_the_request(
    memory: MemoryBackend,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(routes: object, scope: object) -> str:
        raise RuntimeError("lookup bug")

    monkeypatch.setattr(middleware, "resolve_route", broken)
    app = make_app(client, [Route("/items/{item_id}", ok)])

    assert TestClient(app).get("/items/1").status_code == 200
    assert route_of(memory) == UNMATCHED_ROUTE
    (record,) = [r for r in caplog.records if "route resolution" in r.getMessage()]
    assert record.name == "statsmix_middleware.starlette"
    assert record.levelno == logging.ERROR


def test_default_client_is_looked_up_per_request(statsmix: MemoryBackend) -> None:
    app = Starlette(
        routes=[Route("/items/{item_id}", ok)],
        middleware=[Middleware(StatsMixMiddleware)],
    )

    TestClient(app).get("/items/7")

    assert route_of(statsmix) == "/items/{item_id}"
