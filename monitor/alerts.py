"""Deciding which alerts a hit produces and what they carry (pure: no clock, no I/O).

The webhook payload is a contract (``PAYLOAD_VERSION``); extend it, never break it. Its
reference lives in the README ("Webhook payload").
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.config import ChannelConfig
from monitor.sources.item import Item
from rules import Match

__all__ = [
    "PAYLOAD_VERSION",
    "SEVERITIES",
    "alert_id",
    "alert_payload",
    "is_fresh",
    "routes",
]

PAYLOAD_VERSION = 1
SEVERITIES = ("low", "medium", "high", "critical")


def alert_id(source: str, item_key: str, rule: str, channel: str) -> str:
    """A stable id for one alert, the same on every attempt and after any restart."""
    digest = hashlib.sha256("\x00".join((source, item_key, rule, channel)).encode()).digest()
    return "alrt_" + base64.b32encode(digest[:15]).decode().lower()


def routes(channel: ChannelConfig, match: Match) -> bool:
    """Whether ``channel`` receives alerts for ``match``."""
    if not channel.enabled:
        return False
    if match.channels and channel.name not in match.channels:
        return False
    if channel.rules and not any(fnmatch.fnmatchcase(match.rule_id, p) for p in channel.rules):
        return False
    return SEVERITIES.index(match.severity) >= SEVERITIES.index(channel.min_severity)


def is_fresh(published: datetime | None, now: datetime, max_age: timedelta) -> bool:
    """Whether an item found on a source's first poll is recent enough to alert.

    An item without a date cannot be shown to be recent, so the first poll only records it.
    """
    return published is not None and now - published <= max_age


def alert_payload(
    *, alert_id: str, source: str, item: Item, match: Match, detected: datetime
) -> dict[str, Any]:
    """The JSON body of one alert (payload version 1)."""
    terms: list[str] = []
    for term in match.terms:
        if term.text not in terms:
            terms.append(term.text)
    entities: dict[str, list[str]] = {}
    for entity in match.entities:
        labels = entities.setdefault(entity.kind, [])
        if entity.label not in labels:
            labels.append(entity.label)
    return {
        "version": PAYLOAD_VERSION,
        "id": alert_id,
        "type": "alert",
        "rule": match.rule_id,
        "rule_title": match.rule_title,
        "severity": match.severity,
        "title": item.title,
        "url": item.link,
        "source": source,
        "published": _iso(item.published),
        "detected": _iso(detected),
        "summary": item.summary,
        "language": item.language,
        "matched": terms,
        "entities": entities,
        "snippet": match.snippet,
        "explanation": match.to_dict(),
    }


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
