"""Stories, cases and identity keys: the values the recording algorithm reads and writes, and
the queries that read them.

A *case* is one state, or a group of states acting jointly, leaving one treaty; a *story* is
one step of one case as the world reports it, across sources and languages. The decisions (is
this item an article already seen, which story does a hit join, which alerts follow) are made
in ``monitor`` (``monitor.recording`` with the pure policies of ``monitor.core``), inside the
unit of work ``Store.batch()`` opens (``state._unit``); this module only stores and reads.

Identity keys live in their own table and outlive the items they were taken from, so an item
that comes back after its row was pruned is still recognised (see :meth:`StoryQueries.prune`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from state._base import StoreBase, iso
from state.errors import store_error

__all__ = [
    "CaseRow",
    "CaseStep",
    "IdentityRow",
    "PruneResult",
    "StoryAlert",
    "StoryHit",
    "StoryMember",
    "StoryQueries",
    "StoryRow",
]

MEMBERS_LOADED = 100
"""Reports of a story listed by ``story()`` (the earliest and the latest); counts are exact."""
CANDIDATE_MEMBERS = 24
"""Reports of each candidate story loaded for title comparisons."""
CANDIDATE_STORIES = 60
"""Most candidate stories of one bucket loaded for one hit (the most recently active)."""


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
    """What a story needs to know about one new report (pure data, built by ``monitor``).

    ``story_id`` is the id the story gets when this report founds one, derived from the item,
    and the treaty, so that it is the same after any restart. ``step`` is the step the report
    reports (``monitor.core.steps``), ``step_strong`` whether its headline or lead names it,
    ``step_headline`` whether its headline does; ``treaty_kind`` is ``generic`` for a kind of
    treaty (a gazetteer entry marked so), None otherwise;
    ``steps`` every step it names anywhere.
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
    step: str | None = None
    step_strong: bool = False
    step_headline: bool = False
    treaty_kind: str | None = None


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
    outlets among reports that are not copies of an article already in the story. ``step`` is
    the story's step (None: no report named one), ``case_id`` its case (None for stories stored
    before cases existed and not migrated).
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
    step: str | None = None
    step_strong: bool = False
    case_id: str | None = None
    treaty_kind: str | None = None


