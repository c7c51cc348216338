"""Queries about items and hits (they are written through ``Store.batch()``, ``state._unit``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from state._base import StoreBase, iso

__all__ = ["ItemQueries"]


class ItemQueries(StoreBase):
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
