"""``install()``: the middleware around Starlette's whole stack, error handler too."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from statsmix_middleware import Client, MemoryBackend
from statsmix_starlette import StatsMixMiddleware, install
from tests.integrations.conftest import get_crash, only_stat

Handler = Callable[[Request, Exception], Response]


class PaymentDown(Exception):
    pass


def pay(request: Request) -> Response:
    raise PaymentDown("the provider is down")


def conflict(request: Request) -> Response:
    raise HTTPException(409, "taken")


def unavailable(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("try again later", status_code=503)


async def async_unavailable(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("try again later", status_code=503)


def shop(**options: object) -> Starlette:
    routes = [
        Route("/orders/{order_id:int}/pay", pay, methods=["POST"]),
        Route("/conflict", conflict),
    ]
    return Starlette(routes=routes, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [Exception, 500], ids=["Exception", "500"])
@pytest.mark.parametrize("handler", [unavailable, async_unavailable])
def test_server_error_handler_status_is_recorded_with_the_error(
    memory: MemoryBackend, client: Client, key: object, handler: Handler
) -> None:
    app = shop(exception_handlers={key: handler})
    install(app, client=client)

    response = TestClient(app, raise_server_exceptions=False).post("/orders/7/pay")

    assert response.status_code == 503
    assert only_stat(memory).meta == {
        "method": "POST",
        "route": "/orders/{order_id:int}/pay",
        "status": "503",
        "error": "PaymentDown",
    }


def test_added_middleware_cannot_see_a_server_error_handler(
    memory: MemoryBackend, client: Client
) -> None:
    """What install() exists for, as the README says of add_middleware."""
    app = shop(exception_handlers={Exception: unavailable})
    app.add_middleware(StatsMixMiddleware, client=client)

    response = TestClient(app, raise_server_exceptions=False).post("/orders/7/pay")

    assert response.status_code == 503
    assert only_stat(memory).meta["status"] == "500"
    assert only_stat(memory).meta["error"] == "PaymentDown"


@pytest.mark.parametrize("raise_server_exceptions", [True, False])
def test_unhandled_exception_is_500_with_error_and_passes_through(
    memory: MemoryBackend, client: Client, raise_server_exceptions: bool
) -> None:
    raised = PaymentDown("down")

    def crash(request: Request) -> Response:
        raise raised

    app = Starlette(routes=[Route("/crash", crash)])
    install(app, client=client)

    get_crash(app, raised, raise_server_exceptions)

    assert only_stat(memory).meta == {
        "method": "GET",
        "route": "/crash",
        "status": "500",
        "error": "PaymentDown",
    }


def test_handled_errors_and_plain_requests_carry_no_error(
    memory: MemoryBackend, client: Client
) -> None:
    def ok(request: Request) -> Response:
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/conflict", conflict), Route("/ok", ok)])
    install(app, client=client)
    http = TestClient(app)

    assert http.get("/conflict").status_code == 409
    assert http.get("/ok").status_code == 200
    assert http.get("/missing").status_code == 404

    assert [dict(stat.meta) for stat in memory.stats] == [
        {"method": "GET", "route": "/conflict", "status": "409"},
        {"method": "GET", "route": "/ok", "status": "200"},
        {"method": "GET", "route": "__unmatched__", "status": "404"},
    ]


def test_meta_option_is_kept_beside_the_error(
    memory: MemoryBackend, client: Client
) -> None:
    def region(scope: Mapping[str, object]) -> dict[str, str]:
        return {"region": "eu", "error": "not mine to set"}

    app = shop(exception_handlers={500: unavailable})
    install(app, client=client, meta=region)

    TestClient(app, raise_server_exceptions=False).post("/orders/1/pay")
    TestClient(app).get("/conflict")

    paid, conflicted = memory.stats
    assert paid.meta["region"] == "eu"
    assert paid.meta["error"] == "PaymentDown"
    assert conflicted.meta["region"] == "eu"


def test_installed_and_added_counts_once(memory: MemoryBackend, client: Client) -> None:
    app = shop(
        exception_handlers={Exception: unavailable},
        middleware=[Middleware(StatsMixMiddleware, client=client)],
    )
    install(app, client=client)

    TestClient(app, raise_server_exceptions=False).post("/orders/2/pay")

    assert only_stat(memory).meta["status"] == "503"


def test_websockets_and_lifespan_pass_through(
    memory: MemoryBackend, client: Client
) -> None:
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    app = Starlette(routes=[WebSocketRoute("/ws/{room}", echo)])
    install(app, client=client, track_websockets=True)

    with TestClient(app) as http, http.websocket_connect("/ws/lobby") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "hi"

    stat = only_stat(memory)
    assert (stat.meta["route"], stat.meta["method"]) == ("/ws/{room}", "WEBSOCKET")


def test_second_install_warns_and_changes_nothing(
    memory: MemoryBackend, client: Client
) -> None:
    app = shop()
    install(app, client=client)

    with pytest.warns(RuntimeWarning, match="already installed"):
        install(app, client=client, metric="Other")

    TestClient(app).get("/conflict")
    assert only_stat(memory).name == "HTTP Requests"


def test_install_refuses_a_started_app_and_other_apps(client: Client) -> None:
    app = shop()
    TestClient(app).get("/conflict")

    with pytest.raises(RuntimeError, match="before the app serves"):
        install(app, client=client)
    with pytest.raises(TypeError, match="Starlette or FastAPI app"):
        install(PlainTextResponse("not an app"), client=client)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"value": "sum"}, ValueError),
        ({"meta": "region"}, TypeError),
        ({"metrik": "typo"}, TypeError),
    ],
)
def test_bad_options_raise_at_install(
    client: Client, options: dict[str, object], error: type[Exception]
) -> None:
    app = shop()

    with pytest.raises(error):
        install(app, client=client, **options)

    # Nothing was changed: the app still builds its own stack.
    assert "build_middleware_stack" not in vars(app)
