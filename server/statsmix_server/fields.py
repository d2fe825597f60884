"""Read one API field from the request's parameters, checked with the core's rules.

Form and query fields arrive as strings, JSON fields as JSON values; both go
through the same validators as the Python client's ``Stat``. Every refusal is
a 422 whose message names the field. An empty field counts as absent (the PHP
library sends ``value=`` for "no value").
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final, TypeVar

from statsmix_middleware.stat import (
    MAX_VALUE_DIGITS,
    validate_meta,
    validate_name,
    validate_ref_id,
    validate_value,
)
from statsmix_middleware.timestamps import parse_timestamp

from .errors import ApiError
from .values import compact_json, db_time, format_int_value, format_value

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MISSING",
    "Missing",
    "Params",
    "date_range",
    "flag_field",
    "generated_at_field",
    "id_field",
    "limit_field",
    "meta_field",
    "name_field",
    "parse_id",
    "ref_id_field",
    "sharing_field",
    "stored_meta",
    "stored_time",
    "stored_value",
    "value_field",
]

Params = Mapping[str, Any]

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
_MAX_ID = 2**63 - 1
_VALUE_LIMIT = 10**MAX_VALUE_DIGITS

T = TypeVar("T")


class Missing(enum.Enum):
    """A field that was not sent, as opposed to one sent as null or empty."""

    MISSING = 0


MISSING: Final = Missing.MISSING


def _raw(params: Params, field: str) -> Any:
    value = params.get(field)
    return None if value is None or value == "" else value


def _checked(check: Callable[[Any], T], value: Any) -> T:
    try:
        return check(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ApiError(422, str(exc)) from None


def name_field(params: Params, field: str = "name") -> str | Missing:
    """The metric name, or MISSING."""
    raw = _raw(params, field)
    return MISSING if raw is None else _checked(validate_name, raw)


def value_field(params: Params) -> str | Missing:
    """The value in its stored form, or MISSING (the caller's default)."""
    raw = _raw(params, "value")
    return MISSING if raw is None else stored_value(raw)


def stored_value(raw: object) -> str:
    """A value sent (a JSON number or a form string) in its stored form.

    An int in range needs no detour through Decimal; every other value,
    an int out of range included, goes through it, so the refusal names
    the value the way it always has.
    """
    if type(raw) is int and -_VALUE_LIMIT < raw < _VALUE_LIMIT:
        _checked(validate_value, raw)
        return format_int_value(raw)

    if isinstance(raw, str):
        try:
            number: Any = Decimal(raw.strip())
        except InvalidOperation:
            raise ApiError(422, f"value must be a number, not {raw[:32]!r}") from None
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        number = Decimal(str(raw))
    else:
        number = raw
    try:
        checked = validate_value(number)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _value_refusal(exc, number, raw) from None
    if not isinstance(checked, Decimal):
        checked = Decimal(str(checked))
    return format_value(checked)


def _value_refusal(exc: Exception, number: object, raw: object) -> ApiError:
    """The core's refusal, naming the value as the client wrote it.

    The core names a Decimal by its repr (``Decimal('1E+20')``), which means
    nothing to a client written in another language.
    """
    message = str(exc)
    if isinstance(number, Decimal):
        sent = raw.strip() if isinstance(raw, str) else str(raw)
        message = message.replace(repr(number), sent[:40])
    return ApiError(422, message)


def meta_field(params: Params) -> str | None | Missing:
    """The meta as stored (compact JSON), None for an empty object, or MISSING."""
    raw = _raw(params, "meta")
    return MISSING if raw is None else stored_meta(raw)


def stored_meta(raw: Any) -> str | None:
    """A meta sent (an object or its JSON text) as stored; None when empty."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            raise ApiError(
                422, f"meta must be a JSON object, not {raw[:32]!r}"
            ) from None
    checked = _checked(validate_meta, raw)
    if not checked:
        return None
    # The check returns a read-only copy, which the encoder cannot take; a
    # dict sent holds the same items, and encoding it saves a second copy.
    return compact_json(raw if type(raw) is dict else dict(checked))


def ref_id_field(params: Params) -> str | None:
    """The ref_id, or None."""
    raw = _raw(params, "ref_id")
    return None if raw is None else _checked(validate_ref_id, raw)


def generated_at_field(params: Params) -> str | Missing:
    """``generated_at`` in its stored form, or MISSING (now)."""
    raw = _raw(params, "generated_at")
    return MISSING if raw is None else stored_time(raw)


def stored_time(raw: object) -> str:
    """A ``generated_at`` sent, in any form the core reads, as stored."""
    return db_time(_checked(parse_timestamp, raw))


def id_field(params: Params, field: str) -> int | None:
    """A record id such as ``metric_id`` or ``profile_id``, or None."""
    raw = _raw(params, field)
    return None if raw is None else parse_id(raw, field)


def parse_id(raw: object, field: str) -> int:
    """``raw`` as a positive record id, else a 422 naming ``field``."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        number = int(raw.strip())
    else:
        raise ApiError(422, f"{field} must be a positive integer, not {raw!r:.40}")
    if not 0 < number <= _MAX_ID:
        raise ApiError(422, f"{field} is out of range: {number!r:.40}")
    return number


def limit_field(params: Params) -> int:
    """How many records a list returns: 50 unless asked, at most 1000."""
    raw = _raw(params, "limit")
    if raw is None:
        return DEFAULT_LIMIT
    limit = parse_id(raw, "limit")
    if limit > MAX_LIMIT:
        raise ApiError(422, f"limit is {limit}; at most {MAX_LIMIT} allowed")
    return limit


def date_range(params: Params) -> tuple[str | None, str | None]:
    """``start_date`` and ``end_date`` as stored times: ``[lower, upper)``.

    Both dates are inclusive for the caller, so the upper bound is moved just
    past the end: a bare date such as ``2012-10-19`` includes that whole day.
    """
    start = _raw(params, "start_date")
    end = _raw(params, "end_date")
    lower = None if start is None else db_time(_checked(_parse_date, start))
    upper = None
    if end is not None:
        moment = _checked(_parse_date_end, end)
        upper = db_time(moment)
    return lower, upper


def _parse_date(raw: object) -> datetime:
    return parse_timestamp(raw, field="start_date")


def _parse_date_end(raw: object) -> datetime:
    moment = parse_timestamp(raw, field="end_date")
    if isinstance(raw, str) and _is_bare_date(raw.strip()):
        return moment + timedelta(days=1)
    return moment + timedelta(microseconds=1)


def _is_bare_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def sharing_field(params: Params) -> str | Missing:
    """``public`` or ``none``, or MISSING."""
    raw = _raw(params, "sharing")
    if raw is None:
        return MISSING
    text = str(raw).strip().lower()
    if text in ("public", "true", "1"):
        return "public"
    if text in ("none", "false", "0", "private"):
        return "none"
    raise ApiError(422, f"sharing must be 'public' or 'none', not {raw!r:.40}")


def flag_field(params: Params, field: str) -> int | Missing:
    """A 0/1 field such as ``include_in_email``, or MISSING."""
    raw = _raw(params, field)
    if raw is None:
        return MISSING
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return 1
    if text in ("0", "false", "no", "off"):
        return 0
    raise ApiError(422, f"{field} must be 0 or 1, not {raw!r:.40}")
