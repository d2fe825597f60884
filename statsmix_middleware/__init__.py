"""Track application and business metrics the StatsMix way."""

from __future__ import annotations

from ._version import __version__
from .api import API, Metric, StoredStat
from .asgi import ASGIMiddleware
from .backends import (
    Backend,
    HTTPBackend,
    MemoryBackend,
    NoopBackend,
    TestMetricBackend,
)
from .client import Client
from .context import RequestInfo, current_request
from .default_client import close, configure, flush, get_client, track
from .errors import (
    AuthenticationError,
    ForbiddenError,
    NotFoundError,
    PlanLimitError,
    StatsMixError,
    ValidationError,
)
from .stat import Stat
from .tracked import tracked
from .wsgi import WSGIMiddleware

__all__ = [
    "API",
    "ASGIMiddleware",
    "AuthenticationError",
    "Backend",
    "Client",
    "ForbiddenError",
    "HTTPBackend",
    "MemoryBackend",
    "Metric",
    "NoopBackend",
    "NotFoundError",
    "PlanLimitError",
    "RequestInfo",
    "Stat",
    "StatsMixError",
    "StoredStat",
    "TestMetricBackend",
    "ValidationError",
    "WSGIMiddleware",
    "__version__",
    "close",
    "configure",
    "current_request",
    "flush",
    "get_client",
    "track",
    "tracked",
]
