"""The whole path on real parts: local feed server → rules → SQLite → local webhook receiver,
with ``treatywatch poll`` run as a subprocess."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from monitor.rulepacks import load_rules
from tests.conftest import run_cli
from tests.support.feeds import Entry, atom, rss
from tests.support.servers import FeedServer, Route, WebhookReceiver

NOW = datetime.now(UTC).replace(microsecond=0)
OLD = NOW - timedelta(days=3)

OLD_ENTRIES = [
    Entry(
        "City council approves a new tram line to the airport",
        "https://news.test/tram",
        "The line opens in two years.",
        published=OLD,
    ),
    Entry(
        "Estonia says it will quit the Ottawa Convention on landmines",
        "https://news.test/ee-ottawa-old",
        "The government took the decision on Tuesday.",
        published=OLD,
    ),
]
NEW_WITHDRAWAL = Entry(
    "Lithuania announces withdrawal from the Ottawa Convention banning anti-personnel mines",
    "https://news.test/lt-ottawa?utm_source=rss",
    "Vilnius says the security situation forces it to leave the mine ban treaty.",
    guid="news-lt-ottawa",
    published=NOW - timedelta(minutes=20),
)
NEAR_MISSES = [
    Entry(
        "Troops withdraw from border village after ceasefire talks",
        "https://news.test/troops",
        "The army pulled back two battalions.",
        published=NOW,
    ),
    Entry(
        "Ottawa Senators beat Montreal in overtime",
        "https://news.test/hockey",
        "A late goal decided the game.",
        published=NOW,
    ),
    Entry(
        "Party convention opens with record attendance",
        "https://news.test/party",
        "Delegates gathered at the convention centre.",
        published=NOW,
    ),
    Entry(
        "Bank limits cash withdrawals during system upgrade",
        "https://news.test/bank",
        "Customers can withdraw up to 500 euros a day.",
        published=NOW,
    ),
    Entry(
        "Senate ratifies the new fisheries agreement",
        "https://news.test/fish",
        "The treaty enters into force next year.",
        published=NOW,
    ),
]


def _config(tmp_path: Path, sources: list[dict], receiver: WebhookReceiver, **extra) -> Path:
    config = {
        "state_dir": str(tmp_path / "state"),
        "sources": sources,
        "channels": [{"name": "ops", "type": "webhook", "url": receiver.url}],
        **extra,
    }
    path = tmp_path / "treatywatch.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _db(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "state" / "treatywatch.db")


def test_one_alert_for_a_new_withdrawal_none_for_near_misses_or_repeats(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver, shared_feeds: Path
) -> None:
    feed_server.routes["/news.xml"] = Route(rss(OLD_ENTRIES, title="News"))
    feed_server.routes["/ministry.atom"] = Route(
        atom(
            [Entry("Minister meets counterpart from Finland", "https://mfa.test/1", published=OLD)],
            title="Ministry",
        ),
        content_type="application/atom+xml",
    )
    real = [
        "reuters.xml",
        "nytimes.xml",
        "lemonde.xml",
        "spiegel.xml",
        "moscowtimes.xml",
        "yandex-russia.xml",
        "bbc-urdu.xml",
        "utf16.xml",
        "20minutos.rdf",
        "heise.atom",
    ]
    sources = [
        {"name": "news", "url": feed_server.url("/news.xml")},
        {"name": "ministry", "url": feed_server.url("/ministry.atom"), "official": True},
    ]
    for name in real:
        feed_server.routes[f"/real/{name}"] = Route(
            (shared_feeds / name).read_bytes(), content_type="application/xml"
        )
        sources.append({"name": name.replace(".", "-"), "url": feed_server.url(f"/real/{name}")})
    config = _config(tmp_path, sources, receiver)

    # First poll: a baseline. Everything is recorded; the 3-day-old withdrawal does not alert.
    first = run_cli("poll", "--config", str(config))
    assert first.returncode == 0, first.stderr
    assert receiver.requests == []
    with _db(tmp_path) as db:
        stored = db.execute("SELECT count(*) FROM items").fetchone()[0]
        old_hits = db.execute("SELECT count(*) FROM hits WHERE alerted = 0").fetchone()[0]
    assert stored > 100  # the real feeds were parsed and stored
    assert old_hits >= 1  # the old withdrawal matched, but as baseline it did not alert

    # Second poll: one new withdrawal among near misses gives exactly one alert.
    feed_server.routes["/news.xml"] = Route(
        rss([NEW_WITHDRAWAL, *NEAR_MISSES, *OLD_ENTRIES], title="News")
    )
    second = run_cli("poll", "--config", str(config))
    assert second.returncode == 0, second.stderr
    alerts = receiver.accepted_json()
    assert len(alerts) == 1, alerts
    alert = alerts[0]
    assert alert["title"] == NEW_WITHDRAWAL.title
    assert alert["url"] == NEW_WITHDRAWAL.link  # the link as published
    assert alert["source"] == "news"
    assert alert["rule"] in {rule.id for rule in load_rules(None).rules}
    assert alert["published"] == (NEW_WITHDRAWAL.published or NOW).isoformat().replace(
        "+00:00", "Z"
    )
    assert alert["summary"] == NEW_WITHDRAWAL.summary
    assert alert["id"].startswith("alrt_")
    assert any("ottawa" in term.lower() for term in alert["matched"]), alert["matched"]
    assert alert["version"] == 1
    request = receiver.accepted[0]
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Treatywatch-Alert-Id"] == alert["id"]

    # Third poll: nothing changed, so every feed answers 304 and nothing is sent.
    before = len(feed_server.requests)
    third = run_cli("poll", "--config", str(config))
    assert third.returncode == 0, third.stderr
    assert len(receiver.requests) == 1
    statuses = [r.status for r in feed_server.requests[before:]]
    assert len(statuses) == len(sources)
    assert set(statuses) == {304}
    with _db(tmp_path) as db:
        row = db.execute("SELECT status, attempts FROM alerts").fetchall()
    assert row == [("sent", 1)]


def test_reordered_feed_alerts_nothing_again(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    entries = [NEW_WITHDRAWAL, *NEAR_MISSES]
    feed_server.routes["/news.xml"] = Route(rss(entries))
    config = _config(tmp_path, [{"name": "news", "url": feed_server.url("/news.xml")}], receiver)
    assert run_cli("poll", "--config", str(config)).returncode == 0
    assert len(receiver.accepted) == 1  # fresh (within max_age) on the first poll: alerted
    feed_server.routes["/news.xml"] = Route(
        rss(list(reversed(entries)), title="Reordered"), etag=False
    )
    assert run_cli("poll", "--config", str(config)).returncode == 0
    assert len(receiver.requests) == 1


def test_first_poll_alerts_only_within_max_age(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    old = Entry(NEW_WITHDRAWAL.title, "https://news.test/old", published=NOW - timedelta(hours=30))
    feed_server.routes["/a.xml"] = Route(rss([old]))
    config = _config(tmp_path, [{"name": "a", "url": feed_server.url("/a.xml")}], receiver)
    assert run_cli("poll", "--config", str(config)).returncode == 0
    assert receiver.requests == []
    config = _config(
        tmp_path,
        [{"name": "a", "url": feed_server.url("/a.xml")}],
        receiver,
        max_age="48h",
        state_dir=str(tmp_path / "state2"),
    )
    assert run_cli("poll", "--config", str(config)).returncode == 0
    assert len(receiver.accepted) == 1


def test_failing_sources_do_not_stop_the_others(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    feed_server.routes["/good.xml"] = Route(rss([NEW_WITHDRAWAL]))
    feed_server.routes["/slow.xml"] = Route(rss([]), delay=6)
    feed_server.routes["/error.xml"] = Route(b"oops", status=500, content_type="text/plain")
    feed_server.routes["/garbage.xml"] = Route(
        b'{"not": "a feed"} \x00\xff\xfe', content_type="application/xml"
    )
    feed_server.routes["/html.xml"] = Route(
        b"<!doctype html><html><body>Log in</body></html>", content_type="text/html"
    )
    feed_server.routes["/empty.xml"] = Route(b"")
    names = ["slow", "error", "garbage", "html", "empty", "good"]
    sources = [{"name": n, "url": feed_server.url(f"/{n}.xml")} for n in names]
    sources.append({"name": "refused", "url": "http://127.0.0.1:9/feed.xml"})
    config = _config(tmp_path, sources, receiver, http={"deadline": "2s", "read_timeout": "1s"})
    result = run_cli("poll", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert len(receiver.accepted_json()) == 1
    for name in ("slow", "error", "garbage", "html", "empty", "refused"):
        assert f"source {name} failed" in result.stderr, result.stderr
    assert "source good failed" not in result.stderr
    with _db(tmp_path) as db:
        rows = dict(db.execute("SELECT name, last_error_class FROM sources").fetchall())
    assert rows["good"] is None
    assert rows["error"] == "http_5xx"
    assert rows["html"] == "not_a_feed"
    assert rows["empty"] == "empty"
    assert rows["slow"] in ("timeout", "deadline")


def test_failed_webhook_is_retried_on_a_later_cycle(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    feed_server.routes["/a.xml"] = Route(rss([NEW_WITHDRAWAL]))
    receiver.script = [500]
    # A tiny retry delay: the next `poll` (a new process, over half a second later) is past it.
    delivery = {"backoff": "50ms", "max_backoff": "50ms"}
    config = _config(
        tmp_path, [{"name": "a", "url": feed_server.url("/a.xml")}], receiver, delivery=delivery
    )
    assert run_cli("poll", "--config", str(config)).returncode == 0
    assert [r.status for r in receiver.requests] == [500]
    assert run_cli("poll", "--config", str(config)).returncode == 0
    assert [r.status for r in receiver.requests] == [500, 200]
    first, second = (json.loads(r.body) for r in receiver.requests)
    assert first["id"] == second["id"]


def test_console_is_the_default_channel(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.routes["/a.xml"] = Route(rss([NEW_WITHDRAWAL]))
    path = tmp_path / "treatywatch.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "state_dir": str(tmp_path / "state"),
                "sources": [{"name": "a", "url": feed_server.url("/a.xml")}],
            }
        )
    )
    result = run_cli("poll", "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert "ALERT" in result.stdout and NEW_WITHDRAWAL.title in result.stdout
