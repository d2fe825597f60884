"""The schema, as an ordered list of migrations; the file records how far it got.

Migration ``n`` (counting from 1) turns a file at schema version ``n - 1``
into one at version ``n``. Existing entries never change once released: a new
table or column is a new migration appended at the end.

Storage conventions every table follows:

- times are TEXT in UTC, ``YYYY-MM-DD HH:MM:SS.ffffff`` (no zone), so they
  sort as text and SQLite's date functions read them;
- a stat's ``value`` is TEXT holding an exact decimal (``CAST(value AS REAL)``
  for arithmetic), and ``meta`` is TEXT holding a JSON object, or NULL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

__all__ = ["MIGRATIONS", "Migration", "sql"]

Migration = Callable[[sqlite3.Connection], None]


def sql(script: str) -> Migration:
    """A migration that runs the ``;``-separated statements of ``script``.

    ``executescript`` would commit on its own; running the statements one by
    one keeps the migration inside the caller's transaction.
    """

    def run(conn: sqlite3.Connection) -> None:
        for statement in script.split(";"):
            if statement.strip():
                conn.execute(statement)

    return run


_ACCOUNTS_AND_DATA = sql(
    """
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        monthly_limit INTEGER,
        created_at TEXT NOT NULL
    );
    CREATE TABLE api_keys (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        key_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX profiles_by_account ON profiles (account_id);
    CREATE TABLE metrics (
        id INTEGER PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        sharing TEXT NOT NULL DEFAULT 'none',
        include_in_email INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (profile_id, name)
    );
    CREATE TABLE stats (
        id INTEGER PRIMARY KEY,
        metric_id INTEGER NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
        value TEXT NOT NULL,
        ref_id TEXT,
        meta TEXT,
        generated_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (metric_id, ref_id)
    )
    """
)

_USAGE_AND_TIME_INDEX = sql(
    """
    CREATE TABLE usage (
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        month TEXT NOT NULL,
        requests INTEGER NOT NULL,
        PRIMARY KEY (account_id, month)
    );
    CREATE INDEX stats_by_time ON stats (metric_id, generated_at)
    """
)

# The web dashboard: its session secret, signed-in sessions (each tied to
# the key it signed in with, so rotating the key signs it out), dashboards
# with an optional share token, and their ordered metric charts.
_DASHBOARDS = sql(
    """
    CREATE TABLE dashboard_secrets (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    CREATE TABLE dashboard_sessions (
        token_hash TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        key_id INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE dashboards (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        share_token TEXT UNIQUE,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX dashboards_by_account ON dashboards (account_id);
    CREATE TABLE dashboard_metrics (
        id INTEGER PRIMARY KEY,
        dashboard_id INTEGER NOT NULL
            REFERENCES dashboards (id) ON DELETE CASCADE,
        metric_id INTEGER NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        aggregation TEXT NOT NULL DEFAULT 'count',
        time_range TEXT NOT NULL DEFAULT 'day',
        group_by TEXT
    );
    CREATE INDEX dashboard_metrics_in_order
        ON dashboard_metrics (dashboard_id, position)
    """
)

#: Append only. The position in the list is the schema version it produces.
MIGRATIONS: list[Migration] = [
    _ACCOUNTS_AND_DATA,
    _USAGE_AND_TIME_INDEX,
    _DASHBOARDS,
]
