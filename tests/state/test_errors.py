"""``state.errors.store_error``: the one place an SQLite failure becomes a ``StoreError``, busy
or not, checked against a real second connection holding the write lock on a real file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from state import DB_FILENAME, DatabaseBusyError, Store, StoreError
from state.errors import store_error

SHORT_WAIT_MS = 50  # instead of the store's 10 s busy timeout, so the suite stays fast


@contextmanager
def write_lock(path: Path) -> Iterator[sqlite3.Connection]:
    """A second connection (as another process would hold it) with the write lock taken."""
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path)
    store.db.conn.execute(f"PRAGMA busy_timeout = {SHORT_WAIT_MS}")
    yield store
    store.close()


def _refused_write(path: Path) -> sqlite3.Error:
    """The error SQLite itself raises for a write while another connection holds the lock."""
    conn = sqlite3.connect(path, timeout=SHORT_WAIT_MS / 1000, isolation_level=None)
    try:
        with write_lock(path), pytest.raises(sqlite3.Error) as caught:
            conn.execute("BEGIN IMMEDIATE")
    finally:
        conn.close()
    return caught.value


def test_a_write_refused_for_a_held_lock_is_busy(store: Store, tmp_path: Path) -> None:
    raw = _refused_write(tmp_path / DB_FILENAME)
    error = store_error(raw, "database write")
    assert type(error) is DatabaseBusyError
    assert str(error) == f"database busy: {raw}"


def test_a_busy_hint_is_added_in_brackets(store: Store, tmp_path: Path) -> None:
    raw = _refused_write(tmp_path / DB_FILENAME)
    error = store_error(raw, "vacuum", busy_hint="stop the service first")
    assert str(error) == f"database busy: {raw} (stop the service first)"


def test_other_failures_are_plain_store_errors(store: Store) -> None:
    with pytest.raises(sqlite3.Error) as caught:
        store.db.conn.execute("INSERT INTO no_such_table VALUES (1)")
    error = store_error(caught.value, "database write")
    assert type(error) is StoreError
    assert str(error) == f"database write failed: {caught.value}"


def test_a_table_locked_within_the_connection_is_busy_too(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    conn.execute("CREATE TABLE t (n)")
    conn.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
    reading = conn.execute("SELECT n FROM t")
    reading.fetchone()  # a statement still running on the table...
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("DROP TABLE t")  # ...so SQLite answers SQLITE_LOCKED
    conn.close()
    assert caught.value.sqlite_errorcode == sqlite3.SQLITE_LOCKED
    assert isinstance(store_error(caught.value, "database write"), DatabaseBusyError)


@pytest.mark.parametrize(
    ("raw", "busy"),
    [
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("no such table: x"), False),
        (sqlite3.IntegrityError("locked"), False),  # only an operational error can be busy
    ],
)
def test_an_error_without_a_result_code_is_judged_by_its_text(
    raw: sqlite3.Error, busy: bool
) -> None:
    assert isinstance(store_error(raw, "database write"), DatabaseBusyError) is busy


def test_the_store_raises_busy_while_another_connection_writes(
    store: Store, tmp_path: Path
) -> None:
    with write_lock(tmp_path / DB_FILENAME), pytest.raises(DatabaseBusyError) as caught:
        store.reset_source("wire", "https://example.org/feed")
    assert str(caught.value).startswith("database busy: database is locked")
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    store.reset_source("wire", "https://example.org/feed")  # the lock is gone: it works


def test_vacuum_while_another_connection_writes_names_the_likely_cause(
    store: Store, tmp_path: Path
) -> None:
    with write_lock(tmp_path / DB_FILENAME), pytest.raises(DatabaseBusyError) as caught:
        store.vacuum()
    assert str(caught.value).endswith("(is the service running? stop it first)")
    store.vacuum()


def test_a_failed_read_is_a_store_error(store: Store) -> None:
    with pytest.raises(StoreError, match=r"^database read failed: no such table") as caught:
        store._one("SELECT * FROM no_such_table")
    assert not isinstance(caught.value, DatabaseBusyError)
