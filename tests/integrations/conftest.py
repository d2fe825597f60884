"""Fixtures for the framework adapters' tests: a client recording in memory."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from starlette.types import ASGIApp

from statsmix_middleware import Client, MemoryBackend, Stat


@pytest.fixture
def memory() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
def client(memory: MemoryBackend) -> Client:
    """A client with settings fixed here, whatever the environment says."""
    client = Client(backend=memory, ignore=False, test_metric_name="")
    client.profile_id = None
    return client


def only_stat(memory: MemoryBackend) -> Stat:
    """The one stat recorded so far; fails when there are none or several."""
    stats = memory.stats
    assert len(stats) == 1, stats
    return stats[0]


def get_crash(app: ASGIApp, raised: Exception, raise_server_exceptions: bool) -> None:
    """GET ``/crash``, whose endpoint raises ``raised``.

    With ``raise_server_exceptions`` the same exception object reaches the
    caller; without, the answer is a 500.
    """
    http = TestClient(app, raise_server_exceptions=raise_server_exceptions)
    if raise_server_exceptions:
        with pytest.raises(type(raised)) as caught:
            http.get("/crash")
        assert caught.value is raised
    else:
        assert http.get("/crash").status_code == 500
