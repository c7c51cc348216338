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


def _app(tmp_path: Path, feed_server: FeedServer, sources: int = 2) -> App:
    feed_server.routes["/a.xml"] = Route(
        rss([Entry("Weather turns mild along the coast", "https://news.test/w", guid="w-1")]),
        delay=0.3,  # this poll is in flight for a while
    )
    feed_server.routes["/b.xml"] = Route(
        rss([Entry("Rain expected inland", "https://news.test/r", guid="r-1")])
    )
    names = "abc"[:sources]
    settings = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": [
                {"name": name, "url": feed_server.url(f"/{'a' if name == 'a' else 'b'}.xml")}
                for name in names
            ],
            "channels": [{"name": "console", "type": "console"}],
            "server": {"enabled": False},
            "http": {"parse_workers": 0},
        },
        environ={},
    )
    return make_app(settings, ruleset=test_rules())


def _released(records: list[logging.LogRecord]) -> list[str]:
    return [
        r.after  # type: ignore[attr-defined]
        for r in records
        if getattr(r, "event", None) == "memory_released" and r.name == "treatywatch.service"
    ]


def test_memory_goes_back_once_the_first_cycle_is_over(
    tmp_path: Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The real service on a local server: once each source has been polled (the first
    cycle), with no quiet time needed (a minute here, so only the cycle can trigger it)."""
    app = _app(tmp_path, feed_server)
    order: list[str] = []

    async def serve() -> None:
        stop = asyncio.Event()
        service = asyncio.ensure_future(Service(app, stop, release_after=60).run())
        began = time.monotonic()
        try:
            while not _released(caplog.records):
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
    for record in caplog.records:
        event = getattr(record, "event", None)
        if event == "poll" or (event == "memory_released" and record.name.endswith("service")):
            order.append(event)
    assert order == ["poll", "poll", "memory_released"]  # after both polls, once
    assert _released(caplog.records) == ["cycle"]


def test_memory_goes_back_after_a_cycle_of_polls_that_never_go_quiet(
    tmp_path: Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Cycles overlap when a cycle takes longer than the interval (2,000 sources): once every
    source has been polled, memory goes back even while the next cycle's polls are in flight,
    and not before (a source polled twice is not a cycle)."""
    app = _app(tmp_path, feed_server)  # sources a and b
    seen: list[list[str]] = []

    async def go() -> None:
        service = Service(app, release_after=60)
        gates = {"a": asyncio.Event(), "b": asyncio.Event()}

        def poll(name: str) -> asyncio.Future[None]:
            async def run() -> None:
                await gates[name].wait()
                gates[name].clear()

            return asyncio.ensure_future(service._tracked(f"poll:{name}", run)())

        b_first = poll("b")
        for _ in range(2):  # a twice, b still in flight: no cycle yet
            a = poll("a")
            await asyncio.sleep(0)
            gates["a"].set()
            await a
        seen.append(_released(caplog.records))
        a_next = poll("a")  # the next cycle has begun ...
        await asyncio.sleep(0)
        gates["b"].set()
        await b_first  # ... when b's poll ends the first
        seen.append(_released(caplog.records))
        gates["a"].set()
        await a_next
        await app.aclose()

    with caplog.at_level(logging.DEBUG, logger="treatywatch.service"):
        asyncio.run(go())
    app.store.close()
    assert seen == [[], ["cycle"]]


def test_a_poll_that_starts_in_the_quiet_time_puts_the_release_off(
    tmp_path: Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Between cycles, the release also comes once no poll has run for ``release_after``
    seconds: never while one is in flight, and put off by a poll that starts meanwhile."""
    app = _app(tmp_path, feed_server, sources=3)  # a cycle of three: two polls do not end it
    seen: list[list[str]] = []

    async def go() -> None:
        service = Service(app, release_after=0.1)

        async def poll() -> None:
            await asyncio.sleep(0.15)

        job = service._tracked("poll:a", poll)
        await job()  # the last poll in flight ended: a release is armed ...
        second = asyncio.ensure_future(job())  # ... and put off by the next poll
        await asyncio.sleep(0.12)
        seen.append(_released(caplog.records))
        await second
        await asyncio.sleep(0.3)
        await app.aclose()

    with caplog.at_level(logging.DEBUG, logger="treatywatch.service"):
        asyncio.run(go())
    app.store.close()
    assert seen == [[]]  # nothing while the second poll was in flight
    assert _released(caplog.records) == ["quiet"]  # once, after it
