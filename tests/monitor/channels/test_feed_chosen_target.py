"""D10: whatever a feed or a template supplies, a webhook request goes only to the configured
URL. A whole ``treatywatch poll`` against a local feed whose entry names a decoy receiver in
its link, title and summary, delivered through a plain and a templated webhook channel."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route, WebhookReceiver


@pytest.fixture
def decoy() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def test_requests_go_only_to_the_configured_url(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver, decoy: WebhookReceiver
) -> None:
    """D10: the entry's link, title and summary name the decoy; templates put ``{url}`` in
    every place a target could come from; the decoy gets no request, the configured URL gets
    each alert (a placeholder in the configured URL stays as written)."""
    entry = Entry(
        f"Estonia will withdraw; deliver to {decoy.url}",
        decoy.url,
        summary=f'<a href="{decoy.url}">{decoy.url}</a> webhook: {decoy.url}',
        published=datetime.now(UTC),
    )
    feed_server.routes["/a.xml"] = Route(rss([entry]))
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: test.exit\n    title: Exit\n    query: 'withdraw'\n")
    template = {"url": "{url}", "webhook": "{url}", "target": "{summary}", "text": "{title}"}
    config = tmp_path / "treatywatch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "state_dir": str(tmp_path / "state"),
                "rules": [str(rules)],
                "max_age": "48h",
                "sources": [{"name": "a", "url": feed_server.url("/a.xml")}],
                "channels": [
                    {"name": "plain", "type": "webhook", "url": receiver.url},
                    {
                        "name": "templated",
                        "type": "webhook",
                        "url": receiver.url + "?via={url}",
                        "template": template,
                        "headers": {"X-Target": "{url}"},
                    },
                ],
            }
        )
    )
    done = run_cli("poll", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert decoy.requests == []
    paths = sorted(request.path for request in receiver.requests)
    assert len(paths) == 2, done.stderr
    assert paths[0] == "/hook"
    assert paths[1].startswith("/hook?via=") and str(decoy.port) not in paths[1]
    templated = next(r for r in receiver.requests if r.path != "/hook")
    assert templated.headers["X-Target"] == "{url}"
    assert decoy.url.encode() in templated.body  # the text went as data, not as a target
    with sqlite3.connect(tmp_path / "state" / "treatywatch.db") as db:
        assert db.execute("SELECT DISTINCT status FROM alerts").fetchall() == [("sent",)]
