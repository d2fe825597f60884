"""What the API answers, as typed objects, read leniently from the server's JSON.

Dashed and underscored keys both work (``metric-id``, ``metric_id``), as does
a single object where a list is expected, so answers of the original service
and of ``statsmix-server`` read alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .timestamps import parse_timestamp

__all__ = ["Metric", "StoredStat", "read_list", "read_one"]


@dataclass(frozen=True)
class Metric:
    """A metric as the server stores it."""

    id: int
    name: str
    profile_id: int | None = None
    sharing: str | None = None
    include_in_email: bool | None = None
    url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> Metric:
        """Build from one answer object; missing optional fields are None."""
        get = _normalised(fields).get
        return cls(
            id=_int(get("id")) or 0,
            name=str(get("name") or ""),
            profile_id=_int(get("profile_id")),
            sharing=_str(get("sharing")),
            include_in_email=_bool(get("include_in_email")),
            url=_str(get("url")),
            created_at=_time(get("created_at")),
            updated_at=_time(get("updated_at")),
        )


@dataclass(frozen=True)
class StoredStat:
    """A stat as the server stores it; ``value`` is exact, ``meta`` a dict."""

    id: int
    value: Decimal
    metric_id: int | None = None
    profile_id: int | None = None
    ref_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    generated_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> StoredStat:
        """Build from one answer object; missing optional fields are None."""
        get = _normalised(fields).get
        return cls(
            id=_int(get("id")) or 0,
            value=_decimal(get("value")),
            metric_id=_int(get("metric_id")),
            profile_id=_int(get("profile_id")),
            ref_id=_str(get("ref_id")),
            meta=_meta(get("meta")),
            generated_at=_time(get("generated_at")),
            created_at=_time(get("created_at")),
            updated_at=_time(get("updated_at")),
        )


def read_one(body: Any, tag: str) -> Mapping[str, Any]:
    """The object under ``tag`` (``{"stat": {...}}``), or the body itself."""
    if isinstance(body, Mapping):
        inner = body.get(tag)
        if isinstance(inner, Mapping):
            return inner
        return body
    raise ValueError(f"expected a {tag} object, got {type(body).__name__}")


def read_list(body: Any, plural: str, tag: str) -> list[Mapping[str, Any]]:
    """The objects of ``{"stats": {"stat": [...]}}`` and its looser spellings."""
    items: Any = body
    if isinstance(items, Mapping) and plural in items:
        items = items[plural]
    if isinstance(items, Mapping) and tag in items:
        items = items[tag]
    if items is None or items == "":
        return []
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list):
        raise ValueError(f"expected a list of {plural}, got {type(items).__name__}")
    return [item for item in items if isinstance(item, Mapping)]


def _normalised(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).replace("-", "_"): value for key, value in fields.items()}


def _int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    return int(value)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _decimal(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"value is not a number: {value!r:.40}") from None


def _meta(value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value) if isinstance(value, Mapping) else {}


def _time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    return parse_timestamp(value)
