"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from statsmix_middleware._cardinality import forget_admitted_values
from tests.live_server import LiveServer


@pytest.fixture(autouse=True)
def fresh_cardinality_budget() -> None:
    """Each test starts with the whole budget, as a process of its own would."""
    forget_admitted_values()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real statsmix-server on 127.0.0.1 with one account (``.api_key``)."""
    server = LiveServer(tmp_path / "statsmix.db")
    server.start()
    try:
        server.api_key = server.create_account("Test account")
        yield server
    finally:
        server.stop()
