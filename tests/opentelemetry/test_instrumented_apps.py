"""Spans of opentelemetry-instrumentation-asgi and -flask on real apps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from statsmix_middleware import Stat
from statsmix_middleware.conventions import DEFAULT_REQUEST_METRIC, UNMATCHED_ROUTE

from .apps import STATUSES, stats_of

ROOT = Path(__file__).resolve().parents[2]
RAW_PATHS = ("/items/77", "/items/78", "/nope")


def test_asgi_spans_become_one_request_stat_each() -> None:
    stats = stats_of("starlette")

    # One per request: the per-message send and receive spans are left out.
    assert [stat.name for stat in stats] == [DEFAULT_REQUEST_METRIC] * 4
    # The plain ASGI middleware runs before routing and sets no http.route;
    # it ends the span before the app's exception reaches it: no error type.
    assert [dict(stat.meta) for stat in stats] == [
        {"route": UNMATCHED_ROUTE, "method": "GET", "status": status}
        for status in STATUSES
    ]
    assert all(stat.value > 0 for stat in stats)
    assert_no_raw_path(stats)


def test_flask_spans_carry_route_template_and_error() -> None:
    stats = stats_of("flask")

    assert [stat.name for stat in stats] == [DEFAULT_REQUEST_METRIC] * 4
    assert [dict(stat.meta) for stat in stats] == [
        {"route": "/items/<int:item_id>", "method": "GET", "status": "200"},
        {"route": "/items/<int:item_id>", "method": "GET", "status": "200"},
        {"route": "/boom", "method": "GET", "status": "500", "error": "KeyError"},
        {"route": UNMATCHED_ROUTE, "method": "GET", "status": "404"},
    ]
    assert_no_raw_path(stats)


def test_stable_semantic_conventions_give_the_same_meta() -> None:
    """With ``OTEL_SEMCONV_STABILITY_OPT_IN=http`` the attribute names change.

    The mode is read once per process, so the apps run in a fresh one.
    """
    env = {**os.environ, "OTEL_SEMCONV_STABILITY_OPT_IN": "http"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.opentelemetry.apps"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found: dict[str, list[dict[str, Any]]] = json.loads(result.stdout)

    # error.type is only "500" on the failed request: the status says so.
    assert [stat["meta"] for stat in found["starlette"]] == [
        {"route": UNMATCHED_ROUTE, "method": "GET", "status": status}
        for status in STATUSES
    ]

    flask = [stat["meta"] for stat in found["flask"]]
    assert [meta["route"] for meta in flask] == [
        "/items/<int:item_id>",
        "/items/<int:item_id>",
        "/boom",
        UNMATCHED_ROUTE,
    ]
    assert flask[2] == {
        "route": "/boom",
        "method": "GET",
        "status": "500",
        "error": "KeyError",
    }
    assert all(path not in result.stdout for path in RAW_PATHS)


def assert_no_raw_path(stats: list[Stat]) -> None:
    """No field of any stat (name, meta, ref_id, ...) holds a raw path."""
    assert stats
    for stat in stats:
        fields = json.dumps(stat.to_dict())
        for path in RAW_PATHS:
            assert path not in fields, stat


@pytest.fixture(autouse=True)
def _quiet_flask_errors(caplog: pytest.LogCaptureFixture) -> None:
    """Flask logs the deliberate /boom error; keep it out of the output."""
    caplog.set_level("CRITICAL", logger="traced")
