"""One alert per event, on real parts: multi-outlet feeds served on 127.0.0.1, the real rule
pack, a real SQLite file, the App polled with an injected clock (no sleeps).

The reports come from ``tests/data/stories/ottawa-2025.yaml``: our own sentences about real
events (the Polish-Baltic announcement of 18 March 2025, Finland's of 1 April 2025, Lithuania's
parliament vote of 8 May 2025), with the outlets, languages and delays of the real coverage.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.app import App, make_app
from monitor.config import parse_settings
from monitor.rulepacks import builtin_pack_files
from rules import RuleSet, load_ruleset
from state import Store
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route

DATA = Path(__file__).resolve().parents[1] / "data" / "stories"
FIXTURE = yaml.safe_load((DATA / "ottawa-2025.yaml").read_text(encoding="utf-8"))
SOURCES: dict[str, dict[str, Any]] = FIXTURE["sources"]
EVENTS: dict[str, dict[str, Any]] = FIXTURE["events"]


def _ruleset() -> RuleSet:
    """The built-in pack; plus the tests' minimal ``steps`` vocabulary if the pack has none."""
    files = builtin_pack_files()
    has_steps = any(
        "steps" in ((yaml.safe_load(text) or {}).get("vocabularies") or {})
        for text in files.values()
    )
    if not has_steps:
        files["tests/steps.yaml"] = (DATA / "steps.yaml").read_text(encoding="utf-8")
    return load_ruleset(files)


RULESET = _ruleset()


@dataclass
class Report:
    event: str
    source: str
    at: datetime
    title: str
    summary: str
    link: str
    guid: str | None = None

    def entry(self, *, link: str | None = None, guid: str | None = None) -> Entry:
        return Entry(
            self.title,
            link or self.link,
            self.summary,
            guid=guid or self.guid or self.link,
            published=self.at,
        )


def start_of(event: str) -> datetime:
    value = EVENTS[event]["start"]  # YAML reads a timestamp as a datetime
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def reports(event: str, *, shift: timedelta = timedelta(0)) -> list[Report]:
    start = start_of(event) + shift
    return [
        Report(
            event,
            r["source"],
            start + timedelta(minutes=r["minutes"]),
            r["title"],
            r["summary"],
            r["link"],
        )
        for r in EVENTS[event]["reports"]
    ]


@dataclass
class Newsroom:
    """Feeds that fill up over (injected) time, and an App that polls them."""

    server: FeedServer
    state_dir: Path
    channels: list[dict[str, Any]]
    stories: dict[str, Any] = field(default_factory=dict)
    now: datetime = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)
    published: dict[str, list[Entry]] = field(default_factory=dict)
    app: App | None = None

    def settings_data(self) -> dict[str, Any]:
        return {
            "state_dir": str(self.state_dir),
            "sources": [
                {
                    "name": name,
                    "url": self.server.url(spec["feed"]),
                    "official": spec.get("official", False),
                    "language": spec["language"],
                }
                for name, spec in SOURCES.items()
            ],
            "channels": self.channels,
            "stories": self.stories,
        }

    def start(self) -> App:
        for spec in SOURCES.values():
            self.server.routes.setdefault(spec["feed"], Route(rss([])))
        self.app = make_app(
            parse_settings(self.settings_data()),
            ruleset=RULESET,
            channels={},
            clock=lambda: self.now,
        )
        return self.app

    async def restart(self) -> App:
        assert self.app is not None
        await self.app.aclose()
        return self.start()

    def publish(self, source: str, entry: Entry) -> None:
        entries = self.published.setdefault(source, [])
        entries.insert(0, entry)
        language = SOURCES[source]["language"]
        self.server.routes[SOURCES[source]["feed"]] = Route(rss(entries, language=language))

    async def poll(self, *sources: str) -> None:
        assert self.app is not None
        for source in sources or tuple(SOURCES):
            outcome = await self.app.poll_source(source)
            assert outcome.ok, outcome

    async def run(self, timeline: Iterable[Report]) -> None:
        """Publish each report when it appears and poll its source a minute later."""
        for report in sorted(timeline, key=lambda r: r.at):
            self.publish(report.source, report.entry())
            self.now = max(self.now, report.at + timedelta(minutes=1))
            await self.poll(report.source)

    @property
    def store(self) -> Store:
        assert self.app is not None
        return self.app.store

    def outbox(self, channel: str | None = None) -> list[dict[str, Any]]:
        rows = self.store.db.execute(
            "SELECT id, channel, kind, story_id, payload FROM alerts ORDER BY created, id"
        ).fetchall()
        found = [
            {"id": r[0], "channel": r[1], "kind": r[2], "story": r[3], "payload": json.loads(r[4])}
            for r in rows
        ]
        return [row for row in found if channel is None or row["channel"] == channel]


