"""Errors raised by the state package.

TreatywatchError (rules.errors)
└── StoreError                 anything the database refused or could not do
    ├── CorruptDatabaseError   the file is not a usable SQLite database; it is never overwritten
    └── DatabaseBusyError      another writer held the lock past the busy timeout; retry later
"""

from __future__ import annotations

from rules.errors import TreatywatchError

__all__ = ["CorruptDatabaseError", "DatabaseBusyError", "StoreError"]


class StoreError(TreatywatchError):
    """The database could not be opened, read or written."""


class CorruptDatabaseError(StoreError):
    """The database file exists but is not a usable SQLite database."""


class DatabaseBusyError(StoreError):
    """Another writer held the database lock longer than the busy timeout."""
