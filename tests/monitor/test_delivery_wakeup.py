"""Delivery wakes when an alert is due, not on a fixed pass (issue 14): the service's delivery
loop sleeps until the earliest due time of a pending row (its backoff or ``Retry-After``) or
until a commit wakes it. End-to-end checks run the real service in-process against real local
receivers and a real SQLite file; their deadlines sit well under the 10 s fallback pass, so
they check which schedule ran, not how fast."""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from monitor.app import App, make_app
from monitor.config import parse_settings
from monitor.delivery import DeliveryReport, next_wake
from monitor.scheduler import deliver_forever
from monitor.service import Service
from state import NewAlert, Store, due_times
from tests.monitor.channels.conftest import alert
from tests.support.feeds import Entry, rss
from tests.support.seed import test_rules
from tests.support.servers import FeedServer, Route, WebhookReceiver

T0 = datetime(2025, 3, 18, 10, 0, tzinfo=UTC)


def _app(
    tmp_path: Path, receiver: WebhookReceiver, sources: list[dict[str, Any]], **delivery: Any
) -> App:
    settings = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": sources,
            "channels": [{"name": "hook", "type": "webhook", "url": receiver.url}],
            "delivery": delivery,
            "server": {"enabled": False},
            "http": {"parse_workers": 0},
        },
        environ={},
    )
    return make_app(settings, ruleset=test_rules())


def _serve_until(app: App, done: Callable[[], bool], limit: float) -> float:
    """Run the real service until ``done()`` or ``limit`` seconds; how long it ran."""

    async def go() -> float:
        stop = asyncio.Event()
        service = asyncio.ensure_future(Service(app, stop).run())
        began = time.monotonic()
        try:
            while not done() and time.monotonic() - began < limit and not service.done():
                await asyncio.sleep(0.02)
            return time.monotonic() - began
        finally:
            stop.set()
            await service
            await app.aclose()

    return asyncio.run(go())


def _retry_after(seconds: str, status: int = 503) -> Callable[[BaseHTTPRequestHandler], int]:
    def answer(handler: BaseHTTPRequestHandler) -> int:
        real = handler.send_response

        def send_response(code: int, message: str | None = None) -> None:
            real(code, message)
            handler.send_header("Retry-After", seconds)

        handler.send_response = send_response  # type: ignore[method-assign]
        return status

    return answer


# -- the decision (pure) ---------------------------------------------------------------------


def test_next_wake_is_the_earliest_due_row_or_its_channels_pause_if_later() -> None:
    due = {"a": T0 + timedelta(seconds=5), "b": T0 + timedelta(seconds=2)}
    assert next_wake(due, {}) == T0 + timedelta(seconds=2)
    # b is paused past its row's due time: a's row comes first
    paused = {"b": T0 + timedelta(seconds=9)}
    assert next_wake(due, paused) == T0 + timedelta(seconds=5)
    # a pause that ended before the row is due changes nothing
    assert next_wake(due, {"b": T0}) == T0 + timedelta(seconds=2)
    # a paused channel with nothing pending does not wake anyone
    assert next_wake({}, {"c": T0 + timedelta(seconds=1)}) is None
    # the end of a digest period wakes the deliverer too
    assert next_wake(due, paused, [T0 + timedelta(seconds=1)]) == T0 + timedelta(seconds=1)
    assert next_wake({}, {}) is None


def test_due_times_are_those_of_rows_a_pass_would_send(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "state")
    try:
        body = json.dumps(alert(id="x"))
        for alert_id, channel, minutes in (("a1", "a", 5), ("a2", "a", 1), ("b1", "b", 3)):
            store.enqueue(NewAlert(alert_id, channel, body), T0 + timedelta(minutes=minutes))
        store.enqueue(NewAlert("d1", "digest", body), T0)  # waits for its digest
        store.enqueue(NewAlert("d2", "digest", body), T0 + timedelta(minutes=2), kind="ops")
        store.enqueue(NewAlert("gone", "elsewhere", body), T0)  # not a channel of ours
        store.claim("a2", T0 + timedelta(minutes=1))  # in flight: not waiting
        found = due_times(store, channels=["a", "b", "digest"], digest_channels=["digest"])
        assert found == {
            "a": T0 + timedelta(minutes=5),
            "b": T0 + timedelta(minutes=3),
            "digest": T0 + timedelta(minutes=2),  # only the operator notice
        }
        store.mark_sent("b1", T0)
        assert "b" not in due_times(store, channels=["a", "b"])
        assert due_times(store, channels=[]) == {}
    finally:
        store.close()


# -- the running service ---------------------------------------------------------------------


def test_a_retry_after_1s_is_retried_about_a_second_later_not_at_the_next_pass(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    """A receiver answers the first attempt 503 with ``Retry-After: 1``: the retry waits the
    second it asked for, then goes out at once (before, it waited for the next 10 s pass)."""
    fresh = datetime.now(UTC) - timedelta(minutes=5)
    feed_server.routes["/a.xml"] = Route(
        rss(
            [
                Entry(
                    "Latvia to withdraw from the Ottawa Convention",
                    "https://n.test/lv",
                    published=fresh,
                )
            ]
        )
    )
    receiver.script = [_retry_after("1")]
    app = _app(tmp_path, receiver, [{"name": "a", "url": feed_server.url("/a.xml")}], backoff="1s")
    _serve_until(app, lambda: len(receiver.accepted) == 1, limit=15)
    first, second = receiver.requests[:2]
    assert (first.status, second.status) == (503, 200)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]  # the same alert
    gap = second.time - first.time
    assert gap >= 1.0  # Retry-After honoured
    assert gap < 5.0, gap  # not the next 10 s pass


