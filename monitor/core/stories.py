"""Story clustering decisions (pure: data in, data out; no clock, no database).

A *story* is one step of one withdrawal as the world reports it: the same treaty, the same
withdrawing state(s) and the same step (announcement, government decision, parliament vote,
signature, notification, entry into force, suspension), reported within a window (72 h by
default) of its first report. Reports in different languages meet through the rule engine's
entities, whose ids do not depend on the language (``states:lithuania``, ``treaties:ottawa``,
``steps:parliament_vote``).

A new hit joins the best *compatible* candidate story, or founds its own:

* **treaties** must overlap (a hit naming no treaty only meets stories naming none);
* **steps**, when both sides name one, must agree on the *main* step — the most advanced one
  named (:data:`STEP_ORDER`; a report of a vote often also says the state "will leave", and one
  of a signature recalls the vote) — so the announcement, the parliament vote and the signature
  of one withdrawal are separate stories, each alerting;
* **states** must overlap when both sides name some — so Lithuania's and Finland's withdrawals
  from one convention are two stories even on the same day, however alike their headlines;
* a hit joins on entities alone, in any language, when the story already holds all its states
  (``hit ⊆ story``: a Polish outlet naming only Poland joins the four-state story) or when the
  two sets mostly agree (Jaccard ≥ :data:`STATE_AGREEMENT`: a wire report that also names
  Russia as the threat). Otherwise — a report naming states the story has mostly not seen, or
  none — it joins only when its title is nearly the same as one already in the story
  (``similarity``, 0.8 by default): it may be news of another state's withdrawal, and a
  second alert is better than a missed one. The same near-identical title also lets a
  lightly edited report join across a disagreement about its main step.

Among compatible stories the one sharing most states and the most similar title wins; ties go
to the earlier story.

Follow-ups: a channel that asks for them gets at most one per story, when the story first gains
an official source or when its count of independent outlets reaches ``follow_up_outlets``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from monitor.dedup import title_similarity
from rules import Match
from state import StoryHit, StoryRow

__all__ = [
    "ENTITY_KINDS",
    "NO_TREATY",
    "STATE_AGREEMENT",
    "STEP_ORDER",
    "StoryRules",
    "buckets",
    "compatibility",
    "follow_up_reason",
    "main_step",
    "place",
    "signature",
]

ENTITY_KINDS = ("treaties", "states", "steps")
NO_TREATY = "-"
"""The bucket of hits that name no treaty."""
STATE_AGREEMENT = 0.5
"""Jaccard overlap of state sets above which a hit joins a story without a similar title."""
STEP_ORDER = (
    "announcement",
    "government_decision",
    "parliament_vote",
    "signed_into_law",
    "notification",
    "entry_into_force",
    "suspension",
)
"""The steps of a withdrawal, least advanced first (a suspension outranks the vote that makes
it); unknown step ids rank below all of these."""


@dataclass(frozen=True, slots=True)
class StoryRules:
    """The tunables of clustering (from the ``stories:`` config section)."""

    window: timedelta = timedelta(hours=72)
    similarity: float = 0.8
    follow_up_outlets: int = 5
    enabled: bool = True


def signature(match: Match) -> dict[str, tuple[str, ...]]:
    """The entity ids of a match by kind: ``treaties``, ``states`` and ``steps`` (sorted)."""
    found: dict[str, set[str]] = {kind: set() for kind in ENTITY_KINDS}
    for entity in match.entities:
        if entity.kind in found:
            found[entity.kind].add(entity.id)
    return {kind: tuple(sorted(ids)) for kind, ids in found.items()}


def main_step(steps: Iterable[str]) -> str | None:
    """The most advanced of ``steps`` (see :data:`STEP_ORDER`), or None when there is none."""
    ranked = sorted(steps, key=lambda s: (STEP_ORDER.index(s) if s in STEP_ORDER else -1, s))
    return ranked[-1] if ranked else None


def buckets(treaties: Iterable[str]) -> tuple[str, ...]:
    """The index keys under which a story is found: its treaties, or ``NO_TREATY``."""
    return tuple(sorted(set(treaties))) or (NO_TREATY,)


def compatibility(hit: StoryHit, story: StoryRow, rules: StoryRules) -> float | None:
    """How well ``hit`` fits ``story`` (higher is better), or None when it must not join."""
    if (hit.treaties or story.treaties) and not set(hit.treaties) & set(story.treaties):
        return None
    hit_states, story_states = set(hit.states), set(story.states)
    if hit_states and story_states and not hit_states & story_states:
        return None
    similar = max((title_similarity(hit.title, m.title) for m in story.members), default=0.0)
    near_same = similar >= rules.similarity
    steps_differ = bool(hit.steps and story.steps) and main_step(hit.steps) != main_step(
        story.steps
    )
    if steps_differ and not near_same:
        return None
    union = hit_states | story_states
    shared = len(hit_states & story_states) / len(union) if union else 0.0
    covered = bool(hit_states) and hit_states <= story_states
    if not (covered or shared >= STATE_AGREEMENT or near_same):
        return None
    return shared + similar


def place(hit: StoryHit, candidates: Sequence[StoryRow], rules: StoryRules) -> str | None:
    """The id of the story ``hit`` joins, or None when it founds a new one."""
    if not rules.enabled:
        return None
    best: tuple[float, str] | None = None
    for story in candidates:
        score = compatibility(hit, story, rules)
        if score is None:
            continue
        if best is None or score > best[0]:
            best = (score, story.id)
    return None if best is None else best[1]


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
