"""Deciding which alerts a hit produces and what they carry (pure: no clock, no I/O).

The webhook payload is a contract (``PAYLOAD_VERSION``); extend it, never break it. Its
reference lives in docs/delivery.md ("The payload (version 1)"). A payload's ``url`` is always
an absolute http(s) link or null (:func:`link_url`): a ``javascript:``, ``data:`` or
``vbscript:`` link from a feed is never offered as one; ``raw_url`` carries it as text.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from monitor.config import ChannelConfig
from monitor.sources.item import Item
from rules import Match
from state import CaseRow, StoryRow, parse_iso

__all__ = [
    "PAYLOAD_VERSION",
    "SEVERITIES",
    "alert_id",
    "alert_payload",
    "case_payload",
    "is_fresh",
    "link_url",
    "routes",
    "story_alert_id",
    "story_id",
    "story_payload",
]

PAYLOAD_VERSION = 1
SEVERITIES = ("low", "medium", "high", "critical")
STORY_LIST_CAP = 50
"""Most sources, URLs and reports listed in one payload's ``story`` (counts stay exact)."""


def alert_id(source: str, item_key: str, rule: str, channel: str) -> str:
    """A stable id for one alert, the same on every attempt and after any restart."""
    digest = hashlib.sha256("\x00".join((source, item_key, rule, channel)).encode()).digest()
    return "alrt_" + base64.b32encode(digest[:15]).decode().lower()


def story_id(source: str, item_key: str) -> str:
    """The id of the story an item founds: the same after any restart (an item's hits for
    several rules found, or join, one story)."""
    digest = hashlib.sha256("\x00".join(("story", source, item_key)).encode()).digest()
    return "stry_" + base64.b32encode(digest[:15]).decode().lower()


def story_alert_id(story: str, kind: str, channel: str) -> str:
    """The stable id of a story's alert (``kind`` ``alert`` or ``follow_up``) on a channel:
    one row per story, channel and kind, the same on every attempt and after any restart."""
    digest = hashlib.sha256("\x00".join(("story", story, kind, channel)).encode()).digest()
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


def link_url(link: str | None) -> str | None:
    """``link`` when it is an absolute http(s) URL with a host, else None: what a payload may
    offer as a link (never ``javascript:``, ``data:``, ``vbscript:``, a relative link or text
    with white space or control characters in it)."""
    if not link:
        return None
    text = link.strip()
    if not text.lower().startswith(("http://", "https://")):
        return None
    if any(not c.isprintable() or c.isspace() for c in text):
        return None
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return text if host else None


def is_fresh(published: datetime | None, now: datetime, max_age: timedelta) -> bool:
    """Whether an item found on a source's first poll is recent enough to alert.

    An item without a date cannot be shown to be recent, so the first poll only records it.
    """
    return published is not None and now - published <= max_age


def alert_payload(
    *,
    alert_id: str,
    source: str,
    item: Item,
    match: Match,
    detected: datetime,
    kind: str = "alert",
    story: dict[str, Any] | None = None,
    case: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of one alert (payload version 1).

    ``kind`` is ``alert`` for a story's first alert, ``follow_up`` for its follow-up and
    ``reversal`` for a story reporting that a state revoked its withdrawal; ``story`` (from
    :func:`story_payload`) and ``case`` (from :func:`case_payload`) are added when the alert
    belongs to a story.
    """
    terms: list[str] = []
    for term in match.terms:
        if term.text not in terms:
            terms.append(term.text)
    entities: dict[str, list[str]] = {}
    for entity in match.entities:
        labels = entities.setdefault(entity.kind, [])
        if entity.label not in labels:
            labels.append(entity.label)
    payload: dict[str, Any] = {
        "version": PAYLOAD_VERSION,
        "id": alert_id,
        "type": kind,
        "rule": match.rule_id,
        "rule_title": match.rule_title,
        "severity": match.severity,
        "title": item.title,
        "url": link_url(item.link),
        "raw_url": item.link if item.link and link_url(item.link) is None else None,
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
    if story is not None:
        payload["story"] = story
    if case is not None:
        payload["case"] = case
    return payload


def case_payload(case: CaseRow, story: StoryRow, history: Sequence[CaseRow] = ()) -> dict[str, Any]:
    """The ``case`` object of a payload: the case, the step this alert reports and the steps
    before it, each with its date and story id, earliest first.

    ``history`` holds the joint cases this one grew out of (their steps come first, marked with
    their case id): Lithuania's vote carries the joint Polish-Baltic announcement.
    """
    earlier: list[dict[str, Any]] = []
    for parent in history:
        earlier.extend(
            {"step": s.step, "story": s.story, "date": s.first_seen, "case": parent.id}
            for s in parent.steps
        )
    for step in case.steps:
        if step.story == story.id:
            break
        earlier.append(
            {"step": step.step, "story": step.story, "date": step.first_seen, "case": case.id}
        )
    return {
        "id": case.id,
        "treaty": None if case.treaty == "-" else case.treaty,
        "states": list(case.states),
        "parent": case.parent,
        "step": story.step,
        "story": story.id,
        "first_seen": case.first_seen,
        "closed": case.closed,
        "earlier_steps": earlier,
    }


def story_payload(story: StoryRow, *, kind: str, reason: str | None = None) -> dict[str, Any]:
    """The ``story`` object of a payload: the story as it stands when the alert is created.

    ``status`` is ``new`` (the story's first alert) or ``follow_up``; ``reason`` says why a
    follow-up was sent (``official_source`` or ``outlets``). ``reports`` lists each report with
    its lag behind the story's first report, in seconds.
    """
    first = _parse(story.first_seen)
    sources: list[str] = []
    urls: list[str] = []
    languages: list[str] = []
    reports = []
    for member in story.members:
        if member.source not in sources:
            sources.append(member.source)
        url = link_url(member.url)
        if url and url not in urls:
            urls.append(url)
        if member.language and member.language not in languages:
            languages.append(member.language)
        reports.append(
            {
                "source": member.source,
                "url": link_url(member.url),
                "title": member.title,
                "language": member.language,
                "official": member.official,
                "copy": member.duplicate,
                "published": member.published,
                "first_seen": member.first_seen,
                "lag_seconds": int((_parse(member.first_seen) - first).total_seconds()),
            }
        )
    return {
        "id": story.id,
        "status": "follow_up" if kind == "follow_up" else "new",
        "reason": reason,
        "first_seen": story.first_seen,
        "last_seen": story.last_seen,
        "treaties": list(story.treaties),
        "states": list(story.states),
        "steps": list(story.steps),
        "report_count": story.reports,
        "outlets": story.outlets,
        "official": story.official,
        "sources": sources[:STORY_LIST_CAP],
        "urls": urls[:STORY_LIST_CAP],
        "languages": languages,
        "reports": reports[:STORY_LIST_CAP],
    }


def _parse(stamp: str) -> datetime:
    return parse_iso(stamp)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
