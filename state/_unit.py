"""The unit of work of recording: one write transaction and the primitive operations inside it.

``with store.batch(now) as tx:`` takes ``BEGIN IMMEDIATE`` (the write lock, before the first
read, so decisions made on what it reads cannot be overtaken by another process) and commits
when the block ends, or rolls everything back when it raises. Inside, ``tx`` offers primitive
reads and writes only: look up identity keys, find candidate stories and cases, insert an item,
a hit, a story member or an alert. The algorithm that uses them lives in ``monitor.recording``;
``state`` takes no decision and calls nothing back.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from state._base import iso
from state._stories import (
    CaseRow,
    IdentityRow,
    StoryHit,
    StoryQueries,
    StoryRow,
    ids_json,
)
from state.errors import store_error
from state.records import NewHit, NewItem

__all__ = ["UnitOfWork", "UnitQueries"]

_KEYS_PER_QUERY = 500


class UnitOfWork:
    """Primitive operations inside one write transaction (see the module doc).

    ``stamp`` is the transaction's time as stored; every row written takes it.
    """

    def __init__(self, queries: StoryQueries, now: datetime) -> None:
        self._q = queries
        self._db = queries.db
        self.now = now
        self.stamp = iso(now)
        self.items = 0
        self.hits = 0
        self.alerts = 0
        # identity rows read or written in this unit (None: not stored); the lock is held, so
        # only this unit changes them: lookups after ``preload_identities`` cost no query
        self._identities: dict[str, IdentityRow | None] = {}
        # identity writes, made in one statement each when the unit ends (``flush``): every
        # read of identity rows inside the unit goes through ``_identities``, which has them
        # already, and all of them carry ``stamp``, so their order does not matter
        self._claims: list[tuple[str, str, int, str | None, str, str, str]] = []
        self._touches: list[tuple[str, str]] = []

    def flush(self) -> None:
        """Write the identity keys claimed and touched so far (the unit does it before its
        commit)."""
        conn = self._db.conn
        if self._claims:
            conn.executemany(
                """INSERT INTO identity_keys (key, source, item_id, story_id, title, first_seen,
                   last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (key) DO UPDATE SET last_seen = excluded.last_seen""",
                self._claims,
            )
            self._claims = []
        if self._touches:
            conn.executemany("UPDATE identity_keys SET last_seen = ? WHERE key = ?", self._touches)
            self._touches = []

    # identity -----------------------------------------------------------------------------

    def preload_identities(self, keys: Iterable[str]) -> None:
        """Read the stored rows of ``keys`` at once (a query per 500 keys rather than one per
        item): :meth:`identities` then answers for them without a query."""
        wanted = [key for key in dict.fromkeys(keys) if key not in self._identities]
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            chunk = wanted[start : start + _KEYS_PER_QUERY]
            self._identities.update(dict.fromkeys(chunk))
            self._identities.update((row.key, row) for row in self._q.identities(chunk))

    def identities(self, keys: Sequence[str]) -> list[IdentityRow]:
        """The stored identity rows of those of ``keys`` that are known, in their order."""
        wanted = list(dict.fromkeys(keys))
        self.preload_identities(wanted)
        return [row for key in wanted if (row := self._identities[key]) is not None]

    def touch_keys(self, keys: Sequence[str]) -> None:
        """Mark identity keys as seen now (they are kept ``dedup.keep_keys`` after that)."""
        self._touches.extend((self.stamp, key) for key in keys)
        for key in keys:
            row = self._identities.get(key)
            if row is not None:
                self._identities[key] = replace(row, last_seen=self.stamp)

    def claim_keys(
        self, keys: Sequence[str], *, source: str, item_id: int, title: str, story_id: str | None
    ) -> None:
        """Store identity keys for an item (a key already stored is only touched)."""
        stamp = self.stamp
        for key in keys:
            title_kept = title if key.startswith("url:") else ""
            self._claims.append((key, source, item_id, story_id, title_kept, stamp, stamp))
            known = self._identities.get(key)
            self._identities[key] = (
                IdentityRow(key, source, item_id, story_id, title_kept, stamp, stamp)
                if known is None
                else replace(known, last_seen=stamp)
            )

    # items and hits -----------------------------------------------------------------------

    def insert_item(self, source: str, item: NewItem) -> int | None:
        """Store an item; its row id, or None when ``source`` already has one with its key."""
        cursor = self._db.conn.execute(
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
                self.stamp,
            ),
        )
        if cursor.rowcount == 0:
            return None
        self.items += 1
        return cursor.lastrowid

    def insert_hit(self, item_id: int, hit: NewHit) -> int | None:
        """Store a hit of an item; its row id, or None when the item already has that rule's."""
        cursor = self._db.execute(
            """INSERT OR IGNORE INTO hits (item_id, rule, severity, matched, explanation,
               alerted, created) VALUES (?, ?, ?, ?, ?, 0, ?)""",
            (item_id, hit.rule, hit.severity, hit.matched, hit.explanation, self.stamp),
        )
        if cursor.rowcount == 0:
            return None
        self.hits += 1
        return cursor.lastrowid

    def mark_alerted(self, hit_id: int) -> None:
        """Record that a hit produced at least one alert."""
        self._db.execute("UPDATE hits SET alerted = 1 WHERE id = ?", (hit_id,))

    def insert_alert(
        self,
        *,
        alert_id: str,
        hit_id: int,
        channel: str,
        kind: str,
        payload: str,
        story_id: str | None,
    ) -> bool:
        """Queue an outbox row; False when that alert (id, or story/channel/kind) exists."""
        cursor = self._db.execute(
            """INSERT OR IGNORE INTO alerts (id, hit_id, channel, kind, status, next_attempt,
               created, payload, story_id) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)""",
            (alert_id, hit_id, channel, kind, self.stamp, self.stamp, payload, story_id),
        )
        self.alerts += cursor.rowcount
        return bool(cursor.rowcount)

    # stories ------------------------------------------------------------------------------

    def story(self, story_id: str) -> StoryRow | None:
        """One story as it stands in this transaction."""
        return self._q.story(story_id)

    def candidate_stories(
        self, bucket: str, since: datetime, *, others_since: datetime
    ) -> list[StoryRow]:
        """The stories a report under ``bucket`` (a treaty id) may join: those under it first
        reported at or after ``since``, and those of any treaty since ``others_since``; at most
        60 of each, the most recent first. Light rows: their entities, step, and their first
        and last reports (24; none for a story first reported before ``others_since``, whose
        titles are not compared); ``reports``, ``outlets``, ``official`` and ``alerts`` are
        left empty (load the chosen one with :meth:`story`)."""
        return self._q._candidate_stories(bucket, iso(since), iso(others_since))

    def create_story(self, hit: StoryHit, *, case_id: str | None) -> bool:
        """Found the story ``hit.story_id``; False when it exists already."""
        cursor = self._db.execute(
            """INSERT OR IGNORE INTO stories (id, rule, treaties, states, steps, first_seen,
               last_seen, case_id, step, step_strong, treaty_kind)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                hit.story_id,
                hit.rule,
                ids_json(hit.treaties),
                ids_json(hit.states),
                ids_json(hit.steps),
                self.stamp,
                self.stamp,
                case_id,
                hit.step,
                int(hit.step_strong),
                hit.treaty_kind,
            ),
        )
        if cursor.rowcount:
            for bucket in hit.buckets:
                self._db.execute(
                    """INSERT OR IGNORE INTO story_keys (bucket, first_seen, story_id)
                       VALUES (?, ?, ?)""",
                    (bucket, self.stamp, hit.story_id),
                )
        return bool(cursor.rowcount)

    def attach(
        self, story_id: str, item_id: int, hit_id: int, hit: StoryHit, *, duplicate: bool
    ) -> bool:
        """Add a report to a story (one per item and story); False when it is there already."""
        cursor = self._db.execute(
            """INSERT OR IGNORE INTO story_members (story_id, item_id, hit_id, source, official,
               outlet, language, url, title, duplicate, published, first_seen, step,
               step_strong) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                story_id,
                item_id,
                hit_id,
                hit.source,
                int(hit.official),
                hit.outlet,
                hit.language,
                hit.url,
                hit.title,
                int(duplicate),
                hit.published,
                self.stamp,
                hit.step,
                int(hit.step_strong),
            ),
        )
        return bool(cursor.rowcount)

    def step_votes(self, story_id: str) -> dict[str, tuple[int, int]]:
        """How the reports of a story read its step: per step, (strong readings, others);
        copies of an article already in the story do not vote."""
        rows = self._db.execute(
            """SELECT step, sum(step_strong), sum(1 - step_strong) FROM story_members
               WHERE story_id = ? AND step IS NOT NULL AND duplicate = 0 GROUP BY step""",
            (story_id,),
        ).fetchall()
        return {step: (int(strong), int(weak)) for step, strong, weak in rows}

    def update_story(
        self,
        story_id: str,
        *,
        states: Sequence[str],
        steps: Sequence[str],
        step: str | None,
        step_strong: bool,
    ) -> None:
        """Set a story's states, named steps and step, and mark it active now."""
        self._db.execute(
            """UPDATE stories SET states = ?, steps = ?, step = ?, step_strong = ?,
               last_seen = max(last_seen, ?) WHERE id = ?""",
            (ids_json(states), ids_json(steps), step, int(step_strong), self.stamp, story_id),
        )

    # cases --------------------------------------------------------------------------------

    def case(self, case_id: str) -> CaseRow | None:
        return self._q.case(case_id)

    def candidate_cases(self, treaty: str, since: datetime) -> list[CaseRow]:
        """Cases about ``treaty`` active at or after ``since``, the most recent first."""
        return self._q._candidate_cases(treaty, iso(since))

    def create_case(
        self, case_id: str, *, treaty: str, states: Sequence[str], parent: str | None
    ) -> bool:
        """Open a case; False when it exists already."""
        cursor = self._db.execute(
            """INSERT OR IGNORE INTO cases (id, treaty, states, parent, steps, closed,
               first_seen, last_seen) VALUES (?, ?, ?, ?, '[]', NULL, ?, ?)""",
            (case_id, treaty, ids_json(states), parent, self.stamp, self.stamp),
        )
        return bool(cursor.rowcount)

    def add_case_step(self, case_id: str, *, step: str | None, story_id: str) -> None:
        """Record that the case reached ``step`` in ``story_id`` (once per story)."""
        row = self._db.execute("SELECT steps FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            return
        steps = json.loads(row[0] or "[]")
        if not any(s["story"] == story_id for s in steps):
            steps.append({"step": step, "story": story_id, "first_seen": self.stamp})
        else:
            for s in steps:
                if s["story"] == story_id:
                    s["step"] = step
        self._db.execute(
            "UPDATE cases SET steps = ?, last_seen = max(last_seen, ?) WHERE id = ?",
            (json.dumps(steps, separators=(",", ":")), self.stamp, case_id),
        )

    def update_case(self, case_id: str, *, states: Sequence[str], closed: bool) -> None:
        """Set a case's states, close it when asked, and mark it active now."""
        self._db.execute(
            """UPDATE cases SET states = ?, last_seen = max(last_seen, ?),
               closed = CASE WHEN ? THEN coalesce(closed, ?) ELSE closed END WHERE id = ?""",
            (ids_json(states), self.stamp, int(closed), self.stamp, case_id),
        )


class UnitQueries(StoryQueries):
    @contextmanager
    def batch(self, now: datetime, *, durable: bool = True) -> Iterator[UnitOfWork]:
        """The unit of work of one recording (see the module doc). Raises
        ``DatabaseBusyError`` when another writer holds the lock past the busy timeout and
        ``StoreError`` for any other failure; nothing is written then.

        ``durable=False`` is for a batch that writes no hit and no alert: its commit does not
        wait for an fsync, so a power cut may undo it (a crash or SIGKILL cannot; see
        ``StoreBase._synchronous``)."""
        conn = self.db.conn
        if conn.in_transaction:
            raise RuntimeError("Store.batch() inside another transaction")
        with self._synchronous(durable):
            yield from self._batch(now)

    def _batch(self, now: datetime) -> Iterator[UnitOfWork]:
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise store_error(exc, "database write") from exc
        try:
            unit = UnitOfWork(self, now)
            yield unit
            unit.flush()
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise store_error(exc, "database write") from exc
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise store_error(exc, "database write") from exc
