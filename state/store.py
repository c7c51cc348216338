"""Queries over the treatywatch database: source state, items, hits and the alert outbox.

Deduplication is a database constraint, not a Python set: items are ``UNIQUE (source, key)``,
hits ``UNIQUE (item_id, rule)`` and alerts ``UNIQUE (hit_id, channel)``, written with
``INSERT OR IGNORE``. A hit and its outbox rows are written in the same transaction, so either
both exist or neither does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from state.db import DB_FILENAME, open_database
from state.errors import DatabaseBusyError, StoreError
from state.records import AlertRow, NewItem, RecordResult, SourceState

__all__ = ["Store", "iso"]

_ALERT_COLUMNS = (
    "id, hit_id, channel, status, attempts, next_attempt, last_error, created, sent_at, payload"
)


def iso(moment: datetime) -> str:
    """The storage form of a time: ISO 8601 in UTC with a ``Z``, second precision or finer."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass an aware UTC time")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Store:
    """The one object through which treatywatch reads and writes its database."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    @classmethod
    def open(cls, state_dir: Path | str) -> Store:
        """Open ``state_dir/treatywatch.db``, creating it and applying migrations as needed."""
        return cls(open_database(Path(state_dir) / DB_FILENAME))

    def close(self) -> None:
        self.db.conn.close()

    # -- sources -------------------------------------------------------------------------------

    def source(self, name: str) -> SourceState | None:
        row = self._one("SELECT * FROM sources WHERE name = ?", (name,))
        return None if row is None else SourceState(**row)

    def sources(self) -> list[SourceState]:
        return [SourceState(**row) for row in self._all("SELECT * FROM sources ORDER BY name")]

    def record_fetch(
        self,
        name: str,
        url: str,
        *,
        now: datetime,
        status: int | None,
        error: str | None = None,
        error_class: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        body_hash: str | None = None,
        entries: int | None = None,
    ) -> None:
        """Remember the outcome of one poll. On failure the stored validators are kept."""
        stamp = iso(now)
        with self._write():
            self.db.execute("INSERT OR IGNORE INTO sources (name, url) VALUES (?, ?)", (name, url))
            if error is None:
                self.db.execute(
                    """UPDATE sources SET url = ?, last_polled = ?, last_success = ?,
                       first_success = COALESCE(first_success, ?), last_status = ?,
                       consecutive_failures = 0, last_error = NULL, last_error_class = NULL,
                       etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
                       body_hash = COALESCE(?, body_hash),
                       entries_last_poll = COALESCE(?, entries_last_poll)
                       WHERE name = ?""",
                    (
                        url,
                        stamp,
                        stamp,
                        stamp,
                        status,
                        etag,
                        last_modified,
                        body_hash,
                        entries,
                        name,
                    ),
                )
            else:
                self.db.execute(
                    """UPDATE sources SET url = ?, last_polled = ?, last_status = ?,
                       last_error = ?, last_error_class = ?,
                       consecutive_failures = consecutive_failures + 1 WHERE name = ?""",
                    (url, stamp, status, error, error_class, name),
                )

    # -- items and hits ------------------------------------------------------------------------

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

    def record_items(self, source: str, items: Sequence[NewItem], now: datetime) -> RecordResult:
        """Store new items with their hits and outbox rows in one transaction.

        An item already stored for ``source`` (same key) is skipped with its hits, so two
        overlapping polls of one feed write one hit and one alert per channel.
        """
        stamp = iso(now)
        added_items = added_hits = added_alerts = 0
        with self._write():
            for item in items:
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
                    for alert in hit.alerts:
                        alert_cursor = self.db.execute(
                            """INSERT OR IGNORE INTO alerts (id, hit_id, channel, status,
                               next_attempt, created, payload)
                               VALUES (?, ?, ?, 'pending', ?, ?, ?)""",
                            (
                                alert.id,
                                hit_cursor.lastrowid,
                                alert.channel,
                                stamp,
                                stamp,
                                alert.payload,
                            ),
                        )
                        added_alerts += alert_cursor.rowcount
        return RecordResult(items=added_items, hits=added_hits, alerts=added_alerts)

    def count(self, table: str) -> int:
        if table not in {"sources", "items", "hits", "alerts"}:
            raise ValueError(f"unknown table {table!r}")
        return int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def hits(self, limit: int = 100) -> list[dict[str, Any]]:
        """Recent hits joined with their items, newest first."""
        return self._all(
            """SELECT hits.id, hits.rule, hits.severity, hits.matched, hits.alerted, hits.created,
                      items.source, items.title, items.link, items.published
               FROM hits JOIN items ON items.id = hits.item_id
               ORDER BY hits.id DESC LIMIT ?""",
            (limit,),
        )

    # -- the outbox ----------------------------------------------------------------------------

    def due_alerts(self, now: datetime, limit: int = 100) -> list[AlertRow]:
        """Pending alerts whose next attempt is due, oldest first."""
        rows = self._all(
            f"""SELECT {_ALERT_COLUMNS} FROM alerts
                WHERE status = 'pending' AND next_attempt <= ?
                ORDER BY created, id LIMIT ?""",
            (iso(now), limit),
        )
        return [AlertRow(**row) for row in rows]

    def alerts(
        self, *, status: str | None = None, channel: str | None = None, limit: int = 100
    ) -> list[AlertRow]:
        clauses, params = [], []
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        if channel is not None:
            clauses.append("channel = ?")
            params.append(channel)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._all(
            f"SELECT {_ALERT_COLUMNS} FROM alerts {where} ORDER BY created DESC, id LIMIT ?",
            (*params, limit),
        )
        return [AlertRow(**row) for row in rows]

    def mark_sent(self, alert_id: str, now: datetime) -> None:
        with self._write():
            self.db.execute(
                """UPDATE alerts SET status = 'sent', sent_at = ?, attempts = attempts + 1,
                   last_error = NULL WHERE id = ?""",
                (iso(now), alert_id),
            )

    def mark_failed(
        self, alert_id: str, error: str, *, next_attempt: datetime, dead: bool = False
    ) -> None:
        with self._write():
            self.db.execute(
                """UPDATE alerts SET status = ?, attempts = attempts + 1, last_error = ?,
                   next_attempt = ? WHERE id = ?""",
                ("dead" if dead else "pending", error, iso(next_attempt), alert_id),
            )

    # -- plumbing ------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[None]:
        try:
            with self.db.atomic():
                yield
        except sqlite3.Error as exc:
            if isinstance(exc, sqlite3.OperationalError) and (
                "locked" in str(exc) or "busy" in str(exc)
            ):
                raise DatabaseBusyError(f"database busy: {exc}") from exc
            raise StoreError(f"database write failed: {exc}") from exc

    def _one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self._all(sql, params)
        return rows[0] if rows else None

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        try:
            cursor = self.db.execute(sql, params)
        except sqlite3.Error as exc:
            raise StoreError(f"database read failed: {exc}") from exc
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