@dataclass(frozen=True, slots=True)
class CaseStep:
    """One step a case has reached: which, in which story, first reported when."""

    step: str | None
    story: str
    first_seen: str


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A case: one state or a group acting jointly, leaving one treaty.

    ``parent`` is the joint case a state's own case grew out of (Poland, Lithuania, Latvia and
    Estonia announce together; each parliament then votes on its own); ``steps`` the case's
    stories in order; ``closed`` when a reversal closed it (None while open).
    """

    id: str
    treaty: str
    states: tuple[str, ...]
    parent: str | None
    steps: tuple[CaseStep, ...]
    closed: str | None
    first_seen: str
    last_seen: str


@dataclass(frozen=True, slots=True)
class StoryAlert:
    """An outbox row a story produces: ``kind`` is ``alert`` (the first), ``follow_up`` or
    ``reversal``."""

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
    cases: int = 0


class StoryQueries(StoreBase):
    # identity ---------------------------------------------------------------------------

    def identities(self, keys: Sequence[str]) -> list[IdentityRow]:
        """The stored rows of those of ``keys`` that are known."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        # the columns in IdentityRow's order, as tuples: a recording reads thousands of these
        try:
            rows = self.db.execute(
                f"""SELECT key, source, item_id, story_id, title, first_seen, last_seen
                    FROM identity_keys WHERE key IN ({marks})""",
                wanted,
            ).fetchall()
        except sqlite3.Error as exc:
            raise store_error(exc, "database read") from exc
        order = {key: index for index, key in enumerate(wanted)}
        rows.sort(key=lambda row: order[row[0]])
        return [IdentityRow(*row) for row in rows]

    # stories and cases --------------------------------------------------------------------

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

    def case(self, case_id: str) -> CaseRow | None:
        """One case with its steps, or None."""
        row = self._one("SELECT * FROM cases WHERE id = ?", (case_id,))
        return None if row is None else _case(row)

    def cases(self, *, limit: int = 100) -> list[CaseRow]:
        """The most recently active cases, newest first."""
        rows = self._all("SELECT * FROM cases ORDER BY last_seen DESC, id LIMIT ?", (limit,))
        return [_case(row) for row in rows]

    def _candidate_stories(self, bucket: str, since: str, others_since: str) -> list[StoryRow]:
        """Light rows (see ``UnitOfWork.candidate_stories``) of the stories under ``bucket``
        first reported since ``since`` and of any bucket since ``others_since``."""
        mine = self._all(
            """SELECT story_id FROM story_keys JOIN stories ON stories.id = story_id
               WHERE bucket = ? AND story_keys.first_seen >= ?
               ORDER BY stories.last_seen DESC, story_id LIMIT ?""",
            (bucket, since, CANDIDATE_STORIES),
        )
        others = self._all(
            """SELECT story_id FROM story_keys WHERE first_seen >= ?
               ORDER BY first_seen DESC, story_id LIMIT ?""",
            (others_since, CANDIDATE_STORIES),
        )
        ids = list(dict.fromkeys(row["story_id"] for row in [*mine, *others]))
        stories = []
        for story_id in ids:
            row = self._one("SELECT * FROM stories WHERE id = ?", (story_id,))
            if row is not None:
                # titles are compared only within the window: older stories come without
                limit = CANDIDATE_MEMBERS if row["first_seen"] >= others_since else 0
                stories.append(self._story_row(row, limit, light=True))
        return stories

    def _candidate_cases(self, treaty: str, since: str) -> list[CaseRow]:
        rows = self._all(
            """SELECT * FROM cases WHERE treaty = ? AND last_seen >= ?
               ORDER BY last_seen DESC, id LIMIT ?""",
            (treaty, since, CANDIDATE_STORIES),
        )
        return [_case(row) for row in rows]

    def _stories(self, ids: Sequence[str], member_limit: int) -> list[StoryRow]:
        stories = []
        for story_id in ids:
            row = self._one("SELECT * FROM stories WHERE id = ?", (story_id,))
            if row is None:
                continue
            stories.append(self._story_row(row, member_limit))
        return stories

    def _story_row(
        self, row: dict[str, Any], member_limit: int, *, light: bool = False
    ) -> StoryRow:
        story_id = row["id"]
        half = max(1, member_limit // 2)
        members = (
            self._all(
                """SELECT * FROM (SELECT * FROM story_members WHERE story_id = ?
                              ORDER BY id LIMIT ?)
               UNION
               SELECT * FROM (SELECT * FROM story_members WHERE story_id = ?
                              ORDER BY id DESC LIMIT ?)
               ORDER BY id""",
                (story_id, half, story_id, member_limit - half),
            )
            if member_limit
            else []
        )
        if light:
            counts: dict[str, Any] | None = {"reports": 0, "outlets": 0, "official": 0}
            alerts: list[dict[str, Any]] = []
        else:
            counts = self._one(
                """SELECT count(*) AS reports,
                          count(DISTINCT CASE WHEN duplicate = 0 THEN outlet END) AS outlets,
                          max(official) AS official
                   FROM story_members WHERE story_id = ?""",
                (story_id,),
            )
            alerts = self._all("SELECT channel, kind FROM alerts WHERE story_id = ?", (story_id,))
        assert counts is not None
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
            step=row.get("step"),
            step_strong=bool(row.get("step_strong")),
            case_id=row.get("case_id"),
            treaty_kind=row.get("treaty_kind"),
        )

    # housekeeping -------------------------------------------------------------------------

    def prune(
        self,
        *,
        items_before: datetime,
        keys_before: datetime,
        cases_before: datetime | None = None,
    ) -> PruneResult:
        """Delete what is no longer needed to suppress repeats.

        Items first seen before ``items_before`` go with their hits and finished alerts
        (an item whose alert is still pending is kept until it is sent or dead); stories whose
        last report is older go with their reports; identity keys not seen since
        ``keys_before`` go next, so an article that returns after its item was pruned is still
        recognised as long as its keys are kept; cases not active since ``cases_before`` (default
        ``keys_before``) go last: a case keeps its steps' history after their stories are gone.
        """
        items_stamp, keys_stamp = iso(items_before), iso(keys_before)
        cases_stamp = iso(cases_before) if cases_before is not None else keys_stamp
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
            cases = self.db.execute(
                """DELETE FROM cases WHERE last_seen < ?
                   AND id NOT IN (SELECT case_id FROM stories WHERE case_id IS NOT NULL)""",
                (cases_stamp,),
            ).rowcount
        return PruneResult(items=items, hits=hits, stories=stories, keys=keys, cases=cases)


def ids_json(values: Sequence[str]) -> str:
    """A set of ids as stored: a sorted JSON list."""
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


def _case(row: dict[str, Any]) -> CaseRow:
    steps = json.loads(row["steps"] or "[]")
    return CaseRow(
        id=row["id"],
        treaty=row["treaty"],
        states=tuple(json.loads(row["states"])),
        parent=row["parent"],
        steps=tuple(CaseStep(s.get("step"), s["story"], s["first_seen"]) for s in steps),
        closed=row["closed"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
    )
