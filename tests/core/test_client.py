from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from typing import Any

import pytest

import statsmix_middleware
from statsmix_middleware import (
    Client,
    HTTPBackend,
    MemoryBackend,
    NoopBackend,
    RequestInfo,
    Stat,
    TestMetricBackend,
)
from statsmix_middleware.backends import Backend
from statsmix_middleware.context import enter_request, exit_request
from statsmix_middleware.pytest_plugin import statsmix as statsmix_fixture
from tests.core.bad_input import BAD_INPUT

ENV_VARS = (
    "STATSMIX_API_KEY",
    "STATSMIX_URL",
    "STATSMIX_IGNORE",
    "STATSMIX_TEST_METRIC_NAME",
    "STATSMIX_PROFILE_ID",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


class FailingBackend:
    def __init__(self) -> None:
        self.calls = 0

    def send(self, stat: Stat) -> None:
        self.calls += 1
        raise RuntimeError("disk on fire")

    def flush(self, timeout: float | None = None) -> bool:
        raise RuntimeError("still on fire")

    def close(self) -> None:
        raise RuntimeError("cannot close")


def test_client_tracks_into_its_backend() -> None:
    backend = MemoryBackend()
    client = Client(backend=backend)

    client.track("Blog Posts")
    client.track("File Uploads", 2, meta={"file type": "PDF"}, ref_id="a1")

    first, second = backend.stats
    assert (first.name, first.value) == ("Blog Posts", 1)
    assert (second.name, second.value, second.ref_id) == ("File Uploads", 2, "a1")
    assert dict(second.meta) == {"file type": "PDF"}


def test_client_profile_id_is_the_default_for_stats() -> None:
    backend = MemoryBackend()
    client = Client(backend=backend, profile_id="7")

    client.track("a")
    client.track("b", profile_id=9)

    assert [stat.profile_id for stat in backend.stats] == [7, 9]


def test_test_metric_name_renames_every_stat() -> None:
    backend = MemoryBackend()
    client = Client(backend=backend, test_metric_name="Staging")

    client.track("Blog Posts", meta={"a": "b"})

    (stat,) = backend.stats
    assert stat.name == "Staging"
    assert dict(stat.meta) == {"a": "b"}


def test_ignore_wins_over_test_metric_name() -> None:
    backend = MemoryBackend()
    client = Client(backend=backend, ignore=True, test_metric_name="Staging")

    client.track("Blog Posts")

    assert backend.stats == []


def test_ignore_and_test_metric_name_change_at_run_time() -> None:
    backend = MemoryBackend()
    client = Client(backend=backend)

    client.track("one")
    client.ignore = True
    client.track("two")
    client.ignore = False
    client.test_metric_name = "Staging"
    client.track("three")
    client.test_metric_name = "Other"
    client.track("four")
    client.ignore = True
    client.track("dropped though renamed")
    client.ignore = False
    client.test_metric_name = None
    client.track("five")

    assert [stat.name for stat in backend.stats] == [
        "one",
        "Staging",
        "Other",
        "five",
    ]


def test_ignored_calls_are_still_validated() -> None:
    client = Client(backend=MemoryBackend(), ignore=True)

    with pytest.raises(ValueError, match="name"):
        client.track("")


def test_refused_call_changes_nothing_and_keeps_earlier_stats() -> None:
    backend = MemoryBackend()
    client = Client(backend=backend)
    client.track("kept", 1)

    with pytest.raises(TypeError, match="value"):
        client.track("refused", "many")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="meta"):
        client.track("refused", meta={"a": object()})

    client.track("kept too", 2)
    assert [(s.name, s.value) for s in backend.stats] == [("kept", 1), ("kept too", 2)]


