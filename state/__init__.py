"""The only package that touches SQLite: schema, migrations, queries and the alert outbox.

No HTTP and no rule logic live here; ``state`` never imports ``monitor``.
"""

from state._reports import DeliveryState, HitFilter, OutboxSummary
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
    "CorruptDatabaseError",
    "DatabaseBusyError",
    "DeliveryState",
    "HitFilter",
    "NewAlert",
    "NewHit",
    "NewItem",
    "OutboxSummary",
    "RecordResult",
    "SourcePoll",
    "SourceState",
    "Store",
    "StoreError",
    "iso",
    "open_database",
    "schema_version",
]
