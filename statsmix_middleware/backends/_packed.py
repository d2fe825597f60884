"""Stats as the queue keeps them: tuples the garbage collector lets go of.

A backlog of thousands of queued stats would otherwise be thousands of live
container objects, and every collection of the host app would walk all of
them, on whichever thread happened to allocate: the caller's, in the middle
of a ``track()``. A tuple that holds only strings, numbers and datetimes is
dropped from the collector's lists the first time it sees it, so a backlog
costs the collector next to nothing. One that holds a container is not: a
dict, even of strings, keeps it for good, and an inner tuple until a later,
older collection.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ..stat import MetaValue, Stat, from_epoch_us

__all__ = ["Packed", "as_fields", "generated_at_of", "meta_of", "pack", "unpack"]

#: ``(name, value, ref_id, when, profile_id, n, *n keys, *n values)``: one
#: flat tuple. ``when`` is the stat's own: integer microseconds since the
#: epoch, or a datetime.
Packed = tuple[Any, ...]


def pack(stat: Stat) -> Packed:
    """The stat's fields in one tuple, sharing what the stat holds."""
    # Reads the slots behind the properties: this runs inside every send().
    when: int | datetime | None = stat._epoch_us
    if when is None:
        when = stat._generated_at
    meta = stat._meta
    if not meta:
        return (stat._name, stat._value, stat._ref_id, when, stat._profile_id, 0)
    return (
        stat._name,
        stat._value,
        stat._ref_id,
        when,
        stat._profile_id,
        len(meta),
        *meta.keys(),
        *meta.values(),
    )


def meta_of(packed: Packed) -> dict[str, MetaValue]:
    """The ``meta`` mapping of a packed stat, as a new dict."""
    count: int = packed[5]
    if not count:
        return {}
    return dict(zip(packed[6 : 6 + count], packed[6 + count :], strict=True))


def generated_at_of(packed: Packed) -> datetime:
    """When a packed stat happened, as an aware UTC datetime."""
    when = packed[3]
    return from_epoch_us(when) if isinstance(when, int) else when


def unpack(packed: Packed) -> Stat:
    """The stat again, for ``on_drop``: equal to the one that was sent."""
    name, value, ref_id, _, profile_id = packed[:5]
    return Stat(
        name,
        value,
        meta=meta_of(packed),
        ref_id=ref_id,
        generated_at=generated_at_of(packed),
        profile_id=profile_id,
    )


def as_fields(packed: Packed) -> dict[str, Any]:
    """The JSON item of ``batch.json``: only the fields the stat has.

    A stat made "now" travels as epoch seconds, which the server reads back to
    the microsecond and which costs next to nothing to write; one given a
    time, as ISO 8601.
    """
    name, value, ref_id, when, profile_id = packed[:5]
    fields: dict[str, Any] = {
        "name": name,
        "value": str(value) if type(value) is Decimal else value,
        "generated_at": when / 1e6 if type(when) is int else when.isoformat(),
    }
    if packed[5]:
        fields["meta"] = meta_of(packed)
    if ref_id is not None:
        fields["ref_id"] = ref_id
    if profile_id is not None:
        fields["profile_id"] = profile_id
    return fields
