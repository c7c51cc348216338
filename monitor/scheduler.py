"""The APScheduler shell around ``App`` (the service process itself is ``monitor.service``).

Jobs only call ``app.poll_source(name)``, and the delivery loop only ``app.deliver_due()``; every
decision lives in the app. One job per source: an interval trigger at the source's base interval
with jitter is the fallback rhythm, and after every poll the job is moved to the next poll time the
app decided (adaptive interval, error backoff, ``Retry-After``; see ``monitor.core.health``), so
the scheduler never decides anything itself. ``max_instances=1``: a slow source never overlaps
itself; ``coalesce=True`` with a misfire grace of a whole interval: a stalled or suspended host
runs each job once on resume, not a storm, and never skips it. On start, a source whose stored next
poll lies in the future (backoff, ``Retry-After``) waits for it; the others start spread over the
first seconds. A run that does not happen (the job is still running when it falls due, or it is
later than its misfire grace) is logged as ``job_missed`` and passed to ``on_missed`` (the service
counts it in ``/metrics``).

Delivery is not on a fixed rhythm: :func:`deliver_forever` runs a pass, then sleeps until the
deliverer says the next pass has work (a retry's due time, a channel's pause ending, a digest
period ending) or until a poll commits alerts (``App.poll_source`` wakes the deliverer), and at
most ``DELIVERY_INTERVAL``, the fallback that picks up rows another process queued (``alerts
retry``) or a wake-up that was missed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.app import App, DeliveryReport
from state import parse_iso_or_none

__all__ = ["DELIVERY_INTERVAL", "build_scheduler", "deliver_forever", "first_run", "job_id"]

DELIVERY_INTERVAL = timedelta(seconds=10)  # the fallback pass: the longest the loop sleeps
# After a pass skipped because another process (``treatywatch poll``) was delivering.
SKIPPED_WAIT = 1.0
START_SPREAD = timedelta(seconds=10)
log = logging.getLogger("treatywatch.scheduler")


def job_id(source: str) -> str:
    return f"poll:{source}"


def first_run(stored: str | None, now: datetime, index: int, draw: float) -> datetime:
    """When a source's first poll after start-up runs: its stored next poll if that is still
    ahead, else soon, spread by position and a random ``draw`` in [0, 1)."""
    spread = min(timedelta(seconds=index * 0.2), START_SPREAD) + timedelta(seconds=draw)
    planned = parse_iso_or_none(stored)
    soon = now + spread
    return planned if planned is not None and planned > soon else soon


def build_scheduler(
    app: App,
    now: datetime | None = None,
    rand: random.Random | None = None,
    *,
    on_missed: Callable[[str, str], None] | None = None,
) -> AsyncIOScheduler:
    """An (unstarted) scheduler with one poll job per enabled source (delivery runs beside it:
    :func:`deliver_forever`). ``on_missed(job_id, reason)`` hears of every run that did not
    happen: ``still_running`` (``max_instances``) or ``late`` (past the misfire grace)."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_listener(_missed_listener(on_missed), EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    now = now or datetime.now(UTC)
    rand = rand or random.Random()
    stored = {state.name: state for state in app.store.sources()}
    for index, source in enumerate(app.enabled_sources):
        state = stored.get(source.name)
        if state is not None and state.disabled_reason and state.config_url == source.url:
            log.warning(
                "source disabled",
                extra={
                    "event": "source_skipped",
                    "source": source.name,
                    "reason": state.disabled_reason,
                },
            )
            continue
        interval = app.settings.source_interval(source).total_seconds()
        scheduler.add_job(
            _poll_job,
            IntervalTrigger(seconds=interval, jitter=min(interval * 0.1, 60), timezone=UTC),
            args=(app, scheduler, source.name),
            id=job_id(source.name),
            name=f"poll {source.name}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(int(interval), 60),
            next_run_time=first_run(state.next_poll if state else None, now, index, rand.random()),
        )
    return scheduler


async def deliver_forever(
    app: App,
    stop: asyncio.Event,
    *,
    run: Callable[[], Awaitable[DeliveryReport | None]] | None = None,
    fallback: timedelta = DELIVERY_INTERVAL,
) -> None:
    """Deliver until ``stop`` is set: a pass (``run``, by default ``app.deliver_due``), then
    sleep until the deliverer has work or is woken, at most ``fallback``. One pass at a time;
    a pass that fails is logged and the loop goes on."""
    run = run or app.deliver_due
    longest = fallback.total_seconds()
    while not stop.is_set():
        at_least = 0.0
        try:
            report = await run()
            if report is not None and report.skipped:
                at_least = SKIPPED_WAIT
        except Exception:  # the loop must outlive any bug in one pass
            log.exception("delivery pass failed", extra={"event": "job_failed", "job": "deliver"})
            at_least = longest
        if stop.is_set():
            break
        try:
            await _first(stop.wait(), app.deliverer.wait_due(longest, at_least=at_least))
        except Exception:  # a bug in deciding when must not end delivery: the fallback pass
            log.exception("delivery wait failed", extra={"event": "job_failed", "job": "deliver"})
            await _first(stop.wait(), asyncio.sleep(longest))


async def _first(*waits: Awaitable[object]) -> None:
    """Wait until the first of ``waits`` is done (raising what it raised); cancel the others."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()


def _missed_listener(
    on_missed: Callable[[str, str], None] | None,
) -> Callable[[JobEvent], None]:
    def missed(event: JobEvent) -> None:
        reason = "still_running" if event.code == EVENT_JOB_MAX_INSTANCES else "late"
        runs = getattr(event, "scheduled_run_times", None) or [
            getattr(event, "scheduled_run_time", None)
        ]
        planned = runs[-1] if runs else None
        log.warning(
            "job missed",
            extra={
                "event": "job_missed",
                "job": event.job_id,
                "reason": reason,
                "planned": planned.astimezone(UTC).isoformat() if planned else None,
            },
        )
        if on_missed is not None:
            on_missed(event.job_id, reason)

    return missed


async def _poll_job(app: App, scheduler: AsyncIOScheduler, name: str) -> None:
    """Poll one source and move its job to the next poll the app decided; the alerts it
    commits wake the delivery loop (``App.poll_source``)."""
    try:
        outcome = await app.poll_source(name)
        _reschedule(scheduler, name, outcome.next_poll, disabled=outcome.next_poll is None)
    except Exception:  # the scheduler must outlive any bug in one job
        log.exception("job failed", extra={"event": "job_failed", "source": name})


def _reschedule(
    scheduler: AsyncIOScheduler, name: str, when: datetime | None, *, disabled: bool
) -> None:
    try:
        if when is not None:
            scheduler.modify_job(job_id(name), next_run_time=when)
        elif disabled:
            scheduler.remove_job(job_id(name))
    except JobLookupError:
        pass  # the job went away meanwhile (shutdown)
