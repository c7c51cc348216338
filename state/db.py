"""Opening the SQLite database: pragmas, integrity and migrations."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from state.errors import CorruptDatabaseError, StoreError

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["DB_FILENAME", "open_database", "schema_version"]

DB_FILENAME = "treatywatch.db"
BUSY_TIMEOUT_MS = 10_000
DURABLE = "FULL"
"""The connection's ``synchronous`` level: every commit fsyncs the WAL before it returns."""
LAZY = "NORMAL"
"""The level a write opts into when a power cut may undo it (``StoreBase._write(durable=False)``):
the commit reaches the WAL (the OS keeps it through a crash or SIGKILL) without an fsync."""


def open_database(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date.

    WAL mode with ``synchronous=FULL``: a committed hit and its outbox rows survive a power cut.
    Writes that carry no hit and no alert (a poll's validators and schedule, items that matched
    nothing) may ask for ``synchronous=NORMAL`` instead: a crash or SIGKILL still loses none of
    them, a power cut may undo the last of them (never a commit made before a durable one), and
    they skip the fsync that a durable commit waits for (5 ms or more on a real disk).
    A file that is not a SQLite database raises :class:`CorruptDatabaseError` and is left as it is.
    """
    import sqlite_utils  # here, not at import: a parse worker needs the records, not SQLite

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create state directory {path.parent}: {exc.strerror}") from exc
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    try:
        _configure(conn, path)
        # sqlite-utils' plugins are for its command line; loading them scans every installed
        # distribution's entry points (about 6 ms of each start-up) and would let any installed
        # plugin change the state connection.
        db = sqlite_utils.Database(conn, execute_plugins=False)
        _migrate(db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if _looks_corrupt(exc):
            raise CorruptDatabaseError(
                f"corrupt database {path}: {exc}; the file was left untouched, "
                "restore it from a backup or move it away to start afresh"
            ) from exc
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    """How many migrations have been applied to ``db``."""
    from state.migrations import MIGRATIONS

    return len(MIGRATIONS.applied(db))


def _migrate(db: sqlite_utils.Database) -> None:
    """Apply the pending migrations, all of them in one transaction committed without waiting
    for an fsync (a fresh database used to commit and fsync once per migration: issue 14).

    ``BEGIN IMMEDIATE`` takes the write lock before the pending ones are read again, so two
    processes opening a fresh database at once apply them once; a process killed half-way leaves
    the schema as it was before. The commit is lazy (``synchronous=NORMAL``): a crash or SIGKILL
    keeps it, and a power cut can undo it only with every commit after it up to the first
    durable one, which fsyncs the whole WAL, schema included; the next start applies it again."""
    from state.migrations import MIGRATIONS

    if not MIGRATIONS.pending(db):  # a read: no write lock while another process writes
        return
    conn = db.conn
    conn.execute(f"PRAGMA synchronous = {LAZY}")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS.apply(db)  # each migration in a savepoint of this transaction
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.execute(f"PRAGMA synchronous = {DURABLE}")


def _configure(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = _journal_wal(conn)
    if str(mode).lower() != "wal":
        raise StoreError(f"cannot enable WAL journal on {path} (got {mode!r})")
    conn.execute(f"PRAGMA synchronous = {DURABLE}")
    conn.execute("PRAGMA foreign_keys = ON")
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise sqlite3.DatabaseError(f"database disk image is malformed: {result}")


def _journal_wal(conn: sqlite3.Connection) -> str:
    """Switch to the WAL journal; the mode the database then has. On a fresh file that other
    processes are creating at the same moment, SQLite answers "database is locked" at once
    rather than through the busy timeout: try again until the timeout has passed."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def _looks_corrupt(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text
