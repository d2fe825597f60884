"""The fields of one ``batch.json`` item, read as ``track`` reads its own.

A batch holds up to 1000 items, nearly all of one everyday shape: ``name`` a
string, ``value`` a number, ``meta`` an object, ``generated_at`` a number or
a string, perhaps a ``ref_id`` string and a ``profile_id`` int.
:func:`quick_item` reads that shape straight through the same validators and
conversions as ``track``, without the general parser's per-field checks for
form-style input. Anything else, including every item with a wrong field, is
read by :func:`general_item`, the parser ``track`` uses, so an item means the
same and is refused in the same words whichever way it came.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from statsmix_middleware.stat import validate_name, validate_ref_id

from ..errors import ApiError
from ..fields import (
    MISSING,
    Missing,
    parse_id,
    stored_meta,
    stored_time,
    stored_value,
)
from ..stat_store import StatChanges
from .track import track_fields

__all__ = ["BatchItem", "general_item", "quick_item", "read_item"]

_NUMBERS = (int, float)


class BatchItem(NamedTuple):
    """An item's fields in their stored forms; MISSING as in StatChanges."""

    name: str
    profile_id: int | None
    value: str | Missing
    ref_id: str | None
    meta: str | None | Missing
    generated_at: str | Missing

    @property
    def changes(self) -> StatChanges:
        """The stat fields, as the stat store takes them."""
        return StatChanges(self.value, self.ref_id, self.meta, self.generated_at)


def read_item(item: object, index: int) -> BatchItem:
    """The fields of ``stats[index]``.

    Raises:
        ApiError: 422 naming the field, exactly as ``track`` would.
    """
    if not isinstance(item, dict):
        raise ApiError(422, f"stats[{index}] must be an object of fields")
    found = quick_item(item)
    return general_item(item) if found is None else found


def general_item(item: dict[str, Any]) -> BatchItem:
    """Any item, read by the parser of ``track``."""
    name, profile_id, changes = track_fields(item)
    return BatchItem(
        name,
        profile_id,
        changes.value,
        changes.ref_id,
        changes.meta,
        changes.generated_at,
    )


def quick_item(item: dict[str, Any]) -> BatchItem | None:
    """An item of the everyday shape, else None.

    None means "ask :func:`general_item`": for a field of another type (an
    empty string, which it reads as not sent, a string of digits for an id)
    and for a field the validators refuse, so that the refusal is its own.
    """
    name = item.get("name")
    value = item.get("value")
    meta = item.get("meta")
    ref_id = item.get("ref_id")
    when = item.get("generated_at")
    profile_id = item.get("profile_id")
    if not _everyday(name, value, meta, ref_id, when, profile_id):
        return None

    try:
        return BatchItem(
            validate_name(name),
            None if profile_id is None else parse_id(profile_id, "profile_id"),
            MISSING if value is None else stored_value(value),
            None if ref_id is None else validate_ref_id(ref_id),
            MISSING if meta is None else stored_meta(meta),
            MISSING if when is None else stored_time(when),
        )
    except (ApiError, TypeError, ValueError):
        return None


def _everyday(
    name: object,
    value: object,
    meta: object,
    ref_id: object,
    when: object,
    profile_id: object,
) -> bool:
    """Whether each field is absent (null) or of its everyday JSON type."""
    return (
        _text(name)
        and (value is None or type(value) in _NUMBERS)
        and (meta is None or type(meta) is dict)
        and (ref_id is None or _text(ref_id))
        and (when is None or type(when) in _NUMBERS or _text(when))
        and (profile_id is None or type(profile_id) is int)
    )


def _text(value: object) -> bool:
    return type(value) is str and value != ""
