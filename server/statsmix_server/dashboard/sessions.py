"""Signed session cookies and the CSRF tokens derived from them.

The cookie carries a random session id and its HMAC; the database keeps only
a hash of the id, so a copy of the database cannot be replayed as a cookie.
A visitor who has not signed in still gets a session id (with no row behind
it) so that the sign-in form carries a CSRF token too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..accounts import hash_key
from ..values import db_time, now_db_time

__all__ = [
    "COOKIE_NAME",
    "CSRF_FIELD",
    "SESSION_LIFETIME",
    "Session",
    "Signer",
    "end_session",
    "find_account",
    "hash_session_id",
    "load_secret",
    "new_session_id",
    "start_session",
]

COOKIE_NAME = "statsmix_session"
CSRF_FIELD = "csrf_token"

#: Seconds a signed-in session lasts; signing in again starts a new one.
SESSION_LIFETIME = 14 * 24 * 3600


@dataclass(frozen=True)
class Session:
    """The session of one request: who is signed in, if anybody.

    ``is_new`` says that the browser has no valid cookie yet, so the response
    must set one.
    """

    session_id: str
    account_id: int | None = None
    is_new: bool = False

    @property
    def signed_in(self) -> bool:
        return self.account_id is not None


class Signer:
    """Signs session ids and derives CSRF tokens with one secret key.

    Args:
        secret: at least 32 random bytes, kept per database so that every
            server process on that database accepts the same cookies.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the session secret must be at least 32 bytes")
        self._secret = secret

    def sign(self, session_id: str) -> str:
        """The cookie value of a session id."""
        return f"{session_id}.{self._mac('session', session_id)}"

    def unsign(self, cookie: str) -> str | None:
        """Return the session id of a cookie value, or None if it is forged."""
        session_id, dot, mac = cookie.rpartition(".")
        if not dot or not session_id:
            return None

        expected = self._mac("session", session_id)
        if not hmac.compare_digest(mac.encode(), expected.encode()):
            return None
        return session_id

    def csrf_token(self, session_id: str) -> str:
        """The CSRF token of every form shown in this session."""
        return self._mac("csrf", session_id)

    def check_csrf(self, session_id: str, token: object) -> bool:
        """Whether ``token`` is this session's CSRF token."""
        if not isinstance(token, str) or not token:
            return False
        expected = self.csrf_token(session_id)
        return hmac.compare_digest(token.encode(), expected.encode())

    def _mac(self, purpose: str, value: str) -> str:
        # The purpose keeps a CSRF token from ever being a valid cookie MAC.
        message = f"{purpose}|{value}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_session_id() -> str:
    """A fresh session id: 256 random bits."""
    return secrets.token_urlsafe(32)


def hash_session_id(session_id: str) -> str:
    """The stored form of a session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def load_secret(conn: sqlite3.Connection) -> bytes:
    """The database's session secret, made on first use.

    Keeping it in the database means that a restarted server, or a second
    one on the same file, still accepts the cookies it gave out.
    """
    conn.execute(
        "INSERT OR IGNORE INTO dashboard_secrets (name, value) VALUES (?, ?)",
        ("session", secrets.token_bytes(32)),
    )
    row = conn.execute(
        "SELECT value FROM dashboard_secrets WHERE name = 'session'"
    ).fetchone()
    return bytes(row[0])


def start_session(conn: sqlite3.Connection, api_key: str) -> Session | None:
    """Sign in with an API key: a new session, or None for a wrong key.

    The session hangs on that key, so rotating the key signs it out.
    """
    digest = hash_key(api_key)
    row = conn.execute(
        "SELECT id, account_id, key_hash FROM api_keys "
        "WHERE key_hash = ? AND revoked_at IS NULL",
        (digest,),
    ).fetchone()
    if row is None or not hmac.compare_digest(row[2], digest):
        return None

    now = datetime.now(timezone.utc)
    conn.execute(
        "DELETE FROM dashboard_sessions WHERE expires_at <= ?", (db_time(now),)
    )

    session_id = new_session_id()
    expires = now + timedelta(seconds=SESSION_LIFETIME)
    conn.execute(
        "INSERT INTO dashboard_sessions (token_hash, account_id, key_id, "
        "created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        (hash_session_id(session_id), row[1], row[0], db_time(now), db_time(expires)),
    )
    return Session(session_id, int(row[1]), is_new=True)


def find_account(conn: sqlite3.Connection, session_id: str) -> int | None:
    """The account signed in under this session id, if it is still live."""
    row = conn.execute(
        "SELECT s.account_id FROM dashboard_sessions AS s "
        "JOIN api_keys AS k ON k.id = s.key_id "
        "WHERE s.token_hash = ? AND s.expires_at > ? AND k.revoked_at IS NULL",
        (hash_session_id(session_id), now_db_time()),
    ).fetchone()
    return None if row is None else int(row[0])


def end_session(conn: sqlite3.Connection, session_id: str) -> None:
    """Forget the session, and every session past its lifetime."""
    conn.execute(
        "DELETE FROM dashboard_sessions WHERE token_hash = ? OR expires_at <= ?",
        (hash_session_id(session_id), now_db_time()),
    )
