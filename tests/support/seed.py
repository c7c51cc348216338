"""A store seeded by a real poll of a local feed (web, metrics and operator-command tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.app import App, make_app
from monitor.config import parse_settings
from rules import RuleSet, load_ruleset
from state import NewAlert, NewHit, NewItem
from tests.support.feeds import Entry, rss
from tests.support.records import write_items
from tests.support.servers import FeedServer, Route, WebhookReceiver

NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)
WITHDRAWAL = "Latvia decides to withdraw from the Ottawa Convention on landmines"
SECOND = "Estonia announces its exit from the Ottawa Convention"
HOSTILE = "Estonia to exit <script>alert(1)</script> & the Ottawa Convention"
RULES = """\
rules:
  - id: test.exit
    title: A state leaves the Ottawa Convention
    severity: high
    query: '(withdraw OR exit) AND "Ottawa Convention"'
"""


def test_rules() -> RuleSet:
    """A small rule set of our own, so these tests do not move with the built-in pack."""
    return load_ruleset({"test-rules.yaml": RULES})


test_rules.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def serve_feed(feed: FeedServer) -> None:
    feed.routes["/lv.xml"] = Route(
        rss(
            [
                Entry(
                    WITHDRAWAL,
                    "https://news.test/lv-ottawa",
                    summary="The government in Riga approved leaving the mine ban treaty.",
                    guid="lv-1",
                    published=NOW - timedelta(minutes=30),
                ),
                Entry(SECOND, "javascript:alert(2)", guid="ee-1", published=NOW),
                Entry("Parliament debates the budget", "https://news.test/budget", guid="b-1"),
            ]
        )
    )


def seeded_app(
    tmp_path: Path,
    feed: FeedServer,
    receiver: WebhookReceiver,
    server: dict[str, Any] | None = None,
) -> App:
    serve_feed(feed)
    settings = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": [
                {"name": "baltic-news", "url": feed.url("/lv.xml")},
                {"name": "silent", "url": feed.url("/missing.xml")},
            ],
            "channels": [
                {"name": "ops-hook", "type": "webhook", "url": receiver.url},
                {"name": "second-hook", "type": "webhook", "url": receiver.url},
            ],
            "server": server or {},
        },
        environ={},
    )
    return make_app(settings, ruleset=test_rules(), clock=lambda: NOW)


def add_hostile_item(app: App) -> None:
    """An item whose title is markup (as a careless parser might store it), with an alert
    that died."""
    explanation = (
        '{"terms":[{"term":"exit","text":"exit","field":"title","start":11,"end":15}],'
        '"snippet":"Estonia to exit <img src=x onerror=alert(1)>","snippet_spans":[[11,15]]}'
    )
    write_items(
        app.store,
        "baltic-news",
        [
            (
                NewItem(
                    key="hostile-1",
                    title=HOSTILE,
                    summary="",
                    link="javascript:alert(3)",
                    hits=(
                        NewHit(
                            rule="test.exit",
                            severity="high",
                            matched='["exit"]',
                            explanation=explanation,
                        ),
                    ),
                ),
                (NewAlert("alrt_hostile", "ops-hook", '{"title":"hostile"}'),),
            )
        ],
        NOW,
    )
    app.store.mark_failed("alrt_hostile", "HTTP 410 Gone", next_attempt=NOW, dead=True)


@contextmanager
def seeded_store(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> Iterator[App]:
    """Two sources (one answering 404) and two webhook channels; one poll and one delivery
    pass done; then a hostile item whose alert is dead. The app's store stays open."""
    app = seeded_app(tmp_path, feed_server, receiver)

    async def cycle() -> None:
        await app.poll_all()
        await app.deliver_due()
        # The HTTP clients belong to this event loop: close them here; the store stays open.
        await app.fetcher.aclose()
        await app.deliverer.aclose()

    asyncio.run(cycle())
    add_hostile_item(app)
    try:
        yield app
    finally:
        app.store.close()
