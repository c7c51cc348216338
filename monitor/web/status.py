"""What the service knows about itself, and the health and readiness decisions made from it.

:func:`health_checks` and :func:`readiness_checks` are pure: they take the facts (ages, flags,
thresholds) and return named checks, so tests drive them without a clock or a server.
:func:`health_state` adds the checks and the failing sources up to the one state and line that
``/healthz`` answers and the dashboard's badge shows (``starting: 30/30 sources failing, grace
period until 12:30 UTC``), so the two never disagree.
:class:`ServiceStatus` holds the facts the running service updates: the scheduler's heartbeat
(monotonic time, immune to wall-clock jumps), whether the first poll has started, whether a
shutdown is under way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = [
    "HEARTBEAT_INTERVAL",
    "Check",
    "HealthState",
    "ServiceStatus",
    "health_checks",
    "health_state",
    "readiness_checks",
]

HEARTBEAT_INTERVAL = 5.0  # seconds between the scheduler's heartbeat jobs
HEARTBEAT_LIMIT = 6 * HEARTBEAT_INTERVAL  # a loop silent this long is not alive


@dataclass(frozen=True, slots=True)
class Check:
    """One named health or readiness check."""

    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail}


def health_checks(
    *,
    scheduler_running: bool,
    heartbeat_age: float | None,
    since_start: timedelta,
    since_success: timedelta | None,
    poll_stale_after: timedelta | None,
    oldest_pending: timedelta | None,
    outbox_stale_after: timedelta,
    heartbeat_limit: float = HEARTBEAT_LIMIT,
) -> list[Check]:
    """Liveness: the scheduler loop runs jobs, some source succeeded recently, and the outbox
    holds no alert older than allowed.

    ``since_success`` is the time since any source's last successful poll (None: never);
    before the first success the service's own age counts, so a fresh start is healthy.
    ``poll_stale_after`` None means there is nothing to poll.
    """
    checks = []
    if not scheduler_running:
        checks.append(Check("scheduler", False, "the scheduler is not running"))
    elif heartbeat_age is None:
        ok = since_start.total_seconds() <= heartbeat_limit
        checks.append(Check("scheduler", ok, "no heartbeat yet"))
    else:
        checks.append(
            Check(
                "scheduler",
                heartbeat_age <= heartbeat_limit,
                f"last heartbeat {heartbeat_age:.1f}s ago",
            )
        )
    if poll_stale_after is None:
        checks.append(Check("polling", True, "no enabled sources"))
    else:
        if since_success is None or since_success > since_start:
            quiet = since_start
            detail = f"no successful poll since the start {_human(quiet)} ago"
        else:
            quiet = since_success
            detail = f"last successful poll {_human(quiet)} ago"
        checks.append(
            Check(
                "polling", quiet <= poll_stale_after, f"{detail} (limit {_human(poll_stale_after)})"
            )
        )
    if oldest_pending is None:
        checks.append(Check("outbox", True, "no alert waiting"))
    else:
        checks.append(
            Check(
                "outbox",
                oldest_pending <= outbox_stale_after,
                f"oldest waiting alert is {_human(oldest_pending)} old "
                f"(limit {_human(outbox_stale_after)})",
            )
        )
    return checks


@dataclass(frozen=True, slots=True)
class HealthState:
    """One word and one line for the dashboard's badge and ``/healthz``, so both say the
    same: ``healthy``, ``degraded`` (some sources failing), ``starting`` (no source has
    answered since the start, within the grace period) or ``unhealthy`` (a check fails)."""

    state: str
    summary: str
    failing: int
    sources: int

    @property
    def ok(self) -> bool:
        return self.state != "unhealthy"

    def to_dict(self) -> dict[str, object]:
        return {
            "state": self.state,
            "summary": self.summary,
            "sources": {"failing": self.failing, "total": self.sources},
        }


def health_state(
    checks: Sequence[Check],
    *,
    failing: int,
    sources: int,
    grace_until: datetime | None,
) -> HealthState:
    """The state the checks and the sources add up to.

    ``failing`` of ``sources`` enabled sources failed their last poll; ``grace_until`` is when
    the start-up grace ends, when no source has answered since the start (None otherwise).
    """
    share = f"{failing}/{sources} sources failing"
    bad = [check for check in checks if not check.ok]
    if bad:
        details = "; ".join(f"{check.name}: {check.detail}" for check in bad)
        lead = f"{share}; " if failing else ""
        return HealthState("unhealthy", f"unhealthy: {lead}{details}", failing, sources)
    if grace_until is not None and sources:
        what = share if failing else "first poll in progress"
        until = grace_until.astimezone(UTC).strftime("%H:%M UTC")
        return HealthState(
            "starting", f"starting: {what}, grace period until {until}", failing, sources
        )
    if failing:
        return HealthState("degraded", f"degraded: {share}", failing, sources)
    return HealthState("healthy", "healthy", failing, sources)


def readiness_checks(
    *, store_ok: bool, store_detail: str, polling_started: bool, stopping: bool
) -> list[Check]:
    """Readiness: state opened, config loaded (true once we run), first poll cycle started,
    and not shutting down."""
    return [
        Check("state", store_ok, store_detail),
        Check("config", True, "loaded"),
        Check(
            "polling",
            polling_started,
            "first poll cycle started" if polling_started else "waiting for the first poll",
        ),
        Check("service", not stopping, "shutting down" if stopping else "running"),
    ]


@dataclass
class ServiceStatus:
    """Facts the running service updates and the web server reads."""

    started: float = field(default_factory=time.monotonic)
    heartbeat: float | None = None
    polling_started: bool = False
    stopping: bool = False
    scheduler_running: Callable[[], bool] = lambda: False
    next_polls: Callable[[], Mapping[str, datetime | None]] = dict
    monotonic: Callable[[], float] = time.monotonic

    def beat(self) -> None:
        self.heartbeat = self.monotonic()

    def heartbeat_age(self) -> float | None:
        return None if self.heartbeat is None else self.monotonic() - self.heartbeat

    def uptime(self) -> timedelta:
        return timedelta(seconds=self.monotonic() - self.started)


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}{_rest(seconds % size, unit)}"
    return f"{seconds}s"


def _rest(remainder: int, unit: str) -> str:
    if unit == "d" and remainder >= 3600:
        return f"{remainder // 3600}h"
    if unit == "h" and remainder >= 60:
        return f"{remainder // 60}m"
    return ""
