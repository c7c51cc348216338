"""Errors raised by the state package.

TreatywatchError (rules.errors)
└── StoreError                 anything the database refused or could not do
    ├── CorruptDatabaseError   the file is not a usable SQLite database; it is never overwritten
    └── DatabaseBusyError      another writer held the lock past the busy timeout; retry later

``store_error`` turns a failed SQLite call into one of these; it alone decides what counts as
busy. (Opening a file is handled in ``state.db``, which also recognises a corrupt file.)
"""

from __future__ import annotations

import sqlite3

from rules.errors import TreatywatchError

__all__ = ["CorruptDatabaseError", "DatabaseBusyError", "StoreError", "store_error"]

# SQLite's primary result codes for "someone else holds the lock" (extended codes such as
# SQLITE_BUSY_SNAPSHOT keep the primary code in their low byte).
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


class StoreError(TreatywatchError):
    """The database could not be opened, read or written."""


class CorruptDatabaseError(StoreError):
    """The database file exists but is not a usable SQLite database."""


class DatabaseBusyError(StoreError):
    """Another writer held the database lock longer than the busy timeout."""


def store_error(exc: sqlite3.Error, action: str, *, busy_hint: str | None = None) -> StoreError:
    """The error to raise (``from exc``) for an SQLite failure while doing ``action``.

    :class:`DatabaseBusyError` (``database busy: ...``, then ``busy_hint`` in brackets) when
    another connection held the lock past the busy timeout, else :class:`StoreError`
    (``{action} failed: ...``). SQLite's result code decides; an error raised without one (by
    a wrapper, not by SQLite) is judged by its text.
    """
    if _is_busy(exc):
        hint = f" ({busy_hint})" if busy_hint else ""
        return DatabaseBusyError(f"database busy: {exc}{hint}")
    return StoreError(f"{action} failed: {exc}")


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _BUSY_CODES
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)
