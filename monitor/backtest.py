"""Replaying a dated archive through the whole pipeline: ``treatywatch backtest``.

Each report of the archive is polled, in publication order, at its publication time plus a
poll delay on a simulated clock: matched by the rules, deduplicated, put into its story and
case, and given the alerts each channel would receive. The database is a throwaway one and
nothing is sent. With labels (``event``: the case, ``step``: the step) it scores the alerts:
one *event* is one labelled step of one case, which should alert exactly once.

Scoring: each story that alerted is credited to the events that hold at least a quarter of
its labelled reports and whose withdrawing states it names at their step (an event labelled
without ``states``, or a story naming none: the event most of its reports carry); a story of
near-misses only is a false alert. An event is *found* when a story credited to it alerted,
*split* when several did, *merged* when its reports only sit in stories credited to other
events, and *missed* when none of its reports is in a story that alerted. Alerts per event
counts each alerting story once. The false alert rate is the share of near-miss reports whose
own hit queued an alert.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.config import ChannelConfig, ConsoleChannel, Settings, SourceConfig
from monitor.core.steps import STEP_ORDER
from monitor.core.stories import OPENING, wants_step
from monitor.errors import ConfigError
from monitor.pipeline import plan_items
from monitor.recording import record
from monitor.sources.item import Item
from rules import RuleSet
from state import Store, parse_iso

__all__ = [
    "ArchiveReport",
    "BacktestAlert",
    "BacktestResult",
    "Score",
    "load_archive",
    "run_backtest",
    "score",
]

POLL_DELAY = timedelta(minutes=5)
"""How long after publication a report is polled on the simulated clock."""


@dataclass(frozen=True, slots=True)
class ArchiveReport:
    """One line of an archive."""

    line: int
    id: str
    title: str
    summary: str
    url: str | None
    source: str
    published: datetime
    language: str | None = None
    event: str | None = None
    step: str | None = None
    states: tuple[str, ...] = ()
    """Label: the withdrawing states, as names or ids ("United States", "united_states")."""


@dataclass(frozen=True, slots=True)
class BacktestAlert:
    """An alert the pipeline would have sent."""

    at: datetime
    channel: str
    kind: str
    story: str
    case: str | None
    step: str | None
    treaties: tuple[str, ...]
    states: tuple[str, ...]
    title: str
    report: str
    """The id of the archive report whose hit queued it."""


@dataclass
class BacktestResult:
    reports: list[ArchiveReport]
    alerts: list[BacktestAlert]
    members: dict[str, list[str]] = field(default_factory=dict)
    """Each alerting story's reports (archive ids)."""


def load_archive(path: Path, text: str | bytes | None = None) -> list[ArchiveReport]:
    """The reports of a JSON-lines archive, in publication order. Raises ``ConfigError``
    naming every bad line (``FILE:N: ...``): bytes that are not UTF-8, JSON that is not an
    object or nests too deeply, a number too long to read, a field of the wrong type."""
    problems: list[str] = []
    reports: list[ArchiveReport] = []
    body = text if text is not None else path.read_bytes()
    lines = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    for number, raw in enumerate(lines.split(b"\n"), 1):
        where = f"{path}:{number}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(f"{where}: not UTF-8 (byte 0x{raw[exc.start]:02x} at {exc.start + 1})")
            continue
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except RecursionError:
            problems.append(f"{where}: not JSON we read: nested too deeply")
            continue
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc})")
            continue
        except ValueError:  # Python's guard against integers of more than 4,300 digits
            problems.append(f"{where}: not JSON we read: a number of more than 4,300 digits")
            continue
        if not isinstance(data, dict):
            problems.append(f"{where}: not a JSON object")
            continue
        wrong = _field_problem(data)
        if wrong:
            problems.append(f"{where}: {wrong}")
            continue
        missing = [k for k in ("title", "source", "published") if not data.get(k)]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        try:
            published = parse_iso(str(data["published"]))
        except ValueError as exc:
            problems.append(f"{where}: published: {exc}")
            continue
        if bool(data.get("event")) != bool(data.get("step")):
            problems.append(f"{where}: event and step go together (a near-miss has neither)")
            continue
        reports.append(
            ArchiveReport(
                line=number,
                id=str(data.get("id") or f"line-{number}"),
                title=str(data["title"]),
                summary=str(data.get("summary") or ""),
                url=data.get("url"),
                source=str(data["source"]),
                published=published,
                language=data.get("language"),
                event=data.get("event"),
                step=data.get("step"),
                states=tuple(_state_id(s) for s in data.get("states") or () if isinstance(s, str)),
            )
        )
    if problems:
        raise ConfigError(problems)
    return sorted(reports, key=lambda r: (r.published, r.line))


