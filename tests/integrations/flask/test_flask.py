"""The Flask extension, through Flask's own test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Blueprint, Flask, Response, abort, stream_with_context

from statsmix_flask import StatsMix, StatsMixState, extension
from statsmix_middleware import Client, MemoryBackend, WSGIMiddleware, tracked, wsgi
from statsmix_middleware.conventions import UNMATCHED_ROUTE
from tests.integrations.conftest import only_stat

# Werkzeug's test client closes a response, which completes its stat, only
# when asked to buffer it (or when the test closes it).


def make_app(**config: object) -> Flask:
    app = Flask(__name__)
    app.config.update(config)

    @app.get("/items/<int:item_id>")
    def item(item_id: int) -> str:
        return f"item {item_id}"

    @app.route("/posts/<slug>", methods=["GET", "PUT"])
    def post(slug: str) -> str:
        return slug

    @app.get("/forbidden")
    def forbidden() -> str:
        abort(403)

    @app.get("/crash")
    def crash() -> str:
        return str(1 // 0)

    @app.get("/health")
    def health() -> str:
        return "ok"

    return app


def test_route_is_the_matched_rule(memory: MemoryBackend, client: Client) -> None:
    app = make_app()
    StatsMix(app, client=client)

    response = app.test_client().get("/items/42", buffered=True)

    assert response.status_code == 200
    stat = only_stat(memory)
    assert stat.name == "HTTP Requests"
    assert stat.meta == {
        "method": "GET",
        "route": "/items/<int:item_id>",
        "status": "200",
    }
    assert stat.value > 0


def test_blueprint_prefixes_are_part_of_the_route(
    memory: MemoryBackend, client: Client
) -> None:
    app = Flask(__name__)
    users = Blueprint("users", __name__, url_prefix="/users")
    api = Blueprint("api", __name__, url_prefix="/api/v1")

    @users.get("/<name>/orders/<int:order_id>")
    def order(name: str, order_id: int) -> str:
        return "order"

    api.register_blueprint(users)
    app.register_blueprint(api)
    StatsMix(app, client=client)

    app.test_client().get("/api/v1/users/ada/orders/7", buffered=True)

    assert (
        only_stat(memory).meta["route"] == "/api/v1/users/<name>/orders/<int:order_id>"
    )


def test_unknown_path_gets_the_placeholder_and_no_trace_of_it(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app()
    StatsMix(app, client=client)

    response = app.test_client().get("/wp-admin/secret-probe", buffered=True)

    assert response.status_code == 404
    stat = only_stat(memory)
    assert stat.meta == {"method": "GET", "route": UNMATCHED_ROUTE, "status": "404"}
    assert "secret-probe" not in repr(stat)


def test_wrong_method_keeps_the_rule_that_matched(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app()
    StatsMix(app, client=client)

    response = app.test_client().delete("/posts/hello", buffered=True)

    assert response.status_code == 405
    assert only_stat(memory).meta == {
        "method": "DELETE",
        "route": "/posts/<slug>",
        "status": "405",
    }


def test_abort_gives_its_status(memory: MemoryBackend, client: Client) -> None:
    app = make_app()
    StatsMix(app, client=client)

    app.test_client().get("/forbidden", buffered=True)

    stat = only_stat(memory)
    assert stat.meta["status"] == "403"
    assert "error" not in stat.meta


def test_error_handler_status_is_the_one_sent(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app()

    @app.errorhandler(ZeroDivisionError)
    def teapot(error: ZeroDivisionError) -> tuple[str, int]:
        return "handled", 418

    @app.errorhandler(403)
    def forbidden(error: Exception) -> tuple[str, int]:
        return "go away", 401

    StatsMix(app, client=client)
    http = app.test_client()

    assert http.get("/crash", buffered=True).status_code == 418
    assert http.get("/forbidden", buffered=True).status_code == 401
    assert [s.meta["status"] for s in memory.stats] == ["418", "401"]
    assert all("error" not in s.meta for s in memory.stats)


def test_unhandled_exception_rendered_by_flask_is_500_with_error(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    StatsMix(app, client=client)

    response = app.test_client().get("/crash", buffered=True)

    assert response.status_code == 500
    assert only_stat(memory).meta == {
        "method": "GET",
        "route": "/crash",
        "status": "500",
        "error": "ZeroDivisionError",
    }


def test_unhandled_exception_propagated_is_the_same_object(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(TESTING=True)
    raised = ZeroDivisionError("boom")

    @app.get("/raise")
    def fail() -> str:
        raise raised

    StatsMix(app, client=client)

    with pytest.raises(ZeroDivisionError) as caught:
        app.test_client().get("/raise", buffered=True)

    assert caught.value is raised
    assert only_stat(memory).meta["error"] == "ZeroDivisionError"
    assert only_stat(memory).meta["status"] == "500"


def test_streamed_response_is_timed_to_its_end(
    memory: MemoryBackend, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The middleware's clock moves one second per chunk and at no other
    # time, so the duration says how many chunks it waited for.
    clock = [0.0]
    monkeypatch.setattr(wsgi, "_perf_counter", lambda: clock[0])
    app = make_app()

    @app.get("/stream")
    def stream() -> Response:
        def chunks() -> Iterator[str]:
            for number in range(3):
                clock[0] += 1.0
                yield f"{number}\n"

        return Response(stream_with_context(chunks()))

    StatsMix(app, client=client)

    response = app.test_client().get("/stream", buffered=False)
    assert memory.stats == []  # nothing before the body was read

    assert response.get_data(as_text=True) == "0\n1\n2\n"
    response.close()
    stat = only_stat(memory)
    assert stat.meta["route"] == "/stream"
    assert stat.value == 3000


def test_stats_inside_a_view_carry_its_route(
    memory: MemoryBackend, client: Client
) -> None:
    app = Flask(__name__)

    @app.before_request
    def before() -> None:
        client.track("Before")

    @app.post("/uploads/<kind>")
    def upload(kind: str) -> str:
        client.track("File Uploads", meta={"file type": kind})
        return "stored"

    StatsMix(app, client=client)
    app.test_client().post("/uploads/pdf", buffered=True)

    before_stat, upload_stat, request_stat = memory.stats
    assert before_stat.meta == {"method": "POST", "route": "/uploads/<kind>"}
    assert upload_stat.meta == {
        "file type": "pdf",
        "method": "POST",
        "route": "/uploads/<kind>",
    }
    assert request_stat.name == "HTTP Requests"


def test_request_answered_by_before_request_keeps_its_route(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app()

    @app.before_request
    def deny() -> tuple[str, int]:
        return "maintenance", 503

    StatsMix(app, client=client)
    app.test_client().get("/items/1", buffered=True)

    assert only_stat(memory).meta["route"] == "/items/<int:item_id>"
    assert only_stat(memory).meta["status"] == "503"


def test_init_app_serves_several_apps_and_keeps_none(
    memory: MemoryBackend, client: Client
) -> None:
    statsmix = StatsMix(client=client)
    first, second = make_app(), make_app()
    statsmix.init_app(first)
    statsmix.init_app(second)

    first.test_client().get("/items/1", buffered=True)
    second.test_client().get("/health", buffered=True)

    assert [s.meta["route"] for s in memory.stats] == [
        "/items/<int:item_id>",
        "/health",
    ]
    assert not hasattr(statsmix, "app")
    state = first.extensions["statsmix"]
    assert isinstance(state, StatsMixState)
    assert state.extension is statsmix
    assert first.wsgi_app is state.middleware
    assert isinstance(state.middleware, WSGIMiddleware)


def test_second_install_warns_and_counts_once(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app()
    StatsMix(app, client=client)
    wrapped = app.wsgi_app

    with pytest.warns(RuntimeWarning, match="already set up"):
        StatsMix(app, client=client)

    assert app.wsgi_app is wrapped
    app.test_client().get("/health", buffered=True)
    assert len(memory.stats) == 1


def test_options_reach_the_middleware(memory: MemoryBackend, client: Client) -> None:
    app = make_app()
    StatsMix(
        app,
        client=client,
        metric="Web Requests",
        value="count",
        exclude_methods=["PUT"],
        meta=lambda environ: {"app": "shop"},
    )
    http = app.test_client()

    http.put("/posts/a", buffered=True)
    http.get("/posts/a", buffered=True)

    stat = only_stat(memory)
    assert (stat.name, stat.value) == ("Web Requests", 1)
    assert stat.meta["app"] == "shop"


def test_bad_option_is_an_error_at_setup(client: Client) -> None:
    app = make_app()

    with pytest.raises(TypeError, match="meta"):
        StatsMix(app, client=client, meta={"app": "shop"})
    with pytest.raises(ValueError, match="value"):
        StatsMix(app, client=client, value="seconds")
    assert "statsmix" not in app.extensions


def test_failing_meta_hook_loses_only_its_keys(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def broken(environ: object) -> dict[str, str]:
        raise RuntimeError("hook bug")

    StatsMix(app, client=client, meta=broken)
    response = app.test_client().get("/crash", buffered=True)

    assert response.status_code == 500
    assert only_stat(memory).meta["error"] == "ZeroDivisionError"


def test_tracked_inside_a_view_sees_the_route(
    memory: MemoryBackend, client: Client
) -> None:
    app = Flask(__name__)

    @tracked("Renders", client=client)
    def render(slug: str) -> str:
        return slug.upper()

    @app.get("/articles/<slug>")
    def article(slug: str) -> str:
        return render(slug)

    StatsMix(app, client=client)
    app.test_client().get("/articles/hello", buffered=True)

    render_stat, request_stat = memory.stats
    assert render_stat.name == "Renders"
    assert render_stat.meta["route"] == "/articles/<slug>"
    assert render_stat.meta["method"] == "GET"
    assert request_stat.meta["route"] == "/articles/<slug>"


def test_internal_server_error_handler_keeps_the_error(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.errorhandler(500)
    def sorry(error: Exception) -> tuple[str, int]:
        return "sorry", 500

    StatsMix(app, client=client)
    response = app.test_client().get("/crash", buffered=True)

    assert response.get_data(as_text=True) == "sorry"
    assert only_stat(memory).meta["error"] == "ZeroDivisionError"


def test_a_failing_rule_lookup_never_breaks_the_request(
    memory: MemoryBackend,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> str:
        raise RuntimeError("lookup bug")

    monkeypatch.setattr(extension, "_matched_rule", broken)
    app = make_app()
    StatsMix(app, client=client)

    assert app.test_client().get("/items/1", buffered=True).status_code == 200
    assert only_stat(memory).meta["route"] == UNMATCHED_ROUTE
    assert "Flask rule lookup" in caplog.text


def test_async_view_sees_its_route(memory: MemoryBackend, client: Client) -> None:
    pytest.importorskip("asgiref")
    app = Flask(__name__)

    @tracked("Lookups", client=client)
    async def look_up(name: str) -> str:
        return name

    @app.get("/users/<name>")
    async def user(name: str) -> str:
        return await look_up(name)

    StatsMix(app, client=client)
    assert app.test_client().get("/users/ada", buffered=True).data == b"ada"

    lookup, request_stat = memory.stats
    assert lookup.meta["route"] == "/users/<name>"
    assert request_stat.meta["route"] == "/users/<name>"


def test_default_client_is_looked_up_per_request(statsmix: MemoryBackend) -> None:
    app = make_app()
    StatsMix(app)  # no client: the default one, which the fixture replaced

    app.test_client().get("/items/7", buffered=True)

    assert only_stat(statsmix).meta["route"] == "/items/<int:item_id>"
