"""The stat: one tracked value, validated once, the same way everywhere.

The client validates at the call site and the server validates what it
receives with the same code, so both agree on what a valid stat is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from .timestamps import parse_timestamp, utc_now

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

    __slots__ = ("name", "value", "meta", "ref_id", "generated_at", "profile_id")

    name: str
    value: Number
    meta: Mapping[str, MetaValue]
    ref_id: str | None
    generated_at: datetime
    profile_id: int | None

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
        _set = object.__setattr__
        _set(self, "name", validate_name(name))
        _set(self, "value", validate_value(value))
        _set(self, "meta", _EMPTY_META if meta is None else validate_meta(meta))
        _set(self, "ref_id", None if ref_id is None else validate_ref_id(ref_id))
        _set(
            self,
            "generated_at",
            utc_now() if generated_at is None else parse_timestamp(generated_at),
        )
        _set(
            self,
            "profile_id",
            None if profile_id is None else validate_profile_id(profile_id),
        )

    @classmethod
    def _trusted(
        cls,
        name: str,
        value: Number,
        meta: Mapping[str, MetaValue],
        generated_at: datetime,
        profile_id: int | None,
    ) -> Stat:
        """Build a stat from fields already known to be valid, without checks.

        For the per-request and per-call paths of the middleware and the
        decorator, which validate their names and options once, up front.
        """
        stat = object.__new__(cls)
        _set_name(stat, name)
        _set_value(stat, value)
        _set_meta(stat, meta)
        _set_ref_id(stat, None)
        _set_generated_at(stat, generated_at)
        _set_profile_id(stat, profile_id)
        return stat

    def replace(self, **changes: Any) -> Stat:
        """Return a copy with some fields changed and validated again."""
        fields: dict[str, Any] = {
            "meta": self.meta,
            "ref_id": self.ref_id,
            "generated_at": self.generated_at,
            "profile_id": self.profile_id,
        }
        fields.update(changes)
        name = fields.pop("name", self.name)
        value = fields.pop("value", self.value)
        return Stat(name, value, **fields)

    def to_dict(self) -> dict[str, Any]:
        """The stat as JSON-ready fields, as the batch endpoint takes them."""
        return {
            "name": self.name,
            "value": str(self.value) if isinstance(self.value, Decimal) else self.value,
            "meta": dict(self.meta),
            "ref_id": self.ref_id,
            "generated_at": self.generated_at.isoformat(),
            "profile_id": self.profile_id,
        }

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"Stat is immutable; use replace({key}=...)")

    def __delattr__(self, key: str) -> None:
        raise AttributeError("Stat is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stat):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        parts = [f"{self.name!r}", f"value={self.value!r}"]
        if self.meta:
            parts.append(f"meta={dict(self.meta)!r}")
        if self.ref_id is not None:
            parts.append(f"ref_id={self.ref_id!r}")
        parts.append(f"generated_at={self.generated_at.isoformat()!r}")
        if self.profile_id is not None:
            parts.append(f"profile_id={self.profile_id!r}")
        return f"Stat({', '.join(parts)})"

    def _key(self) -> tuple[Any, ...]:
        meta = tuple(sorted(self.meta.items()))
        return (
            self.name,
            self.value,
            meta,
            self.ref_id,
            self.generated_at,
            self.profile_id,
        )


# The slots' own setters: faster than object.__setattr__ for _trusted.
_set_name = Stat.__dict__["name"].__set__
_set_value = Stat.__dict__["value"].__set__
_set_meta = Stat.__dict__["meta"].__set__
_set_ref_id = Stat.__dict__["ref_id"].__set__
_set_generated_at = Stat.__dict__["generated_at"].__set__
_set_profile_id = Stat.__dict__["profile_id"].__set__


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
    if not isinstance(meta, Mapping):
        raise TypeError(f"meta must be a mapping, not {type(meta).__name__}")
    if len(meta) > MAX_META_KEYS:
        raise ValueError(f"meta has {len(meta)} keys; at most {MAX_META_KEYS} allowed")

    copy = dict(meta)
    for key, item in copy.items():
        if (
            type(key) is str
            and type(item) is str
            and 0 < len(key) <= MAX_META_KEY_LENGTH
            and len(item) <= MAX_META_VALUE_LENGTH
        ):
            continue
        _check_meta_item(key, item)
    return MappingProxyType(copy)


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