CHANNELS = [
    {"name": "ops", "type": "webhook", "url": "http://127.0.0.1:9/ops"},
    {"name": "desk", "type": "webhook", "url": "http://127.0.0.1:9/desk", "follow_ups": True},
]


@pytest.fixture
def newsroom(tmp_path: Path, feed_server: FeedServer) -> Newsroom:
    return Newsroom(feed_server, tmp_path / "state", CHANNELS)


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_eight_reports_in_five_languages_give_one_alert(newsroom: Newsroom) -> None:
    timeline = reports("pl-baltics-announcement")
    assert len(timeline) >= 5
    assert len({SOURCES[r.source]["language"] for r in timeline}) >= 3

    async def scenario() -> None:
        newsroom.start()
        await newsroom.run(timeline)
        await newsroom.poll()  # every feed once more: nothing new
        assert newsroom.app is not None
        await newsroom.app.aclose()

    _run(scenario())
    store = Store.open(newsroom.state_dir)
    newsroom.app = None
    ops = [r for r in _outbox(store) if r["channel"] == "ops"]
    assert [r["kind"] for r in ops] == ["alert"], ops
    payload = ops[0]["payload"]
    assert payload["type"] == "alert"
    assert payload["source"] == "mod-pl"  # the first report alerts
    story = payload["story"]
    assert story["status"] == "new" and story["id"] == ops[0]["story"]
    assert story["official"] is True
    # the story goes on collecting every report without alerting again
    full = store.story(ops[0]["story"])
    assert full is not None
    assert full.reports == len(timeline)
    assert {m.source for m in full.members} == {r.source for r in timeline}
    assert {m.language for m in full.members} >= {"pl", "en", "lt", "et", "de"}
    assert store.db.execute("SELECT count(*) FROM stories").fetchone()[0] == 1
    store.close()


def test_follow_up_once_when_a_story_crosses_the_outlet_threshold(newsroom: Newsroom) -> None:
    newsroom.stories = {"follow_up_outlets": 5}
    timeline = reports("pl-baltics-announcement")

    async def scenario() -> list[dict[str, Any]]:
        newsroom.start()
        await newsroom.run(timeline)
        rows = newsroom.outbox()
        assert newsroom.app is not None
        await newsroom.app.aclose()
        return rows

    rows = _run(scenario())
    assert [r["kind"] for r in rows if r["channel"] == "ops"] == ["alert"]
    desk = [r for r in rows if r["channel"] == "desk"]
    assert [r["kind"] for r in desk] == ["alert", "follow_up"]
    follow = desk[1]["payload"]
    assert follow["type"] == "follow_up"
    assert follow["story"]["status"] == "follow_up"
    assert follow["story"]["reason"] == "outlets"
    assert follow["story"]["outlets"] == 5
    assert follow["story"]["id"] == desk[0]["story"]
    lags = [r["lag_seconds"] for r in follow["story"]["reports"]]
    assert lags[0] == 0 and lags == sorted(lags) and lags[-1] > 0
    assert len(follow["story"]["urls"]) == 5


