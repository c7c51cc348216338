"""The pure health decisions (``monitor.core.health``): no clock, no I/O."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from monitor.config import PollingSettings, SourceConfig, parse_settings
from monitor.core.health import (
    Interval,
    activity_after,
    adaptive_interval,
    backoff_delay,
    interval_bounds,
    items_per_day,
    jittered,
    ops_alert_id,
    ops_events,
    parse_cache_hint,
    parse_retry_after,
)
from state import SourceState

NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)
CAP = timedelta(hours=24)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", NOW + timedelta(seconds=120)),
        ("Tue, 18 Mar 2025 13:00:00 GMT", NOW + timedelta(hours=1)),
        ("Tue, 18 Mar 2025 14:00:00 +0100", NOW + timedelta(hours=1)),
        ("Tue, 18 Mar 2025 13:00:00", NOW + timedelta(hours=1)),  # no zone: UTC
        ("Tue, 18 Mar 2025 11:00:00 GMT", None),  # past
        ("xyz", None),
        ("", None),
        (None, None),
        ("0", None),
        ("-5", None),
        ("¹", None),  # a digit to str.isdigit(), not to int(): hypothesis found it in CI
        ("٣٠", None),  # Arabic-Indic digits are not HTTP delta-seconds
        ("99999999999999999999", NOW + CAP),  # huge: capped
        ("Sat, 18 Apr 2025 12:00:00 GMT", NOW + CAP),  # 31 days: capped
    ],
)
def test_retry_after(value: str | None, expected: datetime | None) -> None:
    assert parse_retry_after(value, NOW, CAP) == expected


@given(st.text(max_size=60))
@example("¹")  # a digit to str.isdigit, not to int(): CI found it
def test_retry_after_never_raises(value: str) -> None:
    result = parse_retry_after(value, NOW, CAP)
    assert result is None or NOW < result <= NOW + CAP


def test_backoff_doubles_from_the_interval_to_the_cap() -> None:
    base, cap = timedelta(minutes=10), timedelta(hours=6)
    assert [backoff_delay(base, n, cap) for n in (1, 2, 3)] == [base, base * 2, base * 4]
    assert backoff_delay(base, 40, cap) == cap
    assert backoff_delay(timedelta(hours=12), 3, cap) == timedelta(hours=12)  # never below base


@given(st.floats(min_value=0, max_value=0.9999))
def test_jitter_stays_within_its_fraction(draw: float) -> None:
    moved = jittered(timedelta(minutes=10), 0.1, draw)
    assert timedelta(minutes=9) <= moved <= timedelta(minutes=11)


def test_cache_hints() -> None:
    assert parse_cache_hint("public, max-age=600") == timedelta(minutes=10)
    assert parse_cache_hint("max-age=600, no-cache") is None
    assert parse_cache_hint(None, ttl_minutes=30) == timedelta(minutes=30)
    assert parse_cache_hint("s-maxage=60", ttl_minutes=5) == timedelta(minutes=5)
    assert parse_cache_hint("max-age=junk") is None


def test_adaptive_interval_within_bounds() -> None:
    bounds = Interval(timedelta(minutes=10), timedelta(minutes=5), timedelta(minutes=40))
    day = timedelta(days=2)
    assert adaptive_interval(bounds, rate=None, history=day) == bounds.base
    assert adaptive_interval(bounds, rate=1000, history=day) == bounds.low
    assert adaptive_interval(bounds, rate=0, history=day) == bounds.high
    assert adaptive_interval(bounds, rate=24, history=day) == timedelta(minutes=15)
    assert adaptive_interval(bounds, rate=24, history=timedelta(hours=2)) == bounds.base
    hint = timedelta(minutes=30)
    assert adaptive_interval(bounds, rate=1000, history=day, hint=hint) == hint
    assert adaptive_interval(bounds, rate=1000, history=day, hint=timedelta(days=1)) == bounds.high
    assert adaptive_interval(bounds, rate=1000, history=day, adaptive=False) == bounds.base


def test_rate_estimate() -> None:
    activity = 0.0
    for _ in range(24 * 7):
        activity = activity_after(activity, 2, timedelta(hours=1))  # 48 a day
    assert 40 < items_per_day(activity, timedelta(days=7)) < 56
    assert items_per_day(5, timedelta(0)) == 0


def test_bounds_follow_the_source() -> None:
    settings = parse_settings(
        {"sources": [{"name": "a", "url": "https://x.test/", "interval": "2h"}]}
    )
    bounds = interval_bounds(settings, settings.sources[0])
    assert bounds == Interval(timedelta(hours=2), timedelta(hours=1), timedelta(hours=8))


def _state(**fields: object) -> SourceState:
    base = {
        "name": "mfa",
        "url": "https://x.test/",
        "etag": None,
        "last_modified": None,
        "body_hash": None,
        "first_success": "2025-03-01T00:00:00Z",
        "last_polled": None,
        "last_success": None,
        "last_status": None,
        "last_error": None,
        "last_error_class": None,
        "consecutive_failures": 0,
        "entries_last_poll": None,
    }
    return SourceState(**{**base, **fields})  # type: ignore[arg-type]


def test_ops_events_and_stable_ids() -> None:
    official = SourceConfig(name="mfa", url="https://x.test/", official=True)
    polling = PollingSettings()
    failing = _state(
        consecutive_failures=3,
        failing_since="2025-03-18T10:00:00Z",
        last_error="HTTP 503",
        last_error_class="http_503",
    )
    [event] = ops_events(official, failing, polling, NOW)
    assert event.event == "source_failing" and event.episode == "2025-03-18T10:00:00Z"
    assert (
        ops_events(
            official, _state(consecutive_failures=2, failing_since=NOW.isoformat()), polling, NOW
        )
        == []
    )
    silent = ops_events(official, _state(last_new_item="2025-03-10T00:00:00Z"), polling, NOW)
    assert [e.event for e in silent] == ["source_silent"]
    plain = SourceConfig(name="mfa", url="https://x.test/")
    assert ops_events(plain, failing, polling, NOW) == []
    gone = _state(disabled_reason="gone", disabled_at="2025-03-18T11:00:00Z")
    assert [e.event for e in ops_events(plain, gone, polling, NOW)] == ["source_gone"]
    # stable across processes and releases: the stored id of an episode must not change, or an
    # upgrade would alert the same episode again (a fixed value, and a different hash seed)
    fixed = "ops_nnpioy3ru4u6fajxnojxxn7m"
    assert ops_alert_id("a", "source_gone", "t", "ops") == fixed
    other_process = subprocess.run(
        [
            sys.executable,
            "-c",
            "from monitor.core.health import ops_alert_id as f;"
            "print(f('a', 'source_gone', 't', 'ops'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "7"},
    )
    assert other_process.stdout.strip() == fixed
    # every part counts, and the parts' boundaries too
    variants = [
        ("a", "source_gone", "t", "ops"),
        ("b", "source_gone", "t", "ops"),
        ("a", "source_failing", "t", "ops"),
        ("a", "source_gone", "u", "ops"),
        ("a", "source_gone", "t", "ops2"),
        ("as", "ource_gone", "t", "ops"),
    ]
    assert len({ops_alert_id(*parts) for parts in variants}) == len(variants)
