"""Turn the many time formats StatsMix clients send into aware UTC datetimes."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timezone

__all__ = ["parse_timestamp"]

# The PHP library writes "2012-10-19GMT21:13:20": a zone name between the date
# and the time. Ruby's Time#to_s writes "2012-10-19 15:18:42 -0600".
_ZONE_NAME_BETWEEN = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:GMT|UTC|Z)(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$"
)
_SPACED_OFFSET = re.compile(r"^(.*\d)\s+([+-]\d{2}):?(\d{2})$")
_TRAILING_ZONE_NAME = re.compile(r"^(.*\d)\s*(?:UTC|GMT)$")
# Python 3.10's fromisoformat reads only 3 or 6 digits of fraction and only
# "+HH:MM" offsets; these two rewrite the other common spellings for it.
_FRACTION = re.compile(r"(:\d{2})[.,](\d+)")
_COMPACT_OFFSET = re.compile(r"(:\d{2}(?:\.\d+)?)([+-]\d{2})(\d{2})$")

# Epoch seconds past this are years beyond 9999: refuse them as a value error.
_MAX_EPOCH = 253402300799


def parse_timestamp(value: object, *, field: str = "generated_at") -> datetime:
    """Return ``value`` as an aware datetime in UTC.

    Accepted: an aware datetime; a naive datetime (taken as UTC); a date
    (midnight UTC); epoch seconds as int or float; and a string in ISO 8601
    with or without a zone, ``YYYY-MM-DD HH:MM:SS``, ``YYYY/MM/DD HH:MM:SS``,
    ``YYYY-MM-DD``, Ruby's ``2012-10-19 15:18:42 -0600`` or the PHP library's
    ``2012-10-19GMT21:13:20``. A string without a zone is UTC.

    Raises:
        TypeError: for any other type (bools included), naming ``field``.
        ValueError: for a string or number that is not a time, naming ``field``.
    """
    if isinstance(value, datetime):
        return _to_utc(value)

    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)

    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(
            f"{field} must be a datetime, an ISO 8601 string or epoch seconds, "
            f"not {type(value).__name__}"
        )

    if isinstance(value, str):
        return _parse_string(value, field)

    if not math.isfinite(value) or not 0 <= value <= _MAX_EPOCH:
        raise ValueError(f"{field} is out of range as epoch seconds: {value!r}")
    return datetime.fromtimestamp(value, tz=timezone.utc)


def _to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _parse_string(text: str, field: str) -> datetime:
    candidate = _normalise(text.strip())

    try:
        return _to_utc(datetime.fromisoformat(candidate))
    except ValueError:
        pass

    raise ValueError(
        f"{field} is not a time this API understands: {text[:64]!r} "
        "(use ISO 8601, e.g. 2012-10-19T21:13:20Z)"
    )


def _normalise(text: str) -> str:
    """Rewrite the legacy spellings into something ``fromisoformat`` reads."""
    match = _ZONE_NAME_BETWEEN.match(text)
    if match:
        return _for_fromisoformat(f"{match.group(1)}T{match.group(2)}+00:00")

    match = _SPACED_OFFSET.match(text)
    if match:
        text = f"{match.group(1)}{match.group(2)}:{match.group(3)}"

    match = _TRAILING_ZONE_NAME.match(text)
    if match:
        text = f"{match.group(1)}+00:00"

    if len(text) >= 10 and text[4] == "/" and text[7] == "/":
        text = text[:10].replace("/", "-") + text[10:]

    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    return _for_fromisoformat(text)


def _for_fromisoformat(text: str) -> str:
    """Pad or cut the fraction to microseconds and put a colon in the offset.

    Newer Pythons read both spellings themselves and give the same result.
    """
    # Limitation: on Python 3.10 the ISO 8601 basic format (20121019T211320Z)
    # and week dates stay refused; its fromisoformat has no reading of them.
    text = _FRACTION.sub(lambda m: f"{m[1]}.{m[2][:6].ljust(6, '0')}", text)
    return _COMPACT_OFFSET.sub(r"\1\2:\3", text)
