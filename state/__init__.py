"""The only package that touches SQLite: schema, migrations, queries and the alert outbox.

No HTTP and no rule logic live here; ``state`` never imports ``monitor``.
"""

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
