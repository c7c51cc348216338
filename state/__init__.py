"""The only package that touches SQLite: schema, migrations, queries and the alert outbox.

No HTTP and no rule logic live here; ``state`` never imports ``monitor``.

Names are imported on first use, each from its own module: a parse worker, which builds the
records (``NewItem``, ``NewHit``...) but never opens the database, does not load sqlite-utils
(about 11 MB of the parse pool's memory, and 50 ms of its start: issue 14).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from state._base import json_column, parse_iso, parse_iso_or_none
    from state._due import due_times
    from state._reports import DeliveryState, HitFilter, OutboxSummary
    from state._stories import (
        CaseRow,
        CaseStep,
        IdentityRow,
        PruneResult,
        StoryAlert,
        StoryHit,
        StoryMember,
        StoryRow,
    )
    from state._unit import UnitOfWork
    from state.db import DB_FILENAME, open_database, schema_version
    from state.errors import CorruptDatabaseError, DatabaseBusyError, StoreError
    from state.records import (
        AlertRow,
        NewAlert,
        NewHit,
        NewItem,
        RecordResult,
        SourcePoll,
        SourceState,
    )
    from state.store import Store, iso

__all__ = [
    "DB_FILENAME",
    "AlertRow",
    "CaseRow",
    "CaseStep",
    "CorruptDatabaseError",
    "DatabaseBusyError",
    "DeliveryState",
    "HitFilter",
    "IdentityRow",
    "NewAlert",
    "NewHit",
    "NewItem",
    "OutboxSummary",
    "PruneResult",
    "RecordResult",
    "SourcePoll",
    "SourceState",
    "Store",
    "StoreError",
    "StoryAlert",
    "StoryHit",
    "StoryMember",
    "StoryRow",
    "UnitOfWork",
    "due_times",
    "iso",
    "json_column",
    "open_database",
    "parse_iso",
    "parse_iso_or_none",
    "schema_version",
]

_HOMES = {
    "json_column": "_base",
    "parse_iso": "_base",
    "parse_iso_or_none": "_base",
    "due_times": "_due",
    "DeliveryState": "_reports",
    "HitFilter": "_reports",
    "OutboxSummary": "_reports",
    "CaseRow": "_stories",
    "CaseStep": "_stories",
    "IdentityRow": "_stories",
    "PruneResult": "_stories",
    "StoryAlert": "_stories",
    "StoryHit": "_stories",
    "StoryMember": "_stories",
    "StoryRow": "_stories",
    "UnitOfWork": "_unit",
    "DB_FILENAME": "db",
    "open_database": "db",
    "schema_version": "db",
    "CorruptDatabaseError": "errors",
    "DatabaseBusyError": "errors",
    "StoreError": "errors",
    "AlertRow": "records",
    "NewAlert": "records",
    "NewHit": "records",
    "NewItem": "records",
    "RecordResult": "records",
    "SourcePoll": "records",
    "SourceState": "records",
    "Store": "store",
    "iso": "_base",
}


def __getattr__(name: str) -> Any:
    """A public name, its module imported on first use (and the name kept here after)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'state' has no attribute {name!r}")
    value = getattr(import_module(f"state.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
