"""A pytest plugin: the ``statsmix`` fixture records a test's stats in memory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._cardinality import forget_admitted_values
from .backends.memory import MemoryBackend
from .client import Client
from .default_client import set_client

__all__ = ["statsmix"]


@pytest.fixture
def statsmix() -> Iterator[MemoryBackend]:
    """Make a fresh in-memory client the default for one test and yield its backend.

    Everything tracked through ``statsmix_middleware.track()`` (and by any
    middleware or decorator left on the default client) lands in the yielded
    :class:`MemoryBackend`, under its own name and profile: the
    ``STATSMIX_IGNORE``, ``STATSMIX_TEST_METRIC_NAME`` and
    ``STATSMIX_PROFILE_ID`` of the environment do not apply. Each test
    starts with the whole cardinality budget of every metric, as a new
    process would. The previous default client is put back afterwards.
    """
    forget_admitted_values()
    backend = MemoryBackend()
    client = Client(backend=backend, ignore=False, test_metric_name="")
    # Stats name no profile unless a test says so, whatever the environment.
    client.profile_id = None
    previous = set_client(client)
    try:
        yield backend
    finally:
        set_client(previous)
