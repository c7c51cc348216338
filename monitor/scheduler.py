"""The APScheduler shell around ``App`` (the service process itself is ``monitor.service``).

Jobs only call ``app.poll_source(name)`` and ``app.deliver_due()``; every decision lives in the
app. One job per source (``max_instances=1`` so a slow source never overlaps itself,
``coalesce=True`` and a generous misfire grace so a stalled host catches up once, not in a storm).
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.app import App

__all__ = ["DELIVERY_INTERVAL", "build_scheduler"]

DELIVERY_INTERVAL = timedelta(seconds=10)
log = logging.getLogger("treatywatch.scheduler")


def build_scheduler(app: App, now: datetime | None = None) -> AsyncIOScheduler:
    """An (unstarted) scheduler with one poll job per enabled source and the delivery job."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    now = now or datetime.now(UTC)
    for index, source in enumerate(app.enabled_sources):
        interval = app.settings.source_interval(source).total_seconds()
        # Spread the first polls over a few seconds so many sources do not start at once.
        first = now + timedelta(seconds=min(index * 0.2, 10) + random.uniform(0, 1))
        scheduler.add_job(
            _poll_then_deliver,
            IntervalTrigger(seconds=interval, jitter=min(interval * 0.1, 60), timezone=UTC),
            args=(app, source.name),
            id=f"poll:{source.name}",
            name=f"poll {source.name}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(interval),
            next_run_time=first,
        )
    scheduler.add_job(
        app.deliver_due,
        IntervalTrigger(seconds=DELIVERY_INTERVAL.total_seconds(), timezone=UTC),
        id="deliver",
        name="deliver alerts",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=30,
        next_run_time=now,
    )
    return scheduler


async def _poll_then_deliver(app: App, name: str) -> None:
    try:
        outcome = await app.poll_source(name)
        if outcome.alerts:
            await app.deliver_due()
    except Exception:  # the scheduler must outlive any bug in one job
        log.exception("job failed", extra={"event": "job_failed", "source": name})
