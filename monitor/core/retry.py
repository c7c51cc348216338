"""When to try a failed delivery again, and when to give up (pure: no clock, no I/O).

The schedule is exponential with "equal jitter": the n-th retry waits a random time between half
and all of ``backoff * 2**(n-1)``, capped at ``max_backoff``, so many alerts failing together do
not retry in lock-step. A receiver's ``Retry-After`` (429/503) is honoured: the next attempt is
never earlier than it asks, up to ``retry_after_cap``. A row goes ``dead`` after
``max_attempts`` attempts, after retrying for longer than ``max_age``, after
``max_rejected_attempts`` refusals (4xx-style, likely a config error), or at once when the
receiver says this message can never be accepted (``final``) or the endpoint is gone (410).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.timefmt import human_duration

__all__ = ["Failure", "RetryDecision", "backoff_delay", "decide"]


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed attempt as the deliverer saw it."""

    message: str
    rejected: bool = False  # the receiver refused the request (4xx-style)
    final: bool = False  # this message will never be accepted
    gone: bool = False  # the endpoint is gone for good
    retry_after: float | None = None  # seconds, from the receiver


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """Either retry at ``next_attempt`` or give up (``dead``) for ``reason``."""

    dead: bool
    next_attempt: datetime
    reason: str | None = None


def backoff_delay(
    attempt: int, *, base: timedelta, cap: timedelta, rng: random.Random
) -> timedelta:
    """The wait after the ``attempt``-th failed attempt (1-based), jittered into [d/2, d]."""
    exponent = min(max(attempt - 1, 0), 40)
    full: timedelta = min(base * (2**exponent), cap)
    return full / 2 + (full / 2) * rng.random()


def decide(
    failure: Failure,
    *,
    attempts: int,
    first_attempt: datetime,
    now: datetime,
    max_attempts: int,
    max_age: timedelta,
    max_rejected_attempts: int,
    base: timedelta,
    cap: timedelta,
    retry_after_cap: timedelta,
    rng: random.Random,
) -> RetryDecision:
    """What to do after a failed attempt (``attempts`` counts it)."""
    if failure.gone:
        return RetryDecision(True, now, f"endpoint gone: {failure.message}")
    if failure.final:
        return RetryDecision(True, now, f"rejected: {failure.message}")
    if failure.rejected and attempts >= max_rejected_attempts:
        return RetryDecision(
            True,
            now,
            f"rejected {attempts} time{'s' if attempts != 1 else ''} "
            f"(check the channel's config): {failure.message}",
        )
    if attempts >= max_attempts:
        return RetryDecision(True, now, f"gave up after {attempts} attempts: {failure.message}")
    if now - first_attempt >= max_age:
        return RetryDecision(
            True,
            now,
            f"gave up after retrying for {human_duration(now - first_attempt)} "
            f"({attempts} attempts): {failure.message}",
        )
    delay = backoff_delay(attempts, base=base, cap=cap, rng=rng)
    if failure.retry_after is not None:
        delay = max(delay, min(timedelta(seconds=failure.retry_after), retry_after_cap))
    return RetryDecision(False, now + delay)
