"""``treatywatch alerts``: listing, re-queueing and channel tests, run as real subprocesses
against local feed, webhook, Slack-shaped and SMTP servers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route, WebhookReceiver
from tests.support.slack import SlackReceiver
from tests.support.smtp import SmtpServer

TOKEN = "cli-secret-token-5150"


@pytest.fixture
def second() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def _write(tmp_path: Path, channels: list[dict[str, Any]], **extra: Any) -> Path:
    config = {
        "state_dir": str(tmp_path / "state"),
        "server": {"enabled": False},
        "sources": extra.pop("sources", []),
        "channels": channels,
        **extra,
    }
    path = tmp_path / "treatywatch.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_a_404_and_a_400_end_dead_with_their_reason_and_can_be_retried(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver, second: WebhookReceiver
) -> None:
    fresh = datetime.now(UTC) - timedelta(minutes=5)
    feed_server.routes["/feed.xml"] = Route(
        rss(
            [
                Entry(
                    "Lithuania announces withdrawal from the Ottawa Convention",
                    "https://news.test/lt",
                    guid="lt",
                    published=fresh,
                )
            ]
        )
    )
    receiver.script = [404] * 5
    second.script = [400] * 5
    config = _write(
        tmp_path,
        [
            {"name": "gone", "type": "webhook", "url": f"{receiver.url}/{TOKEN}"},
            {"name": "picky", "type": "webhook", "url": second.url},
        ],
        sources=[{"name": "news", "url": feed_server.url("/feed.xml")}],
        delivery={"max_rejected_attempts": 1},
    )
    poll = run_cli("poll", "--config", str(config))
    assert poll.returncode == 0, poll.stderr
    listed = run_cli("alerts", "--status", "dead", "--config", str(config), env={"COLUMNS": "400"})
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout
    assert "DEAD: rejected 1 time (check the channel's config): gone: HTTP 404 not found" in out
    assert "DEAD: rejected: picky: HTTP 400 bad request" in out
    assert TOKEN not in out + poll.stderr + listed.stderr
    check = run_cli("check", "--config", str(config))
    assert check.returncode == 0 and "gone" in check.stdout
    assert TOKEN not in check.stdout + check.stderr
    as_json = json.loads(
        run_cli("alerts", "--json", "--channel", "picky", "--config", str(config)).stdout
    )
    assert [(a["status"], a["attempts"]) for a in as_json] == [("dead", 1)] * len(as_json)
    assert as_json[0]["dead_reason"].startswith("rejected: picky: HTTP 400")
    assert as_json[0]["title"].startswith("Lithuania announces withdrawal")
    ids = {a["id"] for a in as_json}

    # the operator fixes the receiver and re-queues: the same ids arrive
    second.script = []
    retry = run_cli("alerts", "retry", "--dead", "--channel", "picky", "--config", str(config))
    assert retry.returncode == 0 and "re-queued" in retry.stdout
    run_cli("poll", "--config", str(config))
    assert {r.headers["webhook-id"] for r in second.accepted} == ids
    counts = run_cli("alerts", "--config", str(config)).stdout
    assert "sent" in counts and "total:" in counts


def test_retry_needs_ids_or_dead_and_reports_unknown_ids(tmp_path: Path) -> None:
    config = _write(tmp_path, [{"name": "c", "type": "console"}])
    assert run_cli("alerts", "--config", str(config)).returncode == 1  # no database yet
    (tmp_path / "state").mkdir()
    from state import Store

    Store.open(tmp_path / "state").close()
    assert run_cli("alerts", "retry", "--config", str(config)).returncode == 2
    missing = run_cli("alerts", "retry", "alrt_nope", "--config", str(config))
    assert missing.returncode == 1 and "no alert alrt_nope" in missing.stderr
    assert "no alerts" in run_cli("alerts", "--config", str(config)).stdout


def test_alerts_test_reports_the_real_outcome(
    tmp_path: Path, receiver: WebhookReceiver, slack: SlackReceiver, smtp: SmtpServer
) -> None:
    config = _write(
        tmp_path,
        [
            {"name": "hook", "type": "webhook", "url": f"{receiver.url}/{TOKEN}"},
            {"name": "slack", "type": "slack", "url": slack.url},
            {
                "name": "mail",
                "type": "email",
                "host": "127.0.0.1",
                "port": smtp.port,
                "security": "none",
                "from": "watch@example.org",
                "to": "desk@example.org",
            },
        ],
    )
    ok = run_cli("alerts", "test", "hook", "--config", str(config))
    assert ok.returncode == 0, ok.stderr
    assert "hook (webhook): ok, HTTP 200" in ok.stdout
    [request] = receiver.accepted
    assert json.loads(request.body)["type"] == "test"

    receiver.script = [404]
    failed = run_cli("alerts", "test", "hook", "--config", str(config))
    assert failed.returncode == 1
    assert "rejected" in failed.stdout and "HTTP 404" in failed.stdout
    assert TOKEN not in failed.stdout + failed.stderr

    slack.script = [(404, "channel_not_found")]
    gone = run_cli("alerts", "test", "slack", "--config", str(config))
    assert gone.returncode == 1 and "channel_not_found" in gone.stdout
    assert "SeCrEtToKeN123" not in gone.stdout + gone.stderr
    assert run_cli("alerts", "test", "slack", "--config", str(config)).returncode == 0

    mail = run_cli("alerts", "test", "mail", "--config", str(config))
    assert mail.returncode == 0 and "SMTP 250" in mail.stdout
    [received] = smtp.received
    assert (
        received.message["Subject"]
        == "[treatywatch] Test: treatywatch test message for channel mail"
    )

    unknown = run_cli("alerts", "test", "nope", "--config", str(config))
    assert unknown.returncode == 2 and "hook, slack, mail" in unknown.stderr


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    server = SlackReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(mode="plain").start()
    yield server
    server.stop()


def test_a_receivers_error_body_is_kept_with_the_failed_attempt_and_shown_by_alerts(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver, second: WebhookReceiver
) -> None:
    """D12: the receiver's plain error body is stored with the failed attempt and listed by
    ``treatywatch alerts``, in full when short, cut to 120 characters with "…" when long."""
    fresh = datetime.now(UTC) - timedelta(minutes=5)
    feed_server.routes["/feed.xml"] = Route(
        rss(
            [
                Entry(
                    "Lithuania announces withdrawal from the Ottawa Convention",
                    "https://n.test/a",
                    guid="lt",
                    published=fresh,
                )
            ]
        )
    )
    receiver.script = [(500, b"upstream database is down")] * 5
    second.script = [(503, ("quota exceeded; " * 400).encode())] * 5
    config = _write(
        tmp_path,
        [
            {"name": "short", "type": "webhook", "url": receiver.url},
            {"name": "long", "type": "webhook", "url": second.url},
        ],
        sources=[{"name": "news", "url": feed_server.url("/feed.xml")}],
    )
    poll = run_cli("poll", "--config", str(config))
    assert poll.returncode == 0, poll.stderr
    listed = run_cli("alerts", "--config", str(config), env={"COLUMNS": "400"})
    assert listed.returncode == 0, listed.stderr
    assert "short: HTTP 500: upstream database is down" in listed.stdout
    rows = json.loads(run_cli("alerts", "--json", "--config", str(config)).stdout)
    errors = {row["channel"]: row["last_error"] for row in rows}
    assert errors["short"] == "short: HTTP 500: upstream database is down"
    kept = errors["long"].split(": ", 2)[2]
    assert kept.startswith("quota exceeded; quota exceeded;") and kept.endswith("…")
    assert len(kept) == 120
    assert kept[:-1] in listed.stdout
