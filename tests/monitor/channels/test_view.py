"""``when``: the time the human-facing channels print, always in UTC."""

from __future__ import annotations

import pytest

from monitor.channels.view import when


@pytest.mark.parametrize(
    ("stamp", "shown"),
    [
        ("2025-03-18T10:20:00Z", "2025-03-18 10:20 UTC"),
        ("2025-03-18T12:20:00+02:00", "2025-03-18 10:20 UTC"),  # an offset is converted
        ("2025-03-18T10:20:00", "2025-03-18 10:20 UTC"),  # no zone: read as UTC
        ("yesterday", "yesterday"),  # junk is shown as it is
        (None, "-"),
        ("", "-"),
    ],
)
def test_when_prints_utc(stamp: str | None, shown: str) -> None:
    assert when(stamp) == shown
