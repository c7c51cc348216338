"""One "items per day" figure (issue 12): ``treatywatch sources`` and the dashboard read the same
stored data through ``monitor.core.health.source_items_per_day`` and show the same number.

Before, ``sources`` showed the rate the poller stored (1,528.73 for one new item a minute after
the first poll) while the dashboard counted the items first seen in the last 7 days over 7 days
(0.7): two definitions of one word."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.app import App, make_app
from monitor.cli import main
from monitor.commands.sources import source_health
from monitor.config import parse_settings
from monitor.core.health import items_per_day, source_items_per_day
from monitor.web import Dashboard
from rules import load_ruleset
from state import SourceState
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route

RULES = """\
rules:
  - id: test.exit
    title: A state leaves the Ottawa Convention
    query: '(withdraw OR exit) AND "Ottawa Convention"'
"""


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _feed(count: int) -> bytes:
    return rss([Entry(f"news {i}", f"https://x.test/news/{i}") for i in range(count)])


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    """``main()`` configures logging on the captured stderr; put the handlers back after."""
    logger = logging.getLogger("treatywatch")
    handlers, level, propagate = logger.handlers[:], logger.level, logger.propagate
    yield
    logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


@contextmanager
def _polled(tmp_path: Path, feed_server: FeedServer, clock: Clock) -> Iterator[tuple[App, Path]]:
    """A source polled twice a minute apart: 5 items found first (not new), then 1 new one."""
    config = tmp_path / "config.yaml"
    config.write_text(
        f"state_dir: {tmp_path / 'state'}\n"
        f"sources: [{{name: wire, url: '{feed_server.url('/wire.xml')}', interval: 10m}}]\n"
    )
    settings = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": [{"name": "wire", "url": feed_server.url("/wire.xml"), "interval": "10m"}],
            "http": {"parse_workers": 0},
        },
        environ={},
    )
    app = make_app(settings, ruleset=load_ruleset({"r.yaml": RULES}), clock=clock, channels={})
    with asyncio.Runner() as runner:
        feed_server.routes["/wire.xml"] = Route(_feed(5))
        assert runner.run(app.poll_source("wire")).ok
        clock.now += timedelta(minutes=1)
        feed_server.routes["/wire.xml"] = Route(_feed(6))
        assert runner.run(app.poll_source("wire")).new_items == 1
        try:
            yield app, config
        finally:
            runner.run(app.aclose())


def _dashboard_figure(app: App, now: datetime) -> float | None:
    dashboard = Dashboard(app.store, sources=app.sources, channels=[], clock=lambda: now)
    (view,) = dashboard.source_views(now)
    return view.items_per_day


def test_sources_and_the_dashboard_show_the_same_items_per_day(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    clock = Clock(datetime(2025, 3, 18, 12, 0, tzinfo=UTC))
    with _polled(tmp_path, feed_server, clock) as (app, _):
        state = app.store.source("wire")
        assert state is not None
        for later in (timedelta(0), timedelta(hours=5), timedelta(days=3), timedelta(days=30)):
            now = clock.now + later
            listed = source_health(app.sources["wire"], state, app.settings, now)
            figure = source_items_per_day(state, now)
            assert listed["items_per_day"] == _dashboard_figure(app, now) == figure, later
    # one new item in the first minute is about one a day so far, not 1,440
    assert source_items_per_day(state, clock.now) == pytest.approx(1.07, abs=0.01)
    assert (source_items_per_day(state, clock.now + timedelta(days=30)) or 0) < 0.1  # quiet


def test_the_cli_table_and_the_dashboard_page_agree(
    tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real surfaces: ``treatywatch sources --json`` and the rendered dashboard page."""
    clock = Clock(datetime.now(UTC) - timedelta(minutes=2))
    with _polled(tmp_path, feed_server, clock) as (app, config):
        assert main(["sources", "--json", "-c", str(config)]) == 0
        (row,) = json.loads(capsys.readouterr().out)
        page = Dashboard(
            app.store, sources=app.sources, channels=[], clock=lambda: datetime.now(UTC)
        ).render()
    cells = re.findall(r'<td class="num">([^<]*)</td>\s*</tr>', page.split('id="sources"')[1])
    assert row["items_per_day"] == pytest.approx(1.07, abs=0.01)
    assert cells[0] == str(row["items_per_day"])


def test_no_figure_before_a_first_success() -> None:
    never = SourceState(
        "x", "https://x.test/", None, None, None, None, None, None, None, None, None, 0, None
    )
    assert source_items_per_day(None, datetime(2025, 1, 1, tzinfo=UTC)) is None
    assert source_items_per_day(never, datetime(2025, 1, 1, tzinfo=UTC)) is None


def test_a_short_history_counts_as_one_day() -> None:
    assert items_per_day(1.0, timedelta(seconds=56)) == items_per_day(1.0, timedelta(days=1))
    assert items_per_day(1.0, timedelta(days=1)) == pytest.approx(1.07, abs=0.01)
    assert items_per_day(5.0, timedelta(0)) == 0
