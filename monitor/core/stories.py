"""Story and case decisions (pure: data in, data out; no clock, no database).

A *case* is one state, or a group of states acting jointly, leaving one treaty; a *story* is
one step of one case as the world reports it. Reports in different languages meet through the
rule engine's entities, whose ids do not depend on the language (``states:lithuania``,
``treaties:ottawa``). A report naming two treaties counts for each: the recorder places it once
per treaty, so no case hides under another.

A new report joins the best *compatible* candidate story, or founds its own
(docs/stories.md has the whole account):

* **treaties**: the same one; a report naming no known treaty, only a phrase or a kind of
  treaty (a ``generic`` entry) may meet a story of another within ``window`` on its states;
* **states** must overlap when both sides name some, and the report's states must be mostly
  the story's (all of them, or a Jaccard overlap of :data:`STATE_AGREEMENT`), or its title
  nearly one already in the story — Lithuania's and Latvia's votes of one day are two stories;
* **steps** (``monitor.core.steps``): a report of the story's step joins it for
  ``step_memory``; a less advanced one (old news retold: "Lithuania to quit landmine treaty"
  the day after the vote) joins the latest story it fits; a report naming no step, or another
  of the :data:`OPENING` acts, joins within ``window``; a report whose headline names a more
  advanced step founds a new story — the next step of the case, which alerts — unless it
  comes within :data:`SAME_NEWS` of the story's first report, when it is the same news
  worded differently. A story's step is what most of its reports read (:func:`voted_step`).

A new story belongs to the case of its treaty whose states agree (or to a new one; a state of a
joint case that now acts alone gets a case of its own, with the joint case as its parent). A
reversal closes its case: later reports start a new one.

Among compatible stories the one of the same step, sharing most states, with the most similar
title and the most recent wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from monitor.core.dedup import title_similarity
from monitor.core.steps import STEP_ORDER, most_advanced, rank, sentence_index
from rules import Entity, Match
from state import CaseRow, StoryRow, parse_iso

__all__ = [
    "ENTITY_KINDS",
    "NO_TREATY",
    "SAME_NEWS",
    "STATE_AGREEMENT",
    "STEP_ORDER",
    "CasePlacement",
    "Report",
    "StoryRules",
    "buckets",
    "case_for",
    "follow_up_reason",
    "loose",
    "place",
    "signature",
    "states_acting",
    "story_step",
    "treaties_left",
    "wants_step",
]

ENTITY_KINDS = ("treaties", "states", "steps")
NO_TREATY = "-"
"""The bucket of hits that name no treaty."""
STATE_AGREEMENT = 0.5
"""Jaccard overlap of state sets above which a report joins a story without a similar title."""
OPENING = frozenset({"announcement", "suspension", "government_decision"})
"""Steps that are one government act worded differently: within the window they never split
a story ("announces it will leave", "decides to leave", "suspends its participation")."""
SAME_NEWS = timedelta(hours=12)
"""Within this time of a story's first report, a report naming a more advanced step is the
same news worded differently ("votes to leave" and "signs off on exit" of one session)."""


@dataclass(frozen=True, slots=True)
class StoryRules:
    """The tunables of clustering (from the ``stories:`` config section)."""

    window: timedelta = timedelta(hours=72)
    similarity: float = 0.8
    follow_up_outlets: int = 5
    enabled: bool = True
    step_memory: timedelta = timedelta(days=30)
    case_memory: timedelta = timedelta(days=730)


@dataclass(frozen=True, slots=True)
class Report:
    """What placing needs of one report about one treaty."""

    treaty: str
    states: tuple[str, ...]
    step: str | None
    step_strong: bool
    title: str
    step_headline: bool = False
    treaty_kind: str | None = None


@dataclass(frozen=True, slots=True)
class CasePlacement:
    """The case a new story belongs to: ``case`` an existing one, or None to open one with
    ``parent`` (a joint case one of its states now leaves alone) and ``states``."""

    case: str | None
    parent: str | None
    states: tuple[str, ...]


def signature(match: Match) -> dict[str, tuple[str, ...]]:
    """The entity ids of a match by kind: ``treaties``, ``states`` and ``steps`` (sorted)."""
    found: dict[str, set[str]] = {kind: set() for kind in ENTITY_KINDS}
    for entity in match.entities:
        if entity.kind in found:
            found[entity.kind].add(entity.id)
    return {kind: tuple(sorted(ids)) for kind, ids in found.items()}


def states_acting(entities: Sequence[Entity], summary: str) -> tuple[str, ...]:
    """The states a report says withdraw: those its headline names, else those of the first
    sentence of its lead that names any (others named later are context: "after Niger and
    Burkina Faso the day before"). Sorted; empty when none is named."""
    return _headline_first(entities, "states", summary)


def treaties_left(entities: Sequence[Entity], summary: str) -> tuple[str, ...]:
    """The treaties a report is about, one story each: those its headline names, else those
    of the first sentence of its lead that names any (a treaty named later — "the four NATO
    members", "the Rome Statute's court" — is context). Sorted; empty when none is named."""
    actors = {
        (f, start) for e in entities if e.kind == "states" for f, start, _ in e.spans
    }  # "the EU's withdrawal": the EU acts here, it is not left
    named = [
        replace(e, spans=tuple(span for span in e.spans if span[:2] not in actors))
        for e in entities
        if e.kind == "treaties"
    ]
    named = [e for e in named if e.spans]
    # an entry of both vocabularies (the EU) is the actor when another treaty is named
    state_ids = {e.id for e in entities if e.kind == "states"}
    if any(e.id not in state_ids for e in named):
        named = [e for e in named if e.id not in state_ids]
    return _headline_first(named, "treaties", summary)


def _headline_first(entities: Sequence[Entity], kind: str, summary: str) -> tuple[str, ...]:
    named = [e for e in entities if e.kind == kind]
    in_title = sorted({e.id for e in named if any(f == "title" for f, _, _ in e.spans)})
    if in_title:
        return tuple(in_title)
    first: dict[str, int] = {}
    for entity in named:
        starts = [start for f, start, _ in entity.spans if f == "summary"]
        if starts:
            first[entity.id] = sentence_index(summary, min(starts))
    if not first:
        return tuple(sorted({e.id for e in named}))
    earliest = min(first.values())
    return tuple(sorted(t for t, index in first.items() if index == earliest))


def buckets(treaties: Iterable[str]) -> tuple[str, ...]:
    """The index keys under which a story is found: its treaties, or ``NO_TREATY``."""
    return tuple(sorted(set(treaties))) or (NO_TREATY,)


def story_step(story: StoryRow) -> str | None:
    """A story's step (stories stored before steps were kept: the most advanced named)."""
    return story.step if story.step is not None else most_advanced(story.steps)


def _states_fit(report: Report, story: StoryRow, similar: bool) -> tuple[bool, float]:
    mine, theirs = set(report.states), set(story.states)
    if not mine or not theirs:
        return True, 0.0
    if not mine & theirs:
        return False, 0.0
    shared = len(mine & theirs) / len(mine | theirs)
    return (mine <= theirs or shared >= STATE_AGREEMENT or similar), shared


def loose(treaty: str) -> bool:
    """Whether a treaty id is no gazetteer entry: none named, or a generic phrase found
    ("a treaty that lets fossil fuel firms sue governments", "the Convention on Andean
    Condors"). Such a report may meet a story of a named treaty on its states."""
    return treaty == NO_TREATY or treaty.startswith("phrase:")


def compatibility(
    report: Report, story: StoryRow, rules: StoryRules, now: datetime
) -> float | None:
    """How well ``report`` fits ``story`` (higher is better), or None when it must not join."""
    age = now - parse_iso(story.first_seen)
    if age > rules.step_memory:
        return None
    theirs = story.treaties or (NO_TREATY,)
    same_treaty = report.treaty in theirs
    if not same_treaty:
        # a report naming no known treaty, or only a kind of treaty, meets a story of one (or
        # the other way round) only within the window, when both name states and they fit
        if not (
            loose(report.treaty)
            or "generic" in (report.treaty_kind, story.treaty_kind)
            or all(map(loose, theirs))
        ):
            return None
        if age > rules.window or not report.states or not story.states:
            return None
    similarity = max((title_similarity(report.title, m.title) for m in story.members), default=0)
    near_same = similarity >= rules.similarity
    fits, shared = _states_fit(report, story, near_same)
    if not fits:
        return None
    if loose(report.treaty) and not (report.states and story.states) and not near_same:
        return None  # nothing but a withdrawal word in common: another event, likely
    mine, step = report.step, story_step(story)
    within = age <= rules.window
    if mine is not None and mine == step:
        bonus = 2.0
    elif step == "reversal" or mine == "reversal":
        # a reversal is a story of its own; its own retellings join it
        if not (within and near_same):
            return None
        bonus = 0.0
    elif mine is None or step is None:
        if not within:
            return None
        bonus = 0.5
    elif mine in OPENING and step in OPENING:
        # "announces", "decides", "suspends": one government act worded three ways
        if not within:
            return None
        bonus = 1.0
    elif rank(mine) < rank(step):
        bonus = 1.0  # an earlier step retold: old news, joins the latest story it fits
    else:
        # a more advanced step: the case's next step, unless it is the same news: within
        # SAME_NEWS, or within the window when the headline does not say it
        same_news = (
            age <= SAME_NEWS
            or not story.step_strong
            or not report.step_strong
            or not report.step_headline
        )
        if not (within and (same_news or near_same)):
            return None
        bonus = 0.5
    recency = 1.0 - min(1.0, age / max(rules.step_memory, timedelta(seconds=1)))
    return bonus + shared + similarity + 0.1 * recency


def place(
    report: Report, candidates: Sequence[StoryRow], rules: StoryRules, now: datetime
) -> str | None:
    """The id of the story ``report`` joins, or None when it founds a new one."""
    if not rules.enabled:
        return None
    best: tuple[float, str] | None = None
    for story in candidates:
        score = compatibility(report, story, rules, now)
        if score is None:
            continue
        if best is None or score > best[0]:
            best = (score, story.id)
    return None if best is None else best[1]


def voted_step(
    votes: Mapping[str, tuple[int, int]], current: str | None
) -> tuple[str | None, bool]:
    """A story's step from its reports' readings (``votes``: per step, strong and weak
    readings): the step most reports name in their headline or lead; without any, the one most
    name elsewhere. Ties keep ``current``, then go to the more advanced step. One report that
    reads a vote as a notification does not move a story all others call a vote."""
    for index, strong in ((0, True), (1, False)):
        counted = {step: pair[index] for step, pair in votes.items() if pair[index]}
        if counted:
            top = max(counted.values())
            leaders = [step for step, n in counted.items() if n == top]
            if current in leaders:
                return current, strong
            return max(leaders, key=lambda s: (rank(s), s)), strong
    return current, False


def case_for(report: Report, cases: Sequence[CaseRow], rules: StoryRules) -> CasePlacement:
    """The case of a new story founded by ``report`` (``cases``: open ones of its treaty,
    most recent first)."""
    mine = set(report.states)
    parent: CaseRow | None = None
    for case in cases:
        if case.closed is not None and report.step != "reversal":
            continue
        theirs = set(case.states)
        if not mine or not theirs:
            if not mine and not theirs:
                return CasePlacement(case.id, None, tuple(sorted(mine)))
            if not mine:
                return CasePlacement(case.id, None, tuple(sorted(theirs)))
            continue
        shared = len(mine & theirs) / len(mine | theirs)
        if shared >= STATE_AGREEMENT:
            return CasePlacement(case.id, None, tuple(sorted(mine | theirs)))
        if mine < theirs and parent is None:
            parent = case
    return CasePlacement(None, parent.id if parent else None, tuple(sorted(mine)))


def wants_step(selection: str | tuple[str, ...], step: str | None, *, first: bool) -> bool:
    """Whether a channel's ``steps:`` selection takes a story of ``step``.

    ``all``: every withdrawal step (a reversal only when listed); ``first``: only a case's
    first story; a list: the steps named (a story without a step counts as an announcement).
    """
    named = step or "announcement"
    if selection == "all":
        return named != "reversal"
    if selection == "first":
        return first and named != "reversal"
    return named in selection


def follow_up_reason(before: StoryRow, after: StoryRow, rules: StoryRules) -> str | None:
    """Why the report that turned ``before`` into ``after`` deserves a follow-up, or None.

    ``official_source``: the story has its first report from an official source;
    ``outlets``: its count of independent outlets has just reached ``follow_up_outlets``.
    """
    if after.official and not before.official:
        return "official_source"
    if before.outlets < rules.follow_up_outlets <= after.outlets:
        return "outlets"
    return None
