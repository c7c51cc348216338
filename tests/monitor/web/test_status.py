"""Health and readiness decisions (pure: facts in, checks out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.web.status import (
    Check,
    ServiceStatus,
    health_checks,
    health_state,
    readiness_checks,
)

MINUTE = timedelta(minutes=1)


def _health(**overrides: object) -> dict[str, bool]:
    facts: dict[str, object] = {
        "scheduler_running": True,
        "heartbeat_age": 1.0,
        "since_start": 60 * MINUTE,
        "since_success": 5 * MINUTE,
        "poll_stale_after": 30 * MINUTE,
        "oldest_pending": None,
        "outbox_stale_after": 60 * MINUTE,
    }
    facts.update(overrides)
    return {check.name: check.ok for check in health_checks(**facts)}  # type: ignore[arg-type]


def test_a_running_service_is_healthy() -> None:
    assert _health() == {"scheduler": True, "polling": True, "outbox": True}


def test_a_stopped_or_stalled_scheduler_is_unhealthy() -> None:
    assert _health(scheduler_running=False)["scheduler"] is False
    assert _health(heartbeat_age=600.0)["scheduler"] is False
    # no heartbeat yet: fine just after start, not a minute later
    assert _health(heartbeat_age=None, since_start=timedelta(seconds=2))["scheduler"] is True
    assert _health(heartbeat_age=None, since_start=10 * MINUTE)["scheduler"] is False


def test_polling_goes_stale_after_the_limit_counted_from_the_start() -> None:
    assert _health(since_success=31 * MINUTE)["polling"] is False
    # a success long ago, from before this start: the service's own age counts
    assert _health(since_success=999 * MINUTE, since_start=10 * MINUTE)["polling"] is True
    assert _health(since_success=None, since_start=10 * MINUTE)["polling"] is True
    assert _health(since_success=None, since_start=31 * MINUTE)["polling"] is False
    assert _health(poll_stale_after=None, since_success=None)["polling"] is True


def test_an_old_waiting_alert_makes_it_unhealthy() -> None:
    assert _health(oldest_pending=59 * MINUTE)["outbox"] is True
    assert _health(oldest_pending=61 * MINUTE)["outbox"] is False


def test_readiness_needs_state_polling_and_no_shutdown() -> None:
    def ready(**overrides: object) -> bool:
        facts: dict[str, object] = {
            "store_ok": True,
            "store_detail": "open",
            "polling_started": True,
            "stopping": False,
        }
        facts.update(overrides)
        return all(c.ok for c in readiness_checks(**facts))  # type: ignore[arg-type]

    assert ready()
    assert not ready(store_ok=False)
    assert not ready(polling_started=False)
    assert not ready(stopping=True)


def test_heartbeat_uses_the_monotonic_clock() -> None:
    now = [100.0]
    status = ServiceStatus(started=100.0, monotonic=lambda: now[0])
    assert status.heartbeat_age() is None
    status.beat()
    now[0] = 107.5
    assert status.heartbeat_age() == 7.5
    assert status.uptime() == timedelta(seconds=7.5)


def test_the_health_state_labels_a_grace_period_as_one() -> None:
    checks = health_checks(
        scheduler_running=True,
        heartbeat_age=1.0,
        since_start=2 * MINUTE,
        since_success=None,
        poll_stale_after=30 * MINUTE,
        oldest_pending=None,
        outbox_stale_after=60 * MINUTE,
    )
    grace = datetime(2025, 3, 18, 12, 30, tzinfo=UTC)
    starting = health_state(checks, failing=30, sources=30, grace_until=grace)
    assert (starting.state, starting.ok) == ("starting", True)
    assert starting.summary == "starting: 30/30 sources failing, grace period until 12:30 UTC"
    fresh = health_state(checks, failing=0, sources=30, grace_until=grace)
    assert fresh.summary == "starting: first poll in progress, grace period until 12:30 UTC"


def test_the_health_state_says_degraded_or_unhealthy_with_the_failing_share() -> None:
    fine = [Check("polling", True, "last successful poll 1m ago (limit 30m)")]
    assert health_state(fine, failing=0, sources=3, grace_until=None).summary == "healthy"
    degraded = health_state(fine, failing=2, sources=3, grace_until=None)
    assert (degraded.state, degraded.summary) == ("degraded", "degraded: 2/3 sources failing")
    stale = [Check("polling", False, "no successful poll since the start 31m ago (limit 30m)")]
    bad = health_state(stale, failing=3, sources=3, grace_until=None)
    assert (bad.state, bad.ok) == ("unhealthy", False)
    assert bad.summary == (
        "unhealthy: 3/3 sources failing; polling: no successful poll since the start 31m ago "
        "(limit 30m)"
    )
    assert bad.to_dict()["sources"] == {"failing": 3, "total": 3}
