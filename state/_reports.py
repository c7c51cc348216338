"""Read-side queries for operators: hit listings and exports, outbox and hit summaries for the
metrics and the dashboard, and database housekeeping (size, vacuum).

Everything here reads, except :meth:`ReportQueries.vacuum`; listings page by id so an export of
a large database streams in bounded memory.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from state._base import StoreBase, iso
from state.errors import store_error

__all__ = ["DeliveryState", "HitFilter", "OutboxSummary", "ReportQueries"]

_Key = TypeVar("_Key", int, str)

_HIT_COLUMNS = """hits.id AS id, hits.rule AS rule, hits.severity AS severity,
    hits.matched AS matched, hits.explanation AS explanation, hits.alerted AS alerted,
    hits.created AS created, items.id AS item_id, items.source AS source, items.key AS key,
    items.guid AS guid, items.title AS title, items.summary AS summary, items.link AS link,
    items.language AS language, items.published AS published, items.first_seen AS first_seen"""


@dataclass(frozen=True, slots=True)
class HitFilter:
    """Which hits a listing or an export covers. ``rule`` is an exact id or a glob
    (``treaty-withdrawal.*``); ``since``/``until`` bound the detection time."""

    rule: str | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    outside_stories: bool = False  # only hits of items that belong to no stored story

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.outside_stories:
            clauses.append(
                "NOT EXISTS (SELECT 1 FROM story_members sm WHERE sm.item_id = hits.item_id)"
            )
        if self.rule is not None:
            clauses.append("hits.rule GLOB ?")
            params.append(self.rule)
        if self.source is not None:
            clauses.append("items.source = ?")
            params.append(self.source)
        if self.since is not None:
            clauses.append("hits.created >= ?")
            params.append(iso(self.since))
        if self.until is not None:
            clauses.append("hits.created < ?")
            params.append(iso(self.until))
        return (" AND ".join(clauses) or "1"), params


@dataclass(frozen=True, slots=True)
class DeliveryState:
    """Where one alert of a hit stands on one channel."""

    alert_id: str
    channel: str
    status: str
    attempts: int
    last_error: str | None
    sent_at: str | None


@dataclass(frozen=True, slots=True)
class OutboxSummary:
    """Outbox rows of one channel and kind in one status."""

    channel: str
    kind: str
    status: str
    count: int
    attempts: int
    oldest_created: str | None
    oldest_due: str | None


class ReportQueries(StoreBase):
    def hit_rows(self, where: HitFilter | None = None, *, limit: int = 50) -> list[dict[str, Any]]:
        """The newest ``limit`` hits matching ``where``, joined with their items."""
        sql, params = (where or HitFilter()).where()
        return self._all(
            f"""SELECT {_HIT_COLUMNS} FROM hits JOIN items ON items.id = hits.item_id
                WHERE {sql} ORDER BY hits.id DESC LIMIT ?""",
            (*params, limit),
        )

    def count_hits(self, where: HitFilter | None = None) -> int:
        sql, params = (where or HitFilter()).where()
        row = self._one(
            f"SELECT count(*) AS n FROM hits JOIN items ON items.id = hits.item_id WHERE {sql}",
            params,
        )
        return int(row["n"]) if row else 0

    def iter_hit_rows(
        self, where: HitFilter | None = None, *, chunk: int = 500
    ) -> Iterator[dict[str, Any]]:
        """Every hit matching ``where``, oldest first, read ``chunk`` rows at a time."""
        sql, params = (where or HitFilter()).where()
        after = 0
        while True:
            rows = self._all(
                f"""SELECT {_HIT_COLUMNS} FROM hits JOIN items ON items.id = hits.item_id
                    WHERE hits.id > ? AND {sql} ORDER BY hits.id LIMIT ?""",
                (after, *params, chunk),
            )
            yield from rows
            if len(rows) < chunk:
                return
            after = rows[-1]["id"]

    def deliveries(self, hit_ids: Sequence[int]) -> dict[int, list[DeliveryState]]:
        """The outbox rows of each hit, by channel name."""
        return self._deliveries_by("hit_id", hit_ids, "channel")

    def _deliveries_by(
        self, column: str, keys: Sequence[_Key], order: str
    ) -> dict[_Key, list[DeliveryState]]:
        """Outbox rows grouped by ``column`` (``hit_id`` or ``story_id``), in chunks of 500."""
        found: dict[_Key, list[DeliveryState]] = {}
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self._all(
                f"""SELECT {column} AS owner, id, channel, status, attempts, last_error, sent_at
                    FROM alerts WHERE {column} IN ({",".join("?" * len(chunk))})
                    ORDER BY {order}""",
                chunk,
            )
            for row in rows:
                found.setdefault(row["owner"], []).append(
                    DeliveryState(
                        alert_id=row["id"],
                        channel=row["channel"],
                        status=row["status"],
                        attempts=row["attempts"],
                        last_error=row["last_error"],
                        sent_at=row["sent_at"],
                    )
                )
        return found

    def story_ids(self, where: HitFilter | None = None, *, limit: int = 30) -> list[str]:
        """The most recently active stories matching ``where`` (rule glob, a report from
        ``source``, latest report within ``since``/``until``), newest first."""
        where = where or HitFilter()
        clauses: list[str] = []
        params: list[Any] = []
        if where.rule is not None:
            clauses.append("stories.rule GLOB ?")
            params.append(where.rule)
        if where.source is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM story_members m WHERE m.story_id = stories.id "
                "AND m.source = ?)"
            )
            params.append(where.source)
        if where.since is not None:
            clauses.append("stories.last_seen >= ?")
            params.append(iso(where.since))
        if where.until is not None:
            clauses.append("stories.last_seen < ?")
            params.append(iso(where.until))
        rows = self._all(
            f"""SELECT id FROM stories WHERE {" AND ".join(clauses) or "1"}
                ORDER BY last_seen DESC, id LIMIT ?""",
            (*params, limit),
        )
        return [str(row["id"]) for row in rows]

    def story_deliveries(self, story_ids: Sequence[str]) -> dict[str, list[DeliveryState]]:
        """The outbox rows of each story (its first alert and any follow-ups), by channel."""
        if not story_ids or not self._has_column("alerts", "story_id"):
            return {}
        return self._deliveries_by("story_id", story_ids, "channel, created")

    def hit_rows_by_id(self, hit_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Hits joined with their items, by hit id."""
        found: dict[int, dict[str, Any]] = {}
        wanted = list(dict.fromkeys(hit_ids))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for row in self._all(
                f"""SELECT {_HIT_COLUMNS} FROM hits JOIN items ON items.id = hits.item_id
                    WHERE hits.id IN ({",".join("?" * len(chunk))})""",
                chunk,
            ):
                found[int(row["id"])] = row
        return found

    @contextmanager
    def rolled_back(self) -> Iterator[None]:
        """Run writes inside a transaction that is undone at the end: a dry run of a
        housekeeping step reports exact counts and changes nothing."""
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            if self.db.conn.in_transaction:
                self.db.execute("ROLLBACK")

    def _has_column(self, table: str, column: str) -> bool:
        return any(row["name"] == column for row in self._all(f"PRAGMA table_info({table})"))

    def dead_alert_rows(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest dead alerts with the title, source and link they carry."""
        return self._all(
            """SELECT id, channel, kind, attempts, last_error, created,
                      json_extract(payload, '$.title') AS title,
                      json_extract(payload, '$.source') AS source,
                      json_extract(payload, '$.url') AS url
               FROM alerts WHERE status = 'dead' ORDER BY created DESC, id LIMIT ?""",
            (limit,),
        )

    def outbox_summary(self) -> list[OutboxSummary]:
        """Outbox rows counted by channel, kind and status (with summed attempts)."""
        rows = self._all(
            """SELECT channel, kind, status, count(*) AS count, sum(attempts) AS attempts,
                      min(created) AS oldest_created, min(next_attempt) AS oldest_due
               FROM alerts GROUP BY channel, kind, status ORDER BY channel, kind, status"""
        )
        return [
            OutboxSummary(
                channel=row["channel"],
                kind=row["kind"],
                status=row["status"],
                count=int(row["count"]),
                attempts=int(row["attempts"] or 0),
                oldest_created=row["oldest_created"],
                oldest_due=row["oldest_due"],
            )
            for row in rows
        ]

    def hits_per_rule(self) -> dict[str, int]:
        rows = self._all("SELECT rule, count(*) AS n FROM hits GROUP BY rule ORDER BY rule")
        return {row["rule"]: int(row["n"]) for row in rows}

    def sent_since(
        self, after: tuple[str, str] | None, *, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Alerts sent after the ``(sent_at, id)`` mark, in sending order, with the publication
        and detection times their payload carries."""
        mark = after or ("", "")
        return self._all(
            """SELECT id, channel, kind, sent_at,
                      json_extract(payload, '$.published') AS published,
                      json_extract(payload, '$.detected') AS detected
               FROM alerts INDEXED BY alerts_sent
               WHERE status = 'sent' AND (sent_at, id) > (?, ?)
               ORDER BY sent_at, id LIMIT ?""",
            (*mark, limit),
        )

    def last_sent_mark(self) -> tuple[str, str] | None:
        row = self._one(
            """SELECT sent_at, id FROM alerts INDEXED BY alerts_sent
               WHERE status = 'sent' AND sent_at IS NOT NULL
               ORDER BY sent_at DESC, id DESC LIMIT 1"""
        )
        return None if row is None else (row["sent_at"], row["id"])

    def has_table(self, name: str) -> bool:
        row = self._one(
            "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        )
        return row is not None

    def row_count(self, table: str) -> int | None:
        """Rows in ``table``, or None when there is no such table."""
        if not self.has_table(table):
            return None
        quoted = '"' + table.replace('"', '""') + '"'
        row = self._one(f"SELECT count(*) AS n FROM {quoted}")
        return int(row["n"]) if row else 0

    def table_counts(self) -> dict[str, int]:
        """Rows per table (our tables only, not SQLite's or the migration log)."""
        names = [
            row["name"]
            for row in self._all(
                """SELECT name FROM sqlite_master WHERE type = 'table'
                   AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\'
                   ORDER BY name"""
            )
        ]
        counts = {}
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            row = self._one(f"SELECT count(*) AS n FROM {quoted}")
            counts[name] = int(row["n"]) if row else 0
        return counts

    def database_path(self) -> Path | None:
        row = self._one("SELECT file FROM pragma_database_list WHERE name = 'main'")
        return Path(row["file"]) if row and row["file"] else None

    def database_size(self) -> int:
        """Bytes on disk: the database file plus its write-ahead log."""
        path = self.database_path()
        if path is None:
            return 0
        total = 0
        for candidate in (path, path.with_name(path.name + "-wal")):
            with contextlib.suppress(FileNotFoundError):
                total += candidate.stat().st_size
        return total

    def vacuum(self) -> None:
        """Rebuild the database file to return free pages to the file system, then truncate
        the write-ahead log. Needs every other connection idle: with the service running it
        may fail with :class:`DatabaseBusyError`."""
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.execute("PRAGMA optimize")
        except sqlite3.Error as exc:
            raise store_error(
                exc, "vacuum", busy_hint="is the service running? stop it first"
            ) from exc
