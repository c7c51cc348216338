"""Pure decisions about polling a source: when next, how hard to back off, what the server
asked for, and whether the operator must hear about it. No clock, no network, no database:
every function takes ``now`` and plain values, so tests drive time by passing it.

- Interval: the source's base interval (``interval``, else ``official_interval`` or
  ``interval`` from the config) adapted to how often the source publishes, within
  ``[min_interval, max_interval]`` (defaults: half and four times the base), never shorter than
  the server's own hint (RSS ``ttl``, ``Cache-Control: max-age``) unless that exceeds the bound.
- Errors: exponential backoff with jitter starting at the base interval, capped
  (``polling.backoff_cap``, default 6 h); success resets it. ``Retry-After`` on 429/503 pushes
  the next poll to at least that time (capped by ``polling.retry_after_cap``).
- Operator events, each once per episode: ``source_failing`` (an official source has failed
  ``failures_before_alert`` times in a row and for longer than ``failing_after``),
  ``source_silent`` (an official source has brought no new item for ``silent_after``),
  ``source_gone`` (410: the source was disabled).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.config import PollingSettings, Settings, SourceConfig
from monitor.timefmt import human_duration, retry_after
from state import SourceState, parse_iso_or_none

__all__ = [
    "ACTIVITY_WINDOW",
    "Interval",
    "OpsEvent",
    "activity_after",
    "adaptive_interval",
    "backoff_delay",
    "interval_bounds",
    "items_per_day",
    "jittered",
    "ops_alert_id",
    "ops_events",
    "parse_cache_hint",
    "parse_retry_after",
    "source_items_per_day",
]

ACTIVITY_WINDOW = timedelta(days=7)  # time constant of the "items per day" estimate
MIN_HISTORY = timedelta(days=1)  # before this much history the base interval is used
POLLS_PER_ITEM = 4  # aim at about four polls between two items of a source
_MAX_AGE = re.compile(r"(?:^|,)\s*(s-maxage|max-age)\s*=\s*\"?(\d{1,10})\"?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Interval:
    """A source's polling interval and the bounds it adapts within."""

    base: timedelta
    low: timedelta
    high: timedelta


def interval_bounds(settings: Settings, source: SourceConfig) -> Interval:
    """The base interval of ``source`` and the bounds of its adaptive interval."""
    base = settings.source_interval(source)
    polling = settings.polling
    low = source.min_interval or polling.min_interval or base / 2
    high = source.max_interval or polling.max_interval or base * 4
    return Interval(base=base, low=min(low, base), high=max(high, base))


def parse_retry_after(value: str | None, now: datetime, cap: timedelta) -> datetime | None:
    """When a ``Retry-After`` header lets us come back (at most ``cap`` from now), or None when
    it says nothing usable (see ``timefmt.retry_after``)."""
    delay = retry_after(value, now)
    return None if delay is None else now + min(delay, cap)


def parse_cache_hint(cache_control: str | None, ttl_minutes: int | None = None) -> timedelta | None:
    """How long the server says its answer stays fresh: ``Cache-Control: max-age`` (ignored
    with ``no-cache``/``no-store``) or the feed's ``<ttl>`` in minutes, whichever is longer."""
    hints: list[timedelta] = []
    if cache_control:
        lowered = cache_control.lower()
        if "no-cache" not in lowered and "no-store" not in lowered:
            match = _MAX_AGE.search(cache_control)
            if match:
                hints.append(timedelta(seconds=int(match.group(2))))
    if ttl_minutes and 0 < ttl_minutes < 10**6:
        hints.append(timedelta(minutes=ttl_minutes))
    positive = [hint for hint in hints if hint > timedelta(0)]
    return max(positive) if positive else None


def activity_after(
    activity: float, new_items: int, elapsed: timedelta, window: timedelta = ACTIVITY_WINDOW
) -> float:
    """An exponentially decayed count of new items (time constant ``window``)."""
    decay = math.exp(-max(elapsed.total_seconds(), 0.0) / window.total_seconds())
    return activity * decay + max(new_items, 0)


def items_per_day(activity: float, age: timedelta, window: timedelta = ACTIVITY_WINDOW) -> float:
    """New items per day estimated from the decayed count and the age of the history.

    A history shorter than :data:`MIN_HISTORY` counts as that long: one new item a minute
    after the first poll is about one a day so far, not 1,440 (issue 12).
    """
    seconds = max(age.total_seconds(), 0.0)
    if seconds <= 0:
        return 0.0
    seconds = max(seconds, MIN_HISTORY.total_seconds())
    span = window.total_seconds() * (1 - math.exp(-seconds / window.total_seconds()))
    return activity / (span / 86400)


