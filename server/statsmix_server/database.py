"""The SQLite file: connections, pragmas, the one writer, and migrations.

Every write goes through :meth:`Database.write`, which holds a process-wide
lock around one connection and an ``IMMEDIATE`` transaction, so writers never
race each other inside the server. Other processes (the command line while
the server runs) wait on SQLite's ``busy_timeout`` instead of failing. Reads
use one connection per thread and see a consistent snapshot thanks to WAL.

Durability: WAL with ``synchronous=NORMAL``. A transaction is committed
before its answer is sent, and a committed WAL frame survives the server
being killed (SIGKILL included); only a power cut or an OS crash can lose the
last transactions before a checkpoint.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

from .migrations import MIGRATIONS, Migration

__all__ = ["Database", "SchemaError", "migrate"]

BUSY_TIMEOUT_SECONDS = 30.0
_BUSY_TIMEOUT_MS = int(BUSY_TIMEOUT_SECONDS * 1000)

T = TypeVar("T")


class SchemaError(RuntimeError):
    """The file was written by a newer server than this one."""


class Database:
    """One SQLite file, opened and migrated to the latest schema.

    Args:
        path: the file; created with its directory's permissions if missing.
        migrations: the schema's migrations, in order (tests pass a prefix).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        self.path = Path(path)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False

        self._writer = _connect(self.path)
        self._writer.execute("PRAGMA journal_mode=WAL")
        with self._write_lock:
            migrate(self._writer, migrations)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Yield the writer inside a transaction, committed when the block ends.

        An exception rolls the whole block back and propagates.
        """
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def write_now(
        self, func: Callable[..., T], *args: Any
    ) -> tuple[Literal[True], T] | tuple[Literal[False], None]:
        """``func(conn, *args)`` in a write transaction, only if it can start now.

        Returns ``(True, result)``, or ``(False, None)`` without waiting when
        another thread or process is writing. This lets a short write run
        on an event loop without ever blocking it on a lock.
        """
        if not self._write_lock.acquire(blocking=False):
            return False, None
        try:
            conn = self._writer
            if not _begin_without_waiting(conn):
                return False, None
            try:
                result = func(conn, *args)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
            return True, result
        finally:
            self._write_lock.release()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Yield this thread's reader inside a read transaction (a snapshot)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)

        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()

    def schema_version(self) -> int:
        """The version the file is at: the number of migrations applied."""
        with self.read() as conn:
            return _version(conn)

    def close(self) -> None:
        """Checkpoint the WAL into the file and close every connection."""
        if self._closed:
            return
        self._closed = True
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
        with self._write_lock:
            self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._writer.close()


def _begin_without_waiting(conn: sqlite3.Connection) -> bool:
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    return True


def _connect(path: Path) -> sqlite3.Connection:
    # Limitation: synchronous=NORMAL keeps every answered write through a
    # crash or kill of the server, but a power cut or OS crash may drop the
    # last commits; FULL would fsync each one and cost most of the speed.
    conn = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT_SECONDS,
        isolation_level=None,
        check_same_thread=False,
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> int:
    """Apply the migrations the file lacks, each in its own transaction.

    The version is read again inside the write transaction, so two processes
    opening a new file at once apply each migration exactly once.
    """
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = _version(conn)
            if version > len(migrations):
                raise SchemaError(
                    f"{version} is a newer schema version than this server "
                    f"knows ({len(migrations)}); upgrade statsmix-server"
                )
            if version == len(migrations):
                conn.rollback()
                return version

            migrations[version](conn)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version VALUES (?)", (version + 1,))
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def _version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)