def test_follow_up_when_an_official_source_joins(newsroom: Newsroom) -> None:
    timeline = reports("fi-announcement")
    # the ministry's release reaches us last this time
    ministry = next(r for r in timeline if r.source == "vn-fi")
    ministry.at += timedelta(hours=3)

    async def scenario() -> list[dict[str, Any]]:
        newsroom.start()
        await newsroom.run(timeline)
        rows = newsroom.outbox("desk")
        assert newsroom.app is not None
        await newsroom.app.aclose()
        return rows

    rows = _run(scenario())
    assert [r["kind"] for r in rows] == ["alert", "follow_up"]
    assert rows[0]["payload"]["story"]["official"] is False
    assert rows[1]["payload"]["story"]["reason"] == "official_source"
    assert rows[1]["payload"]["source"] == "vn-fi"


@pytest.mark.parametrize("shift", [timedelta(0), "same day"], ids=["real dates", "same day"])
def test_lithuanian_and_finnish_withdrawals_give_two_alerts(
    newsroom: Newsroom, shift: timedelta | str
) -> None:
    baltic = reports("pl-baltics-announcement")
    if shift == "same day":
        # the Finnish announcement moved to an hour after the Baltic one: entities still part them
        finland = reports("fi-announcement", shift=baltic[0].at - reports("fi-announcement")[0].at)
        finland = [
            Report(r.event, r.source, r.at + timedelta(hours=1), r.title, r.summary, r.link)
            for r in finland
        ]
    else:
        finland = reports("fi-announcement")

    async def scenario() -> list[dict[str, Any]]:
        newsroom.start()
        await newsroom.run([*baltic, *finland])
        rows = newsroom.outbox("ops")
        assert newsroom.app is not None
        await newsroom.app.aclose()
        return rows

    rows = _run(scenario())
    assert [r["kind"] for r in rows] == ["alert", "alert"], [r["payload"]["title"] for r in rows]
    assert len({r["story"] for r in rows}) == 2
    states = [set(r["payload"]["story"]["states"]) for r in rows]
    assert "lithuania" in states[0] and "finland" not in states[0]
    assert "finland" in states[1] and "lithuania" not in states[1]


@pytest.mark.parametrize("gap", [None, timedelta(hours=20)], ids=["real dates", "next day"])
def test_announcement_and_parliament_vote_give_two_alerts(
    newsroom: Newsroom, gap: timedelta | None
) -> None:
    announcement = [r for r in reports("pl-baltics-announcement") if r.source in ("lrt", "mod-lt")]
    vote_start = start_of("lt-parliament-vote")
    shift = timedelta(0) if gap is None else announcement[0].at + gap - vote_start
    vote = reports("lt-parliament-vote", shift=shift)

    async def scenario() -> list[dict[str, Any]]:
        newsroom.start()
        await newsroom.run([*announcement, *vote])
        rows = newsroom.outbox("ops")
        assert newsroom.app is not None
        await newsroom.app.aclose()
        return rows

    rows = _run(scenario())
    titles = [r["payload"]["title"] for r in rows]
    assert [r["kind"] for r in rows] == ["alert", "alert"], titles
    assert "parliament_vote" in rows[1]["payload"]["story"]["steps"]
    assert "parliament_vote" not in rows[0]["payload"]["story"]["steps"]
    # both vote reports (Lithuanian and English) are one story, both announcement reports too
    store = Store.open(newsroom.state_dir)
    stories = [store.story(row["story"]) for row in rows]
    assert [s.reports if s else 0 for s in stories] == [len(announcement), len(vote)]
    store.close()


