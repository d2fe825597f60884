"""The Starlette middleware on FastAPI apps, through FastAPI's test client."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    FastAPI,
    HTTPException,
    WebSocket,
)
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from statsmix_middleware import Client, MemoryBackend, current_request, tracked
from statsmix_middleware.conventions import UNMATCHED_ROUTE
from statsmix_starlette import StatsMixMiddleware, install
from tests.integrations.conftest import only_stat


def route_of(memory: MemoryBackend) -> str:
    return str(only_stat(memory).meta["route"])


def make_app(client: Client, **options: Any) -> FastAPI:
    app = FastAPI()
    app.add_middleware(StatsMixMiddleware, client=client, **options)
    return app


def test_path_operation_template(memory: MemoryBackend, client: Client) -> None:
    app = make_app(client)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    response = TestClient(app).get("/items/3")

    assert response.json() == {"item_id": 3}
    assert only_stat(memory).meta == {
        "method": "GET",
        "route": "/items/{item_id}",
        "status": "200",
    }


def test_middleware_in_the_constructor_works_like_add_middleware(
    memory: MemoryBackend, client: Client
) -> None:
    app = FastAPI(middleware=[Middleware(StatsMixMiddleware, client=client)])
    router = APIRouter(prefix="/posts")

    @router.get("/{slug}")
    def post(slug: str) -> str:
        return slug

    app.include_router(router, prefix="/blog")

    assert TestClient(app).get("/blog/posts/hello").json() == "hello"
    assert route_of(memory) == "/blog/posts/{slug}"


def test_path_converters_stay_in_the_template(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(client)
    files = APIRouter(prefix="/files")

    @files.get("/{file_path:path}")
    def download(file_path: str) -> dict[str, str]:
        return {"path": file_path}

    app.include_router(files, prefix="/v1")

    assert TestClient(app).get("/v1/files/docs/a.txt").json() == {"path": "docs/a.txt"}
    assert route_of(memory) == "/v1/files/{file_path:path}"


def test_trailing_slash_redirect_is_unmatched(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(client)

    @app.get("/posts")
    def posts() -> list[str]:
        return []

    response = TestClient(app).get("/posts/", follow_redirects=False)

    assert response.status_code == 307
    assert only_stat(memory).meta == {
        "method": "GET",
        "route": UNMATCHED_ROUTE,
        "status": "307",
    }


def test_router_prefixes_and_nested_include_router(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(client)
    users = APIRouter(prefix="/users")
    orders = APIRouter(prefix="/{user_id}/orders")

    @orders.get("/{order_id}")
    def order(user_id: int, order_id: int) -> dict[str, int]:
        return {"order_id": order_id}

    @users.get("/me")
    def me() -> dict[str, str]:
        return {"name": "ada"}

    users.include_router(orders)
    app.include_router(users, prefix="/v2")
    http = TestClient(app)

    http.get("/v2/users/me")
    http.get("/v2/users/5/orders/7")

    routes = [stat.meta["route"] for stat in memory.stats]
    assert routes == ["/v2/users/me", "/v2/users/{user_id}/orders/{order_id}"]


def test_mounted_fastapi_sub_app(memory: MemoryBackend, client: Client) -> None:
    app = make_app(client)
    v1 = FastAPI()
    router = APIRouter(prefix="/reports")

    @router.get("/{year}")
    def report(year: int) -> dict[str, int]:
        return {"year": year}

    v1.include_router(router)
    app.mount("/api/v1", v1)

    TestClient(app).get("/api/v1/reports/2026")

    assert route_of(memory) == "/api/v1/reports/{year}"


def test_websocket_on_an_included_router(memory: MemoryBackend, client: Client) -> None:
    app = make_app(client, track_websockets=True)
    chat = APIRouter(prefix="/chat")

    @chat.websocket("/{room}")
    async def room(websocket: WebSocket, room: str) -> None:
        await websocket.accept()
        await websocket.send_text(f"welcome to {room}")
        await websocket.close()

    app.include_router(chat, prefix="/ws")

    with TestClient(app).websocket_connect("/ws/chat/lobby") as websocket:
        assert websocket.receive_text() == "welcome to lobby"

    assert route_of(memory) == "/ws/chat/{room}"


def test_root_path_is_not_part_of_the_template(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(client)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    # As ``fastapi run --root-path /gateway`` behind a proxy would call it.
    response = TestClient(app, root_path="/gateway").get("/gateway/items/3")

    assert response.status_code == 200
    assert route_of(memory) == "/items/{item_id}"


def test_unknown_path_and_wrong_method(memory: MemoryBackend, client: Client) -> None:
    app = make_app(client)
    router = APIRouter(prefix="/posts")

    @router.get("/{slug}")
    def post(slug: str) -> str:
        return slug

    app.include_router(router)
    http = TestClient(app)

    assert http.get("/secret-probe/123").status_code == 404
    assert http.delete("/posts/hello").status_code == 405

    unknown, wrong_method = memory.stats
    assert unknown.meta["route"] == UNMATCHED_ROUTE
    assert "secret-probe" not in repr(unknown)
    assert wrong_method.meta == {
        "method": "DELETE",
        "route": "/posts/{slug}",
        "status": "405",
    }


def test_http_exception_validation_error_and_handlers(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(client)

    class OutOfStock(Exception):
        pass

    @app.exception_handler(OutOfStock)
    def out_of_stock(request: Request, exc: OutOfStock) -> PlainTextResponse:
        return PlainTextResponse("sold out", status_code=410)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        if item_id == 0:
            raise HTTPException(status_code=404, detail="no such item")
        if item_id == 1:
            raise OutOfStock()
        return {"item_id": item_id}

    http = TestClient(app)
    assert http.get("/items/0").status_code == 404
    assert http.get("/items/1").status_code == 410
    assert http.get("/items/not-a-number").status_code == 422

    assert [(s.meta["route"], s.meta["status"]) for s in memory.stats] == [
        ("/items/{item_id}", "404"),
        ("/items/{item_id}", "410"),
        ("/items/{item_id}", "422"),
    ]


@pytest.mark.parametrize("raise_server_exceptions", [True, False])
def test_unhandled_exception_is_500_with_error(
    memory: MemoryBackend, client: Client, raise_server_exceptions: bool
) -> None:
    app = make_app(client)

    @app.get("/crash")
    async def crash() -> None:
        raise KeyError("missing")

    http = TestClient(app, raise_server_exceptions=raise_server_exceptions)
    if raise_server_exceptions:
        with pytest.raises(KeyError):
            http.get("/crash")
    else:
        assert http.get("/crash").status_code == 500

    stat = only_stat(memory)
    assert stat.meta["status"] == "500"
    assert stat.meta["error"] == "KeyError"


def test_dependencies_and_endpoint_see_the_template(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(client)
    router = APIRouter(prefix="/blog")
    seen_by_dependency: list[str | None] = []

    def current_user() -> str:
        info = current_request()
        seen_by_dependency.append(info.route if info else None)
        return "ada"

    @tracked("Blog Posts", client=client, meta=lambda slug, user: {"author": user})
    def publish(slug: str, user: str) -> str:
        return slug

    @router.post("/posts/{slug}")
    def create_post(slug: str, user: str = Depends(current_user)) -> str:
        return publish(slug, user)

    app.include_router(router)
    TestClient(app).post("/blog/posts/hello")

    post, request = memory.stats
    assert seen_by_dependency == ["/blog/posts/{slug}"]
    assert post.name == "Blog Posts"
    assert post.meta == {
        "author": "ada",
        "method": "POST",
        "route": "/blog/posts/{slug}",
    }
    assert request.meta["route"] == "/blog/posts/{slug}"


def test_background_tasks_run_after_the_stat(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(client)
    seen_by_task: list[int] = []

    def send_email() -> None:
        seen_by_task.append(len(memory.named("HTTP Requests")))

    @app.post("/signup")
    def signup(tasks: BackgroundTasks) -> dict[str, bool]:
        tasks.add_task(send_email)
        return {"ok": True}

    TestClient(app).post("/signup")

    assert seen_by_task == [1]
    assert route_of(memory) == "/signup"


class PaymentDown(Exception):
    pass


def test_installed_sees_the_status_of_an_exception_handler(
    memory: MemoryBackend, client: Client
) -> None:
    app = FastAPI()
    orders = APIRouter(prefix="/orders")

    @app.exception_handler(Exception)
    async def unavailable(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("try again later", status_code=503)

    @orders.post("/{order_id}/pay")
    async def pay(order_id: int) -> None:
        raise PaymentDown(order_id)

    app.include_router(orders, prefix="/api")
    install(app, client=client)

    response = TestClient(app, raise_server_exceptions=False).post("/api/orders/7/pay")

    assert response.status_code == 503
    assert only_stat(memory).meta == {
        "method": "POST",
        "route": "/api/orders/{order_id}/pay",
        "status": "503",
        "error": "PaymentDown",
    }


@pytest.mark.parametrize("raise_server_exceptions", [True, False])
def test_installed_sees_the_status_of_a_500_handler(
    memory: MemoryBackend, client: Client, raise_server_exceptions: bool
) -> None:
    async def unavailable(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("try again later", status_code=503)

    app = FastAPI(exception_handlers={500: unavailable})
    install(app, client=client, exclude_paths=["/health"])

    @app.get("/reports/{year}")
    def report(year: int) -> None:
        raise PaymentDown(year)

    @app.get("/health")
    def health() -> str:
        return "ok"

    http = TestClient(app, raise_server_exceptions=raise_server_exceptions)
    assert http.get("/health").status_code == 200
    if raise_server_exceptions:
        with pytest.raises(PaymentDown):
            http.get("/reports/2026")
    else:
        assert http.get("/reports/2026").status_code == 503

    stat = only_stat(memory)
    assert (stat.meta["route"], stat.meta["status"]) == ("/reports/{year}", "503")
    assert stat.meta["error"] == "PaymentDown"


def test_added_middleware_records_500_under_an_exception_handler(
    memory: MemoryBackend, client: Client
) -> None:
    """The placement install() exists for, as the README says."""
    app = make_app(client)

    @app.exception_handler(Exception)
    async def unavailable(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("try again later", status_code=503)

    @app.get("/pay")
    async def pay() -> None:
        raise PaymentDown()

    assert TestClient(app, raise_server_exceptions=False).get("/pay").status_code == 503
    assert only_stat(memory).meta["status"] == "500"
