"""How values and times are stored in the file and written in answers.

Decisions, for every answer in either format:

- a value is a decimal string, rounded to 10 places (half to even), trailing
  zeros dropped but one digit kept after the point: ``20.0``, ``0.5``,
  ``-3.25``, ``12345678901.0123456789``;
- a time is UTC with a ``Z``: ``2012-10-19T21:13:20Z``, with microseconds
  only when there are some (``2012-10-19T21:13:20.250000Z``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

__all__ = [
    "VALUE_PLACES",
    "api_time",
    "db_time",
    "format_value",
    "now_db_time",
    "parse_db_time",
]

VALUE_PLACES = 10
_QUANTUM = Decimal(1).scaleb(-VALUE_PLACES)


def format_value(value: Decimal) -> str:
    """The stored and answered form of a value already checked for bounds."""
    rounded = value.quantize(_QUANTUM)
    if rounded == 0:
        return "0.0"
    text = format(rounded.normalize(), "f")
    return text if "." in text else f"{text}.0"


def db_time(moment: datetime) -> str:
    """An aware datetime as stored: UTC, fixed width, sortable as text."""
    utc = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return utc.isoformat(" ", "microseconds")


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
