"""Polling with source health, on real parts (a local feed server, a real SQLite file) and an
injected clock: backoff, Retry-After, 410, confirmed redirects, operator alerts, adaptive
intervals. Time moves only when a test moves the clock; nothing sleeps."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.app import App, make_app
from monitor.config import parse_settings
from rules import RuleSet, load_ruleset
from state import parse_iso_or_none
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route

START = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)
BACKOFF_MAX = timedelta(hours=1.1)  # the first backoff of a 1 h source, jitter included
RULES = """\
rules:
  - id: test.exit
    title: A state leaves the Ottawa Convention
    severity: high
    query: '(withdraw OR exit) AND "Ottawa Convention"'
"""


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_ruleset({"rules.yaml": RULES})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    """One event loop per test: the app's HTTP client lives on it."""
    with asyncio.Runner() as loop:
        yield loop


@pytest.fixture
def build(tmp_path: Path, ruleset: RuleSet, clock: Clock, runner: asyncio.Runner) -> Iterator[Any]:
    apps: list[App] = []

    def make(sources: list[dict[str, Any]], **extra: Any) -> App:
        data = {
            "state_dir": str(tmp_path / "state"),
            "sources": sources,
            "channels": [{"name": "ops", "type": "console", "ops": True}],
            "http": {"parse_workers": 0, "deadline": "5s", "read_timeout": "2s"},
            **extra,
        }
        app = make_app(parse_settings(data), ruleset=ruleset, clock=clock, channels={})
        app.runner = runner  # type: ignore[attr-defined]
        apps.append(app)
        return app

    yield make
    for app in apps:
        runner.run(app.aclose())


def poll(app: App, name: str, **kwargs: Any):
    return app.runner.run(app.poll_source(name, **kwargs))  # type: ignore[attr-defined]


def items(n: int, prefix: str = "item") -> bytes:
    return rss([Entry(f"{prefix} {i}", f"https://x.test/{prefix}/{i}") for i in range(n)])


def ops_alerts(app: App) -> list[dict[str, Any]]:
    return [json.loads(row.payload) for row in app.store.alerts() if row.kind == "ops"]


def test_500_streak_backs_off_exponentially_and_success_resets(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:  # B18
    feed_server.routes["/f"] = Route(b"down", status=500, content_type="text/plain")
    app = build([{"name": "a", "url": feed_server.url("/f"), "interval": "10m"}])
    delays = []
    for _ in range(6):
        outcome = poll(app, "a")
        assert not outcome.ok and outcome.error_kind == "http_5xx"
        delays.append((outcome.next_poll - clock.now).total_seconds())
        # held: polling again before the next poll fetches nothing
        before = len(feed_server.requests)
        held = poll(app, "a")
        assert held.skipped and len(feed_server.requests) == before
        clock.now = outcome.next_poll
    expected = [600, 1200, 2400, 4800, 9600, 19200]
    for got, want in zip(delays, expected, strict=True):
        assert want * 0.9 <= got <= want * 1.1  # jitter of 10 %
    state = app.store.source("a")
    assert state.consecutive_failures == 6 and state.next_poll_reason == "backoff"
    # capped at 6 hours
    outcome = poll(app, "a")
    assert (outcome.next_poll - clock.now) <= timedelta(hours=6, minutes=36)
    clock.now = outcome.next_poll
    feed_server.routes["/f"] = Route(items(2))
    outcome = poll(app, "a")
    assert outcome.ok and outcome.new_items == 2
    state = app.store.source("a")
    assert state.consecutive_failures == 0 and state.failing_since is None
    assert state.next_poll_reason == "interval"
    assert timedelta(minutes=9) <= outcome.next_poll - clock.now <= timedelta(minutes=11)


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("3601", timedelta(seconds=3601)),
        ("Tue, 18 Mar 2025 14:00:00 GMT", timedelta(hours=2)),
        ("Tue, 18 Mar 2025 15:00:00 +0100", timedelta(hours=2)),
        ("Tue, 18 Mar 2025 14:00:00", timedelta(hours=2)),
        ("3456000", timedelta(hours=24)),  # 40 days: capped by polling.retry_after_cap
    ],
)
@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_pushes_the_next_poll_out(
    build: Any, feed_server: FeedServer, clock: Clock, header: str, wait: timedelta, status: int
) -> None:  # B16, B17
    feed_server.routes["/f"] = Route(
        b"busy", status=status, content_type="text/plain", headers={"Retry-After": header}
    )
    app = build([{"name": "a", "url": feed_server.url("/f"), "interval": "1h"}])
    outcome = poll(app, "a")
    # pushed past Retry-After (or the backoff, when that is later still: base 1 h + jitter)
    assert clock.now + wait <= outcome.next_poll <= max(clock.now + wait, clock.now + BACKOFF_MAX)
    if wait > BACKOFF_MAX:
        assert outcome.next_poll == clock.now + wait
        assert app.store.source("a").next_poll_reason == "retry_after"
    clock.advance(seconds=wait.total_seconds() - 60)
    assert poll(app, "a").skipped  # still held just before the time


