"""A defensive reading of any alert payload for the human-facing channels (Slack, email, console).

Payloads come in several types: ``alert``, ``follow_up`` (a story gained a source), ``ops`` (an
operator message: ``title``/``summary``/``source``), ``digest`` (a list of alert payloads) and
``test``. Fields may be missing or of an unexpected type (the payload grows over time), so every
field is read with a fallback. Everything from a feed stays plain text here: each channel
escapes it for its own markup. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from state import parse_iso_or_none

__all__ = ["AlertView", "DigestView", "clip", "read_alert", "read_digest"]


@dataclass(frozen=True, slots=True)
class AlertView:
    """What a human-facing channel shows of one payload."""

    id: str
    kind: str  # alert | follow_up | ops | test | another type, shown like an alert
    title: str
    url: str | None
    source: str
    severity: str | None
    rule: str | None
    rule_title: str | None
    published: str | None
    detected: str | None
    summary: str
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    matched: tuple[str, ...]
    entities: tuple[tuple[str, tuple[str, ...]], ...]
    story_id: str | None
    story_sources: int
    story_languages: tuple[str, ...]

    @property
    def heading(self) -> str:
        if self.kind == "ops":
            return "Operator notice"
        if self.kind == "test":
            return "Test message"
        if self.kind == "follow_up":
            return "Follow-up"
        return "Treaty-withdrawal alert"


@dataclass(frozen=True, slots=True)
class DigestView:
    """A digest: the period it covers and one entry per story (or alert) in it."""

    id: str
    channel: str
    start: str | None
    end: str | None
    entries: tuple[AlertView, ...] = field(default_factory=tuple)
    reports: int = 0


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters on a character boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return text[:limit]
    return text[: limit - 1].rstrip() + "…"


def read_alert(payload: Any, alert_id: str = "") -> AlertView:
    data = payload if isinstance(payload, dict) else {}
    kind = _str(data.get("type")) or "alert"
    title = _str(data.get("title")) or _str(data.get("summary"))[:200] or "(untitled)"
    explanation = _dict(data.get("explanation"))
    snippet = _str(data.get("snippet"))
    spans = explanation.get("snippet_spans")
    story = _dict(data.get("story"))
    sources = story.get("sources")
    languages = story.get("languages")
    entities = _dict(data.get("entities"))
    return AlertView(
        id=_str(data.get("id")) or alert_id,
        kind=kind,
        title=title,
        url=_http_url(data.get("url")),
        source=_str(data.get("source")),
        severity=_str(data.get("severity")) or None,
        rule=_str(data.get("rule")) or None,
        rule_title=_str(data.get("rule_title")) or None,
        published=_str(data.get("published")) or None,
        detected=_str(data.get("detected")) or None,
        summary=_str(data.get("summary")),
        snippet=snippet,
        highlights=_spans(spans, len(snippet)),
        matched=tuple(_str(term) for term in _list(data.get("matched")) if _str(term)),
        entities=tuple(
            (_str(kind_), tuple(_str(v) for v in _list(values) if _str(v)))
            for kind_, values in entities.items()
            if _list(values)
        ),
        story_id=_str(story.get("id")) or None,
        story_sources=len(sources) if isinstance(sources, list | dict) else 0,
        story_languages=tuple(_str(v) for v in _list(languages) if _str(v)),
    )


def read_digest(payload: Any, alert_id: str = "") -> DigestView:
    data = payload if isinstance(payload, dict) else {}
    period = _dict(data.get("period"))
    entries = tuple(read_alert(item) for item in _list(data.get("alerts")))
    return DigestView(
        id=_str(data.get("id")) or alert_id,
        channel=_str(data.get("channel")),
        start=_str(period.get("start")) or None,
        end=_str(period.get("end")) or None,
        entries=entries,
        reports=_int(data.get("count"), len(entries)),
    )


def when(iso: str | None) -> str:
    """``2025-03-18T10:20:00Z`` as ``2025-03-18 10:20 UTC`` (the input if it does not parse)."""
    if not iso:
        return "-"
    moment = parse_iso_or_none(iso)
    if moment is None:
        return iso
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _str(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    text = str(value)
    # feeds are cleaned upstream; still never let a control character reach a header or terminal
    return "".join(c if c.isprintable() or c == " " else " " for c in text).strip()


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _http_url(value: Any) -> str | None:
    text = _str(value)
    if text.lower().startswith(("http://", "https://")) and " " not in text:
        return text
    return None


def _spans(value: Any, length: int) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    for pair in _list(value):
        if (
            isinstance(pair, list | tuple)
            and len(pair) == 2
            and all(isinstance(n, int) for n in pair)
            and 0 <= pair[0] < pair[1] <= length
        ):
            spans.append((pair[0], pair[1]))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            continue  # overlapping spans: keep the first
        merged.append((start, end))
    return tuple(merged)
