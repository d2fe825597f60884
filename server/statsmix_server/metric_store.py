"""Metrics and profiles in the database, always seen through one account.

Every query joins the profile and checks its account, so a metric of another
account is indistinguishable from one that does not exist: 404 either way.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .errors import ApiError
from .fields import MISSING, Missing
from .values import now_db_time

__all__ = [
    "MetricChanges",
    "create_metric",
    "delete_metric",
    "get_metric",
    "list_metrics",
    "metric_id_for",
    "resolve_profile",
    "update_metric",
]

_SELECT = (
    "SELECT m.id, m.name, m.profile_id, m.sharing, m.include_in_email, "
    "m.created_at, m.updated_at FROM metrics AS m "
    "JOIN profiles AS p ON p.id = m.profile_id "
)


@dataclass(frozen=True)
class MetricChanges:
    """The fields a create or update sets; MISSING leaves one as it is."""

    name: str | Missing = MISSING
    profile_id: int | None = None
    sharing: str | Missing = MISSING
    include_in_email: int | Missing = MISSING


def resolve_profile(
    conn: sqlite3.Connection, account_id: int, profile_id: int | None
) -> int:
    """The profile to use: the one given if the account owns it, else the first."""
    if profile_id is None:
        row = conn.execute(
            "SELECT min(id) FROM profiles WHERE account_id = ?", (account_id,)
        ).fetchone()
        if row[0] is None:
            raise ApiError(404, "this account has no profile")
        return int(row[0])

    row = conn.execute(
        "SELECT id FROM profiles WHERE id = ? AND account_id = ?",
        (profile_id, account_id),
    ).fetchone()
    if row is None:
        raise ApiError(404, f"profile {profile_id} not found in this account")
    return profile_id


def get_metric(
    conn: sqlite3.Connection, account_id: int, metric_id: int
) -> sqlite3.Row:
    """The metric, or a 404."""
    row: sqlite3.Row | None = conn.execute(
        _SELECT + "WHERE m.id = ? AND p.account_id = ?", (metric_id, account_id)
    ).fetchone()
    if row is None:
        raise ApiError(404, f"metric {metric_id} not found in this account")
    return row


def list_metrics(
    conn: sqlite3.Connection, account_id: int, profile_id: int | None, limit: int
) -> list[sqlite3.Row]:
    """The account's metrics (of one profile when given), oldest first."""
    if profile_id is None:
        return conn.execute(
            _SELECT + "WHERE p.account_id = ? ORDER BY m.id LIMIT ?",
            (account_id, limit),
        ).fetchall()
    resolve_profile(conn, account_id, profile_id)
    return conn.execute(
        _SELECT + "WHERE p.account_id = ? AND m.profile_id = ? ORDER BY m.id LIMIT ?",
        (account_id, profile_id, limit),
    ).fetchall()


def create_metric(
    conn: sqlite3.Connection, account_id: int, changes: MetricChanges
) -> sqlite3.Row:
    """Make a metric; its name must be free in the profile."""
    if changes.name is MISSING:
        raise ApiError(422, "name is required")
    profile_id = resolve_profile(conn, account_id, changes.profile_id)
    _refuse_taken_name(conn, profile_id, changes.name, None)

    now = now_db_time()
    sharing = "none" if changes.sharing is MISSING else changes.sharing
    email = 1 if changes.include_in_email is MISSING else changes.include_in_email
    cursor = conn.execute(
        "INSERT INTO metrics (profile_id, name, sharing, include_in_email, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        (profile_id, changes.name, sharing, email, now, now),
    )
    return get_metric(conn, account_id, int(cursor.lastrowid or 0))


def update_metric(
    conn: sqlite3.Connection,
    account_id: int,
    metric_id: int,
    changes: MetricChanges,
) -> sqlite3.Row:
    """Change the fields given; moving to another profile keeps the stats."""
    current = get_metric(conn, account_id, metric_id)
    profile_id = current["profile_id"]
    if changes.profile_id is not None:
        profile_id = resolve_profile(conn, account_id, changes.profile_id)
    name = current["name"] if changes.name is MISSING else changes.name
    _refuse_taken_name(conn, profile_id, name, metric_id)

    sharing = current["sharing"] if changes.sharing is MISSING else changes.sharing
    email = changes.include_in_email
    if email is MISSING:
        email = current["include_in_email"]
    conn.execute(
        "UPDATE metrics SET name = ?, profile_id = ?, sharing = ?, "
        "include_in_email = ?, updated_at = ? WHERE id = ?",
        (name, profile_id, sharing, email, now_db_time(), metric_id),
    )
    return get_metric(conn, account_id, metric_id)


def delete_metric(
    conn: sqlite3.Connection, account_id: int, metric_id: int
) -> sqlite3.Row:
    """Delete the metric and its stats; return the metric as it was."""
    row = get_metric(conn, account_id, metric_id)
    conn.execute("DELETE FROM metrics WHERE id = ?", (metric_id,))
    return row


def metric_id_for(conn: sqlite3.Connection, profile_id: int, name: str) -> int:
    """The id of the named metric in the profile, made on first use.

    Called inside the one write transaction, so two requests naming a new
    metric at once still make it once (``UNIQUE (profile_id, name)`` backs
    this up against other processes).
    """
    row = conn.execute(
        "SELECT id FROM metrics WHERE profile_id = ? AND name = ?",
        (profile_id, name),
    ).fetchone()
    if row is not None:
        return int(row[0])

    now = now_db_time()
    cursor = conn.execute(
        "INSERT INTO metrics (profile_id, name, created_at, updated_at) "
        "VALUES (?, ?, ?, ?)",
        (profile_id, name, now, now),
    )
    return int(cursor.lastrowid or 0)


def _refuse_taken_name(
    conn: sqlite3.Connection, profile_id: int, name: str, metric_id: int | None
) -> None:
    row = conn.execute(
        "SELECT id FROM metrics WHERE profile_id = ? AND name = ?",
        (profile_id, name),
    ).fetchone()
    if row is not None and row[0] != metric_id:
        raise ApiError(
            422, f"name {name[:64]!r} is already taken in profile {profile_id}"
        )