@pytest.mark.parametrize("header", ["xyz", "Tue, 18 Mar 2025 11:00:00 GMT", "0", ""])
def test_useless_retry_after_falls_back_to_backoff(
    build: Any, feed_server: FeedServer, clock: Clock, header: str
) -> None:  # B17: garbage or past
    feed_server.routes["/f"] = Route(
        b"busy", status=429, content_type="text/plain", headers={"Retry-After": header}
    )
    app = build([{"name": "a", "url": feed_server.url("/f"), "interval": "10m"}])
    outcome = poll(app, "a")
    assert timedelta(minutes=9) <= outcome.next_poll - clock.now <= timedelta(minutes=11)
    assert app.store.source("a").next_poll_reason == "backoff"


def test_retry_after_on_a_200_is_ignored(build: Any, feed_server: FeedServer, clock: Clock) -> None:
    feed_server.routes["/f"] = Route(items(1), headers={"Retry-After": "86400"})
    app = build([{"name": "a", "url": feed_server.url("/f"), "interval": "10m"}])
    outcome = poll(app, "a")
    assert outcome.ok and outcome.next_poll - clock.now <= timedelta(minutes=11)


def test_410_disables_the_source_and_tells_the_operator_once(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:  # B15
    feed_server.routes["/f"] = Route(b"gone", status=410, content_type="text/plain")
    app = build([{"name": "a", "url": feed_server.url("/f")}])
    outcome = poll(app, "a")
    assert outcome.error_kind == "gone" and outcome.next_poll is None
    assert app.store.source("a").disabled_reason == "gone"
    for _ in range(3):
        clock.advance(days=1)
        assert poll(app, "a").skipped
    assert len(feed_server.requests) == 1  # no further polls
    [alert] = ops_alerts(app)
    assert alert["event"] == "source_gone" and alert["type"] == "ops"
    assert alert["source"] == "a" and alert["url"] is None and alert["version"] == 1
    assert "410" in alert["summary"] and alert["title"]
    # The operator fixes the URL in the config: the source is polled afresh.
    feed_server.routes["/g"] = Route(items(1))
    fixed = build([{"name": "a", "url": feed_server.url("/g")}])
    assert poll(fixed, "a").ok


def test_permanent_redirect_moves_the_url_only_after_confirmations(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:  # B8
    feed_server.routes["/old"] = Route(status=301, headers={"Location": "/new"}, etag=False)
    feed_server.routes["/new"] = Route(items(2), etag=False)
    app = build([{"name": "a", "url": feed_server.url("/old")}])
    for seen in (1, 2):
        assert poll(app, "a").ok
        state = app.store.source("a")
        assert state.url == feed_server.url("/old")
        assert (state.redirect_url, state.redirect_seen) == (feed_server.url("/new"), seen)
        clock.advance(hours=1)
    assert poll(app, "a").ok
    state = app.store.source("a")
    assert state.url == feed_server.url("/new") and state.redirect_url is None
    assert state.config_url == feed_server.url("/old")
    clock.advance(hours=1)
    before = len(feed_server.requests)
    assert poll(app, "a").ok
    assert [r.path for r in feed_server.requests[before:]] == ["/new"]


def test_an_interrupted_redirect_streak_starts_over(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.routes["/old"] = Route(status=308, headers={"Location": "/new"}, etag=False)
    feed_server.routes["/new"] = Route(items(1), etag=False)
    app = build([{"name": "a", "url": feed_server.url("/old")}])
    poll(app, "a")
    poll(app, "a")
    feed_server.routes["/old"] = Route(items(1), etag=False)  # the redirect went away
    poll(app, "a")
    assert app.store.source("a").redirect_seen == 0
    assert app.store.source("a").url == feed_server.url("/old")


def test_official_source_failing_alerts_the_operator_once_per_episode(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:  # B14
    feed_server.routes["/f"] = Route(b"missing", status=404, content_type="text/plain")
    app = build([{"name": "mfa", "url": feed_server.url("/f"), "official": True}])
    for _ in range(8):
        outcome = poll(app, "mfa")
        clock.now = outcome.next_poll
    alerts = ops_alerts(app)
    assert [a["event"] for a in alerts] == ["source_failing"]
    assert "404" in alerts[0]["summary"]
    # Recovery ends the episode; a new failing streak is a new episode with a new alert.
    feed_server.routes["/f"] = Route(items(1))
    assert poll(app, "mfa").ok
    feed_server.routes["/f"] = Route(b"missing", status=404, content_type="text/plain")
    for _ in range(8):
        clock.now = poll(app, "mfa").next_poll
    alerts = ops_alerts(app)
    assert [a["event"] for a in alerts] == ["source_failing", "source_failing"]
    assert alerts[0]["id"] != alerts[1]["id"]


def test_non_official_failing_source_does_not_alert(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.routes["/f"] = Route(b"missing", status=404, content_type="text/plain")
    app = build([{"name": "news", "url": feed_server.url("/f")}])
    for _ in range(8):
        clock.now = poll(app, "news").next_poll
    assert ops_alerts(app) == []
    assert app.store.source("news").consecutive_failures == 8


def test_silent_official_source_alerts_once(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.routes["/f"] = Route(items(3))
    app = build(
        [{"name": "mfa", "url": feed_server.url("/f"), "official": True, "silent_after": "2d"}]
    )
    assert poll(app, "mfa").ok
    for _ in range(12):
        clock.advance(hours=6)
        assert poll(app, "mfa").ok  # 304: answers, but nothing new
    alerts = ops_alerts(app)
    assert [a["event"] for a in alerts] == ["source_silent"]
    assert "published nothing new" in alerts[0]["title"]


def test_zero_entries_after_entries_is_a_source_error(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:  # A13
    feed_server.routes["/f"] = Route(items(3))
    app = build([{"name": "a", "url": feed_server.url("/f")}])
    assert poll(app, "a").ok
    feed_server.routes["/f"] = Route(rss([]))
    outcome = poll(app, "a")
    assert not outcome.ok and outcome.error_kind == "empty_feed"
    assert app.store.count("items") == 3


@pytest.mark.parametrize(
    ("body", "ctype", "kind"),
    [
        (b"", "application/rss+xml", "empty"),  # A11
        (b"<!doctype html><html><body>Please log in</body></html>", "text/html", "not_a_feed"),
        (items(3)[: items(3).index(b"<title>item 2")] + b"<title>it", "application/xml", None),
    ],
)
def test_bad_bodies(
    build: Any, feed_server: FeedServer, body: bytes, ctype: str, kind: str | None
) -> None:
    feed_server.routes["/f"] = Route(body, content_type=ctype)
    app = build([{"name": "a", "url": feed_server.url("/f")}])
    outcome = poll(app, "a")
    assert outcome.error_kind == kind
    if kind is None:  # A2 truncated: what was read is kept, with a warning
        assert outcome.ok and outcome.new_items >= 2 and outcome.warning


def test_unchanged_body_is_not_parsed_again(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:  # B13
    feed_server.routes["/f"] = Route(items(2), etag=False)
    app = build([{"name": "a", "url": feed_server.url("/f")}])
    assert poll(app, "a").new_items == 2
    clock.advance(minutes=10)
    outcome = poll(app, "a")
    assert outcome.ok and outcome.unchanged and outcome.new_items == 0


def test_polls_without_hits_do_not_wait_for_the_disk(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:
    """Issue 14: a poll whose items match nothing commits (items, then the source's record)
    without an fsync, and so does an unchanged one: no fsync per source on a 304 cycle."""
    feed_server.routes["/f"] = Route(items(2))
    app = build([{"name": "a", "url": feed_server.url("/f")}])
    level, levels = ["FULL"], []

    def trace(sql: str) -> None:
        if sql.upper().startswith("PRAGMA SYNCHRONOUS ="):
            level[0] = sql.rsplit("=", 1)[1].strip().upper()
        elif sql.upper().startswith("BEGIN"):
            levels.append(level[0])

    app.store.db.conn.set_trace_callback(trace)
    assert poll(app, "a").new_items == 2
    clock.advance(minutes=10)
    assert poll(app, "a").not_modified
    app.store.db.conn.set_trace_callback(None)
    assert levels == ["NORMAL"] * 3  # the items, the source's record; the source's record
    assert app.store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again


def test_adaptive_interval_follows_the_publishing_rate(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:
    busy, quiet = [], []
    app = build(
        [
            {"name": "busy", "url": feed_server.url("/busy"), "interval": "10m"},
            {"name": "quiet", "url": feed_server.url("/quiet"), "interval": "10m"},
        ]
    )
    feed_server.routes["/quiet"] = Route(items(2, "q"))
    for hour in range(36):
        feed_server.routes["/busy"] = Route(items(10 + hour * 4, "b"))  # ~100 new a day
        busy.append(poll(app, "busy"))
        quiet.append(poll(app, "quiet"))
        clock.advance(hours=1)
    busy_interval = busy[-1].next_poll - (clock.now - timedelta(hours=1))
    quiet_interval = quiet[-1].next_poll - (clock.now - timedelta(hours=1))
    assert busy_interval <= timedelta(minutes=5, seconds=30)  # the lower bound: 5 min
    assert quiet_interval >= timedelta(minutes=36)  # the upper bound: 40 min
    assert app.store.source("busy").items_per_day > 50


def test_cache_hint_lengthens_the_interval_within_bounds(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:
    feed_server.routes["/f"] = Route(items(1), headers={"Cache-Control": "public, max-age=1800"})
    app = build([{"name": "a", "url": feed_server.url("/f"), "interval": "10m"}])
    outcome = poll(app, "a")
    assert timedelta(minutes=27) <= outcome.next_poll - clock.now <= timedelta(minutes=33)
    feed_server.routes["/f"] = Route(items(1), headers={"Cache-Control": "max-age=864000"})
    clock.advance(hours=1)
    outcome = poll(app, "a")
    assert outcome.next_poll - clock.now <= timedelta(minutes=44)  # capped at max_interval


def test_give_up_after_disables(build: Any, feed_server: FeedServer, clock: Clock) -> None:
    feed_server.routes["/f"] = Route(b"x", status=500, content_type="text/plain")
    app = build([{"name": "a", "url": feed_server.url("/f")}], polling={"give_up_after": 3})
    for _ in range(3):
        outcome = poll(app, "a")
        if outcome.next_poll:
            clock.now = outcome.next_poll
    assert app.store.source("a").disabled_reason == "failures"
    assert poll(app, "a").skipped


def test_html_listing_source_end_to_end(build: Any, feed_server: FeedServer, clock: Clock) -> None:
    page = (Path(__file__).parent / "sources" / "data" / "listing-pl.html").read_bytes()
    feed_server.routes["/press"] = Route(page, content_type="text/html; charset=utf-8")
    source = {
        "name": "mfa-pl",
        "type": "html",
        "url": feed_server.url("/press"),
        "official": True,
        "selectors": {"item": "ul.art-prev > li", "title": ".title", "date": ".date"},
    }
    app = build([source])
    outcome = poll(app, "mfa-pl")
    assert outcome.ok and outcome.new_items == 4
    feed_server.routes["/press"] = Route(
        b"<html><body><div class='new-layout'>Komunikaty</div></body></html>",
        content_type="text/html",
    )
    clock.advance(minutes=10)
    outcome = poll(app, "mfa-pl")
    assert outcome.error_kind == "layout_changed"


def test_a_source_never_stops_the_others(
    build: Any, feed_server: FeedServer, clock: Clock
) -> None:  # G3
    feed_server.routes["/good"] = Route(items(1))
    app = build(
        [
            {"name": "bad", "url": "http://127.0.0.1:9/x"},
            {"name": "good", "url": feed_server.url("/good")},
        ]
    )
    outcomes = {o.source: o for o in app.runner.run(app.poll_all())}  # type: ignore[attr-defined]
    assert outcomes["good"].ok and not outcomes["bad"].ok
    assert parse_iso_or_none(app.store.source("bad").next_poll) > clock.now


def test_a_poll_against_a_locked_database_waits_records_a_clear_error_and_loses_nothing(
    build: Any, feed_server: FeedServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """C7: another writer holds the database (``BEGIN IMMEDIATE``) longer than the busy
    timeout. The poll waits that long, then ends with a clear error (class ``database_busy``,
    logged), without a traceback and without writing anything; once the lock is gone, the next
    poll stores the item and its hit: nothing was lost."""
    feed_server.routes["/f"] = Route(
        rss([Entry("Lithuania to withdraw from the Ottawa Convention", "https://x.test/lt")])
    )
    app = build([{"name": "a", "url": feed_server.url("/f"), "interval": "10m"}])
    app.store.db.conn.execute("PRAGMA busy_timeout = 400")
    other = sqlite3.connect(tmp_path / "state" / "treatywatch.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with caplog.at_level(logging.INFO, logger="treatywatch.poll"):
            outcome = poll(app, "a")
        waited = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert waited >= 0.4
    assert not outcome.ok and outcome.error_kind == "database_busy"
    assert outcome.error is not None and "database busy" in outcome.error
    assert not any(r.exc_info for r in caplog.records)  # a clear line, not a traceback
    [line] = [r for r in caplog.records if getattr(r, "event", None) == "poll"]
    assert getattr(line, "error_kind", None) == "database_busy"
    assert app.store.db.execute("select count(*) from items").fetchone()[0] == 0

    retry = poll(app, "a")
    assert retry.ok and (retry.new_items, retry.hits) == (1, 1)
    assert app.store.db.execute("select count(*) from hits").fetchone()[0] == 1
