"""OpenTelemetry and StatsMix, both ways: spans into stats, stats into metrics."""

from __future__ import annotations

from statsmix_middleware import __version__

from ._attributes import DEFAULT_ATTRIBUTES
from ._filters import DEFAULT_EXCLUDE_NAMES
from ._names import instrument_name
from ._spans import EndedSpan
from .backend import OpenTelemetryBackend
from .package import SUPPORTED
from .processor import MetricChooser, StatsMixSpanProcessor

__all__ = [
    "DEFAULT_ATTRIBUTES",
    "DEFAULT_EXCLUDE_NAMES",
    "SUPPORTED",
    "EndedSpan",
    "MetricChooser",
    "OpenTelemetryBackend",
    "StatsMixSpanProcessor",
    "__version__",
    "instrument_name",
]
