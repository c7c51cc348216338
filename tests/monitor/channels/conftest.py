"""Shared pieces for channel tests: sample payloads of every type, and local servers."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.servers import WebhookReceiver
from tests.support.slack import SlackReceiver

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"an older secret of 32 bytes!!!!!").decode()


def alert(**changes: Any) -> dict[str, Any]:
    """A version-1 alert payload (what monitor.core.alerts builds), with ``changes`` applied."""
    snippet = "Lithuania announces withdrawal from the Ottawa Convention banning mines"
    payload: dict[str, Any] = {
        "version": 1,
        "id": "alrt_test0001",
        "type": "alert",
        "rule": "treaty-withdrawal.exit",
        "rule_title": "A state leaves a treaty",
        "severity": "high",
        "title": "Lithuania announces withdrawal from the Ottawa Convention",
        "url": "https://news.example/lt-ottawa?utm_source=rss&x=1",
        "source": "baltic-news",
        "published": "2025-03-18T10:20:00Z",
        "detected": "2025-03-18T10:24:13Z",
        "summary": "Vilnius says the security situation forces it to leave the treaty.",
        "language": "en",
        "matched": ["withdrawal", "Ottawa Convention"],
        "entities": {"states": ["Lithuania"], "treaties": ["Ottawa Convention"]},
        "snippet": snippet,
        "explanation": {"snippet_spans": [[20, 30], [40, 57]], "terms": []},
        "story": {"id": "story_1", "sources": ["baltic-news", "lrt", "mfa-lt"]},
    }
    payload.update(changes)
    return payload


def ops(**changes: Any) -> dict[str, Any]:
    payload = {
        "version": 1,
        "id": "ops_1",
        "type": "ops",
        "title": "Source mfa-lt has failed for 2 hours",
        "summary": "Last error: HTTP 503 <b>unavailable</b> & more",
        "source": "mfa-lt",
    }
    payload.update(changes)
    return payload


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    server = SlackReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()
