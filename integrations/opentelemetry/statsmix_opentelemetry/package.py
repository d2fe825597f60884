"""The OpenTelemetry versions this adapter is tested with, as data."""

from __future__ import annotations

__all__ = ["SUPPORTED"]

#: Distribution -> (oldest, newest) version the test suite has passed with.
#: The oldest is the lower bound in this distribution's requirements: 1.21.0
#: is the first API to accept instrument names of up to 255 characters with
#: ``/``, the rule ``instrument_name`` makes names for.
SUPPORTED: dict[str, tuple[str, str]] = {
    "opentelemetry-api": ("1.21.0", "1.45.1"),
}
