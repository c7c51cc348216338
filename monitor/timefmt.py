"""Times and durations as text: human-readable spans, times in tables and ``Retry-After``
headers (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from state import parse_iso_or_none

__all__ = ["human_duration", "retry_after", "table_time"]

_UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60))


def human_duration(span: timedelta) -> str:
    """``90m``, ``36h``, ``7d`` when a unit divides the span exactly, else one decimal of the
    largest unit it reaches (``1.4h``); seconds below a minute."""
    seconds = int(span.total_seconds())
    for unit, size in _UNITS:
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    for unit, size in _UNITS:
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds}s"


def table_time(value: str | datetime | None) -> str | None:
    """A time for a table on the command line: UTC to the second, as the dashboard shows it
    (``2025-03-18 10:24:05Z``), from a stored ISO time or a datetime. None stays None and text
    that is no time is shown as it is; ``--json`` output keeps the stored precision instead."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else parse_iso_or_none(value)
    if moment is None:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z"


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """How long a ``Retry-After`` header asks us to wait: delta-seconds or an HTTP date (GMT,
    another zone, or none: read as UTC). Garbage, zero and times in the past give None."""
    if not value:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():  # "¹" and "٣" are digits to str, not to HTTP
        seconds = min(int(text), 10**9)
        return timedelta(seconds=seconds) if seconds > 0 else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when - now if when > now else None
