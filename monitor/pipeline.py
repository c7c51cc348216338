"""From parsed items to rows to store: match, decide, build alerts (pure: no clock, no I/O)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.alerts import alert_id, alert_payload, is_fresh, routes
from monitor.config import ChannelConfig, SourceConfig
from monitor.sources.item import Item, canonical_url, item_key
from rules import Document, RuleSet
from state import NewAlert, NewHit, NewItem, iso

__all__ = ["Batch", "document_for", "plan_items", "unique_items"]


@dataclass(frozen=True, slots=True)
class Batch:
    """What one poll will write: new items with their hits and outbox rows."""

    items: tuple[NewItem, ...]
    hits: int
    alerts: int


def unique_items(items: Iterable[Item]) -> dict[str, Item]:
    """Items keyed by identity; the first of several entries with one key wins."""
    keyed: dict[str, Item] = {}
    for item in items:
        keyed.setdefault(item_key(item), item)
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


def plan_items(
    new: Sequence[tuple[str, Item]],
    *,
    source: SourceConfig,
    ruleset: RuleSet,
    channels: Sequence[ChannelConfig],
    now: datetime,
    baseline: bool,
    max_age: timedelta,
) -> Batch:
    """Match every new item and build the rows to store.

    On a source's first successful poll (``baseline``) everything is recorded, but only items
    published within ``max_age`` alert, so adding a feed never floods the channels.
    """
    rows: list[NewItem] = []
    hit_count = alert_count = 0
    for key, item in new:
        matches = ruleset.match(document_for(item, source), now)
        alertable = not baseline or is_fresh(item.published, now, max_age)
        hits = []
        for match in matches:
            alerts = []
            if alertable:
                for channel in channels:
                    if not routes(channel, match):
                        continue
                    aid = alert_id(source.name, key, match.rule_id, channel.name)
                    payload = alert_payload(
                        alert_id=aid, source=source.name, item=item, match=match, detected=now
                    )
                    alerts.append(NewAlert(aid, channel.name, _json(payload)))
            terms = sorted({term.text for term in match.terms})
            hits.append(
                NewHit(
                    rule=match.rule_id,
                    severity=match.severity,
                    matched=_json(terms),
                    explanation=_json(match.to_dict()),
                    alerts=tuple(alerts),
                )
            )
            hit_count += 1
            alert_count += len(alerts)
        rows.append(
            NewItem(
                key=key,
                title=item.title,
                summary=item.summary,
                guid=item.guid,
                link=item.link,
                canonical_link=canonical_url(item.link),
                language=item.language or source.language,
                published=iso(item.published) if item.published else None,
                hits=tuple(hits),
            )
        )
    return Batch(items=tuple(rows), hits=hit_count, alerts=alert_count)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
