"""A backend that sends every stat under one test metric's name."""

from __future__ import annotations

from ..stat import Stat
from .base import Backend

__all__ = ["TestMetricBackend"]


class TestMetricBackend:
    """Renames every stat to ``name`` and passes it on to ``backend``.

    This is the original clients' ``test_metric_name``: in staging, everything
    an app tracks lands in one metric instead of polluting the real ones.
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, name: str, backend: Backend) -> None:
        self.name = name
        self.backend = backend

    def send(self, stat: Stat) -> None:
        self.backend.send(stat.replace(name=self.name))

    def flush(self, timeout: float | None = None) -> bool:
        return self.backend.flush(timeout)

    def close(self) -> None:
        self.backend.close()
