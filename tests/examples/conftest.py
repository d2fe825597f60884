"""The examples' tests record into memory, like the adapters' tests."""

from __future__ import annotations

from tests.integrations.conftest import client, memory

__all__ = ["client", "memory"]
