"""Fixtures for the framework adapters' tests: a client recording in memory."""

from __future__ import annotations

import pytest

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
