"""``STATSMIX_*`` keys in ``app.config``: they apply to that app only."""

from __future__ import annotations

import pytest
from flask import Flask

from statsmix_flask import StatsMix
from statsmix_middleware import API, Client, MemoryBackend, Metric, StoredStat
from tests.live_server import LiveServer, free_port


def make_app(**config: object) -> Flask:
    app = Flask(__name__)
    app.config.update(config)

    @app.get("/posts/<slug>")
    def post(slug: str) -> str:
        return slug

    @app.get("/health")
    def health() -> str:
        return "ok"

    @app.get("/healthz/deep")
    def deep_health() -> str:
        return "ok"

    return app


def test_test_metric_name_renames_this_apps_stats_only(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(STATSMIX_TEST_METRIC_NAME="Staging")
    StatsMix(app, client=client)

    app.test_client().get("/posts/a", buffered=True)
    client.track("Signups")

    assert [stat.name for stat in memory.stats] == ["Staging", "Signups"]
    assert not client.test_metric_name


def test_ignore_drops_this_apps_stats_only(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(STATSMIX_IGNORE="yes")
    StatsMix(app, client=client)

    app.test_client().get("/posts/a", buffered=True)
    client.track("Signups")

    assert [stat.name for stat in memory.stats] == ["Signups"]
    assert client.ignore is False


def test_profile_id_applies_to_this_apps_stats_only(
    memory: MemoryBackend, client: Client
) -> None:
    app = make_app(STATSMIX_PROFILE_ID="7")
    StatsMix(app, client=client)

    app.test_client().get("/posts/a", buffered=True)
    client.track("Signups")

    request, signup = memory.stats
    assert request.profile_id == 7
    assert signup.profile_id is None
    assert client.profile_id is None


def test_two_apps_on_one_client_keep_their_own_settings(
    memory: MemoryBackend, client: Client
) -> None:
    statsmix = StatsMix(client=client)
    staging = make_app(STATSMIX_TEST_METRIC_NAME="Staging")
    production = make_app()
    statsmix.init_app(staging)
    statsmix.init_app(production)

    staging.test_client().get("/posts/a", buffered=True)
    production.test_client().get("/posts/a", buffered=True)

    assert [stat.name for stat in memory.stats] == ["Staging", "HTTP Requests"]


@pytest.mark.parametrize(
    "setting", [["/health", "/healthz/*"], "/health, /healthz/*", ("/health",)]
)
def test_exclude_paths_from_config(
    memory: MemoryBackend, client: Client, setting: object
) -> None:
    app = make_app(STATSMIX_EXCLUDE_PATHS=setting)
    StatsMix(app, client=client, exclude_paths=["/posts/hidden"])
    http = app.test_client()

    for path in ("/health", "/healthz/deep", "/posts/hidden", "/posts/shown"):
        http.get(path, buffered=True)

    routes = [stat.meta["route"] for stat in memory.stats]
    if setting == ("/health",):
        assert routes == ["/healthz/deep", "/posts/<slug>"]
    else:
        assert routes == ["/posts/<slug>"]


@pytest.mark.parametrize(
    ("key", "value", "error", "message"),
    [
        ("STATSMIX_IGNORE", "sometimes", ValueError, "STATSMIX_IGNORE"),
        ("STATSMIX_PROFILE_ID", "abc", ValueError, "STATSMIX_PROFILE_ID"),
        ("STATSMIX_PROFILE_ID", 1.5, TypeError, "STATSMIX_PROFILE_ID"),
        ("STATSMIX_TEST_METRIC_NAME", 12, TypeError, "STATSMIX_TEST_METRIC_NAME"),
        ("STATSMIX_TEST_METRIC_NAME", "x" * 256, ValueError, "STATSMIX_TEST_METRIC"),
        ("STATSMIX_URL", "localhost", ValueError, "STATSMIX_URL"),
        ("STATSMIX_API_KEY", 42, TypeError, "STATSMIX_API_KEY"),
        ("STATSMIX_EXCLUDE_PATHS", 5, TypeError, "STATSMIX_EXCLUDE_PATHS"),
    ],
)
def test_bad_config_value_is_an_error_naming_the_key(
    client: Client, key: str, value: object, error: type[Exception], message: str
) -> None:
    app = make_app(**{key: value})

    with pytest.raises(error, match=message):
        StatsMix(app, client=client)
    assert "statsmix" not in app.extensions


def test_config_wins_over_the_environment_and_the_given_client(
    live_server: LiveServer,
    memory: MemoryBackend,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STATSMIX_API_KEY", "not-the-key")
    monkeypatch.setenv("STATSMIX_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("STATSMIX_TEST_METRIC_NAME", "From The Environment")
    app = make_app(
        STATSMIX_API_KEY=live_server.api_key,
        STATSMIX_URL=live_server.url,
        STATSMIX_TEST_METRIC_NAME="From The Config",
    )
    StatsMix(app, client=client)

    app.test_client().get("/posts/a", buffered=True)
    state = app.extensions["statsmix"]
    assert state.client.flush(10)

    assert memory.stats == []
    metric, stat = only_stored_stat(live_server)
    assert metric.name == "From The Config"
    assert stat.meta["route"] == "/posts/<slug>"
    state.client.close()


def test_config_wins_over_the_environment_without_a_client(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATSMIX_API_KEY", live_server.api_key)
    monkeypatch.setenv("STATSMIX_URL", live_server.url)
    monkeypatch.setenv("STATSMIX_IGNORE", "1")
    monkeypatch.setenv("STATSMIX_TEST_METRIC_NAME", "From The Environment")
    app = make_app(STATSMIX_IGNORE=False, STATSMIX_TEST_METRIC_NAME="From The Config")
    StatsMix(app)

    app.test_client().get("/posts/a", buffered=True)
    state = app.extensions["statsmix"]
    assert state.client.flush(10)

    metric, stat = only_stored_stat(live_server)
    assert metric.name == "From The Config"
    assert stat.meta["route"] == "/posts/<slug>"
    state.client.close()


def only_stored_stat(server: LiveServer) -> tuple[Metric, StoredStat]:
    """The server's one metric and its one stat."""
    with API(server.url, server.api_key) as api:
        (metric,) = api.list_metrics()
        (stat,) = api.list_stats(metric.id)
    return metric, stat
