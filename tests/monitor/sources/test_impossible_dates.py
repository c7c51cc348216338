"""Impossible dates (issue 13; A27): a publication date more than a day after the clock (year
9999, or a wrong year) is treated as missing: stored as no date, so it neither passes for fresh
on a source's first poll nor sorts first. A date a few hours ahead (a zone slip) is kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.app import make_app
from monitor.config import parse_settings
from monitor.sources.dates import plausible
from rules import load_ruleset
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route

NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)
RULES = """\
rules:
  - id: test.exit
    title: A state leaves the Ottawa Convention
    severity: high
    query: 'exit AND "Ottawa Convention"'
"""


def test_plausible_keeps_dates_up_to_a_day_ahead() -> None:
    """A27: the boundary is one day after the clock; the past is never doubted."""
    assert plausible(None, NOW) is None
    assert plausible(NOW + timedelta(days=1), NOW) == NOW + timedelta(days=1)
    assert plausible(NOW + timedelta(days=1, seconds=1), NOW) is None
    assert plausible(datetime(9999, 12, 31, tzinfo=UTC), NOW) is None
    assert plausible(datetime(1970, 1, 1, tzinfo=UTC), NOW) == datetime(1970, 1, 1, tzinfo=UTC)


def test_a_poll_stores_a_date_far_in_the_future_as_missing(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A27, issue 13 (impossible dates): through a real poll, dates in year 9999 and two days
    ahead are stored as missing (before, as such: a date in 9999 made an item 'fresh' on a
    first poll), a date three hours ahead is kept."""
    feed_server.routes["/f.xml"] = Route(
        rss(
            [
                Entry(
                    "Estonia to exit the Ottawa Convention",
                    "https://news.test/ee",
                    guid="ee",
                    published=datetime(9999, 12, 31, 23, 0, tzinfo=UTC),
                ),
                Entry(
                    "Latvia to exit the Ottawa Convention",
                    "https://news.test/lv",
                    guid="lv",
                    published=NOW + timedelta(days=2),
                ),
                Entry(
                    "Finland to exit the Ottawa Convention",
                    "https://news.test/fi",
                    guid="fi",
                    published=NOW + timedelta(hours=3),
                ),
            ]
        )
    )
    settings = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": [{"name": "news", "url": feed_server.url("/f.xml")}],
            "channels": [{"name": "screen", "type": "console"}],
            "http": {"parse_workers": 0},
        },
        environ={},
    )
    app = make_app(
        settings, ruleset=load_ruleset({"r.yaml": RULES}), clock=lambda: NOW, channels={}
    )

    async def poll() -> None:
        try:
            outcome = await app.poll_source("news")
            assert outcome.ok, outcome.error
        finally:
            await app.fetcher.aclose()

    try:
        asyncio.run(poll())
        stored = {
            row["title"]: row["published"] for row in app.store.items_since(NOW.replace(year=2000))
        }
        assert stored["Estonia to exit the Ottawa Convention"] is None
        assert stored["Latvia to exit the Ottawa Convention"] is None
        assert stored["Finland to exit the Ottawa Convention"] is not None
        assert stored["Finland to exit the Ottawa Convention"].startswith("2025-03-18T15:00")
    finally:
        asyncio.run(app.aclose())
