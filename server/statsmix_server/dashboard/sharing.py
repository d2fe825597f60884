"""Share addresses of dashboards: ``/d/<token>`` and ``/d/<token>/embed``.

A token is 24 random bytes (192 bits) from :mod:`secrets`, so an address can
be guessed no better than a key. Revoking clears the token, and sharing again
makes a new one: an address once revoked never works again.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from ..accounts import authenticate, first_profile_id
from ..database import Database
from ..values import now_db_time
from .dashboards import Dashboard, create_dashboard

__all__ = [
    "new_token",
    "revoke",
    "share",
    "share_dashboard",
    "share_path",
    "shared_dashboard",
]

_TOKEN_BYTES = 24


def new_token() -> str:
    """A share token: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def share_path(token: str) -> str:
    """The address of a share token, relative to the server."""
    return f"/d/{token}"


def share(conn: sqlite3.Connection, dashboard_id: int) -> str:
    """The dashboard's share token, made now if it has none."""
    row = conn.execute(
        "SELECT share_token FROM dashboards WHERE id = ?", (dashboard_id,)
    ).fetchone()
    if row is not None and row[0]:
        return str(row[0])

    token = new_token()
    conn.execute(
        "UPDATE dashboards SET share_token = ?, updated_at = ? WHERE id = ?",
        (token, now_db_time(), dashboard_id),
    )
    return token


def revoke(conn: sqlite3.Connection, dashboard_id: int) -> None:
    """Stop sharing: the current address answers 404 from now on."""
    conn.execute(
        "UPDATE dashboards SET share_token = NULL, updated_at = ? WHERE id = ?",
        (now_db_time(), dashboard_id),
    )


def shared_dashboard(conn: sqlite3.Connection, token: str) -> Dashboard | None:
    """The dashboard shared under ``token``, or None once revoked."""
    if not token:
        return None
    row = conn.execute(
        "SELECT id, account_id, name, share_token, created_at, updated_at "
        "FROM dashboards WHERE share_token = ?",
        (token,),
    ).fetchone()
    return None if row is None else Dashboard(*row)


def share_dashboard(
    db_path: str | Path,
    account_key: str,
    name: str,
    metric_names: Sequence[str],
) -> str:
    """Make a shared dashboard of the named metrics; return its address path.

    The metrics are looked up by name in the account's first profile; names
    that match no metric are skipped, so a script can run this before every
    metric has its first stat.

    Raises:
        PermissionError: ``account_key`` is not a live API key.
    """
    database = Database(db_path)
    try:
        with database.write() as conn:
            account = authenticate(conn, account_key)
            if account is None:
                raise PermissionError("no account has this API key")

            profile_id = first_profile_id(conn, account.id)
            metric_ids = [
                row[0]
                for metric_name in metric_names
                for row in conn.execute(
                    "SELECT id FROM metrics WHERE profile_id = ? AND name = ?",
                    (profile_id, metric_name),
                )
            ]
            dashboard = create_dashboard(conn, account.id, name, metric_ids)
            return share_path(share(conn, dashboard.id))
    finally:
        database.close()