def test_restart_between_polls_gives_no_repeat(newsroom: Newsroom) -> None:
    timeline = reports("pl-baltics-announcement")
    first, rest = timeline[:3], timeline[3:]

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        newsroom.start()
        await newsroom.run(first)
        before = newsroom.outbox()
        await newsroom.restart()  # a new process: new App, store reopened from the file
        await newsroom.poll()  # the same feeds again
        await newsroom.run(rest)
        newsroom.now += timedelta(hours=1)
        await newsroom.restart()
        await newsroom.poll()
        after = newsroom.outbox()
        assert newsroom.app is not None
        await newsroom.app.aclose()
        return before, after

    before, after = _run(scenario())
    assert [(r["id"], r["kind"]) for r in before if r["channel"] == "ops"] == [
        (r["id"], r["kind"]) for r in after if r["channel"] == "ops"
    ]
    assert len([r for r in after if r["channel"] == "ops"]) == 1


def test_tracking_parameter_and_amp_variants_give_no_repeat(newsroom: Newsroom) -> None:
    wire = next(r for r in reports("pl-baltics-announcement") if r.source == "wire")

    async def scenario() -> list[dict[str, Any]]:
        newsroom.start()
        await newsroom.run([wire])
        path = wire.link.split("reuters.com", 1)[1]
        variants = [
            f"{wire.link}?utm_source=rss&utm_medium=feed&utm_campaign=world#comments",
            f"http://WWW.Reuters.com:80{path}?fbclid=IwAR0abc&gclid=xyz&mc_cid=9&mc_eid=7",
            f"https://amp.reuters.com{path}",
            f"https://www.reuters.com/amp{path}",
            f"https://www-reuters-com.cdn.ampproject.org/c/s/www.reuters.com{path}",
        ]
        # an aggregator republishes the same article under each variant, a day apart
        for index, link in enumerate(variants):
            newsroom.now += timedelta(hours=2)
            newsroom.publish("aggregator", wire.entry(link=link, guid=f"agg-{index}"))
            await newsroom.poll("aggregator")
        # the wire's own feed regenerates its GUID and adds tracking to its link
        newsroom.now += timedelta(hours=2)
        newsroom.publish("wire", wire.entry(link=variants[0], guid="wire-regenerated"))
        await newsroom.poll("wire")
        rows = newsroom.outbox()
        items = newsroom.store.db.execute(
            "SELECT count(*) FROM items WHERE source = 'wire'"
        ).fetchone()[0]
        assert items == 1  # the regenerated entry was recognised and not stored again
        story = newsroom.store.story(rows[0]["story"])
        assert story is not None
        assert story.outlets == 1  # copies of one article are one outlet
        assert all(m.duplicate for m in story.members[1:])
        assert newsroom.app is not None
        await newsroom.app.aclose()
        return rows

    rows = _run(scenario())
    assert [(r["channel"], r["kind"]) for r in rows] == [("ops", "alert"), ("desk", "alert")]


def test_stories_disabled_still_suppresses_repeated_articles(newsroom: Newsroom) -> None:
    newsroom.stories = {"enabled": False}
    timeline = reports("fi-announcement")
    wire = next(r for r in timeline if r.source == "wire")

    async def scenario() -> list[dict[str, Any]]:
        newsroom.start()
        await newsroom.run(timeline)
        newsroom.now += timedelta(hours=1)
        newsroom.publish("aggregator", wire.entry(link=wire.link + "?utm_source=x", guid="a1"))
        await newsroom.poll("aggregator")
        rows = newsroom.outbox("ops")
        assert newsroom.app is not None
        await newsroom.app.aclose()
        return rows

    rows = _run(scenario())
    assert len(rows) == len(timeline)  # one alert per report: no clustering
    assert len({r["story"] for r in rows}) == len(timeline)


def _outbox(store: Store) -> list[dict[str, Any]]:
    rows = store.db.execute(
        "SELECT id, channel, kind, story_id, payload FROM alerts ORDER BY created, id"
    ).fetchall()
    return [
        {"id": r[0], "channel": r[1], "kind": r[2], "story": r[3], "payload": json.loads(r[4])}
        for r in rows
    ]