_TEXT_FIELDS = ("id", "title", "summary", "url", "source", "published", "language")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _field_problem(data: dict[str, Any]) -> str | None:
    """What is wrong with the types of an archive line's fields (None: nothing)."""
    for key in (*_TEXT_FIELDS, "event", "step"):
        value = data.get(key)
        if value is None or (key == "id" and isinstance(value, int)):
            continue
        if not isinstance(value, str):
            return f"{key}: must be a string"
        if _SURROGATE.search(value):
            return f"{key}: contains a lone surrogate (not valid Unicode)"
    states = data.get("states")
    if states is not None and (
        not isinstance(states, list) or not all(isinstance(s, str) for s in states)
    ):
        return "states: must be a list of strings"
    if states and any(_SURROGATE.search(s) for s in states):
        return "states: contains a lone surrogate (not valid Unicode)"
    return None


def run_backtest(
    reports: Sequence[ArchiveReport],
    *,
    ruleset: RuleSet,
    settings: Settings,
    delay: timedelta = POLL_DELAY,
    state_dir: Path | None = None,
) -> BacktestResult:
    """Poll every report at ``published + delay`` through the real pipeline (see the module
    doc) in a throwaway database (or a fresh one in ``state_dir``, kept for inspection); the
    alerts that would have been sent."""
    channels: tuple[ChannelConfig, ...] = settings.channels or (
        ConsoleChannel.model_validate(
            {"name": "console", "type": "console", "steps": list(STEP_ORDER)}
        ),
    )
    sources: dict[str, SourceConfig] = {}
    alerts: list[BacktestAlert] = []
    by_key: dict[tuple[str, str], str] = {}
    with tempfile.TemporaryDirectory(prefix="treatywatch-backtest-") as scratch:
        store = Store.open(state_dir if state_dir is not None else scratch)
        try:
            for report in reports:
                source = sources.get(report.source)
                if source is None:
                    source = sources[report.source] = SourceConfig(
                        name=report.source, url=f"https://{report.source}.invalid/feed"
                    )
                key = report.url or f"{report.source}:{report.id}"
                by_key[(report.source, key)] = report.id
                item = Item(
                    title=report.title,
                    summary=report.summary,
                    link=report.url,
                    guid=key,
                    published=report.published,
                    language=report.language,
                )
                now = report.published + delay
                batch = plan_items(
                    [(key, item)],
                    source=source,
                    ruleset=ruleset,
                    channels=channels,
                    now=now,
                    baseline=False,
                    max_age=settings.max_age,
                    stories=settings.stories,
                    stale_after=settings.stale_after,
                )
                before = store.db.execute("SELECT coalesce(max(rowid), 0) FROM alerts").fetchone()[
                    0
                ]
                record(store, source.name, batch, now)
                alerts.extend(_new_alerts(store, before, now, by_key))
            members = _members(store, {a.story for a in alerts}, by_key)
        finally:
            store.close()
    return BacktestResult(list(reports), alerts, members)


def _new_alerts(
    store: Store, after_rowid: int, now: datetime, by_key: dict[tuple[str, str], str]
) -> Iterable[BacktestAlert]:
    rows = store.db.execute(
        """SELECT alerts.channel, alerts.kind, alerts.story_id, alerts.payload, items.source,
                  items.key
           FROM alerts JOIN hits ON hits.id = alerts.hit_id JOIN items ON items.id = hits.item_id
           WHERE alerts.rowid > ? ORDER BY alerts.rowid""",
        (after_rowid,),
    ).fetchall()
    for channel, kind, story, payload, source, key in rows:
        body = json.loads(payload)
        case = body.get("case") or {}
        story_body = body.get("story") or {}
        yield BacktestAlert(
            at=now,
            channel=channel,
            kind=kind,
            story=story,
            case=case.get("id"),
            step=case.get("step"),
            treaties=tuple(story_body.get("treaties") or ()),
            states=tuple(story_body.get("states") or ()),
            title=body.get("title") or "",
            report=by_key.get((source, key), key),
        )


