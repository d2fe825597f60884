"""Rows of the database as the ordered fields of an answer."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from .accounts import Profile
from .render import Field, Record
from .values import api_time, compact_json

__all__ = [
    "Row",
    "metric_record",
    "metric_url",
    "new_stat_json",
    "profile_record",
    "stat_record",
]

#: A row as the database gives it, or a plain mapping of the same fields.
Row = sqlite3.Row | Mapping[str, Any]


def stat_record(row: Row) -> Record:
    """A stat; ``meta`` is echoed as the JSON text it was stored as."""
    return (
        Field("id", row["id"], "integer"),
        Field("metric_id", row["metric_id"], "integer"),
        Field("profile_id", row["profile_id"], "integer"),
        Field("value", row["value"], "decimal"),
        Field("ref_id", row["ref_id"]),
        Field("meta", row["meta"]),
        Field("generated_at", api_time(row["generated_at"]), "datetime"),
        Field("created_at", api_time(row["created_at"]), "datetime"),
        Field("updated_at", api_time(row["updated_at"]), "datetime"),
    )


_NEW_STAT_JSON = (
    '{"id":%d,"metric_id":%d,"profile_id":%d,"value":"%s","ref_id":null,'
    '"meta":%s,"generated_at":"%s","created_at":"%s","updated_at":"%s"}'
)


def new_stat_json(
    stat_id: int,
    metric_id: int,
    profile_id: int,
    value: str,
    meta: str | None,
    generated_at: str,
    stored_at: str,
) -> str:
    """The answer's JSON of a stat just inserted without a ``ref_id``.

    It is the text that encoding :func:`stat_record` of the stat's row
    gives. A batch answers up to 1000 of these, and filling in a template
    costs about a third of building each object and encoding it. Only
    ``meta`` can hold characters JSON must escape, and it goes through the
    encoder; the value (from :func:`~statsmix_server.values.format_value`)
    and the times (from :func:`api_time`) are made of digits, ``-``, ``.``,
    ``:``, ``T`` and ``Z`` alone.

    Args:
        value: the value as stored.
        meta: the meta as stored, or None.
        generated_at: when it happened, as answered (:func:`api_time`).
        stored_at: when it was inserted, as answered: both ``created_at``
            and ``updated_at``.
    """
    meta_json = "null" if meta is None else compact_json(meta)
    return _NEW_STAT_JSON % (
        stat_id,
        metric_id,
        profile_id,
        value,
        meta_json,
        generated_at,
        stored_at,
        stored_at,
    )


def metric_url(base_url: str, profile_id: int, metric_id: int) -> str:
    """The metric's page, the address the original service used."""
    return f"{base_url.rstrip('/')}/profiles/{profile_id}/metrics/{metric_id}"


def metric_record(row: Row, base_url: str) -> Record:
    """A metric; ``url`` is its public page when shared, else null."""
    url = None
    if row["sharing"] == "public":
        url = metric_url(base_url, row["profile_id"], row["id"])
    return (
        Field("id", row["id"], "integer"),
        Field("name", row["name"]),
        Field("profile_id", row["profile_id"], "integer"),
        Field("sharing", row["sharing"]),
        Field("include_in_email", row["include_in_email"], "integer"),
        Field("url", url),
        Field("created_at", api_time(row["created_at"]), "datetime"),
        Field("updated_at", api_time(row["updated_at"]), "datetime"),
    )


def profile_record(profile: Profile) -> Record:
    """A profile."""
    return (
        Field("id", profile.id, "integer"),
        Field("name", profile.name),
        Field("created_at", api_time(profile.created_at), "datetime"),
    )
