"""Writing items, hits and outbox rows straight through the store's unit of work, for tests of
what reads them (the outbox, reports, the CLI). The service records through
``monitor.recording``, which decides stories and alerts; these tests give the rows themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from state import NewAlert, NewItem, RecordResult, Store

__all__ = ["Seed", "write_items"]

Seed = NewItem | tuple[NewItem, Sequence[NewAlert]]
"""An item, or an item with the outbox rows each of its hits queues."""


def write_items(store: Store, source: str, items: Sequence[Seed], now: datetime) -> RecordResult:
    """Store ``items`` of ``source`` in one unit of work: an item already stored is skipped
    with its hits; each new hit queues the outbox rows given with its item."""
    with store.batch(now) as tx:
        for entry in items:
            item, alerts = entry if isinstance(entry, tuple) else (entry, ())
            item_id = tx.insert_item(source, item)
            if item_id is None:
                continue
            for hit in item.hits:
                hit_id = tx.insert_hit(item_id, hit)
                if hit_id is None:
                    continue
                queued = False
                for alert in alerts:
                    queued |= tx.insert_alert(
                        alert_id=alert.id,
                        hit_id=hit_id,
                        channel=alert.channel,
                        kind="alert",
                        payload=alert.payload,
                        story_id=None,
                    )
                if queued:
                    tx.mark_alerted(hit_id)
        return RecordResult(items=tx.items, hits=tx.hits, alerts=tx.alerts)
