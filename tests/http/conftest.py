"""Fixtures for the HTTP backend and the API client: real servers, fast retries."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from statsmix_middleware import HTTPBackend, Stat
from tests.http.stub_server import StubServer, serving

#: Settings that keep retries and batching quick enough for tests.
FAST = {"flush_interval": 0.02, "backoff": 0.02, "max_backoff": 0.1}

MakeBackend = Callable[..., HTTPBackend]


@pytest.fixture
def make_backend() -> Iterator[MakeBackend]:
    """Build HTTP backends with fast settings; every one is closed afterwards."""
    made: list[HTTPBackend] = []

    def make(url: str, api_key: str = "key", **options: Any) -> HTTPBackend:
        backend = HTTPBackend(url, api_key, **{**FAST, **options})
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close(timeout=1.0)


@pytest.fixture
def stub() -> Iterator[StubServer]:
    """A scriptable ASGI server on loopback, with the batch route."""
    server = StubServer()
    with serving(server):
        yield server


def stored_values(db_path: Path, name: str) -> list[int]:
    """Every stored value of the metric ``name``, as ints, in id order."""
    uri = f"file:{db_path}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        rows = conn.execute(
            "SELECT stats.value FROM stats JOIN metrics ON metrics.id = metric_id "
            "WHERE metrics.name = ? ORDER BY stats.id",
            (name,),
        ).fetchall()
    conn.close()
    return [int(Decimal(value)) for (value,) in rows]


def stats(name: str, count: int, start: int = 0) -> list[Stat]:
    """``count`` stats of ``name`` whose values are ``start``, ``start+1``..."""
    return [Stat(name, value) for value in range(start, start + count)]
