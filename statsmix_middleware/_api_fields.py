"""The form fields and addresses the API client sends, validated before sending."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from .stat import Number, validate_meta, validate_ref_id, validate_value
from .timestamps import parse_timestamp

__all__ = ["Params", "metric_fields", "query", "stat_address", "stat_fields", "when"]

Params = dict[str, str]


def query(**values: object) -> Params:
    """The given values as strings, leaving out the ones that are None."""
    return {name: str(value) for name, value in values.items() if value is not None}


def metric_fields(
    name: str | None,
    profile_id: int | None,
    sharing: bool | str | None,
    include_in_email: bool | None,
) -> Params:
    """A metric's fields; ``sharing`` may be a bool, as in the PHP library."""
    if isinstance(sharing, bool):
        sharing = "public" if sharing else "none"
    if sharing is not None and sharing not in ("public", "none"):
        raise ValueError(f"sharing must be 'public', 'none' or a bool, not {sharing!r}")
    flag = None if include_in_email is None else int(bool(include_in_email))
    return query(
        name=name, profile_id=profile_id, sharing=sharing, include_in_email=flag
    )


def stat_fields(
    value: Number | None,
    meta: Mapping[str, Any] | None,
    ref_id: str | int | None,
    generated_at: datetime | str | int | float | None,
) -> Params:
    """Validated form fields; ``meta`` travels as one JSON string, as it always did."""
    fields = query(
        value=None if value is None else validate_value(value),
        ref_id=None if ref_id is None else validate_ref_id(ref_id),
    )
    if meta is not None:
        fields["meta"] = json.dumps(dict(validate_meta(meta)), separators=(",", ":"))
    if generated_at is not None:
        fields["generated_at"] = parse_timestamp(generated_at).isoformat()
    return fields


def stat_address(
    method: str, stat_id: int | None, metric_id: int | None, ref_id: str | None
) -> tuple[str, Params]:
    """The path and query of one stat: by its id, or by ``ref_id`` in a metric."""
    params = query(metric_id=None if metric_id is None else int(metric_id))
    if stat_id is not None:
        return f"stats/{int(stat_id)}.json", params
    if ref_id is not None and metric_id is not None:
        return f"stats/{quote(validate_ref_id(ref_id), safe='')}.json", params
    raise ValueError(f"{method} needs stat_id, or ref_id together with metric_id")


def when(value: date | datetime | str | None, field: str) -> str | None:
    """A list bound as text: a date stays a date, a time becomes ISO 8601 UTC."""
    if value is None:
        return None
    if isinstance(value, datetime) or isinstance(value, str):
        return parse_timestamp(value, field=field).isoformat()
    return value.isoformat()
