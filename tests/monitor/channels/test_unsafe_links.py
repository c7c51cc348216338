"""Unsafe item links (issue 13, "Unsafe links"; A17/A18 for links): a ``javascript:``,
``data:`` or ``vbscript:`` link from a feed is never sent as an alert's ``url``. The payload
carries ``url: null`` and the link as text in ``raw_url``; no channel (webhook, Slack, email,
console) offers it as a link.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from monitor.app import make_app
from monitor.config import parse_settings
from monitor.core.alerts import alert_payload, link_url
from monitor.sources.item import Item
from rules import Match, load_ruleset
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route, WebhookReceiver
from tests.support.slack import SlackReceiver
from tests.support.smtp import SmtpServer, Tls

NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)
DOCS = Path(__file__).resolve().parents[3] / "docs"
RULES = """\
rules:
  - id: test.exit
    title: A state leaves the Ottawa Convention
    severity: high
    query: 'exit AND "Ottawa Convention"'
"""
UNSAFE = [
    "javascript:alert(1)",
    " JavaScript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "java\tscript:alert(1)",
    "/relative/path",
    "https://news.test/a b",
    "http://",
]


@pytest.mark.parametrize("link", UNSAFE)
def test_an_unsafe_link_is_sent_as_null_with_its_raw_text_beside(link: str) -> None:
    """A17, issue 13 (unsafe links): ``url`` is null and ``raw_url`` holds the link as published;
    the payload still validates against docs/alert-payload.schema.json."""
    payload = _payload(Item(title="Estonia to exit the Ottawa Convention", link=link))
    assert payload["url"] is None
    assert payload["raw_url"] == link
    schema = json.loads((DOCS / "alert-payload.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(payload)


def test_an_http_link_is_the_url_and_raw_url_is_null() -> None:
    for link in ("https://news.test/a?x=1", "HTTP://News.test/b", " https://news.test/c "):
        payload = _payload(Item(title="t", link=link))
        assert payload["url"] == link.strip() and payload["raw_url"] is None
    payload = _payload(Item(title="t", link=None))
    assert payload["url"] is None and payload["raw_url"] is None
    assert link_url("https://[x/") is None


def _payload(item: Item) -> dict[str, Any]:
    match = Match("test.exit", "t", "high", (), (), (), "", ())
    return alert_payload(alert_id="alrt_1", source="s", item=item, match=match, detected=NOW)


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    server = SlackReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def tls(tmp_path: Path) -> Tls:
    return Tls(tmp_path)


@pytest.fixture
def smtp(tls: Tls) -> Iterator[SmtpServer]:
    server = SmtpServer(mode="starttls", tls=tls).start()
    yield server
    server.stop()


def test_no_channel_offers_a_javascript_link(
    tmp_path: Path,
    feed_server: FeedServer,
    receiver: WebhookReceiver,
    slack: SlackReceiver,
    smtp: SmtpServer,
    tls: Tls,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A17, issue 13 (unsafe links), through a real poll and delivery to every channel type: the
    webhook gets ``url: null`` and ``raw_url``; Slack, email and the console show the title
    without the link."""
    link = "javascript:alert(1)//news"
    feed_server.routes["/f.xml"] = Route(
        rss(
            [
                Entry(
                    "Estonia to exit the Ottawa Convention",
                    link,
                    guid="ee-1",
                    published=NOW - timedelta(minutes=5),
                )
            ]
        )
    )
    settings = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": [{"name": "news", "url": feed_server.url("/f.xml")}],
            "channels": [
                {"name": "hook", "type": "webhook", "url": receiver.url},
                {"name": "chat", "type": "slack", "url": slack.url},
                {
                    "name": "mail",
                    "type": "email",
                    "host": "127.0.0.1",
                    "port": smtp.port,
                    "from": "alerts@watch.example",
                    "to": ["desk@news.example"],
                    "ca_file": str(tls.ca_file),
                },
                {"name": "screen", "type": "console"},
            ],
            "http": {"parse_workers": 0},
        },
        environ={},
    )
    app = make_app(settings, ruleset=load_ruleset({"r.yaml": RULES}), clock=lambda: NOW)

    async def cycle() -> None:
        try:
            outcome = await app.poll_source("news")
            assert outcome.ok and outcome.hits == 1, outcome
            await app.deliver_due()
        finally:
            await app.aclose()

    asyncio.run(cycle())
    [hook] = [json.loads(r.body) for r in receiver.requests]
    assert hook["url"] is None and hook["raw_url"] == link
    [chat] = slack.accepted
    assert "javascript" not in json.dumps(chat.json).lower()
    [mail] = smtp.received
    assert b"javascript:" not in mail.raw.lower()
    plain = mail.message.get_body(("plain",))
    assert plain is not None and "Estonia to exit the Ottawa Convention" in plain.get_content()
    printed = capsys.readouterr().out
    assert "Estonia to exit the Ottawa Convention" in printed
    assert "javascript:" not in printed
