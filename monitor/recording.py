"""Recording a batch: dedupe → item → hit → case and story → alerts, in one unit of work.

This is the one place the story algorithm runs. ``state`` offers the transaction and its
primitive reads and writes (``Store.batch()``); the decisions come from pure policies
(``monitor.core.stories`` for stories and cases, ``monitor.core.steps`` for the step a report
reports, the batch's :class:`~monitor.pipeline.StoryPlanner` for duplicates and alerts).
Everything a batch writes — items, hits, story members, case steps and outbox rows — commits
together or not at all, so a crash can leave neither a hit without its story and alerts nor
a second alert for a story. A unit with a hit is durable when ``record`` returns (fsynced); one
without is not waited for (docs/operations.md, "Durability").
"""

from __future__ import annotations

from datetime import datetime

from monitor.core import stories as clustering
from monitor.pipeline import Batch, StoryPlanner
from state import CaseRow, IdentityRow, RecordResult, Store, StoryHit, UnitOfWork

__all__ = ["record"]


def record(store: Store, source: str, batch: Batch, now: datetime) -> RecordResult:
    """Store ``batch`` (new items of ``source``) with its stories, cases and alerts.

    An item ``source`` already stored (same key, or an identity key of its own earlier copy)
    is skipped with its hits; one another source already gave is stored as a copy that joins
    the original's story and never alerts. Raises ``StoreError`` (``DatabaseBusyError`` when
    the lock is held too long); nothing is written then.
    """
    planner = batch.policy
    assert planner is not None
    # A batch with hits (and so perhaps alerts) commits durably, fsynced before it returns; one
    # of items that matched nothing does not wait for the disk: a power cut may undo it and
    # the lazy commits after it, which the next poll of their sources redoes.
    durable = any(item.hits for item in batch.items)
    with store.batch(now, durable=durable) as tx:
        tx.preload_identities(key for item in batch.items for key in item.identity)
        for item in batch.items:
            original: IdentityRow | None = None
            if item.identity:
                known = tx.identities(item.identity)
                original = planner.duplicate_of(item, source, known) if known else None
                if original is not None and original.source == source:
                    tx.touch_keys([row.key for row in known])
                    continue
            item_id = tx.insert_item(source, item)
            if item_id is None:
                continue
            story_of_item = original.story_id if original is not None else None
            for hit in item.hits:
                hit_id = tx.insert_hit(item_id, hit)
                if hit_id is None:
                    continue
                alerted = False
                for story_hit in hit.stories:
                    story_id, made = _place(tx, planner, item_id, hit_id, story_hit, original)
                    story_of_item = story_of_item or story_id
                    alerted = alerted or made
                if alerted:
                    tx.mark_alerted(hit_id)
            if item.identity:
                tx.claim_keys(
                    item.identity,
                    source=source,
                    item_id=item_id,
                    title=item.title,
                    story_id=story_of_item,
                )
        return RecordResult(items=tx.items, hits=tx.hits, alerts=tx.alerts)


def _place(
    tx: UnitOfWork,
    planner: StoryPlanner,
    item_id: int,
    hit_id: int,
    hit: StoryHit,
    original: IdentityRow | None,
) -> tuple[str, bool]:
    """Put one report into its story (one treaty's) and queue the alerts that makes; the story
    id and whether an alert was queued."""
    rules = planner.rules
    report = clustering.Report(
        treaty=hit.buckets[0],
        states=hit.states,
        step=hit.step,
        step_strong=hit.step_strong,
        title=hit.title,
        step_headline=hit.step_headline,
        treaty_kind=hit.treaty_kind,
    )
    copy = original is not None
    before = None
    if original is not None and original.story_id is not None:
        stored = tx.story(original.story_id)
        if stored is not None and report.treaty in (stored.treaties or (clustering.NO_TREATY,)):
            before = stored
    if before is None:
        # stories of other treaties within the window too: a report naming no treaty, a
        # phrase or a kind of treaty may meet one of them (``compatibility`` decides)
        candidates = tx.candidate_stories(
            report.treaty, tx.now - rules.step_memory, others_since=tx.now - rules.window
        )
        chosen = clustering.place(report, candidates, rules, tx.now)
        before = tx.story(chosen) if chosen is not None else None
    if before is None:
        existing = tx.story(hit.story_id)  # another rule's hit of this item founded it
        if existing is not None:
            before = existing
    if before is None:
        story_id = hit.story_id
        cases = tx.candidate_cases(report.treaty, tx.now - rules.case_memory)
        placement = clustering.case_for(report, cases, rules)
        case_id = placement.case or "case_" + story_id.removeprefix("stry_")
        if placement.case is None:
            tx.create_case(
                case_id, treaty=report.treaty, states=placement.states, parent=placement.parent
            )
        tx.create_story(hit, case_id=case_id)
        tx.add_case_step(case_id, step=hit.step, story_id=story_id)
    else:
        story_id = before.id
    current = before or tx.story(story_id)
    assert current is not None
    tx.attach(story_id, item_id, hit_id, hit, duplicate=copy)
    step, strong = clustering.voted_step(tx.step_votes(story_id), clustering.story_step(current))
    tx.update_story(
        story_id,
        states=current.states or hit.states,  # the founding report's: who withdraws
        steps=sorted(set(current.steps) | set(hit.steps)),
        step=step,
        step_strong=strong,
    )
    after = tx.story(story_id)
    assert after is not None
    case = tx.case(after.case_id) if after.case_id else None
    if case is not None:
        tx.add_case_step(case.id, step=step, story_id=story_id)
        tx.update_case(
            case.id,
            states=case.states or after.states,
            closed=step == "reversal",
        )
        case = tx.case(case.id)
    history: list[CaseRow] = []
    parent = case.parent if case is not None else None
    while parent is not None and len(history) < 3:
        found = tx.case(parent)
        if found is None:
            break
        history.insert(0, found)
        parent = found.parent
    if copy:
        return story_id, False
    made = planner.alerts(hit, before, after, case, history)
    for alert in made:
        tx.insert_alert(
            alert_id=alert.id,
            hit_id=hit_id,
            channel=alert.channel,
            kind=alert.kind,
            payload=alert.payload,
            story_id=story_id,
        )
    return story_id, bool(made)
