"""The long-running service: a thin APScheduler shell around ``App``.

Jobs only call ``app.poll_source(name)`` and ``app.deliver_due()``; every decision lives in the
app. One job per source (``max_instances=1`` so a slow source never overlaps itself,
``coalesce=True`` and a generous misfire grace so a stalled host catches up once, not in a storm).
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.app import App
from monitor.logs import log_event

__all__ = ["DELIVERY_INTERVAL", "run_service"]

DELIVERY_INTERVAL = timedelta(seconds=10)
log = logging.getLogger("treatywatch.service")


async def run_service(app: App, stop: asyncio.Event | None = None) -> None:
    """Poll every source on its interval and deliver alerts until SIGTERM/SIGINT or ``stop``."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    scheduler = AsyncIOScheduler(timezone=UTC)
    now = datetime.now(UTC)
    sources = app.enabled_sources
    for index, source in enumerate(sources):
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
    scheduler.start()
    log_event(
        log, logging.INFO, "service_started", sources=len(sources), channels=len(app.channels)
    )
    try:
        await stop.wait()
    finally:
        log_event(log, logging.INFO, "service_stopping")
        scheduler.shutdown(wait=False)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        # Give in-flight polls and deliveries a moment; whatever is unsent stays in the outbox.
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if pending:
            await asyncio.wait(pending, timeout=5)
        log_event(log, logging.INFO, "service_stopped")


async def _poll_then_deliver(app: App, name: str) -> None:
    try:
        outcome = await app.poll_source(name)
        if outcome.alerts:
            await app.deliver_due()
    except Exception:  # the scheduler must outlive any bug in one job
        log.exception("job failed", extra={"event": "job_failed", "source": name})
