"""Health and readiness decisions (pure: facts in, checks out)."""

from __future__ import annotations

from datetime import timedelta

from monitor.web.status import ServiceStatus, health_checks, readiness_checks

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
