"""The service process (``treatywatch run``): scheduler, delivery worker and HTTP server in one
event loop, with a graceful shutdown.

Start-up: the HTTP server listens first (so ``/healthz`` answers at once), then the scheduler
built by :func:`monitor.scheduler.build_scheduler` starts; the service adds a heartbeat job
(liveness) and a daily retention job (:func:`monitor.retention.prune`), and wraps every job so
it knows what is in flight. The delivery loop (:func:`monitor.scheduler.deliver_forever`) runs
beside the scheduler, its passes tracked like jobs. Once every source has been polled since
the last time (a cycle, the first one included), and whenever no poll has run for
``RELEASE_AFTER`` seconds, the memory the polls freed goes back to the system
(:func:`monitor.memory.release_memory`).

Shutdown on SIGTERM or SIGINT: ``/readyz`` turns 503, no new job or delivery pass starts, jobs
and a pass in flight get ``server.shutdown_grace`` to finish, and whatever is still running then
is abandoned (a fetch is cut off; an alert being sent stays in the outbox and goes out after the
restart, with the same id). A second signal abandons at once. Nothing is half-written: every
database write is one synchronous transaction that a cancellation cannot split.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.interval import IntervalTrigger

from monitor.app import App, PollOutcome
from monitor.logs import log_event
from monitor.memory import release_memory
from monitor.metrics import ServiceMetrics
from monitor.retention import prune
from monitor.scheduler import START_SPREAD, build_scheduler, deliver_forever, job_id
from monitor.summary import CycleCount, cycle_lines, startup_line
from monitor.web import Dashboard, HealthProbe, ServiceStatus, WebServer, build_web_app
from monitor.web.address import address_file
from monitor.web.status import HEARTBEAT_INTERVAL
from state import StoreError

__all__ = ["PRUNE_INTERVAL", "RELEASE_AFTER", "Service", "run_service"]

PRUNE_INTERVAL = timedelta(days=1)
PRUNE_DELAY = timedelta(minutes=10)  # the first prune, after start-up has settled
RELEASE_AFTER = 1.0
"""Seconds without a poll in flight after which the service gives freed memory back."""

log = logging.getLogger("treatywatch.service")


class Service:
    """One running service around an :class:`App`; :meth:`run` until ``stop`` is set."""

    def __init__(
        self,
        app: App,
        stop: asyncio.Event | None = None,
        *,
        announce: Callable[[str], None] | None = None,
        release_after: float = RELEASE_AFTER,
    ) -> None:
        self.app = app
        self.settings = app.settings.server
        self.stop = stop or asyncio.Event()
        self.abandon = asyncio.Event()
        self.status = ServiceStatus()
        self.scheduler: AsyncIOScheduler | None = None
        self.metrics = ServiceMetrics(app.store, clock=app.clock, next_polls=self.next_polls)
        self.web: WebServer | None = None
        self._in_flight: dict[asyncio.Task[Any], str] = {}
        self._delivery: asyncio.Task[None] | None = None
        self._polls = 0  # poll jobs in flight
        self._cycle = frozenset(job_id(source.name) for source in app.enabled_sources)
        self._unpolled = set(self._cycle)  # not polled since memory was last released
        self._release_after = release_after
        self._release: asyncio.TimerHandle | None = None
        # Lines for a person at the terminal (start-up and first-cycle summaries), or None.
        self.announce = announce
        self._first_cycle: dict[str, PollOutcome | None] = {}
        if announce is not None:  # the first cycle is summed up instead of a line per failure
            app.poller.first_failure_level = logging.DEBUG
        app.poll_observers.append(self.metrics.observe_poll)
        app.poll_observers.append(self._observe_first_cycle)
        app.delivery_observers.append(self.metrics.observe_delivery)

    def next_polls(self) -> Mapping[str, datetime | None]:
        """When each source's poll job runs next (from the scheduler)."""
        if self.scheduler is None:
            return {}
        return {
            job.id.removeprefix("poll:"): job.next_run_time
            for job in self.scheduler.get_jobs()
            if job.id.startswith("poll:")
        }

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        scheduler = self.scheduler = self._build_scheduler()
        self.status.scheduler_running = lambda: scheduler.state == STATE_RUNNING
        if self.settings.enabled:
            where = address_file(self.app.settings.state_dir)  # for healthcheck (port 0)
            self.web = WebServer(self._web_app(), self.settings, address_file=where)
            await self.web.start()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._signalled, sig)
        try:
            self._first_cycle = dict.fromkeys(self._polled_soon(scheduler, self.app.clock()))
            scheduler.start()
            self._delivery = asyncio.ensure_future(
                deliver_forever(
                    self.app, self.stop, run=self._tracked("deliver", self.app.deliver_due)
                )
            )
            if self._cycle_continues(scheduler):
                self.status.polling_started = True
            rules = sum(1 for rule in self.app.ruleset.rules if rule.enabled)
            log_event(
                log,
                logging.INFO,
                "service_started",
                sources=len(self.app.enabled_sources),
                rules=rules,
                channels=len(self.app.channels),
                http=f"{self.settings.bind}:{self.web.port}" if self.web else "disabled",
                auth=self.settings.auth.type if self.settings.auth else "none",
            )
            self._say(
                startup_line(
                    sources=len(self.app.enabled_sources),
                    rules=rules,
                    channels=len(self.app.channels),
                    polling=bool(self._first_cycle),
                )
            )
            if self.web is not None:
                self._say(f"dashboard: {self.dashboard_url}")
            await self.stop.wait()
        finally:
            await self._shutdown()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)

    @property
    def dashboard_url(self) -> str | None:
        """Where the dashboard answers (None when the HTTP server is off)."""
        if self.web is None:
            return None
        host = self.settings.bind
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.web.port}/"

    def _say(self, line: str) -> None:
        if self.announce is not None:
            self.announce(line)

    @staticmethod
    def _polled_soon(scheduler: AsyncIOScheduler, now: datetime) -> list[str]:
        """The sources whose first poll runs at start-up (not those waiting for a stored
        backoff or ``Retry-After``): the first cycle is over when each has answered."""
        soon = now + START_SPREAD + timedelta(seconds=5)
        return [
            job.id.removeprefix("poll:")
            for job in scheduler.get_jobs()
            if job.id.startswith("poll:") and job.next_run_time and job.next_run_time <= soon
        ]

    def _observe_first_cycle(self, outcome: PollOutcome) -> None:
        if self._first_cycle.get(outcome.source, outcome) is not None:
            return  # not in the first cycle, or already counted
        self._first_cycle[outcome.source] = outcome
        results = list(self._first_cycle.values())
        if any(result is None for result in results):
            return
        cycle = CycleCount.of((o.ok, o.skipped, o.error_kind) for o in results if o is not None)
        lines = cycle_lines(cycle)
        kinds = Counter(cycle.failed_kinds)
        log_event(
            log,
            logging.WARNING if cycle.failed_kinds and not cycle.answered else logging.INFO,
            "first_cycle",
            answered=cycle.answered,
            failed=len(cycle.failed_kinds),
            held=cycle.held,
            errors=",".join(f"{kind}:{n}" for kind, n in kinds.most_common()) or None,
            hint="offline" if any(line.startswith("hint:") for line in lines) else None,
        )
        for line in lines:
            self._say(line)

    def _cycle_continues(self, scheduler: AsyncIOScheduler) -> bool:
        """Whether every scheduled source was polled by an earlier run: then the poll cycle is
        already under way (the next polls keep their stored times) and the service is ready
        without waiting for one."""
        polled = {state.name for state in self.app.store.sources() if state.last_polled}
        return all(
            job.id.removeprefix("poll:") in polled
            for job in scheduler.get_jobs()
            if job.id.startswith("poll:")
        )

    def _signalled(self, sig: signal.Signals) -> None:
        if self.stop.is_set():
            log_event(log, logging.WARNING, "service_abandon", signal=sig.name)
            self.abandon.set()
        else:
            log_event(log, logging.INFO, "service_signal", signal=sig.name)
            self.stop.set()

    async def _shutdown(self) -> None:
        grace = self.settings.shutdown_grace.total_seconds()
        self.status.stopping = True
        log_event(
            log, logging.INFO, "service_stopping", in_flight=len(self._in_flight), grace=grace
        )
        scheduler = self.scheduler
        if scheduler is not None and scheduler.running:
            scheduler.pause()  # no new job starts; the ones running carry on
        if self._release is not None:
            self._release.cancel()
            self._release = None
        abandoned = 0
        if self._in_flight:
            abandon = asyncio.ensure_future(self.abandon.wait())
            finished = asyncio.ensure_future(asyncio.wait(list(self._in_flight)))
            await asyncio.wait({abandon, finished}, timeout=grace, return_when="FIRST_COMPLETED")
            abandon.cancel()
            finished.cancel()
            leftovers = [task for task in self._in_flight if not task.done()]
            abandoned = len(leftovers)
            for task in leftovers:
                task.cancel()
            if leftovers:
                await asyncio.wait(leftovers, timeout=5)
        if self._delivery is not None:  # between passes (or abandoned): nothing to wait for
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        if self.web is not None:
            await self.web.stop()
        log_event(log, logging.INFO, "service_stopped", abandoned=abandoned)

    def _build_scheduler(self) -> AsyncIOScheduler:
        scheduler = build_scheduler(self.app, on_missed=self.metrics.observe_missed)
        for job in scheduler.get_jobs():
            job.modify(func=self._tracked(job.id, job.func))
        scheduler.add_job(
            self._heartbeat,
            IntervalTrigger(seconds=HEARTBEAT_INTERVAL),
            id="service:heartbeat",
            name="heartbeat",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=self.app.clock(),
        )
        scheduler.add_job(
            self._prune,
            IntervalTrigger(seconds=PRUNE_INTERVAL.total_seconds()),
            id="service:prune",
            name="prune old rows",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=self.app.clock() + PRUNE_DELAY,
        )
        return scheduler

    async def _heartbeat(self) -> None:
        self.status.beat()

    async def _prune(self) -> None:
        """Forget what ``dedup.keep_items``/``keep_keys`` no longer ask to keep (daily)."""
        try:
            result = prune(self.app.store, self.app.settings, self.app.clock())
        except StoreError as exc:  # busy or failing: try again tomorrow, keep running
            log_event(log, logging.WARNING, "prune_failed", error=str(exc))
            return
        log_event(log, logging.INFO, "pruned", **asdict(result))

    def _tracked(
        self, job_id: str, func: Callable[..., Awaitable[Any]]
    ) -> Callable[..., Awaitable[Any]]:
        """``func`` as a job that the shutdown can wait for, and abandon quietly."""

        @functools.wraps(func)
        async def job(*args: Any, **kwargs: Any) -> Any:
            task = asyncio.current_task()
            assert task is not None
            poll = job_id.startswith("poll:")
            if poll:
                self.status.polling_started = True
                self._poll_started()
            self._in_flight[task] = job_id
            try:
                return await func(*args, **kwargs)
            except asyncio.CancelledError:
                if not self.status.stopping:
                    raise
                log_event(log, logging.WARNING, "job_abandoned", job=job_id)
                return None
            finally:
                self._in_flight.pop(task, None)
                if poll:
                    self._poll_ended(job_id)

        return job

    def _poll_started(self) -> None:
        self._polls += 1
        if self._release is not None:  # polls go on: not now
            self._release.cancel()
            self._release = None

    def _poll_ended(self, job: str) -> None:
        """Release memory once every source has been polled since the last release (the next
        cycle's polls may have begun: at 2,000 sources a first cycle can take longer than
        their interval), or when no other poll starts within ``release_after`` seconds of the
        last one in flight."""
        self._polls -= 1
        self._unpolled.discard(job)
        if self.status.stopping:
            return
        if not self._unpolled:
            self._release_memory("cycle")
        elif self._polls == 0 and self._release is None:
            loop = asyncio.get_running_loop()
            self._release = loop.call_later(
                self._release_after, functools.partial(self._release_memory, "quiet")
            )

    def _release_memory(self, after: str) -> None:
        """Give back the memory the polls freed (a few milliseconds). Without it the first
        cycle's heap (at 2,000 sources, every item new) stayed until the parse workers had
        been idle for a minute, about 10 MB more than after the later cycles."""
        if self._release is not None:
            self._release.cancel()
            self._release = None
        self._unpolled = set(self._cycle)
        began = time.perf_counter()
        release_memory()
        duration_ms = round((time.perf_counter() - began) * 1000, 1)
        log_event(log, logging.DEBUG, "memory_released", after=after, duration_ms=duration_ms)

    def _web_app(self) -> Any:
        app = self.app
        intervals = [app.settings.source_interval(s) for s in app.enabled_sources]
        probe = HealthProbe(
            store=app.store,
            status=self.status,
            settings=self.settings,
            clock=app.clock,
            poll_interval=max(intervals) if intervals else None,
            channels={name: _digest_period(app, name) for name in app.channels},
            sources=[source.name for source in app.enabled_sources],
        )
        dashboard = Dashboard(
            app.store,
            sources=app.sources,
            channels=list(app.channels),
            clock=app.clock,
            next_polls=self.next_polls,
            health=probe.summary,
        )
        return build_web_app(
            settings=self.settings, probe=probe, metrics=self.metrics, dashboard=dashboard
        )


async def run_service(
    app: App,
    stop: asyncio.Event | None = None,
    *,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Poll every source on its interval, deliver alerts and serve HTTP until SIGTERM/SIGINT
    or ``stop``. ``announce`` receives the lines for a person at the terminal: what runs at
    start-up, and how the first poll cycle went."""
    await Service(app, stop, announce=announce).run()


def _digest_period(app: App, channel: str) -> timedelta:
    """How long a channel's alerts wait by design: a digest channel's period, else zero."""
    config = next((c for c in app.channel_configs if c.name == channel), None)
    if getattr(config, "mode", "immediate") != "digest":
        return timedelta(0)
    return (
        timedelta(hours=1) if getattr(config, "digest", "daily") == "hourly" else timedelta(days=1)
    )
