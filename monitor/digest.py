"""Digest and special payloads (pure: no clock, no I/O).

A channel in ``mode: digest`` receives, once per period (``hourly`` on the hour, or ``daily`` at
``digest_at`` UTC), one message listing the stories of the alerts routed to it since the last
digest; a period without alerts sends nothing. Alerts that belong to one story (payload
``story.id``) are listed once, with the number of reports.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "DIGEST_VERSION",
    "digest_id",
    "digest_payload",
    "ops_payload",
    "period_start",
    "test_payload",
]

DIGEST_VERSION = 1


def period_start(now: datetime, period: str, at: str = "00:00") -> datetime:
    """The start of the digest period that contains ``now`` (UTC)."""
    now = now.astimezone(UTC)
    if period == "hourly":
        return now.replace(minute=0, second=0, microsecond=0)
    hour, minute = (int(part) for part in at.split(":"))
    today = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return today if now >= today else today - timedelta(days=1)


def period_length(period: str) -> timedelta:
    return timedelta(hours=1) if period == "hourly" else timedelta(days=1)


def digest_id(channel: str, boundary: datetime, members: Sequence[str]) -> str:
    """A stable id for the digest of ``members`` cut at ``boundary``."""
    text = "\x00".join((channel, _iso(boundary), *sorted(members)))
    digest = hashlib.sha256(text.encode()).digest()
    return "dgst_" + base64.b32encode(digest[:15]).decode().lower()


def digest_payload(
    *,
    digest_id: str,
    channel: str,
    start: datetime,
    end: datetime,
    members: Sequence[tuple[str, str]],
    created: datetime,
) -> dict[str, Any]:
    """The payload of one digest; ``members`` are (alert id, stored payload JSON) in order."""
    entries: list[dict[str, Any]] = []
    by_story: dict[str, dict[str, Any]] = {}
    for alert_id, text in members:
        try:
            payload = json.loads(text)
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        entry = {k: v for k, v in payload.items() if k != "explanation"}
        entry.setdefault("id", alert_id)
        story = payload.get("story")
        story_id = story.get("id") if isinstance(story, dict) else None
        if isinstance(story_id, str) and story_id:
            if story_id in by_story:
                by_story[story_id]["reports"] += 1
                continue
            by_story[story_id] = entry
        entry["reports"] = 1
        entries.append(entry)
    return {
        "version": DIGEST_VERSION,
        "id": digest_id,
        "type": "digest",
        "channel": channel,
        "period": {"start": _iso(start), "end": _iso(end)},
        "created": _iso(created),
        "count": len(entries),
        "reports": len(members),
        "alert_ids": [alert_id for alert_id, _ in members],
        "alerts": entries,
    }


def ops_payload(
    *, alert_id: str, title: str, summary: str, channel: str, now: datetime
) -> dict[str, Any]:
    """An operator notice about delivery (the ``ops`` payload type)."""
    return {
        "version": 1,
        "id": alert_id,
        "type": "ops",
        "title": title,
        "summary": summary,
        "source": None,
        "channel": channel,
        "detected": _iso(now),
    }


def test_payload(*, alert_id: str, channel: str, now: datetime) -> dict[str, Any]:
    """The message ``treatywatch alerts test CHANNEL`` sends."""
    return {
        "version": 1,
        "id": alert_id,
        "type": "test",
        "title": f"treatywatch test message for channel {channel}",
        "summary": "If you can read this, treatywatch can deliver alerts to this channel.",
        "source": "treatywatch",
        "channel": channel,
        "detected": _iso(now),
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
