"""Rows of the database as the ordered fields of an answer."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from .accounts import Profile
from .render import Field, Record
from .values import api_time

__all__ = ["Row", "metric_record", "metric_url", "profile_record", "stat_record"]

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
