"""The treatywatch database: one ``Store`` object made of query mixins, one module per concern.

Deduplication is a database constraint, not a Python set: items are ``UNIQUE (source, key)``,
hits ``UNIQUE (item_id, rule)`` and alerts ``UNIQUE (hit_id, channel)``, written with
``INSERT OR IGNORE``. A hit, its story and its outbox rows are written in one unit of work
(``Store.batch()``), so either all exist or none does.
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from state._base import iso
from state._items import ItemQueries
from state._outbox import OutboxQueries
from state._reports import ReportQueries
from state._sources import SourceQueries
from state._stories import StoryQueries
from state._unit import UnitQueries
from state.db import DB_FILENAME, open_database

__all__ = ["Store", "iso"]


class Store(SourceQueries, ItemQueries, OutboxQueries, ReportQueries, UnitQueries, StoryQueries):
    """The one object through which treatywatch reads and writes its database."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    @classmethod
    def open(cls, state_dir: Path | str) -> Store:
        """Open ``state_dir/treatywatch.db``, creating it and applying migrations as needed."""
        return cls(open_database(Path(state_dir) / DB_FILENAME))

    def close(self) -> None:
        self.db.conn.close()
