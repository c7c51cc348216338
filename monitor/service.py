"""The service process (``treatywatch run``): scheduler, delivery and signals in one loop."""

from __future__ import annotations

import asyncio
import logging
import signal

from monitor.app import App
from monitor.logs import log_event
from monitor.scheduler import build_scheduler

__all__ = ["run_service"]

log = logging.getLogger("treatywatch.service")


async def run_service(app: App, stop: asyncio.Event | None = None) -> None:
    """Poll every source on its interval and deliver alerts until SIGTERM/SIGINT or ``stop``."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    scheduler = build_scheduler(app)
    scheduler.start()
    log_event(
        log,
        logging.INFO,
        "service_started",
        sources=len(app.enabled_sources),
        channels=len(app.channels),
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
