"""The SQLite database under TABRL_HOME: paths, connections, transactions, migrations.

One connection per thread or process (open one with `connect()` and close it when done).
WAL mode lets the page read while the worker writes; every write is a short `BEGIN IMMEDIATE`
transaction, and `busy_timeout` makes a writer wait for another instead of failing.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from tabrl_core.paths import data_dir
from tabrl_core.store.schema import MIGRATIONS

BUSY_TIMEOUT_MS = 10_000


def db_path() -> Path:
    """Where the database lives: TABRL_HOME/tabrl.db."""
    return data_dir() / "tabrl.db"


def connect(path: Path | None = None) -> sqlite3.Connection:
    """Open the database (creating and migrating it if needed); rows read like dicts.

    The connection is in autocommit mode: group writes with `transaction(conn)`.
    """
    path = path or db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn)
    return conn


@contextlib.contextmanager
def opened(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    """`connect()` as a context manager that closes the connection afterwards."""
    conn = connect(path)
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction (BEGIN IMMEDIATE): committed on success, rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def schema_version(conn: sqlite3.Connection) -> int:
    """The migration the database is at (PRAGMA user_version)."""
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> None:
    """Apply, in order, the migrations the database has not seen, in one transaction."""
    if schema_version(conn) >= len(MIGRATIONS):
        return
    with transaction(conn):
        # Re-read inside the lock: another process may have migrated meanwhile.
        for version in range(schema_version(conn), len(MIGRATIONS)):
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
