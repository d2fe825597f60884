"""Where tracked stats go: the backend contract and the backends shipped with it."""

from __future__ import annotations

from .base import Backend
from .http import HTTPBackend
from .memory import MemoryBackend
from .noop import NoopBackend
from .test_metric import TestMetricBackend

__all__ = [
    "Backend",
    "HTTPBackend",
    "MemoryBackend",
    "NoopBackend",
    "TestMetricBackend",
]