def _members(
    store: Store, stories: Iterable[str], by_key: dict[tuple[str, str], str]
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for story in stories:
        rows = store.db.execute(
            """SELECT items.source, items.key FROM story_members
               JOIN items ON items.id = story_members.item_id
               WHERE story_members.story_id = ? ORDER BY story_members.id""",
            (story,),
        ).fetchall()
        found[story] = [by_key.get((source, key), key) for source, key in rows]
    return found


@dataclass(frozen=True, slots=True)
class Score:
    """How the alerts of one channel compare with the labels."""

    channel: str
    events: int
    found: int
    alerts: float
    near_misses: int
    false_alerts: int
    false_alert_reports: tuple[str, ...]
    split: tuple[str, ...]
    merged: tuple[str, ...]
    missed: tuple[str, ...]

    @property
    def recall(self) -> float:
        return self.found / self.events if self.events else 1.0

    @property
    def alerts_per_event(self) -> float:
        return self.alerts / self.found if self.found else 0.0

    @property
    def false_alert_rate(self) -> float:
        return self.false_alerts / self.near_misses if self.near_misses else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "events": self.events,
            "found": self.found,
            "event_recall": round(self.recall, 4),
            "alerts": self.alerts,
            "alerts_per_event": round(self.alerts_per_event, 4),
            "near_misses": self.near_misses,
            "false_alerts": self.false_alerts,
            "false_alert_rate": round(self.false_alert_rate, 4),
            "false_alert_reports": list(self.false_alert_reports),
            "split": list(self.split),
            "merged": list(self.merged),
            "missed": list(self.missed),
        }


def _same_step(labelled: str, step: str | None) -> bool:
    """Whether a story read as ``step`` reports a labelled step (the opening acts — announce,
    decide, suspend — are one act worded differently)."""
    return step is None or labelled == step or {labelled, step} <= OPENING


def _state_id(name: str) -> str:
    return "_".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def labelled(reports: Sequence[ArchiveReport]) -> bool:
    """Whether an archive carries labels (at least one report with ``event``)."""
    return any(r.event for r in reports)


def score(result: BacktestResult, channel: str, steps: str | tuple[str, ...] = STEP_ORDER) -> Score:
    """Score one channel's alerts against the archive's labels (see the module doc); labelled
    steps the channel does not take (its ``steps:``) are left out."""
    wanted = {r.id for r in result.reports if not r.event or wants_step(steps, r.step, first=True)}
    label = {
        r.id: f"{r.event}/{r.step}" if r.event else None for r in result.reports if r.id in wanted
    }
    states: dict[str, set[str]] = defaultdict(set)
    for r in result.reports:
        if r.event:
            states[f"{r.event}/{r.step}"].update(r.states)
    events = sorted({name for name in label.values() if name})
    near = [r.id for r in result.reports if not r.event]
    if steps == "first":
        firsts = {r.event: r.step for r in result.reports if r.event}  # reports are in time order
        events = [e for e in events if firsts.get(e.rsplit("/", 1)[0]) == e.rsplit("/", 1)[1]]
    first_alerts = [a for a in result.alerts if a.channel == channel and a.kind != "follow_up"]
    credited: dict[str, list[str]] = defaultdict(list)
    alerting_members: set[str] = set()
    positive_alerts = 0.0
    for alert in first_alerts:
        members = result.members.get(alert.story, [alert.report])
        alerting_members.update(members)
        votes = Counter(label[m] for m in members if m in label)
        if not votes:
            continue
        named = set(alert.states)
        labelled_members = sum(n for e, n in votes.items() if e is not None)
        covered = [
            e
            for e, n in votes.items()
            if e is not None
            and named
            and states[e]
            and states[e] <= named
            and _same_step(e.rsplit("/", 1)[1], alert.step)
            and n * 4 >= labelled_members
        ]
        if not covered:
            winner, _ = max(votes.items(), key=lambda kv: (kv[1], kv[0] is not None, kv[0] or ""))
            covered = [winner] if winner is not None else []
        for event in covered:
            credited[event].append(alert.story)
        if covered:
            positive_alerts += 1
    triggered = {a.report for a in first_alerts}
    false_reports = tuple(r for r in near if r in triggered)
    found = [e for e in events if credited.get(e)]
    split = tuple(e for e in events if len(credited.get(e, ())) > 1)
    in_alerting = {
        e for e in events for rid, name in label.items() if name == e and rid in alerting_members
    }
    merged = tuple(e for e in events if not credited.get(e) and e in in_alerting)
    missed = tuple(e for e in events if not credited.get(e) and e not in in_alerting)
    return Score(
        channel=channel,
        events=len(events),
        found=len(found),
        alerts=positive_alerts,
        near_misses=len(near),
        false_alerts=len(false_reports),
        false_alert_reports=false_reports,
        split=split,
        merged=merged,
        missed=missed,
    )
