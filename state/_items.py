"""Queries about items and hits, and the transaction that stores them with their alerts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from state._base import iso
from state._stories import StoryPolicy, StoryQueries
from state.records import NewItem, RecordResult

__all__ = ["ItemQueries"]


class ItemQueries(StoryQueries):
    def known_keys(self, source: str, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` are already stored for ``source``."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT key FROM items WHERE source = ? AND key IN ({marks})", [source, *chunk]
            ).fetchall()
            found.update(row[0] for row in rows)
        return found

    def recent_keys(self, source: str, limit: int) -> frozenset[str]:
        """The keys of the ``limit`` items of ``source`` stored last."""
        rows = self.db.execute(
            "SELECT key FROM items WHERE source = ? ORDER BY id DESC LIMIT ?", (source, limit)
        ).fetchall()
        return frozenset(row[0] for row in rows)

    def record_items(
        self,
        source: str,
        items: Sequence[NewItem],
        now: datetime,
        *,
        stories: StoryPolicy | None = None,
    ) -> RecordResult:
        """Store new items with their hits and outbox rows in one transaction.

        An item already stored for ``source`` (same key) is skipped with its hits, so two
        overlapping polls of one feed write one hit and one alert per channel.

        With a ``stories`` policy (see ``state._stories``) the same transaction also checks
        each item's identity keys (an article this source already gave under another GUID or
        link is skipped; one another source already gave is stored as a copy that never
        alerts), puts each hit into its story and writes the alerts the policy decides, so a
        crash cannot leave a hit without its story or produce a second alert for a story.
        """
        stamp = iso(now)
        added_items = added_hits = added_alerts = 0
        writer = self._write() if stories is None else self._immediate()
        with writer:
            for item in items:
                original = None
                if stories is not None and item.identity:
                    known = self.identities(item.identity)
                    original = stories.duplicate_of(item, source, known) if known else None
                    if original is not None and original.source == source:
                        self._touch_keys([row.key for row in known], stamp)
                        continue
                cursor = self.db.execute(
                    """INSERT OR IGNORE INTO items (source, key, guid, link, canonical_link,
                       title, summary, language, published, first_seen)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        source,
                        item.key,
                        item.guid,
                        item.link,
                        item.canonical_link,
                        item.title,
                        item.summary,
                        item.language,
                        item.published,
                        stamp,
                    ),
                )
                if cursor.rowcount == 0:
                    continue
                added_items += 1
                item_id = cursor.lastrowid
                assert item_id is not None
                story_of_item = original.story_id if original is not None else None
                for hit in item.hits:
                    hit_cursor = self.db.execute(
                        """INSERT OR IGNORE INTO hits (item_id, rule, severity, matched,
                           explanation, alerted, created) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                        (
                            item_id,
                            hit.rule,
                            hit.severity,
                            hit.matched,
                            hit.explanation,
                            int(bool(hit.alerts)),
                            stamp,
                        ),
                    )
                    if hit_cursor.rowcount == 0:
                        continue
                    added_hits += 1
                    hit_id = hit_cursor.lastrowid
                    assert hit_id is not None
                    if stories is not None and hit.story is not None:
                        story_id, made = self._cluster(
                            stories, item_id, hit_id, hit.story, original=original, now=now
                        )
                        story_of_item = story_of_item or story_id
                        added_alerts += len(made)
                        self.db.execute(
                            "UPDATE hits SET alerted = ? WHERE id = ?", (int(bool(made)), hit_id)
                        )
                        continue
                    for alert in hit.alerts:
                        alert_cursor = self.db.execute(
                            """INSERT OR IGNORE INTO alerts (id, hit_id, channel, status,
                               next_attempt, created, payload)
                               VALUES (?, ?, ?, 'pending', ?, ?, ?)""",
                            (
                                alert.id,
                                hit_id,
                                alert.channel,
                                stamp,
                                stamp,
                                alert.payload,
                            ),
                        )
                        added_alerts += alert_cursor.rowcount
                if stories is not None and item.identity:
                    self._claim_keys(
                        item.identity,
                        source=source,
                        item_id=item_id,
                        title=item.title,
                        stamp=stamp,
                        story_id=story_of_item,
                    )
        return RecordResult(items=added_items, hits=added_hits, alerts=added_alerts)

    def count(self, table: str) -> int:
        if table not in {"sources", "items", "hits", "alerts"}:
            raise ValueError(f"unknown table {table!r}")
        return int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def items_since(self, since: datetime) -> list[dict[str, Any]]:
        """Items first seen at or after ``since``, oldest first (for replaying rules)."""
        return self._all(
            """SELECT id, source, key, title, summary, link, language, published, first_seen
               FROM items WHERE first_seen >= ? ORDER BY first_seen, id""",
            (iso(since),),
        )

    def hits(self, limit: int = 100) -> list[dict[str, Any]]:
        """Recent hits joined with their items, newest first."""
        return self._all(
            """SELECT hits.id, hits.rule, hits.severity, hits.matched, hits.alerted, hits.created,
                      items.source, items.title, items.link, items.published
               FROM hits JOIN items ON items.id = hits.item_id
               ORDER BY hits.id DESC LIMIT ?""",
            (limit,),
        )
