"""The stat: one tracked value, validated once, the same way everywhere.

The client validates at the call site and the server validates what it
receives with the same code, so both agree on what a valid stat is.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from .timestamps import parse_timestamp

__all__ = [
    "MAX_META_KEYS",
    "MAX_META_KEY_LENGTH",
    "MAX_META_VALUE_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_REF_ID_LENGTH",
    "MAX_VALUE_DIGITS",
    "MetaValue",
    "Number",
    "Stat",
    "checked_meta",
    "from_epoch_us",
    "now_epoch_us",
    "validate_meta",
    "validate_name",
    "validate_profile_id",
    "validate_ref_id",
    "validate_value",
]

Number = int | float | Decimal
MetaValue = str | int | float | bool

MAX_NAME_LENGTH = 255
MAX_REF_ID_LENGTH = 255
MAX_VALUE_DIGITS = 11
MAX_META_KEYS = 50
MAX_META_KEY_LENGTH = 100
MAX_META_VALUE_LENGTH = 1000

_VALUE_LIMIT = 10**MAX_VALUE_DIGITS
_EMPTY_META: Mapping[str, MetaValue] = MappingProxyType({})


class Stat:
    """One value tracked under a metric. Immutable once made.

    Args:
        name: the metric's name, 1 to 255 characters.
        value: an int, float or Decimal, finite, with at most 11 digits
            before the point. Bools are refused: ``True`` is almost always
            a mistake for a count.
        meta: string keys mapped to str, int, float or bool; at most 50
            keys, keys up to 100 characters, string values up to 1000.
        ref_id: the caller's id for the stat; a stat tracked again with the
            same ``ref_id`` in the same metric replaces the first. An int is
            turned into its string.
        generated_at: when it happened; anything :func:`parse_timestamp`
            reads. A naive datetime or a string without a zone is UTC.
            Defaults to now.
        profile_id: the profile the metric lives in; an int or a string of
            digits. The account's first profile when not given.

    Raises:
        TypeError: a field has the wrong type; the message names the field.
        ValueError: a field has a wrong value; the message names the field.
    """

    # The fields live in private slots behind read-only properties: plain
    # slot stores keep making a stat cheap on the per-request path. "Now" is
    # kept as integer microseconds since the epoch until somebody asks for
    # the datetime, which costs four times as much to make, and meta as a
    # private dict that nothing ever changes, wrapped read-only when read.
    __slots__ = (
        "_name",
        "_value",
        "_meta",
        "_ref_id",
        "_generated_at",
        "_epoch_us",
        "_profile_id",
    )

    _name: str
    _value: Number
    _meta: Mapping[str, MetaValue]
    _ref_id: str | None
    _generated_at: datetime | None
    _epoch_us: int | None
    _profile_id: int | None

    def __init__(
        self,
        name: str,
        value: Number = 1,
        *,
        meta: Mapping[str, Any] | None = None,
        ref_id: str | int | None = None,
        generated_at: datetime | str | int | float | None = None,
        profile_id: int | str | None = None,
    ) -> None:
        self._name = validate_name(name)
        self._value = validate_value(value)
        self._meta = _EMPTY_META if meta is None else checked_meta(meta)
        self._ref_id = None if ref_id is None else validate_ref_id(ref_id)
        if generated_at is None:
            self._generated_at = None
            self._epoch_us = _time_ns() // 1000
        else:
            self._generated_at = parse_timestamp(generated_at)
            self._epoch_us = None
        self._profile_id = (
            None if profile_id is None else validate_profile_id(profile_id)
        )

    @classmethod
    def _trusted(
        cls,
        name: str,
        value: Number,
        meta: Mapping[str, MetaValue],
        epoch_us: int,
        profile_id: int | None,
    ) -> Stat:
        """Build a stat from fields already known to be valid, without checks.

        For the per-request and per-call paths of the middleware and the
        decorator, which validate their names and options once, up front.
        ``epoch_us`` is when it happened, in microseconds since the epoch;
        ``meta`` is kept as it is, so it must never change afterwards.
        """
        stat = _new(cls)
        stat._name = name
        stat._value = value
        stat._meta = meta
        stat._ref_id = None
        stat._generated_at = None
        stat._epoch_us = epoch_us
        stat._profile_id = profile_id
        return stat

    @property
    def name(self) -> str:
        """The metric's name."""
        return self._name

    @property
    def value(self) -> Number:
        """The number tracked; 1 unless told otherwise."""
        return self._value

    @property
    def meta(self) -> Mapping[str, MetaValue]:
        """The stat's meta, read-only."""
        meta = self._meta
        return MappingProxyType(meta) if type(meta) is dict else meta

    @property
    def ref_id(self) -> str | None:
        """The caller's id of the stat, or None."""
        return self._ref_id

    @property
    def generated_at(self) -> datetime:
        """When it happened, as an aware datetime in UTC."""
        moment = self._generated_at
        if moment is None:
            moment = from_epoch_us(self._epoch_us or 0)
            self._generated_at = moment
        return moment

    @property
    def profile_id(self) -> int | None:
        """The profile the metric lives in, or None for the account's first."""
        return self._profile_id

    def replace(self, **changes: Any) -> Stat:
        """Return a copy with some fields changed and validated again."""
        fields: dict[str, Any] = {
            "meta": self._meta,
            "ref_id": self._ref_id,
            "generated_at": self.generated_at,
            "profile_id": self._profile_id,
        }
        fields.update(changes)
        name = fields.pop("name", self._name)
        value = fields.pop("value", self._value)
        return Stat(name, value, **fields)

    def to_dict(self) -> dict[str, Any]:
        """The stat as JSON-ready fields, as the batch endpoint takes them."""
        value = self._value
        return {
            "name": self._name,
            "value": str(value) if isinstance(value, Decimal) else value,
            "meta": dict(self._meta),
            "ref_id": self._ref_id,
            "generated_at": self.generated_at.isoformat(),
            "profile_id": self._profile_id,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stat):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        parts = [f"{self._name!r}", f"value={self._value!r}"]
        if self._meta:
            parts.append(f"meta={dict(self._meta)!r}")
        if self._ref_id is not None:
            parts.append(f"ref_id={self._ref_id!r}")
        parts.append(f"generated_at={self.generated_at.isoformat()!r}")
        if self._profile_id is not None:
            parts.append(f"profile_id={self._profile_id!r}")
        return f"Stat({', '.join(parts)})"

    def _key(self) -> tuple[Any, ...]:
        meta = tuple(sorted(self._meta.items()))
        return (
            self._name,
            self._value,
            meta,
            self._ref_id,
            self.generated_at,
            self._profile_id,
        )


