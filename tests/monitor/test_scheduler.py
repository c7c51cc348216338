"""The scheduler is a thin shell: one job per enabled source with max_instances=1, coalescing
and a misfire grace of a whole interval (G1, G2); the first run waits for a stored hold; a
disabled source gets no job; after a poll the job moves to the time the app decided. The
scheduler is never started: jobs are inspected and called directly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from monitor.app import make_app
from monitor.config import parse_settings
from monitor.metrics import ServiceMetrics
from monitor.scheduler import _poll_job, build_scheduler, first_run, job_id
from rules import load_ruleset
from state import SourcePoll, iso
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route, serve

NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)
RULES = "rules:\n  - id: t\n    title: t\n    severity: low\n    query: 'withdraw'\n"


def _app(tmp_path: Path, sources: list[dict], clock=lambda: NOW):
    settings = parse_settings(
        {"state_dir": str(tmp_path / "state"), "sources": sources, "http": {"parse_workers": 0}}
    )
    return make_app(settings, ruleset=load_ruleset({"r.yaml": RULES}), channels={}, clock=clock)


def test_one_job_per_enabled_source_that_never_overlaps_and_catches_up_once(
    tmp_path: Path,
) -> None:
    app = _app(
        tmp_path,
        [
            {"name": "a", "url": "http://127.0.0.1:9/a", "interval": "10m"},
            {"name": "b", "url": "http://127.0.0.1:9/b", "official": True},
            {"name": "off", "url": "http://127.0.0.1:9/c", "enabled": False},
        ],
    )
    scheduler = build_scheduler(app, now=NOW, rand=random.Random(1))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {job_id("a"), job_id("b")}  # delivery runs beside: deliver_forever
    for name, seconds in (("a", 600), ("b", 300)):
        job = jobs[job_id(name)]
        assert job.max_instances == 1 and job.coalesce is True  # G1
        assert job.misfire_grace_time >= seconds  # G2: a stalled host runs it once on resume
        assert job.trigger.interval == timedelta(seconds=seconds)
        assert NOW <= job.next_run_time <= NOW + timedelta(seconds=11)
    asyncio.run(app.aclose())


def test_first_run_waits_for_a_stored_hold_and_disabled_sources_get_no_job(
    tmp_path: Path,
) -> None:
    sources = [
        {"name": "held", "url": "http://127.0.0.1:9/a"},
        {"name": "gone", "url": "http://127.0.0.1:9/b"},
    ]
    app = _app(tmp_path, sources)
    later = NOW + timedelta(hours=3)
    app.store.record_poll(
        "held",
        SourcePoll(
            url=sources[0]["url"],
            config_url=sources[0]["url"],
            ok=False,
            error="HTTP 429",
            error_class="http_429",
            next_poll=iso(later),
            next_poll_reason="retry_after",
        ),
        NOW,
    )
    app.store.record_poll(
        "gone",
        SourcePoll(
            url=sources[1]["url"],
            config_url=sources[1]["url"],
            ok=False,
            error="HTTP 410 Gone",
            error_class="gone",
            disabled_reason="gone",
        ),
        NOW,
    )
    scheduler = build_scheduler(app, now=NOW)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert job_id("gone") not in jobs
    assert jobs[job_id("held")].next_run_time == later
    asyncio.run(app.aclose())


def test_first_run_spreads_sources_over_the_first_seconds() -> None:
    times = [first_run(None, NOW, index, 0.5) for index in range(200)]
    assert times[0] == NOW + timedelta(seconds=0.5)
    assert max(times) <= NOW + timedelta(seconds=11)
    assert first_run(iso(NOW - timedelta(hours=1)), NOW, 0, 0.0) == NOW  # past hold: soon


def test_job_moves_to_the_next_poll_the_app_decided(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/a"] = Route(rss([Entry("x", "https://x.test/1")]))
    feed_server.routes["/b"] = Route(b"gone", status=410, content_type="text/plain")
    app = _app(
        tmp_path,
        [{"name": "a", "url": feed_server.url("/a")}, {"name": "b", "url": feed_server.url("/b")}],
    )

    async def go() -> None:
        scheduler = build_scheduler(app, now=NOW)
        scheduler.start(paused=True)
        try:
            await _poll_job(app, scheduler, "a")
            await _poll_job(app, scheduler, "b")
            job = scheduler.get_job(job_id("a"))
            stored = app.store.source("a").next_poll
            assert job.next_run_time.astimezone(UTC) == datetime.fromisoformat(
                stored.replace("Z", "+00:00")
            )
            assert scheduler.get_job(job_id("b")) is None  # 410: no further polls
        finally:
            scheduler.shutdown(wait=False)
            await app.aclose()

    asyncio.run(go())


def test_a_crashing_job_is_logged_and_the_scheduler_survives(tmp_path: Path, caplog) -> None:
    app = _app(tmp_path, [{"name": "a", "url": "http://127.0.0.1:9/a"}])

    async def boom(name: str, **kwargs: object):
        raise RuntimeError("bug")

    app.poll_source = boom  # type: ignore[method-assign]

    async def go() -> None:
        scheduler = build_scheduler(app, now=NOW)
        scheduler.start(paused=True)
        try:
            await _poll_job(app, scheduler, "a")  # G3: does not raise
        finally:
            scheduler.shutdown(wait=False)
            await app.aclose()

    asyncio.run(go())
    assert any(getattr(r, "event", None) == "job_failed" for r in caplog.records)


class _NoDraw(random.Random):
    def random(self) -> float:
        return 0.0


def test_a_hanging_host_delays_no_poll_of_other_hosts(tmp_path: Path) -> None:
    """B23 through the scheduler and the poller: two sources on a host that never answers
    (127.0.0.2) are due first, eight sources on eight other loopback hosts (127.0.0.3 to
    127.0.0.10) after them. With ``per_host: 1`` and ``concurrency: 2`` the hanging host holds
    one global slot (its second source waits for the host's slot without taking a global one),
    so each of the others is polled within two seconds of its planned time, long before
    the hanging fetches end."""
    hanging = socket.socket()
    hanging.bind(("127.0.0.2", 0))
    hanging.listen(8)  # accepts connections (the kernel's backlog) and never answers
    servers = [FeedServer(f"127.0.0.{n}") for n in range(3, 11)]
    for server in servers:
        server.routes["/f"] = Route(rss([Entry("withdraw", f"https://x.test/{server.host}")]))
    dead = f"http://127.0.0.2:{hanging.getsockname()[1]}"
    sources = [{"name": f"hang{n}", "url": f"{dead}/{n}"} for n in range(2)]
    sources += [{"name": s.host, "url": s.url("/f")} for s in servers]
    settings = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": sources,
            "http": {"parse_workers": 0, "per_host": 1, "concurrency": 2},
        }
    )
    app = make_app(settings, ruleset=load_ruleset({"r.yaml": RULES}), channels={})
    done: dict[str, float] = {}
    app.poll_observers.append(lambda outcome: done.setdefault(outcome.source, time.monotonic()))

    async def go() -> dict[str, float]:
        start = datetime.now(UTC)
        scheduler = build_scheduler(app, now=start, rand=_NoDraw())
        planned = {
            job.id: (job.next_run_time - start).total_seconds() for job in scheduler.get_jobs()
        }
        began = time.monotonic()
        scheduler.start()
        try:
            while len(done) < len(servers) and time.monotonic() - began < 10:
                await asyncio.sleep(0.05)
        finally:
            scheduler.shutdown(wait=False)
            polls = asyncio.all_tasks() - {asyncio.current_task()}
            for task in polls:
                task.cancel()
            await asyncio.gather(*polls, return_exceptions=True)
            await app.aclose()
        return {
            name: done[name] - began - planned[job_id(name)]
            for name in done
            if job_id(name) in planned
        }

    with contextlib.ExitStack() as stack:
        stack.callback(hanging.close)
        for server in servers:
            stack.enter_context(serve(server))
        lateness = asyncio.run(go())
    assert "hang0" not in lateness and "hang1" not in lateness  # still hanging at the end
    assert set(lateness) == {s.host for s in servers}
    assert max(lateness.values()) < 2.0, lateness
    for server in servers:
        assert server.statuses("/f") == [200]


def test_a_run_missed_while_the_poll_still_runs_is_logged_and_counted(
    tmp_path: Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """G1: a poll that lasts past its next run time never overlaps itself (``max_instances``);
    the run that could not start is logged as ``job_missed`` and counted in /metrics'
    ``treatywatch_scheduler_missed_runs_total``. Here the feed answers after 1.5 s, and the job
    falls due while its first run waits for it."""
    arrived = threading.Event()

    def slow(handler: BaseHTTPRequestHandler) -> None:
        arrived.set()
        time.sleep(1.5)
        body = rss([Entry("x", "https://x.test/1")])
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    feed_server.routes["/slow"] = Route(handler=slow)
    app = make_app(
        parse_settings(
            {
                "state_dir": str(tmp_path / "state"),
                "sources": [{"name": "slow", "url": feed_server.url("/slow")}],
                "http": {"parse_workers": 0},
            }
        ),
        ruleset=load_ruleset({"r.yaml": RULES}),
        channels={},
    )
    metrics = ServiceMetrics(app.store, clock=app.clock)
    polled: list[object] = []
    app.poll_observers.append(polled.append)

    async def go() -> None:
        scheduler = build_scheduler(app, rand=_NoDraw(), on_missed=metrics.observe_missed)
        scheduler.modify_job(job_id("slow"), next_run_time=datetime.now(UTC))
        scheduler.start()
        try:
            while not arrived.is_set():
                await asyncio.sleep(0.02)
            # the first run is waiting for the feed: the job falls due again
            scheduler.modify_job(job_id("slow"), next_run_time=datetime.now(UTC))
            while not polled:
                await asyncio.sleep(0.05)
        finally:
            scheduler.shutdown(wait=False)
            await app.aclose()

    with caplog.at_level(logging.WARNING, logger="treatywatch.scheduler"):
        asyncio.run(go())
    assert len(feed_server.requests) == 1  # no overlap
    missed = [r for r in caplog.records if getattr(r, "event", None) == "job_missed"]
    assert [(r.job, r.reason) for r in missed] == [(job_id("slow"), "still_running")]
    assert (
        'treatywatch_scheduler_missed_runs_total{job="poll:slow",reason="still_running"} 1.0'
        in metrics.render().decode()
    )
