"""The one-line summaries for people (``monitor.summary``), and ``poll``'s report: items that
matched, rules, stories and alerts per channel counted apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from monitor.summary import (
    CycleCount,
    MatchCount,
    alerts_text,
    count,
    cycle_lines,
    match_text,
    startup_line,
)
from tests.conftest import run_cli
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route, WebhookReceiver

TWO_RULES = """\
rules:
  - id: test.exit
    title: A state leaves the Ottawa Convention
    severity: high
    query: '(withdraw OR withdrawal) AND "Ottawa Convention"'
  - id: test.mines
    title: Anything about the mine ban treaty
    severity: low
    query: '"Ottawa Convention"'
"""


def test_counts_are_singular_or_plural() -> None:
    assert count(1, "item") == "1 item"
    assert count(0, "item") == "0 items"
    assert count(2, "story") == "2 stories"
    assert count(1, "story") == "1 story"


def test_the_start_up_line_names_sources_rules_and_channels() -> None:
    line = startup_line(sources=30, rules=3, channels=1, polling=True)
    assert line == "30 sources, 3 rules, 1 channel; first poll in progress"
    assert startup_line(sources=1, rules=1, channels=2, polling=False) == (
        "1 source, 1 rule, 2 channels; polls continue on schedule"
    )
    assert startup_line(sources=0, rules=1, channels=1, polling=True).endswith("nothing to poll")


def test_after_the_first_cycle_one_line_and_a_hint_when_nothing_is_reachable() -> None:
    offline = CycleCount.of([(False, False, "dns")] * 29 + [(False, False, "connect")])
    lines = cycle_lines(offline)
    assert lines[0] == "first poll done: 0 of 30 sources answered; 30 failed (dns 29, connect 1)"
    assert len(lines) == 2
    assert "No network?" in lines[1] and "proxy" in lines[1] and "treatywatch demo" in lines[1]

    partial = cycle_lines(CycleCount.of([(True, False, None), (False, False, "dns")]))
    assert partial[0] == "first poll done: 1 of 2 sources answered; 1 failed (dns 1)"
    assert "No network?" not in " ".join(partial)

    broken = cycle_lines(CycleCount.of([(False, False, "http_5xx"), (False, False, "dns")]))
    assert "No network?" not in " ".join(broken)  # a server answered: the network works

    fine = cycle_lines(CycleCount.of([(True, False, None), (False, True, "backoff")]))
    assert fine == ["first poll done: 1 of 1 source answered; 1 held back by an earlier backoff"]


def test_match_and_alert_texts() -> None:
    assert match_text(MatchCount()) == "no item matched"
    one = MatchCount(items=1, rules=2, stories=1)
    assert match_text(one) == "1 item matched (2 rules); 1 story"
    channels = ["console", "hook"]
    sent = {"console": {"sent": 1, "failed": 0, "dead": 0}, "hook": {"sent": 1}}
    assert alerts_text(sent, channels, skipped=False) == "alerts: console 1 sent, hook 1 sent"
    troubled = {"hook": {"sent": 0, "failed": 2, "dead": 1}}
    assert alerts_text(troubled, channels, skipped=False) == (
        "alerts: hook 0 sent (2 failed, 1 dead)"
    )
    assert alerts_text({}, channels, skipped=False) == "alerts: none due"
    assert "another process" in alerts_text({}, channels, skipped=True)


def test_poll_counts_one_item_matched_by_two_rules_once(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    fresh = datetime.now(UTC) - timedelta(minutes=10)
    feed_server.routes["/news.xml"] = Route(
        rss(
            [
                Entry(
                    "Lithuania announces withdrawal from the Ottawa Convention",
                    "https://news.test/lt",
                    guid="lt-1",
                    published=fresh,
                ),
                Entry("Harbour festival draws record crowds", "https://news.test/f", guid="f-1"),
            ]
        )
    )
    (tmp_path / "rules.yaml").write_text(TWO_RULES)
    config = tmp_path / "treatywatch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "state_dir": str(tmp_path / "state"),
                "rules": [str(tmp_path / "rules.yaml")],
                "sources": [{"name": "news", "url": feed_server.url("/news.xml")}],
                "channels": [
                    {"name": "console", "type": "console"},
                    {"name": "hook", "type": "webhook", "url": receiver.url},
                ],
            }
        )
    )
    result = run_cli("poll", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert len(receiver.accepted) == 1
    summary = result.stderr.strip().splitlines()[-1]
    assert summary == (
        "treatywatch: polled 1 source (0 failed, 0 held back), 2 new items; "
        "1 item matched (2 rules); 1 story; alerts: console 1 sent, hook 1 sent"
    ), result.stderr

    again = run_cli("poll", "--config", str(config))
    assert again.stderr.strip().splitlines()[-1] == (
        "treatywatch: polled 1 source (0 failed, 0 held back), 0 new items; "
        "no item matched; alerts: none due"
    ), again.stderr
