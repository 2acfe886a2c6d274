"""The SQLite index's connections: short, one transaction each, safe beside a writing trainer.

WAL lets the dashboard read while trainers write; a busy timeout on every connection makes a
writer wait its turn instead of failing with "database is locked"; a connection never outlives
its transaction, so no reader holds back a checkpoint. An index file that is not a database
any more (bytes overwritten, a disk error) is reported as `IndexDamagedError`, which says how
to rebuild it from the run folders.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000
# SQLite's primary result codes for a file that is not a database or is corrupt.
_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


class IndexDamagedError(RuntimeError):
    """The index file cannot be read as a database; the message names it and the way out."""


@contextmanager
def connect(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A short-lived connection: one transaction, committed on success, then closed."""
    connection = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_MS / 1000)
    connection.row_factory = sqlite3.Row
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        with connection:
            yield connection
    except sqlite3.DatabaseError as error:
        if (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF not in _DAMAGED:
            raise
        raise IndexDamagedError(
            f"the run index {db_path} is damaged ({error}); the run folders beside it are "
            "intact: rebuild the index from them with `mnist-lab runs reindex`") from None
    finally:
        connection.close()


def add_missing_columns(connection: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    """Give a table created by an earlier version the columns this one added (name -> type)."""
    present = {row["name"] for row in connection.execute(f"PRAGMA table_info({table})")}
    for name, kind in columns.items():
        if name not in present:
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
