"""Metric names made into valid OpenTelemetry instrument names."""

from __future__ import annotations

import re

__all__ = ["MAX_INSTRUMENT_NAME_LENGTH", "NAME_PREFIX", "instrument_name"]

#: The longest instrument name the OpenTelemetry API accepts.
MAX_INSTRUMENT_NAME_LENGTH = 255

#: Put before a name that would not start with a letter.
NAME_PREFIX = "statsmix_"

# The API accepts ``[a-zA-Z][-_./a-zA-Z0-9]{0,254}``; names are lowercased
# first, so only the lowercase letters are left to allow.
_INVALID_RUN = re.compile(r"[^a-z0-9_./-]+")


def instrument_name(metric: str) -> str:
    """Return the OpenTelemetry instrument name for a StatsMix metric.

    The rule, in order: lowercase; replace each run of characters other than
    ASCII letters, digits, ``_``, ``.``, ``-`` and ``/`` with one ``_``; strip
    ``_`` from both ends; put ``statsmix_`` in front when the result is empty
    or does not start with a letter; cut to 255 characters. So ``Blog Posts``
    becomes ``blog_posts`` and ``2026 Sales`` becomes ``statsmix_2026_sales``.

    Metrics whose names differ only in what the rule removes share one
    instrument: ``Blog Posts`` and ``blog-posts``, no; ``Blog Posts`` and
    ``blog posts``, yes.
    """
    name = _INVALID_RUN.sub("_", metric.lower()).strip("_")

    if not name or not ("a" <= name[0] <= "z"):
        name = NAME_PREFIX + name
    return name[:MAX_INSTRUMENT_NAME_LENGTH]