_new = object.__new__
_time_ns = time.time_ns
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def now_epoch_us() -> int:
    """The current time in whole microseconds since the epoch, as stats keep it."""
    return _time_ns() // 1000


def from_epoch_us(epoch_us: int) -> datetime:
    """Microseconds since the epoch as an aware UTC datetime, exactly."""
    return _EPOCH + timedelta(microseconds=epoch_us)


def validate_name(name: object) -> str:
    """Return ``name`` if it is a usable metric name, else raise."""
    if type(name) is str and 0 < len(name) <= MAX_NAME_LENGTH and not name.isspace():
        return name

    if not isinstance(name, str):
        raise TypeError(f"name must be a string, not {type(name).__name__}")
    if not name.strip():
        raise ValueError("name must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(
            f"name is {len(name)} characters long; at most {MAX_NAME_LENGTH} allowed"
        )
    return name


def validate_value(value: object) -> Number:
    """Return ``value`` if it is a number StatsMix can store, else raise."""
    if type(value) is int and -_VALUE_LIMIT < value < _VALUE_LIMIT:
        return value

    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(
            f"value must be an int, float or Decimal, not {type(value).__name__}"
        )

    if isinstance(value, Decimal):
        finite = value.is_finite()
    else:
        finite = isinstance(value, int) or math.isfinite(value)
    if not finite:
        raise ValueError(f"value must be finite, not {value!r}")

    if abs(value) >= _VALUE_LIMIT:
        raise ValueError(
            f"value {value!r} has more than {MAX_VALUE_DIGITS} digits before the point"
        )
    return value


