"""How values and times are stored in the file and written in answers.

Decisions, for every answer in either format:

- a value is a decimal string, rounded to 10 places (half to even), trailing
  zeros dropped but one digit kept after the point: ``20.0``, ``0.5``,
  ``-3.25``, ``12345678901.0123456789``;
- a time is UTC with a ``Z``: ``2012-10-19T21:13:20Z``, with microseconds
  only when there are some (``2012-10-19T21:13:20.250000Z``);
- JSON, a stored meta and every answer alike, is compact UTF-8 text
  (:func:`compact_json`).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

__all__ = [
    "VALUE_PLACES",
    "api_time",
    "compact_json",
    "db_time",
    "format_int_value",
    "format_value",
    "now_db_time",
    "parse_db_time",
]

VALUE_PLACES = 10
_QUANTUM = Decimal(1).scaleb(-VALUE_PLACES)
# Made once: json.dumps with options builds a new encoder on every call.
# What is encoded comes from parsed JSON and database rows, which cannot
# hold a cycle, so the encoder need not look for one.
_JSON_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
)


def compact_json(content: Any) -> str:
    """``content`` as JSON text: no spaces, non-ASCII characters kept as such."""
    return _JSON_ENCODER.encode(content)


def format_value(value: Decimal) -> str:
    """The stored and answered form of a value already checked for bounds."""
    rounded = value.quantize(_QUANTUM)
    if rounded == 0:
        return "0.0"
    text = format(rounded.normalize(), "f")
    return text if "." in text else f"{text}.0"


def format_int_value(value: int) -> str:
    """:func:`format_value` of an int already checked for bounds.

    An int has no digits after the point to round or drop, so its stored
    form is its digits and ``.0``; a batch of ints skips Decimal this way.
    """
    return f"{value}.0"


def db_time(moment: datetime) -> str:
    """An aware datetime as stored: UTC, fixed width, sortable as text."""
    # The first 26 characters are the time without its "+00:00": cutting
    # them off is cheaper than replacing the zone before formatting.
    return moment.astimezone(timezone.utc).isoformat(" ", "microseconds")[:26]


def now_db_time() -> str:
    """The current time as stored."""
    return db_time(datetime.now(timezone.utc))


def parse_db_time(text: str) -> datetime:
    """A stored time back as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def api_time(text: str) -> str:
    """A stored time as answered: ISO 8601 in UTC with a ``Z``."""
    date_part, _, clock = text.partition(" ")
    if clock.endswith(".000000"):
        clock = clock[:-7]
    return f"{date_part}T{clock}Z"
