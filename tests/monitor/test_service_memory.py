"""The service gives the memory a poll cycle freed back to the system once its polls are over,
the first cycle included (issue 14: at 2,000 sources the first cycle's heap stayed until the
parse workers had been idle for a minute, 152.5 MB RSS against the 150 MB target)."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from monitor.app import App, make_app
from monitor.config import parse_settings
from monitor.service import Service
from tests.support.feeds import Entry, rss
from tests.support.seed import test_rules
from tests.support.servers import FeedServer, Route


def _app(tmp_path: Path, feed_server: FeedServer) -> App:
    feed_server.routes["/a.xml"] = Route(
        rss([Entry("Weather turns mild along the coast", "https://news.test/w", guid="w-1")]),
        delay=0.3,  # the poll is in flight for a while: no release may come meanwhile
    )
    settings = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": [{"name": "a", "url": feed_server.url("/a.xml"), "interval": "1h"}],
            "channels": [{"name": "console", "type": "console"}],
            "server": {"enabled": False},
            "http": {"parse_workers": 0},
        },
        environ={},
    )
    return make_app(settings, ruleset=test_rules())


def _events(records: list[logging.LogRecord]) -> list[str]:
    wanted = {"poll", "memory_released"}
    return [e for r in records if (e := getattr(r, "event", None)) in wanted]


def test_memory_goes_back_once_the_first_cycle_is_over(
    tmp_path: Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(tmp_path, feed_server)

    async def serve() -> None:
        stop = asyncio.Event()
        service = asyncio.ensure_future(Service(app, stop, release_after=0.05).run())
        began = time.monotonic()
        try:
            while "memory_released" not in _events(caplog.records):
                if time.monotonic() - began > 15 or service.done():
                    break
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)  # a second release would come within this
        finally:
            stop.set()
            await service
            await app.aclose()

    with caplog.at_level(logging.DEBUG):
        asyncio.run(serve())
    app.store.close()
    # once, after the poll ended: not while it was in flight, not again with no poll between
    assert _events(caplog.records) == ["poll", "memory_released"]
    released = next(r for r in caplog.records if getattr(r, "event", None) == "memory_released")
    assert released.name == "treatywatch.service"


def test_a_poll_that_starts_in_the_quiet_time_puts_the_release_off(
    tmp_path: Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The release waits for a moment with no poll at all: a cycle's polls overlap and
    follow each other, and trimming between two of them would only be undone by the next."""
    app = _app(tmp_path, feed_server)
    seen: list[str] = []

    async def go() -> None:
        service = Service(app, release_after=0.1)

        async def poll() -> None:
            await asyncio.sleep(0.15)

        job = service._tracked("poll:a", poll)
        await job()  # the last poll in flight ended: a release is armed ...
        second = asyncio.ensure_future(job())  # ... and put off by the next poll
        await asyncio.sleep(0.12)
        seen.extend(_events(caplog.records))
        await second
        await asyncio.sleep(0.3)
        await app.aclose()

    with caplog.at_level(logging.DEBUG, logger="treatywatch.service"):
        asyncio.run(go())
    app.store.close()
    assert seen == []  # nothing while the second poll was in flight
    assert _events(caplog.records) == ["memory_released"]  # once, after it