def validate_meta(meta: object) -> Mapping[str, MetaValue]:
    """Return a read-only copy of ``meta`` if it is valid, else raise."""
    return MappingProxyType(checked_meta(meta))


def checked_meta(meta: object) -> dict[str, MetaValue]:
    """Return a new dict copy of ``meta`` if it is valid, else raise."""
    # A dict is by far the usual case; the ABC check costs more than the rest.
    if type(meta) is not dict and not isinstance(meta, Mapping):
        raise TypeError(f"meta must be a mapping, not {type(meta).__name__}")
    if len(meta) > MAX_META_KEYS:
        raise ValueError(f"meta has {len(meta)} keys; at most {MAX_META_KEYS} allowed")

    copy = meta.copy() if type(meta) is dict else dict(meta)
    for key, item in copy.items():
        if (
            type(key) is str
            and type(item) is str
            and 0 < len(key) <= MAX_META_KEY_LENGTH
            and len(item) <= MAX_META_VALUE_LENGTH
        ):
            continue
        _check_meta_item(key, item)
    return copy


def _check_meta_item(key: object, item: object) -> None:
    if not isinstance(key, str):
        raise TypeError(f"meta keys must be strings, not {type(key).__name__}")
    if not key:
        raise ValueError("meta keys must not be empty")
    if len(key) > MAX_META_KEY_LENGTH:
        raise ValueError(
            f"meta key {key[:20]!r}... is longer than {MAX_META_KEY_LENGTH} characters"
        )

    if not isinstance(item, (str, int, float)):
        raise TypeError(
            f"meta[{key!r}] must be a str, int, float or bool, "
            f"not {type(item).__name__}"
        )
    if isinstance(item, float) and not math.isfinite(item):
        raise ValueError(f"meta[{key!r}] must be finite, not {item!r}")
    if isinstance(item, str) and len(item) > MAX_META_VALUE_LENGTH:
        raise ValueError(
            f"meta[{key!r}] is longer than {MAX_META_VALUE_LENGTH} characters"
        )


def validate_ref_id(ref_id: object) -> str:
    """Return ``ref_id`` as a string if it is valid, else raise."""
    if isinstance(ref_id, int) and not isinstance(ref_id, bool):
        ref_id = str(ref_id)
    if not isinstance(ref_id, str):
        raise TypeError(f"ref_id must be a string or int, not {type(ref_id).__name__}")
    if not ref_id:
        raise ValueError("ref_id must not be empty")
    if len(ref_id) > MAX_REF_ID_LENGTH:
        raise ValueError(
            f"ref_id is {len(ref_id)} characters long; "
            f"at most {MAX_REF_ID_LENGTH} allowed"
        )
    return ref_id


def validate_profile_id(profile_id: object) -> int:
    """Return ``profile_id`` as an int if it is an id, else raise."""
    if isinstance(profile_id, bool) or not isinstance(profile_id, (int, str)):
        raise TypeError(
            f"profile_id must be an int or a string of digits, "
            f"not {type(profile_id).__name__}"
        )
    if isinstance(profile_id, str):
        if not (profile_id.isascii() and profile_id.isdigit()):
            raise ValueError(f"profile_id must be digits, not {profile_id[:32]!r}")
        profile_id = int(profile_id)
    if profile_id <= 0:
        raise ValueError(f"profile_id must be positive, not {profile_id}")
    return profile_id
