"""The daily job of the StatsMix docs: record today's number of active users.

Run it from cron as often as you like; each run updates today's one stat,
because the stat's ``ref_id`` is today's date::

    STATSMIX_URL=http://127.0.0.1:8765 STATSMIX_API_KEY=... \\
        python -m examples.daily_users --db app.db

The job counts the rows of the app's ``users`` table seen today, or takes
``--count N``. Unlike ``track()`` in a web app, the :class:`API` client waits
for the server and raises if it refuses, so a failed run fails loudly.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import date

from statsmix_middleware import API, StatsMixError, StoredStat

__all__ = ["METRIC", "count_active_users", "main", "record_daily_users"]

METRIC = "Daily Users"


def count_active_users(db_path: str, day: date) -> int:
    """Users whose ``last_seen`` (an ISO date or time) falls on ``day``."""
    with sqlite3.connect(db_path) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM users WHERE substr(last_seen, 1, 10) = ?",
            (day.isoformat(),),
        ).fetchone()
    return int(row[0])


def record_daily_users(api: API, count: int, day: date) -> StoredStat | None:
    """Store ``count`` as the day's stat; a second run that day updates it."""
    return api.track(
        METRIC, count, ref_id=day.isoformat(), generated_at=day.isoformat()
    )


def main(argv: list[str] | None = None) -> int:
    """Count and record today's users; returns 1 when that failed, else 0."""
    parser = argparse.ArgumentParser(description="Record today's active users.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", help="the app's SQLite file, with a users table")
    source.add_argument("--count", type=int, help="the number to record")
    args = parser.parse_args(argv)

    today = date.today()
    count = args.count if args.db is None else count_active_users(args.db, today)
    try:
        with API() as api:
            stored = record_daily_users(api, count, today)
    except (StatsMixError, ValueError) as error:
        print(f"daily_users: {error}", file=sys.stderr)
        return 1

    if stored is None:
        print(f"{METRIC} {today}: {count} (ignored: STATSMIX_IGNORE is set)")
    else:
        print(f"{METRIC} {today}: {count} (stat {stored.id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
