"""The monthly plan limit: requests counted per account per UTC calendar month.

Each stat counts one request, whether it came alone or in a batch; every
other API call counts one. A request refused for the limit is not counted.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from .accounts import Account
from .errors import ApiError

__all__ = ["charge", "limit_message", "next_reset"]


def charge(
    conn: sqlite3.Connection,
    account: Account,
    requests: int,
    now: datetime | None = None,
) -> int:
    """Count up to ``requests`` against this month; return how many fit.

    Raises:
        ApiError: 403 when the month's limit is already used up.
    """
    now = now or datetime.now(timezone.utc)
    month = now.strftime("%Y-%m")

    allowed = requests
    if account.monthly_limit is not None:
        row = conn.execute(
            "SELECT requests FROM usage WHERE account_id = ? AND month = ?",
            (account.id, month),
        ).fetchone()
        used = 0 if row is None else int(row[0])
        allowed = max(0, min(requests, account.monthly_limit - used))
        if allowed == 0:
            raise ApiError(403, limit_message(account.monthly_limit, now))

    conn.execute(
        "INSERT INTO usage (account_id, month, requests) VALUES (?, ?, ?) "
        "ON CONFLICT (account_id, month) "
        "DO UPDATE SET requests = requests + excluded.requests",
        (account.id, month, allowed),
    )
    return allowed


def next_reset(now: datetime) -> datetime:
    """Midnight UTC on the first day of the month after ``now``."""
    if now.month == 12:
        return datetime(now.year + 1, 1, 1, tzinfo=timezone.utc)
    return datetime(now.year, now.month + 1, 1, tzinfo=timezone.utc)


def limit_message(limit: int, now: datetime) -> str:
    """The 403 explanation: which limit was reached and when it resets."""
    reset = next_reset(now).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"Plan limit reached: this account's plan allows {limit} API requests "
        f"per calendar month (UTC), and they are used up. The limit resets at "
        f"{reset}."
    )
