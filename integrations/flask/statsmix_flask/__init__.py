"""StatsMix for Flask: one stat per request, with its rule, status and duration."""

from __future__ import annotations

from statsmix_middleware import __version__

from .extension import StatsMix, StatsMixState

__all__ = ["SUPPORTED_FLASK", "StatsMix", "StatsMixState", "__version__"]

#: The Flask releases this adapter supports: the oldest as a requirement, the
#: newest as the release the tests run against.
SUPPORTED_FLASK = (">=2.3", "3.1.3")
