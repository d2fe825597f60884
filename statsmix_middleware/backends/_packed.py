"""Stats as the queue keeps them: flat tuples the garbage collector ignores.

A backlog of thousands of queued stats would otherwise be thousands of live
container objects, and every full collection of the host app would walk all
of them, on whichever thread happened to allocate: the caller's, in the
middle of a ``track()``. A tuple of strings, numbers and datetimes is dropped
from the collector's lists the first time it sees it, so a backlog costs the
collector nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..stat import MetaValue, Stat

__all__ = ["Packed", "as_fields", "meta_of", "pack", "unpack"]

#: ``(name, value, ref_id, generated_at, profile_id, n, *n keys, *n values)``:
#: one flat tuple, as a nested one would stay tracked a while longer.
Packed = tuple[Any, ...]


def pack(stat: Stat) -> Packed:
    """The stat's fields in one flat tuple, ``meta`` spread at its end."""
    meta = stat.meta
    if not meta:
        return (
            stat.name,
            stat.value,
            stat.ref_id,
            stat.generated_at,
            stat.profile_id,
            0,
        )
    return (
        stat.name,
        stat.value,
        stat.ref_id,
        stat.generated_at,
        stat.profile_id,
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


def unpack(packed: Packed) -> Stat:
    """The stat again, for ``on_drop``: equal to the one that was sent."""
    name, value, ref_id, generated_at, profile_id = packed[:5]
    return Stat(
        name,
        value,
        meta=meta_of(packed),
        ref_id=ref_id,
        generated_at=generated_at,
        profile_id=profile_id,
    )


def as_fields(packed: Packed) -> dict[str, Any]:
    """The JSON item of ``batch.json``, as ``Stat.to_dict()`` would give it."""
    name, value, ref_id, generated_at, profile_id = packed[:5]
    return {
        "name": name,
        "value": str(value) if isinstance(value, Decimal) else value,
        "meta": meta_of(packed),
        "ref_id": ref_id,
        "generated_at": generated_at.isoformat(),
        "profile_id": profile_id,
    }
