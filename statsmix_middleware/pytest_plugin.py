"""A pytest plugin: the ``statsmix`` fixture records a test's stats in memory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .backends.memory import MemoryBackend
from .client import Client
from .default_client import set_client

__all__ = ["statsmix"]


@pytest.fixture
def statsmix() -> Iterator[MemoryBackend]:
    """Make a fresh in-memory client the default for one test and yield its backend.

    Everything tracked through ``statsmix_middleware.track()`` (and by any
    middleware or decorator left on the default client) lands in the yielded
    :class:`MemoryBackend`. The previous default client is put back afterwards.
    """
    backend = MemoryBackend()
    previous = set_client(
        Client(backend=backend, ignore=False, test_metric_name="", profile_id=None)
    )
    try:
        yield backend
    finally:
        set_client(previous)
