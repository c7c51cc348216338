"""Durations and Retry-After headers as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.timefmt import human_duration, retry_after, table_time

NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=90), "90m"),
        (timedelta(hours=36), "36h"),
        (timedelta(days=7), "1w"),
        (timedelta(days=3), "3d"),
        (timedelta(minutes=83), "83m"),
        (timedelta(seconds=5000), "1.4h"),
        (timedelta(seconds=61), "1.0m"),
    ],
)
def test_human_duration(span: timedelta, text: str) -> None:
    assert human_duration(span) == text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", timedelta(seconds=120)),
        ("Tue, 18 Mar 2025 13:00:00 GMT", timedelta(hours=1)),
        ("Tue, 18 Mar 2025 14:00:00 +0100", timedelta(hours=1)),
        ("Tue, 18 Mar 2025 13:00:00", timedelta(hours=1)),  # no zone: UTC
        ("Tue, 18 Mar 2025 11:00:00 GMT", None),  # in the past
        ("0", None),
        ("xyz", None),
        ("", None),
        (None, None),
        ("-5", None),
    ],
)
def test_retry_after(header: str | None, expected: timedelta | None) -> None:
    assert retry_after(header, NOW) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2025-03-18T10:24:05.123456Z", "2025-03-18 10:24:05Z"),
        ("2025-03-18T12:24:05.9+02:00", "2025-03-18 10:24:05Z"),
        (datetime(2025, 3, 18, 10, 24, 5, 999999, tzinfo=UTC), "2025-03-18 10:24:05Z"),
        ("2025-03-18", "2025-03-18 00:00:00Z"),
        ("not a time", "not a time"),
        (None, None),
        ("", None),
    ],
)
def test_table_time_is_utc_to_the_second(value: str | datetime | None, text: str | None) -> None:
    assert table_time(value) == text