def source_items_per_day(state: SourceState | None, now: datetime) -> float | None:
    """The one "items per day" figure of a source, as ``treatywatch sources`` and the
    dashboard show it: the new items it brought (what the first poll found is not new),
    decayed with a time constant of :data:`ACTIVITY_WINDOW` up to ``now``, per day of its
    history (at least :data:`MIN_HISTORY`), to two decimals. None before a first success."""
    first = parse_iso_or_none(state.first_success) if state is not None else None
    if state is None or first is None:
        return None
    last = parse_iso_or_none(state.last_success) or first
    activity = activity_after(state.activity, 0, now - last)
    return round(items_per_day(activity, now - first), 2)


def adaptive_interval(
    bounds: Interval,
    *,
    rate: float | None,
    history: timedelta,
    hint: timedelta | None = None,
    adaptive: bool = True,
) -> timedelta:
    """The interval until the next poll after a success.

    Sources that publish often are polled more often, quiet ones less, within the bounds; a
    server hint (``ttl``, ``max-age``) lengthens the interval, but never past the upper bound.
    """
    interval = bounds.base
    if adaptive and rate is not None and history >= MIN_HISTORY:
        interval = timedelta(days=1) / (POLLS_PER_ITEM * rate) if rate > 0 else bounds.high
    if hint is not None:
        interval = max(interval, hint)
    return min(max(interval, bounds.low), bounds.high)


def backoff_delay(base: timedelta, failures: int, cap: timedelta) -> timedelta:
    """The wait after ``failures`` failures in a row: base, 2x, 4x ... up to ``cap``."""
    exponent = min(max(failures, 1) - 1, 30)
    return min(base * (1 << exponent), max(cap, base))


def jittered(delay: timedelta, fraction: float, draw: float) -> timedelta:
    """``delay`` moved by up to ``fraction`` of itself either way; ``draw`` is in [0, 1)."""
    return delay * (1 + fraction * (2 * draw - 1))


@dataclass(frozen=True, slots=True)
class OpsEvent:
    """Something the operator must hear about one source; ``episode`` makes its id stable."""

    event: str  # source_failing | source_silent | source_gone
    episode: str
    title: str
    summary: str


def ops_events(
    source: SourceConfig, state: SourceState, polling: PollingSettings, now: datetime
) -> list[OpsEvent]:
    """The operator events that hold for ``source`` now (each alerts once per episode)."""
    events: list[OpsEvent] = []
    name = source.name
    if state.disabled_reason == "gone" and state.disabled_at:
        events.append(
            OpsEvent(
                "source_gone",
                state.disabled_at,
                f"Source {name} is gone (HTTP 410) and was disabled",
                f"{state.url} answered 410 Gone; treatywatch stopped polling it. Fix its URL in "
                "the config (a changed URL is polled again) or remove it.",
            )
        )
        return events
    failing_after = source.failing_after or (polling.failing_after if source.official else None)
    since = parse_iso_or_none(state.failing_since)
    if (
        failing_after is not None
        and since is not None
        and state.consecutive_failures >= polling.failures_before_alert
        and now - since >= failing_after
    ):
        events.append(
            OpsEvent(
                "source_failing",
                state.failing_since or "",
                f"Source {name} has been failing for {human_duration(now - since)}",
                f"{state.consecutive_failures} polls in a row failed; the last error "
                f"({state.last_error_class}): {state.last_error}. treatywatch keeps retrying "
                "with backoff.",
            )
        )
    silent_after = source.silent_after or (polling.silent_after if source.official else None)
    quiet_since = state.last_new_item or state.first_success
    quiet = parse_iso_or_none(quiet_since)
    if (
        silent_after is not None
        and quiet is not None
        and state.consecutive_failures == 0
        and now - quiet >= silent_after
    ):
        events.append(
            OpsEvent(
                "source_silent",
                quiet_since or "",
                f"Source {name} has published nothing new for {human_duration(now - quiet)}",
                f"{state.url} answers, but has brought no new item since {quiet_since}. Its "
                "layout or feed may have changed, or it moved.",
            )
        )
    return events


def ops_alert_id(source: str, event: str, episode: str, channel: str) -> str:
    """A stable id for one operator alert: one episode alerts once per channel."""
    digest = hashlib.sha256("\x00".join(("ops", source, event, episode, channel)).encode())
    return "ops_" + base64.b32encode(digest.digest()[:15]).decode().lower()
