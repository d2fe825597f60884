"""Accounts, their profiles and their API keys.

A key is shown once, when it is made, and stored only as its SHA-256 digest.
Looking a key up finds the row by digest, and the digests are then compared
with :func:`hmac.compare_digest`, so the comparison takes the same time
whatever the key. No function here logs a key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass

from .values import now_db_time

__all__ = [
    "DEFAULT_PROFILE_NAME",
    "Account",
    "Profile",
    "authenticate",
    "create_account",
    "create_profile",
    "first_profile_id",
    "get_account",
    "hash_key",
    "list_accounts",
    "list_profiles",
    "rotate_key",
]

DEFAULT_PROFILE_NAME = "Default"


@dataclass(frozen=True)
class Account:
    """Who owns profiles, metrics and stats; ``monthly_limit`` None is unlimited."""

    id: int
    name: str
    monthly_limit: int | None


@dataclass(frozen=True)
class Profile:
    """A bucket of metrics inside an account."""

    id: int
    account_id: int
    name: str
    created_at: str


def hash_key(key: str) -> str:
    """The stored form of an API key: its SHA-256 digest in hex."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _new_key() -> str:
    return secrets.token_hex(16)


def create_account(
    conn: sqlite3.Connection, name: str, monthly_limit: int | None = None
) -> tuple[Account, str]:
    """Make an account with its first profile; return it and its new key."""
    if monthly_limit is not None and monthly_limit < 0:
        raise ValueError("monthly_limit must be 0 or more")

    now = now_db_time()
    cursor = conn.execute(
        "INSERT INTO accounts (name, monthly_limit, created_at) VALUES (?, ?, ?)",
        (name, monthly_limit, now),
    )
    account = Account(int(cursor.lastrowid or 0), name, monthly_limit)
    create_profile(conn, account.id, DEFAULT_PROFILE_NAME)
    return account, _add_key(conn, account.id)


def _add_key(conn: sqlite3.Connection, account_id: int) -> str:
    key = _new_key()
    conn.execute(
        "INSERT INTO api_keys (account_id, key_hash, created_at) VALUES (?, ?, ?)",
        (account_id, hash_key(key), now_db_time()),
    )
    return key


def rotate_key(conn: sqlite3.Connection, account_id: int) -> str:
    """Revoke every key of the account and return a new one."""
    conn.execute(
        "UPDATE api_keys SET revoked_at = ? "
        "WHERE account_id = ? AND revoked_at IS NULL",
        (now_db_time(), account_id),
    )
    return _add_key(conn, account_id)


def authenticate(conn: sqlite3.Connection, key: str) -> Account | None:
    """The account a live key belongs to, or None."""
    digest = hash_key(key)
    row = conn.execute(
        "SELECT a.id, a.name, a.monthly_limit, k.key_hash "
        "FROM api_keys AS k JOIN accounts AS a ON a.id = k.account_id "
        "WHERE k.key_hash = ? AND k.revoked_at IS NULL",
        (digest,),
    ).fetchone()
    if row is None or not hmac.compare_digest(row["key_hash"], digest):
        return None
    return Account(row["id"], row["name"], row["monthly_limit"])


def get_account(conn: sqlite3.Connection, account_id: int) -> Account | None:
    """The account with that id, or None."""
    row = conn.execute(
        "SELECT id, name, monthly_limit FROM accounts WHERE id = ?", (account_id,)
    ).fetchone()
    return None if row is None else Account(*row)


def list_accounts(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every account with its profile count and this month's request count."""
    return conn.execute(
        "SELECT a.id, a.name, a.monthly_limit, a.created_at, "
        "(SELECT count(*) FROM profiles AS p WHERE p.account_id = a.id) "
        "AS profiles, "
        "coalesce((SELECT u.requests FROM usage AS u WHERE u.account_id = a.id "
        "AND u.month = strftime('%Y-%m', 'now')), 0) AS requests "
        "FROM accounts AS a ORDER BY a.id"
    ).fetchall()


def create_profile(conn: sqlite3.Connection, account_id: int, name: str) -> int:
    """Add a profile to the account and return its id."""
    cursor = conn.execute(
        "INSERT INTO profiles (account_id, name, created_at) VALUES (?, ?, ?)",
        (account_id, name, now_db_time()),
    )
    return int(cursor.lastrowid or 0)


def list_profiles(conn: sqlite3.Connection, account_id: int) -> list[Profile]:
    """The account's profiles, first made first."""
    rows = conn.execute(
        "SELECT id, account_id, name, created_at FROM profiles "
        "WHERE account_id = ? ORDER BY id",
        (account_id,),
    ).fetchall()
    return [Profile(*row) for row in rows]


def first_profile_id(conn: sqlite3.Connection, account_id: int) -> int | None:
    """The profile that stats naming none go to: the account's first."""
    row = conn.execute(
        "SELECT min(id) FROM profiles WHERE account_id = ?", (account_id,)
    ).fetchone()
    return None if row[0] is None else int(row[0])
