"""The read-only dashboard: recent stories with their hits (matched terms highlighted), where
each alert stands per channel, source health and dead alerts, rendered on the server.

Everything from feeds is untrusted: Jinja2 escapes it, highlights are built from escaped pieces,
and only ``http(s)`` links become ``href``s. :func:`highlight` is pure and tested on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

from monitor import __version__
from monitor.core.health import source_items_per_day
from state import DeliveryState, HitFilter, Store, json_column, parse_iso_or_none

__all__ = [
    "Dashboard",
    "HitView",
    "SourceView",
    "StoryView",
    "highlight",
    "safe_link",
    "style_hash",
]


def highlight(text: str, spans: Iterable[tuple[int, int]], terms: Iterable[str] = ()) -> Markup:
    """``text`` escaped, with each span (character offsets) wrapped in ``<mark>``.

    Spans that do not fit the text are ignored; overlapping spans merge. When no span fits, the
    ``terms`` (matched texts) are marked where they occur, ignoring case.
    """
    valid = sorted((s, e) for s, e in spans if 0 <= s < e <= len(text))
    if not valid:
        lowered = text.casefold()
        found = []
        for term in {t for t in terms if t}:
            needle, start = term.casefold(), 0
            if len(needle) != len(term):
                continue  # casefold changed the length: offsets would not line up
            while (index := lowered.find(needle, start)) >= 0:
                found.append((index, index + len(needle)))
                start = index + len(needle)
        valid = sorted(found)
    merged: list[list[int]] = []
    for start, end in valid:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    position = 0
    for start, end in merged:
        parts.append(str(escape(text[position:start])))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))


def safe_link(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None (never a ``javascript:`` href)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


@dataclass(frozen=True, slots=True)
class HitView:
    """One report of a story: the item, the rule that matched it, and its own alerts."""

    rule: str
    severity: str
    created: str
    source: str
    title: Markup
    link: str | None
    matched: tuple[str, ...]
    snippet: Markup
    deliveries: tuple[DeliveryState, ...]
    duplicate: bool = False


@dataclass(slots=True)
class StoryView:
    """One reported event: its reports (hits), sources, entities and alerts."""

    key: str
    title: Markup
    link: str | None
    sources: list[str]
    published: str | None
    first_seen: str
    last_seen: str
    entities: list[str] = field(default_factory=list)
    reports: int = 1
    outlets: int = 1
    official: bool = False
    hits: list[HitView] = field(default_factory=list)

    @property
    def deliveries(self) -> list[DeliveryState]:
        return [d for hit in self.hits for d in hit.deliveries]


@dataclass(frozen=True, slots=True)
class SourceView:
    name: str
    host: str
    enabled: bool
    state: str  # ok, failing, never
    last_success: str | None
    last_error: str | None
    last_error_class: str | None
    consecutive_failures: int
    next_poll: str | None
    items_per_day: float | None  # monitor.core.health.source_items_per_day


class Dashboard:
    """Builds the page from the store; one :meth:`render` per request."""

    def __init__(
        self,
        store: Store,
        *,
        sources: Mapping[str, Any],
        channels: Sequence[str],
        clock: Callable[[], datetime],
        next_polls: Callable[[], Mapping[str, datetime | None]] = dict,
        health: Callable[[], Mapping[str, Any]] | None = None,
    ) -> None:
        self.store = store
        self.sources = sources
        self.channels = list(channels)
        self.clock = clock
        self.next_polls = next_polls
        self.health = health
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("monitor.web", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["when"] = _when
        self.style = _style()

    def render(self, *, limit: int = 30, source: str | None = None, rule: str | None = None) -> str:
        now = self.clock()
        template = self.env.get_template("dashboard.html")
        return template.render(
            version=__version__,
            now=now,
            style=Markup(self.style),
            stories=self.stories(limit=limit, source=source, rule=rule),
            sources=self.source_views(now),
            dead=self.store.dead_alert_rows(limit=50),
            outbox=self.outbox_counts(),
            health=self.health() if self.health else None,
            filters={"source": source, "rule": rule},
            channels=self.channels,
        )

    def stories(
        self, *, limit: int = 30, source: str | None = None, rule: str | None = None
    ) -> list[StoryView]:
        """The most recently active stories with their reports. In a database without
        stored stories each item with hits stands for one."""
        where = HitFilter(rule=rule, source=source)
        if not self.store.has_table("stories"):
            return self._item_stories(where, limit)
        # stored stories, and hits that belong to none (stored before stories existed)
        stories = self._stored_stories(self.store.story_ids(where, limit=limit))
        stories += self._item_stories(replace(where, outside_stories=True), limit)
        stories.sort(key=lambda story: story.last_seen, reverse=True)
        return stories[:limit]

    def _stored_stories(self, ids: Sequence[str]) -> list[StoryView]:
        rows = [story for story in map(self.store.story, ids) if story is not None]
        hit_ids = [m.hit_id for story in rows for m in story.members if m.hit_id is not None]
        hits = self.store.hit_rows_by_id(hit_ids)
        deliveries = self.store.deliveries(hit_ids)
        views = []
        for story in rows:
            lead = story.members[0] if story.members else None
            lead_hit = hits.get(lead.hit_id) if lead and lead.hit_id is not None else None
            official = {m.source for m in story.members if m.official}
            view = StoryView(
                key=story.id,
                title=_title(lead_hit) if lead_hit else highlight(lead.title if lead else "", []),
                link=safe_link(lead.url if lead else None),
                sources=[
                    name + (" (official)" if name in official else "")
                    for name in sorted({m.source for m in story.members})
                ],
                published=lead.published if lead else None,
                first_seen=story.first_seen,
                last_seen=story.last_seen,
                entities=_entity_labels(
                    [*story.states, *story.treaties, *story.steps],
                    [hits[m.hit_id] for m in story.members if m.hit_id in hits],
                ),
                reports=story.reports,
                outlets=story.outlets,
                official=story.official,
            )
            for member in story.members:
                row = hits.get(member.hit_id) if member.hit_id is not None else None
                if row is not None:
                    view.hits.append(
                        _hit_view(row, deliveries.get(row["id"], ()), duplicate=member.duplicate)
                    )
            views.append(view)
        return views

    def _item_stories(self, where: HitFilter, limit: int) -> list[StoryView]:
        rows = self.store.hit_rows(where, limit=limit * 4)
        deliveries = self.store.deliveries([row["id"] for row in rows])
        stories: dict[int, StoryView] = {}
        for row in rows:
            story = stories.get(row["item_id"])
            if story is None:
                if len(stories) >= limit:
                    continue
                story = StoryView(
                    key=str(row["item_id"]),
                    title=_title(row),
                    link=safe_link(row["link"]),
                    sources=[row["source"]],
                    published=row["published"],
                    first_seen=row["first_seen"],
                    last_seen=row["first_seen"],
                )
                stories[row["item_id"]] = story
            story.hits.append(_hit_view(row, deliveries.get(row["id"], ())))
        return list(stories.values())

    def source_views(self, now: datetime) -> list[SourceView]:
        stored = {state.name: state for state in self.store.sources()}
        upcoming = self.next_polls()
        views = []
        for name in sorted(set(self.sources) | set(stored)):
            config = self.sources.get(name)
            state = stored.get(name)
            failures = state.consecutive_failures if state else 0
            last_success = state.last_success if state else None
            stored_next = getattr(state, "next_poll", None) if state else None
            next_poll = upcoming.get(name)
            views.append(
                SourceView(
                    name=name,
                    host=_host(config.url if config else state.url if state else ""),
                    enabled=bool(config and config.enabled),
                    state="failing" if failures else ("ok" if last_success else "never"),
                    last_success=last_success,
                    last_error=state.last_error if state else None,
                    last_error_class=state.last_error_class if state else None,
                    consecutive_failures=failures,
                    next_poll=_iso(next_poll) if next_poll else stored_next,
                    items_per_day=source_items_per_day(state, now),
                )
            )
        return views

    def outbox_counts(self) -> dict[str, dict[str, int]]:
        """Alerts per channel and status."""
        table: dict[str, dict[str, int]] = {}
        for row in self.store.outbox_summary():
            statuses = table.setdefault(row.channel, {})
            statuses[row.status] = statuses.get(row.status, 0) + row.count
        return table


def style_hash(style: str) -> str:
    """The CSP source for the inline stylesheet (``'sha256-...'``)."""
    import base64

    digest = hashlib.sha256(style.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _style() -> str:
    return (resources.files("monitor.web") / "templates" / "dashboard.css").read_text("utf-8")


def _title(row: Mapping[str, Any]) -> Markup:
    """A hit's item title with the terms matched in the title marked."""
    explanation = json_column(row["explanation"], {})
    spans = [
        (term.get("start", -1), term.get("end", -1))
        for term in explanation.get("terms", [])
        if isinstance(term, dict) and term.get("field") == "title"
    ]
    return highlight(row["title"], spans, json_column(row["matched"], []))


