"""The one parser of stored times (``state.parse_iso``) and its round trip with ``state.iso``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from state import iso, parse_iso, parse_iso_or_none

MOMENT = datetime(2025, 3, 18, 10, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-18T10:20:00Z",
        "2025-03-18T10:20:00+00:00",
        "2025-03-18T12:20:00+02:00",
        "2025-03-18T05:20:00-05:00",
        "2025-03-18T10:20:00",  # no zone: UTC
        "2025-03-18 10:20",
        "  2025-03-18T10:20Z\n",  # pasted with spaces around
    ],
)
def test_every_form_gives_the_same_aware_utc_time(text: str) -> None:
    moment = parse_iso(text)
    assert moment == MOMENT
    assert moment.tzinfo is UTC


def test_a_date_alone_is_midnight_utc() -> None:
    assert parse_iso("2025-03-18") == datetime(2025, 3, 18, tzinfo=UTC)


def test_fractions_survive() -> None:
    assert parse_iso("2025-03-18T10:20:00.123456Z").microsecond == 123456


@pytest.mark.parametrize(
    "text", ["", "   ", "yesterday", "2025-13-01", "2025-03-18T25:00Z", "0001-01-01T00:00+01:00"]
)
def test_junk_raises_a_value_error_naming_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="not an ISO 8601 time") as caught:
        parse_iso(text)
    assert repr(text) in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_not_text_raises_a_value_error_too() -> None:
    with pytest.raises(ValueError, match="not an ISO 8601 time: 42"):
        parse_iso(42)  # type: ignore[arg-type]  # a JSON number where a time was expected


@pytest.mark.parametrize("text", [None, "", "junk", "2025-02-30"])
def test_or_none_gives_none_for_empty_or_junk(text: str | None) -> None:
    assert parse_iso_or_none(text) is None


def test_or_none_parses_like_parse_iso() -> None:
    assert parse_iso_or_none("2025-03-18T12:20:00+02:00") == MOMENT


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), None]),
    )
)
def test_stored_form_round_trips(moment: datetime) -> None:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    back = parse_iso(iso(moment))
    assert back == moment
    assert back.tzinfo is UTC


def test_no_other_module_parses_iso_times_itself() -> None:
    """The idiom lives in ``state._base`` only; everything else calls ``parse_iso``."""
    repo = Path(__file__).resolve().parents[2]
    home = repo / "state" / "_base.py"
    copies = [
        str(path.relative_to(repo))
        for package in ("state", "monitor")
        for path in sorted((repo / package).rglob("*.py"))
        if path != home and "fromisoformat" in path.read_text(encoding="utf-8")
    ]
    assert copies == []
