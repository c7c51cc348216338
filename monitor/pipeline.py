"""From parsed items to rows to store: match, read, plan (pure: no clock, no I/O).

``plan_items`` matches each new item and builds its rows in two steps: ``analyse_items`` does
the work each item needs on its own (matching, canonical link, identity keys; a parse worker
does it beside the parse, see ``monitor.intake``) and ``plan_analysed`` turns the results into
rows: each hit with one :class:`~state.StoryHit` per treaty it names (its states and the step
its main clause reports, ``monitor.core.steps``). ``monitor.recording`` then stores them in one
unit of work, deciding stories, cases and alerts with the :class:`StoryPlanner` of the batch,
which builds the alerts' payloads: the first per story and channel (for the steps the channel
takes), then at most one follow-up for channels with ``follow_ups: true``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from monitor.config import ChannelConfig, SourceConfig, StoriesSettings
from monitor.core import dedup
from monitor.core import stories as clustering
from monitor.core.alerts import (
    alert_payload,
    case_payload,
    is_fresh,
    routes,
    story_alert_id,
    story_id,
    story_payload,
)
from monitor.core.steps import read_step
from monitor.sources.item import Item, canonical_url, item_key
from rules import Document, Entity, Match, RuleSet
from state import (
    CaseRow,
    IdentityRow,
    NewHit,
    NewItem,
    StoryAlert,
    StoryHit,
    StoryRow,
    iso,
)

__all__ = [
    "Analysed",
    "Batch",
    "StoryPlanner",
    "analyse_items",
    "canonical_memo",
    "document_for",
    "plan_analysed",
    "plan_items",
    "unique_items",
]


@dataclass(frozen=True, slots=True)
class Batch:
    """What one poll will write: new items with their hits, and the policy that decides their
    stories and alerts when they are stored (``alerts`` counts alerts known before that: 0)."""

    items: tuple[NewItem, ...]
    hits: int
    alerts: int
    policy: StoryPlanner | None = None


@dataclass(frozen=True, slots=True)
class Analysed:
    """One new item after the work done on it alone: its rule matches, canonical link, identity
    keys and outlet. ``item`` keeps every field but ``content``, which only matching reads."""

    key: str
    item: Item
    matches: tuple[Match, ...]
    canonical_link: str | None
    identity: tuple[str, ...]
    outlet: str
    entities: tuple[Entity, ...] = ()
    """With a match: every entity the item names (document-wide, all occurrences), so the
    story logic can read who acts and what is left from the headline."""

    def __reduce__(self) -> tuple[type[Analysed], tuple[object, ...]]:
        # parse workers send every new item back to the poller wrapped in one of these:
        # pickled as its constructor's arguments, as ``Item`` is, not through the
        # __getstate__ and __setstate__ a slotted dataclass gets (Python 3.11)
        return (
            Analysed,
            (
                self.key,
                self.item,
                self.matches,
                self.canonical_link,
                self.identity,
                self.outlet,
                self.entities,
            ),
        )


def canonical_memo() -> dedup.Canonical:
    """:func:`monitor.core.dedup.canonical_url` remembering its answers, for the links of one
    document (an item's link is needed for its key, its identity keys and its outlet)."""
    known: dict[str | None, str | None] = {}

    def canonical(link: str | None) -> str | None:
        if link in known:
            return known[link]
        url = known[link] = canonical_url(link)
        return url

    return canonical


def unique_items(
    items: Iterable[Item], *, canonical: dedup.Canonical = canonical_url
) -> dict[str, Item]:
    """Items keyed by identity; the first of several entries with one key wins."""
    keyed: dict[str, Item] = {}
    for item in items:
        keyed.setdefault(item_key(item, canonical=canonical), item)
    return keyed


def document_for(item: Item, source: SourceConfig) -> Document:
    """The rule engine's view of an item."""
    tags = frozenset(source.tags) | ({"official"} if source.official else frozenset())
    return Document(
        title=item.title,
        summary=item.summary,
        content=item.content,
        language=item.language or source.language,
        source=source.name,
        source_tags=tags,
        published=item.published,
        url=item.link or "",
    )


def analyse_items(
    new: Sequence[tuple[str, Item]],
    *,
    source: SourceConfig,
    ruleset: RuleSet,
    now: datetime,
    canonical: dedup.Canonical = canonical_url,
) -> list[Analysed]:
    """Match every new item and compute what identifies it (each item on its own)."""
    analysed = []
    for key, item in new:
        document = document_for(item, source)
        matches = tuple(ruleset.match(document, now))
        link = canonical(item.link)
        analysed.append(
            Analysed(
                key=key,
                item=replace(item, content="") if item.content else item,
                matches=matches,
                canonical_link=link,
                identity=dedup.identity_keys(
                    source.name,
                    guid=item.guid,
                    link=item.link,
                    title=item.title,
                    summary=item.summary,
                    canonical=canonical,
                ),
                outlet=dedup.outlet(item.link, source.name, canonical=canonical),
                entities=ruleset.entities(document) if matches else (),
            )
        )
    return analysed


def plan_items(
    new: Sequence[tuple[str, Item]],
    *,
    source: SourceConfig,
    ruleset: RuleSet,
    channels: Sequence[ChannelConfig],
    now: datetime,
    baseline: bool,
    max_age: timedelta,
    stories: StoriesSettings | None = None,
    stale_after: timedelta | None = None,
) -> Batch:
    """Match every new item and build the rows to store (``analyse_items``, then
    ``plan_analysed``)."""
    analysed = analyse_items(
        new, source=source, ruleset=ruleset, now=now, canonical=canonical_memo()
    )
    return plan_analysed(
        analysed,
        source=source,
        channels=channels,
        now=now,
        baseline=baseline,
        max_age=max_age,
        stories=stories,
        stale_after=stale_after,
    )


def plan_analysed(
    analysed: Sequence[Analysed],
    *,
    source: SourceConfig,
    channels: Sequence[ChannelConfig],
    now: datetime,
    baseline: bool,
    max_age: timedelta,
    stories: StoriesSettings | None = None,
    stale_after: timedelta | None = None,
) -> Batch:
    """Build the rows to store for new items already matched (``analyse_items``).

    On a source's first successful poll (``baseline``) everything is recorded, but only items
    published within ``max_age`` alert, so adding a feed never floods the channels. On later
    polls an item published more than ``stale_after`` ago (old news first seen now) is recorded
    without alerting; None: no such limit.

    With ``stories`` (None: the defaults) alerts are not built here but by the returned
    ``Batch.policy`` once the store knows each hit's story; ``stories.enabled: false`` makes
    every item its own story (still one alert per item and channel, still no repeats).
    """
    settings = stories or StoriesSettings()
    planner = StoryPlanner(
        source=source,
        channels=channels,
        now=now,
        rules=stories_rules(settings),
    )
    rows: list[NewItem] = []
    hit_count = 0
    for entry in analysed:
        item = entry.item
        alertable = not baseline or is_fresh(item.published, now, max_age)
        if stale_after is not None and item.published is not None:
            alertable = alertable and now - item.published <= stale_after
        # the treaties the item is about, from all its matches: each rule scopes its entities
        # to its own evidence, but an item reports the same withdrawals whichever rule saw it
        found = [*entry.entities, *(e for match in entry.matches for e in match.entities)]
        treaties = clustering.treaties_left(found, item.summary)
        states = clustering.states_acting(found, item.summary)
        kinds = _treaty_kinds(found)
        hits = []
        for match in entry.matches:
            story_hits = planner.add(
                entry.key,
                item,
                match,
                alertable=alertable,
                outlet=entry.outlet,
                treaties=treaties,
                states=states,
                treaty_kinds=kinds,
            )
            hits.append(
                NewHit(
                    rule=match.rule_id,
                    severity=match.severity,
                    matched=_json(sorted({term.text for term in match.terms})),
                    explanation=_json(match.to_dict()),
                    stories=story_hits,
                )
            )
            hit_count += 1
        rows.append(
            NewItem(
                key=entry.key,
                title=item.title,
                summary=item.summary,
                guid=item.guid,
                link=item.link,
                canonical_link=entry.canonical_link,
                language=item.language or source.language,
                published=iso(item.published) if item.published else None,
                hits=tuple(hits),
                identity=entry.identity,
            )
        )
    return Batch(items=tuple(rows), hits=hit_count, alerts=0, policy=planner)


def stories_rules(settings: StoriesSettings) -> clustering.StoryRules:
    """The clustering tunables of a ``stories:`` config section."""
    return clustering.StoryRules(
        window=settings.window,
        similarity=settings.similarity,
        follow_up_outlets=settings.follow_up_outlets,
        enabled=settings.enabled,
        step_memory=settings.step_memory,
        case_memory=settings.case_memory,
    )


@dataclass(frozen=True, slots=True)
class _Planned:
    key: str
    item: Item
    match: Match
    alertable: bool


@dataclass
class StoryPlanner:
    """The planned hits of one batch and the alerts they make: ``monitor.recording`` asks it,
    inside the unit of work, which alerts a report adds to its story (pure)."""

    source: SourceConfig
    channels: Sequence[ChannelConfig]
    now: datetime
    rules: clustering.StoryRules
    _planned: list[_Planned] = field(default_factory=list)

    @property
    def window(self) -> timedelta:
        return self.rules.window

    def add(
        self,
        key: str,
        item: Item,
        match: Match,
        *,
        alertable: bool,
        outlet: str | None = None,
        treaties: Sequence[str] | None = None,
        states: Sequence[str] | None = None,
        treaty_kinds: Mapping[str, str] | None = None,
    ) -> tuple[StoryHit, ...]:
        """Remember one hit and describe it for clustering, once per treaty it reports on
        (``treaties``: the item's, when known; else those of this match; ``outlet``: the
        item's, if known)."""
        ref = len(self._planned)
        entities = clustering.signature(match)
        reading = read_step(
            item.title,
            item.summary,
            match.entities,
            year=(item.published or self.now).year,
        )
        self._planned.append(_Planned(key, item, match, alertable))
        if treaties is None:
            treaties = clustering.treaties_left(match.entities, item.summary)
        treaties = tuple(treaties) or (clustering.NO_TREATY,)
        if states is None:
            states = clustering.states_acting(match.entities, item.summary)
        if treaty_kinds is None:
            treaty_kinds = _treaty_kinds(match.entities)
        founder = story_id(self.source.name, key)
        return tuple(
            StoryHit(
                ref=ref,
                story_id=founder if index == 0 else story_id(self.source.name, f"{key}\x1f{t}"),
                rule=match.rule_id,
                buckets=(t,),
                treaties=() if t == clustering.NO_TREATY else (t,),
                states=tuple(states),
                steps=entities["steps"],
                source=self.source.name,
                official=self.source.official,
                outlet=outlet if outlet is not None else dedup.outlet(item.link, self.source.name),
                language=item.language or self.source.language,
                url=item.link,
                title=item.title,
                published=iso(item.published) if item.published else None,
                step=reading.step,
                step_strong=reading.strong,
                step_headline=reading.headline,
                treaty_kind=treaty_kinds.get(t),
            )
            for index, t in enumerate(treaties)
        )

    def duplicate_of(
        self, item: NewItem, source: str, stored: Sequence[IdentityRow]
    ) -> IdentityRow | None:
        """The stored key that shows ``item`` is an article already seen, or None."""
        same = [r for r in stored if dedup.same_article(r.kind, item.title, r.title)]
        # prefer this source's own earlier copy: it means "skip", not "store as a copy"
        mine = [r for r in same if r.source == source]
        chosen = mine or same
        return chosen[0] if chosen else None

    def alerts(
        self,
        hit: StoryHit,
        before: StoryRow | None,
        after: StoryRow,
        case: CaseRow | None,
        history: Sequence[CaseRow] = (),
    ) -> list[StoryAlert]:
        """The outbox rows ``hit`` adds to its story (``before`` is None for a new story);
        ``case`` is the story's case and ``history`` the joint cases it grew out of."""
        planned = self._planned[hit.ref]
        if not planned.alertable:
            return []
        step = clustering.story_step(after)
        first = case is None or _first_story(after.id, case, history)
        made = []
        for channel in self.channels:
            if not routes(channel, planned.match):
                continue
            if not clustering.wants_step(channel.steps, step, first=first):
                continue
            kind = "reversal" if step == "reversal" else "alert"
            if (channel.name, kind) not in after.alerts:
                made.append(self._alert(after, case, history, channel.name, planned, kind=kind))
                continue
            if not channel.follow_ups or (channel.name, "follow_up") in after.alerts:
                continue
            if before is None or (channel.name, kind) not in before.alerts:
                continue
            reason = clustering.follow_up_reason(before, after, self.rules)
            if reason is not None:
                made.append(
                    self._alert(
                        after,
                        case,
                        history,
                        channel.name,
                        planned,
                        kind="follow_up",
                        reason=reason,
                    )
                )
        return made

    def _alert(
        self,
        story: StoryRow,
        case: CaseRow | None,
        history: Sequence[CaseRow],
        channel: str,
        planned: _Planned,
        *,
        kind: str,
        reason: str | None = None,
    ) -> StoryAlert:
        aid = story_alert_id(story.id, kind, channel)
        payload = alert_payload(
            alert_id=aid,
            source=self.source.name,
            item=planned.item,
            match=planned.match,
            detected=self.now,
            kind=kind,
            story=story_payload(story, kind=kind, reason=reason),
            case=case_payload(case, story, history) if case is not None else None,
        )
        return StoryAlert(aid, channel, kind, _json(payload))


def _treaty_kinds(entities: Iterable[Entity]) -> dict[str, str]:
    """``generic`` for the treaties among ``entities`` that name a kind of treaty."""
    return {e.id: "generic" for e in entities if e.kind == "treaties" and e.generic}


def _first_story(story: str, case: CaseRow, history: Sequence[CaseRow]) -> bool:
    """Whether ``story`` is the first step of its case (joint cases it grew out of count)."""
    if any(parent.steps for parent in history):
        return False
    return not case.steps or case.steps[0].story == story


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
