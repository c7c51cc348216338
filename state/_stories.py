"""Stories and identity keys: the values clustering reads and writes, and their queries.

A *story* groups the hits that report one event (one step of one state's withdrawal from one
treaty) across sources and languages. The decisions — is this item the same article as a
stored one, which story does a hit join, which alerts does that produce — are made by a
:class:`StoryPolicy` that the caller passes to ``Store.record_items`` (``monitor`` implements
it; ``state`` never imports ``monitor``). They are taken inside the transaction that stores the
hit, so a crash leaves either the hit with its story and alerts, or none of them.

Identity keys live in their own table and outlive the items they were taken from, so an item
that comes back after its row was pruned is still recognised (see :meth:`StoryQueries.prune`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from state._base import StoreBase, iso
from state.errors import DatabaseBusyError, StoreError
from state.records import NewItem

__all__ = [
    "IdentityRow",
    "PruneResult",
    "StoryAlert",
    "StoryHit",
    "StoryMember",
    "StoryPolicy",
    "StoryQueries",
    "StoryRow",
]

MEMBERS_LOADED = 100
"""Reports of a story listed by ``story()`` (the earliest and the latest); counts are exact."""
CANDIDATE_MEMBERS = 24
"""Reports of each candidate story handed to the policy for title comparisons."""


@dataclass(frozen=True, slots=True)
class IdentityRow:
    """A stored identity key and the item it was first seen on."""

    key: str
    source: str
    item_id: int | None
    story_id: str | None
    title: str
    first_seen: str
    last_seen: str

    @property
    def kind(self) -> str:
        """``guid``, ``url`` or ``fp``."""
        return self.key.split(":", 1)[0]


@dataclass(frozen=True, slots=True)
class StoryHit:
    """What clustering needs to know about one new hit (built by the caller, pure data).

    ``ref`` lets the policy find its own context for the hit (the item and rule match it
    planned); ``story_id`` is the id the story gets when this hit founds one, derived from the
    item and rule so that it is the same after any restart.
    """

    ref: int
    story_id: str
    rule: str
    buckets: tuple[str, ...]
    treaties: tuple[str, ...]
    states: tuple[str, ...]
    steps: tuple[str, ...]
    source: str
    official: bool
    outlet: str
    language: str | None
    url: str | None
    title: str
    published: str | None


@dataclass(frozen=True, slots=True)
class StoryMember:
    """One report attached to a story."""

    hit_id: int | None
    source: str
    official: bool
    outlet: str
    language: str | None
    url: str | None
    title: str
    duplicate: bool
    published: str | None
    first_seen: str


@dataclass(frozen=True, slots=True)
class StoryRow:
    """A story as stored: its entities, its reports and the alerts it has produced.

    ``members`` holds at most ``MEMBERS_LOADED`` reports (the first ones and the latest ones);
    ``reports``, ``outlets`` and ``official`` count all of them. ``outlets`` counts distinct
    outlets among reports that are not copies of an article already in the story.
    """

    id: str
    rule: str
    treaties: tuple[str, ...]
    states: tuple[str, ...]
    steps: tuple[str, ...]
    first_seen: str
    last_seen: str
    members: tuple[StoryMember, ...]
    alerts: frozenset[tuple[str, str]]
    reports: int
    outlets: int
    official: bool


@dataclass(frozen=True, slots=True)
class StoryAlert:
    """An outbox row a story produces: ``kind`` is ``alert`` (the first) or ``follow_up``."""

    id: str
    channel: str
    kind: str
    payload: str


@dataclass(frozen=True, slots=True)
class PruneResult:
    """How many rows one call to ``Store.prune`` removed."""

    items: int = 0
    hits: int = 0
    stories: int = 0
    keys: int = 0


class StoryPolicy(Protocol):
    """The decisions ``record_items`` asks for inside its transaction (pure functions)."""

    @property
    def window(self) -> timedelta:
        """How long after its first report a story still takes new reports."""
        ...

    def duplicate_of(
        self, item: NewItem, source: str, stored: Sequence[IdentityRow]
    ) -> IdentityRow | None:
        """The stored key (among ``stored``, all sharing a key with ``item``) that shows the
        item is an article already seen, or None."""
        ...

    def place(self, hit: StoryHit, candidates: Sequence[StoryRow]) -> str | None:
        """The id of the candidate story ``hit`` reports on, or None for a new story."""
        ...

    def alerts(
        self, hit: StoryHit, before: StoryRow | None, after: StoryRow
    ) -> Sequence[StoryAlert]:
        """The outbox rows ``hit`` adds to a story (``before`` is None for a new story)."""
        ...


class StoryQueries(StoreBase):
    @contextmanager
    def _immediate(self) -> Iterator[None]:
        """A write transaction that takes the write lock before its first read, so decisions
        made on what it reads cannot be overtaken by another process."""
        conn = self.db.conn
        if conn.in_transaction:
            with self._write():
                yield
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise DatabaseBusyError(f"database busy: {exc}") from exc
            raise StoreError(f"database write failed: {exc}") from exc
        try:
            with self._write():
                yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"database write failed: {exc}") from exc

    # identity ---------------------------------------------------------------------------

    def identities(self, keys: Sequence[str]) -> list[IdentityRow]:
        """The stored rows of those of ``keys`` that are known."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = self._all(
            f"""SELECT key, source, item_id, story_id, title, first_seen, last_seen
                FROM identity_keys WHERE key IN ({marks})""",
            wanted,
        )
        order = {key: index for index, key in enumerate(wanted)}
        return sorted((IdentityRow(**row) for row in rows), key=lambda r: order[r.key])

    def _claim_keys(
        self,
        keys: Sequence[str],
        *,
        source: str,
        item_id: int | None,
        title: str,
        stamp: str,
        story_id: str | None = None,
    ) -> None:
        for key in keys:
            self.db.execute(
                """INSERT INTO identity_keys (key, source, item_id, story_id, title, first_seen,
                   last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (key) DO UPDATE SET last_seen = excluded.last_seen""",
                (
                    key,
                    source,
                    item_id,
                    story_id,
                    title if key.startswith("url:") else "",
                    stamp,
                    stamp,
                ),
            )

    def _touch_keys(self, keys: Sequence[str], stamp: str) -> None:
        for key in keys:
            self.db.execute("UPDATE identity_keys SET last_seen = ? WHERE key = ?", (stamp, key))

    # stories ----------------------------------------------------------------------------

    def story(self, story_id: str) -> StoryRow | None:
        """One story with its reports and alerts, or None."""
        found = self._stories([story_id], MEMBERS_LOADED)
        return found[0] if found else None

    def stories(self, *, limit: int = 100) -> list[StoryRow]:
        """The most recently active stories, newest first."""
        ids = [
            row["id"]
            for row in self._all(
                "SELECT id FROM stories ORDER BY last_seen DESC, id LIMIT ?", (limit,)
            )
        ]
        return self._stories(ids, MEMBERS_LOADED)

    def story_of_hit(self, hit_id: int) -> str | None:
        row = self._one("SELECT story_id FROM story_members WHERE hit_id = ?", (hit_id,))
        return None if row is None else str(row["story_id"])

    def _candidates(self, buckets: Sequence[str], since: str) -> list[StoryRow]:
        if not buckets:
            return []
        marks = ",".join("?" * len(buckets))
        rows = self._all(
            f"""SELECT DISTINCT story_id FROM story_keys
                WHERE bucket IN ({marks}) AND first_seen >= ? ORDER BY first_seen, story_id""",
            (*buckets, since),
        )
        return self._stories([row["story_id"] for row in rows], CANDIDATE_MEMBERS)

    def _stories(self, ids: Sequence[str], member_limit: int) -> list[StoryRow]:
        stories = []
        for story_id in ids:
            row = self._one("SELECT * FROM stories WHERE id = ?", (story_id,))
            if row is None:
                continue
            stories.append(self._story_row(row, member_limit))
        return stories

    def _story_row(self, row: dict[str, Any], member_limit: int) -> StoryRow:
        story_id = row["id"]
        half = max(1, member_limit // 2)
        members = self._all(
            """SELECT * FROM (SELECT * FROM story_members WHERE story_id = ?
                              ORDER BY id LIMIT ?)
               UNION
               SELECT * FROM (SELECT * FROM story_members WHERE story_id = ?
                              ORDER BY id DESC LIMIT ?)
               ORDER BY id""",
            (story_id, half, story_id, member_limit - half),
        )
        counts = self._one(
            """SELECT count(*) AS reports,
                      count(DISTINCT CASE WHEN duplicate = 0 THEN outlet END) AS outlets,
                      max(official) AS official
               FROM story_members WHERE story_id = ?""",
            (story_id,),
        )
        assert counts is not None
        alerts = self._all("SELECT channel, kind FROM alerts WHERE story_id = ?", (story_id,))
        return StoryRow(
            id=story_id,
            rule=row["rule"],
            treaties=tuple(json.loads(row["treaties"])),
            states=tuple(json.loads(row["states"])),
            steps=tuple(json.loads(row["steps"])),
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            members=tuple(_member(m) for m in members),
            alerts=frozenset((a["channel"], a["kind"]) for a in alerts),
            reports=int(counts["reports"]),
            outlets=int(counts["outlets"]),
            official=bool(counts["official"]),
        )

    def _create_story(self, hit: StoryHit, stamp: str) -> str:
        cursor = self.db.execute(
            """INSERT OR IGNORE INTO stories (id, rule, treaties, states, steps, first_seen,
               last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (
                hit.story_id,
                hit.rule,
                _ids(hit.treaties),
                _ids(hit.states),
                _ids(hit.steps),
                stamp,
                stamp,
            ),
        )
        if cursor.rowcount:
            for bucket in hit.buckets:
                self.db.execute(
                    """INSERT OR IGNORE INTO story_keys (bucket, first_seen, story_id)
                       VALUES (?, ?, ?)""",
                    (bucket, stamp, hit.story_id),
                )
        return hit.story_id

    def _attach(
        self,
        story: StoryRow,
        item_id: int,
        hit_id: int,
        hit: StoryHit,
        *,
        duplicate: bool,
        stamp: str,
    ) -> None:
        # one report per item and story, however many of the item's rules matched
        self.db.execute(
            """INSERT OR IGNORE INTO story_members (story_id, item_id, hit_id, source, official,
               outlet, language, url, title, duplicate, published, first_seen)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                story.id,
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
                stamp,
            ),
        )
        states = tuple(sorted(set(story.states) | set(hit.states)))
        self.db.execute(
            "UPDATE stories SET states = ?, last_seen = max(last_seen, ?) WHERE id = ?",
            (_ids(states), stamp, story.id),
        )

    def _cluster(
        self,
        policy: StoryPolicy,
        item_id: int,
        hit_id: int,
        hit: StoryHit,
        *,
        original: IdentityRow | None,
        now: datetime,
    ) -> tuple[str, list[StoryAlert]]:
        """Put one stored hit into its story and write the alerts that produces."""
        stamp = iso(now)
        duplicate = False
        before: StoryRow | None = None
        if original is not None and original.story_id is not None:
            before = self.story(original.story_id)
            duplicate = before is not None
        if before is None:
            candidates = self._candidates(hit.buckets, iso(now - policy.window))
            chosen = policy.place(hit, candidates)
            before = next((c for c in candidates if c.id == chosen), None)
        story_id = before.id if before is not None else self._create_story(hit, stamp)
        current = before or self.story(story_id)
        assert current is not None
        self._attach(current, item_id, hit_id, hit, duplicate=duplicate, stamp=stamp)
        after = self.story(story_id)
        assert after is not None
        alerts = [] if duplicate else list(policy.alerts(hit, before, after))
        for alert in alerts:
            self.db.execute(
                """INSERT OR IGNORE INTO alerts (id, hit_id, channel, kind, status, next_attempt,
                   created, payload, story_id) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)""",
                (
                    alert.id,
                    hit_id,
                    alert.channel,
                    alert.kind,
                    stamp,
                    stamp,
                    alert.payload,
                    story_id,
                ),
            )
        return story_id, alerts

    # housekeeping -------------------------------------------------------------------------

    def prune(self, *, items_before: datetime, keys_before: datetime) -> PruneResult:
        """Delete what is no longer needed to suppress repeats.

        Items first seen before ``items_before`` go with their hits and finished alerts
        (an item whose alert is still pending is kept until it is sent or dead); stories whose
        last report is older go with their reports; identity keys not seen since
        ``keys_before`` go last, so an article that returns after its item was pruned is still
        recognised as long as its keys are kept.
        """
        items_stamp, keys_stamp = iso(items_before), iso(keys_before)
        with self._write():
            hits = self.db.execute(
                """DELETE FROM hits WHERE item_id IN (
                       SELECT id FROM items WHERE first_seen < ?)
                   AND id NOT IN (SELECT hit_id FROM alerts
                                  WHERE status = 'pending' AND hit_id IS NOT NULL)""",
                (items_stamp,),
            ).rowcount
            items = self.db.execute(
                """DELETE FROM items WHERE first_seen < ?
                   AND id NOT IN (SELECT item_id FROM hits)""",
                (items_stamp,),
            ).rowcount
            stories = self.db.execute(
                """DELETE FROM stories WHERE last_seen < ?
                   AND id NOT IN (SELECT story_id FROM alerts
                                  WHERE status = 'pending' AND story_id IS NOT NULL)""",
                (items_stamp,),
            ).rowcount
            keys = self.db.execute(
                "DELETE FROM identity_keys WHERE last_seen < ?", (keys_stamp,)
            ).rowcount
        return PruneResult(items=items, hits=hits, stories=stories, keys=keys)


def _ids(values: Sequence[str]) -> str:
    return json.dumps(sorted(set(values)))


def _member(row: dict[str, Any]) -> StoryMember:
    return StoryMember(
        hit_id=row["hit_id"],
        source=row["source"],
        official=bool(row["official"]),
        outlet=row["outlet"],
        language=row["language"],
        url=row["url"],
        title=row["title"],
        duplicate=bool(row["duplicate"]),
        published=row["published"],
        first_seen=row["first_seen"],
    )