def _hit_view(
    row: Mapping[str, Any], deliveries: Iterable[DeliveryState], *, duplicate: bool = False
) -> HitView:
    explanation = json_column(row["explanation"], {})
    matched = json_column(row["matched"], [])
    spans = [tuple(span) for span in explanation.get("snippet_spans", []) if len(span) == 2]
    return HitView(
        rule=row["rule"],
        severity=row["severity"],
        created=row["created"],
        source=row["source"],
        title=_title(row),
        link=safe_link(row["link"]),
        matched=tuple(matched),
        snippet=highlight(str(explanation.get("snippet", "")), spans, matched),
        deliveries=tuple(deliveries),
        duplicate=duplicate,
    )


def _entity_labels(ids: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Entity ids (``lithuania``) as the labels the rule engine reported (``Lithuania``)."""
    labels: dict[str, str] = {}
    for row in rows:
        entities = json_column(row["explanation"], {}).get("entities", {})
        for found in entities.values() if isinstance(entities, dict) else ():
            for entity in found if isinstance(found, list) else ():
                if isinstance(entity, dict) and entity.get("id") and entity.get("label"):
                    labels.setdefault(str(entity["id"]), str(entity["label"]))
    return [labels.get(entity_id, entity_id.replace("_", " ")) for entity_id in ids]


def _host(url: str) -> str:
    """The host (and port) of a source URL, never its user name, password or query."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return ""
    return f"{parts.hostname or ''}{port}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _when(stamp: str | None, now: datetime) -> str:
    """``2025-03-18 10:24Z (3h ago)`` from a stored ISO time."""
    if not stamp:
        return "—"
    moment = parse_iso_or_none(stamp)
    if moment is None:
        return stamp
    seconds = (now - moment).total_seconds()
    ahead = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or unit == "s":
            amount = f"{int(seconds // size)}{unit}"
            break
    relative = f"in {amount}" if ahead else f"{amount} ago"
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}Z ({relative})"
