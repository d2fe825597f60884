"""Track application and business metrics the StatsMix way."""

from __future__ import annotations

from ._version import __version__
from .backends import Backend, MemoryBackend, NoopBackend, TestMetricBackend
from .client import Client
from .context import RequestInfo, current_request
from .default_client import close, configure, flush, get_client, track
from .stat import Stat

__all__ = [
    "Backend",
    "Client",
    "MemoryBackend",
    "NoopBackend",
    "RequestInfo",
    "Stat",
    "TestMetricBackend",
    "__version__",
    "close",
    "configure",
    "current_request",
    "flush",
    "get_client",
    "track",
]