@pytest.mark.parametrize(("kwargs", "error", "field"), BAD_INPUT)
def test_every_refused_call_names_its_field_and_loses_nothing(
    kwargs: dict[str, Any],
    error: type[Exception],
    field: str,
    statsmix: MemoryBackend,
) -> None:
    client = Client(backend=statsmix)
    fields: dict[str, Any] = {"name": "Blog Posts", **kwargs}
    name = fields.pop("name")
    value = fields.pop("value", 1)

    client.track("kept", 1, meta={"a": "b"}, ref_id="r1")
    with pytest.raises(error, match=f"^{field}"):
        client.track(name, value, **fields)
    with pytest.raises(error, match=f"^{field}"):
        statsmix_middleware.track(name, value, **fields)
    statsmix_middleware.track("kept too", 2)

    kept = [(s.name, s.value, dict(s.meta), s.ref_id) for s in statsmix.stats]
    assert kept == [("kept", 1, {"a": "b"}, "r1"), ("kept too", 2, {}, None)]


def test_failing_backend_never_reaches_the_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = FailingBackend()
    client = Client(backend=backend)

    with caplog.at_level(logging.DEBUG, logger="statsmix_middleware"):
        client.track("a")
        client.track("b")
        assert client.flush(1) is False
        client.close()

    assert backend.calls == 2
    assert client.failures == 4
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert {r.name for r in errors} == {"statsmix_middleware.client"}
    # Logged once per kind (send, flush, close); the repeat goes to debug.
    assert len(errors) == 3
    assert errors[0].exc_info is not None


def test_eight_threads_record_every_call_exactly_once() -> None:
    backend = MemoryBackend()
    client = Client(backend=backend)
    start = threading.Barrier(8)

    def work(thread: int) -> None:
        start.wait()
        for call in range(2000):
            client.track("Hits", meta={"thread": thread}, ref_id=f"{thread}-{call}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    ref_ids = [stat.ref_id for stat in backend.stats]
    assert len(ref_ids) == 16000
    assert len(set(ref_ids)) == 16000


def test_stats_inside_a_request_carry_its_method_and_route() -> None:
    backend = MemoryBackend()
    client = Client(backend=backend)
    token = enter_request(RequestInfo("POST", "/posts/{id}"))
    try:
        client.track("Blog Posts")
        client.track("Blog Posts", meta={"route": "mine"})
    finally:
        exit_request(token)
    client.track("Outside")

    inside, own, outside = backend.stats
    assert dict(inside.meta) == {"method": "POST", "route": "/posts/{id}"}
    assert dict(own.meta) == {"route": "mine", "method": "POST"}
    assert dict(outside.meta) == {}


def test_client_is_a_context_manager_that_closes_its_backend() -> None:
    closed = []

    class Recording(MemoryBackend):
        def close(self) -> None:
            closed.append(True)

    with Client(backend=Recording()) as client:
        client.track("a")

    assert closed == [True]


def test_client_without_key_drops_stats_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Client()

    with caplog.at_level(logging.WARNING, logger="statsmix_middleware"):
        client.track("a")
        client.track("b")

    assert isinstance(client.backend, NoopBackend)
    warnings = [r for r in caplog.records if "STATSMIX_API_KEY" in r.getMessage()]
    assert len(warnings) == 1
    assert client.flush() is True


def test_module_level_track_without_configuration_never_raises() -> None:
    """A fresh process with no STATSMIX_* variable: dropped, one warning."""
    probe = (
        "import statsmix_middleware as s\n"
        "s.track('a')\n"
        "s.track('b', 2, meta={'k': 'v'})\n"
        "print(type(s.get_client().backend).__name__, s.flush(1))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATSMIX_")}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["NoopBackend", "True"]
    assert done.stderr.count("STATSMIX_API_KEY") == 1


