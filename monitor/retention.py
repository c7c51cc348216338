"""Housekeeping: what the database may forget, with the ages from the ``dedup:`` config.

``prune(store, settings, now)`` removes items, hits, finished alerts and stories older than
``dedup.keep_items`` (30 days by default), identity keys not seen for ``dedup.keep_keys``
(90 days), so a returning article is still recognised long after its item row is gone, and
cases not active for ``stories.case_memory`` (730 days), so a later step still carries the
case's history. Rows with an alert still pending are kept. ``treatywatch db prune`` and the
service call it.
"""

from __future__ import annotations

from datetime import datetime

from monitor.config import Settings
from state import PruneResult, Store

__all__ = ["PruneResult", "prune"]


def prune(store: Store, settings: Settings, now: datetime) -> PruneResult:
    """Delete what ``settings.dedup`` no longer asks to keep, as of ``now``."""
    return store.prune(
        items_before=now - settings.dedup.keep_items,
        keys_before=now - settings.dedup.keep_keys,
        cases_before=now - settings.stories.case_memory,
    )