def test_a_receiver_failing_a_third_of_requests_gets_every_alert(
    tmp_path: Path, receiver: WebhookReceiver
) -> None:
    """Every third request fails (503, no Retry-After): each failure pauses the channel for its
    short backoff; the queue goes on when the pause ends instead of waiting for a pass, and
    every alert arrives exactly once (before, each pause cost a 10 s pass)."""
    store = Store.open(tmp_path / "state")
    now = datetime.now(UTC)
    ids = [f"alrt_{n:02d}" for n in range(9)]
    for alert_id in ids:
        store.enqueue(NewAlert(alert_id, "hook", json.dumps(alert(id=alert_id))), now)
    store.close()
    count = 0

    def every_third(handler: BaseHTTPRequestHandler) -> int:
        nonlocal count
        count += 1
        return 503 if count % 3 == 0 else 200

    receiver.script = [every_third] * 100
    app = _app(tmp_path, receiver, [], backoff="300ms")
    took = _serve_until(app, lambda: len(receiver.accepted) == len(ids), limit=20)
    accepted = [r.headers["webhook-id"] for r in receiver.accepted]
    assert sorted(accepted) == ids  # every alert, once
    assert any(r.status == 503 for r in receiver.requests)
    assert took < 9.0, took  # no failure waited for a 10 s pass


def test_a_committed_alert_wakes_the_loop_before_its_fallback_pass(
    tmp_path: Path, receiver: WebhookReceiver
) -> None:
    """The loop sleeps (nothing is due) until ``wake``: a row committed then goes out at once,
    not at the fallback pass 60 s later."""
    app = _app(tmp_path, receiver, [])

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.ensure_future(deliver_forever(app, stop, fallback=timedelta(seconds=60)))
        try:
            await asyncio.sleep(0.3)  # the first pass found nothing; the loop sleeps
            body = json.dumps(alert(id="alrt_new"))
            app.store.enqueue(NewAlert("alrt_new", "hook", body), datetime.now(UTC))
            app.deliverer.wake()
            began = time.monotonic()
            while not receiver.accepted and time.monotonic() - began < 5:
                await asyncio.sleep(0.02)
        finally:
            stop.set()
            await loop
            await app.aclose()

    asyncio.run(go())
    assert [r.headers["webhook-id"] for r in receiver.accepted] == ["alrt_new"]


def test_the_loop_outlives_a_failing_pass_and_a_failing_wait(
    tmp_path: Path, receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in one pass or in deciding when to pass is logged (``job_failed``); the loop goes
    on and the next (fallback) pass delivers."""
    app = _app(tmp_path, receiver, [])
    body = json.dumps(alert(id="alrt_1"))
    app.store.enqueue(NewAlert("alrt_1", "hook", body), datetime.now(UTC))
    passes = 0

    async def flaky_pass() -> DeliveryReport:
        nonlocal passes
        passes += 1
        if passes == 1:
            raise RuntimeError("bug in a pass")
        return await app.deliver_due()

    def broken_next_due() -> datetime | None:
        raise RuntimeError("bug in next_due")

    app.deliverer.next_due = broken_next_due  # type: ignore[method-assign]

    async def go() -> None:
        stop = asyncio.Event()
        fallback = timedelta(seconds=0.2)
        loop = asyncio.ensure_future(deliver_forever(app, stop, run=flaky_pass, fallback=fallback))
        try:
            began = time.monotonic()
            while not receiver.accepted and time.monotonic() - began < 5:
                await asyncio.sleep(0.02)
        finally:
            stop.set()
            await loop
            await app.aclose()

    with caplog.at_level(logging.ERROR, logger="treatywatch.scheduler"):
        asyncio.run(go())
    assert [r.headers["webhook-id"] for r in receiver.accepted] == ["alrt_1"]
    failed = [r for r in caplog.records if getattr(r, "event", None) == "job_failed"]
    assert {r.getMessage() for r in failed} == {"delivery pass failed", "delivery wait failed"}


def test_while_another_process_delivers_the_loop_waits_instead_of_spinning(
    tmp_path: Path, receiver: WebhookReceiver
) -> None:
    """``delivery.lock`` is held elsewhere (a ``treatywatch poll`` delivering): each pass is
    skipped, and the loop tries again a second later, not in a busy loop over a due row."""
    app = _app(tmp_path, receiver, [])
    app.store.enqueue(NewAlert("alrt_1", "hook", json.dumps(alert(id="alrt_1"))), T0)
    reports: list[DeliveryReport] = []

    async def counted() -> DeliveryReport:
        reports.append(await app.deliver_due())
        return reports[-1]

    async def go() -> None:
        stop = asyncio.Event()
        with open(tmp_path / "state" / "delivery.lock", "a") as other:
            fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            loop = asyncio.ensure_future(deliver_forever(app, stop, run=counted))
            await asyncio.sleep(1.5)
            fcntl.flock(other.fileno(), fcntl.LOCK_UN)
        began = time.monotonic()
        while not receiver.accepted and time.monotonic() - began < 5:
            await asyncio.sleep(0.02)
        stop.set()
        await loop
        await app.aclose()

    asyncio.run(go())
    skipped = [report for report in reports if report.skipped]
    assert 1 <= len(skipped) <= 3, len(skipped)  # about one a second while the lock was held
    assert [r.headers["webhook-id"] for r in receiver.accepted] == ["alrt_1"]  # then sent