@pytest.mark.parametrize(
    ("settings", "environ", "url", "key"),
    [
        (
            {"api_key": "k1", "url": "http://127.0.0.1:9/api_key/ignored"},
            {},
            "http://127.0.0.1:9",
            "k1",
        ),
        ({}, {"STATSMIX_API_KEY": "from-env"}, "http://127.0.0.1:8765", "from-env"),
    ],
    ids=["given", "from the environment, to the default url"],
)
def test_an_api_key_picks_the_http_backend(
    settings: dict[str, str],
    environ: dict[str, str],
    url: str,
    key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    client = Client(**settings)  # type: ignore[arg-type]
    try:
        backend = client.backend
        assert isinstance(backend, HTTPBackend)
        assert backend.url == url
        assert backend.options.api_key == key
    finally:
        client.close()


def test_client_with_ignore_builds_no_backend() -> None:
    client = Client(ignore=True)

    client.track("a")

    assert client.flush() is True
    assert client._backend is None


def test_shipped_backends_satisfy_the_protocol() -> None:
    inner = MemoryBackend()
    for backend in (NoopBackend(), inner, TestMetricBackend("t", inner)):
        assert isinstance(backend, Backend)
        assert backend.flush(0) is True
        backend.close()


def test_test_metric_backend_renames_and_passes_on() -> None:
    inner = MemoryBackend()
    backend = TestMetricBackend("Test Metric", inner)

    backend.send(Stat("Blog Posts", 4))

    (stat,) = inner.stats
    assert (stat.name, stat.value) == ("Test Metric", 4)


def test_memory_backend_clear_and_named() -> None:
    backend = MemoryBackend()
    backend.send(Stat("a"))
    backend.send(Stat("b"))

    assert [s.name for s in backend.named("b")] == ["b"]
    assert len(backend) == 2
    backend.clear()
    assert backend.stats == []


def test_module_level_track_uses_the_fixture(statsmix: MemoryBackend) -> None:
    statsmix_middleware.track("Blog Posts", 3, meta={"author": "ann"})

    (stat,) = statsmix.stats
    assert (stat.name, stat.value) == ("Blog Posts", 3)
    assert statsmix_middleware.get_client().backend is statsmix
    assert statsmix_middleware.flush() is True


def test_fixture_restores_the_previous_default_client() -> None:
    before = statsmix_middleware.get_client()

    # Run the fixture by hand, as pytest would.
    generator = statsmix_fixture.__wrapped__()  # type: ignore[attr-defined]
    backend = next(generator)
    assert statsmix_middleware.get_client().backend is backend
    with pytest.raises(StopIteration):
        next(generator)

    assert statsmix_middleware.get_client() is before


def test_fixture_records_as_tracked_whatever_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STATSMIX_IGNORE", "1")
    monkeypatch.setenv("STATSMIX_TEST_METRIC_NAME", "Staging")
    monkeypatch.setenv("STATSMIX_PROFILE_ID", "4")

    generator = statsmix_fixture.__wrapped__()  # type: ignore[attr-defined]
    backend = next(generator)
    try:
        statsmix_middleware.track("Blog Posts")
        statsmix_middleware.track("Blog Posts", profile_id=9)
    finally:
        generator.close()

    assert [(s.name, s.profile_id) for s in backend.stats] == [
        ("Blog Posts", None),
        ("Blog Posts", 9),
    ]


def test_configure_replaces_and_closes_the_default_client() -> None:
    first_backend = MemoryBackend()
    second_backend = MemoryBackend()
    closed: list[Any] = []
    first_backend.close = lambda: closed.append(first_backend)  # type: ignore[method-assign]

    try:
        first = statsmix_middleware.configure(backend=first_backend)
        statsmix_middleware.track("one")
        second = statsmix_middleware.configure(backend=second_backend)
        statsmix_middleware.track("two")

        assert statsmix_middleware.get_client() is second is not first
        assert [s.name for s in first_backend.stats] == ["one"]
        assert [s.name for s in second_backend.stats] == ["two"]
        assert closed == [first_backend]
    finally:
        statsmix_middleware.close()

    assert statsmix_middleware.get_client() is not second
