"""Source health rows: the failing streak, validators kept on failure, reset on a URL change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from state import SourcePoll, Store

NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)
URL = "https://feeds.example.org/rss"


def test_failing_streak_keeps_its_start_and_success_ends_it(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.record_poll(
        "a", SourcePoll(URL, URL, ok=True, status=200, etag='"1"', entries=5, new_items=5), NOW
    )
    for minutes in (10, 20, 30):
        store.record_poll(
            "a",
            SourcePoll(URL, URL, ok=False, status=503, error="HTTP 503", error_class="http_503"),
            NOW + timedelta(minutes=minutes),
        )
    state = store.source("a")
    assert state.consecutive_failures == 3 and state.failures == 3 and state.polls == 4
    assert state.failing_since == "2025-03-18T12:10:00Z"
    assert state.etag == '"1"' and state.entries_last_poll == 5  # kept through failures
    assert state.last_new_item == "2025-03-18T12:00:00Z"
    store.record_poll("a", SourcePoll(URL, URL, ok=True, status=304), NOW + timedelta(hours=1))
    state = store.source("a")
    assert state.consecutive_failures == 0 and state.failing_since is None
    assert state.last_error is None and state.etag == '"1"'
    store.close()


def test_disabled_keeps_its_time_and_reset_clears_what_was_learnt(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    gone = SourcePoll(URL, URL, ok=False, status=410, error_class="gone", disabled_reason="gone")
    store.record_poll("a", gone, NOW)
    store.record_poll("a", gone, NOW + timedelta(hours=1))
    assert store.source("a").disabled_at == "2025-03-18T12:00:00Z"
    store.reset_source("a", "https://feeds.example.org/new")
    state = store.source("a")
    assert state.disabled_reason is None and state.url == state.config_url
    assert state.url == "https://feeds.example.org/new" and state.etag is None
    store.close()


def test_record_fetch_still_works(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.record_fetch("a", URL, now=NOW, status=500, error="HTTP 500", error_class="http_5xx")
    assert store.source("a").consecutive_failures == 1
    store.close()
