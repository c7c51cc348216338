"""The delivery worker on real parts (SQLite file, local HTTP receivers) with time driven by an
injected clock: retry schedule, Retry-After, dead letters, pacing, concurrency, crash recovery,
digests and operator notices."""

from __future__ import annotations

import asyncio
import fcntl
import io
import json
import logging
import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from monitor.channels import ConsoleChannel, SlackChannel, WebhookChannel
from monitor.channels.base import Sent
from monitor.config import ConsoleChannel as ConsoleConfig
from monitor.config import DeliverySettings
from monitor.config import SlackChannel as SlackConfig
from monitor.config import WebhookChannel as WebhookConfig
from monitor.delivery import Deliverer
from state import NewAlert, Store
from tests.monitor.channels.conftest import SECRET, alert
from tests.support.servers import WebhookReceiver
from tests.support.slack import SlackReceiver

T0 = datetime(2025, 3, 18, 10, 0, tzinfo=UTC)


class Clock:
    """The injected clock; ``sleep`` advances it instead of waiting."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def to(self, stamp: str) -> None:
        self.now = datetime.fromisoformat(stamp.replace("Z", "+00:00"))

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "state")
    yield store
    store.close()


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    server = SlackReceiver().start()
    yield server
    server.stop()


def _queue(store: Store, channel: str, *ids: str, at: datetime = T0, **payload: Any) -> None:
    for alert_id in ids:
        body = json.dumps(alert(id=alert_id, **payload), separators=(",", ":"))
        store.enqueue(NewAlert(alert_id, channel, body), at)


def _hook(url: str, **extra: Any) -> WebhookConfig:
    return WebhookConfig(name="hook", type="webhook", url=url, **extra)


def _deliverer(store: Store, clock: Clock, *configs: Any, **settings: Any) -> Deliverer:
    channels: dict[str, Any] = {}
    for config in configs:
        if isinstance(config, WebhookConfig):
            channels[config.name] = WebhookChannel(config)
        elif isinstance(config, SlackConfig):
            channels[config.name] = SlackChannel(config)
        else:
            channels[config.name] = ConsoleChannel(config.name, stream=io.StringIO())
    return Deliverer(
        store,
        channels,
        clock,
        settings=DeliverySettings(**settings),
        channel_configs=configs,
        sleep=clock.sleep,
        rng=random.Random(6),
    )


def _run(deliverer: Deliverer, passes: int = 1):
    async def go():
        try:
            return [await deliverer.deliver_due() for _ in range(passes)][-1]
        finally:
            await deliverer.aclose()

    return asyncio.run(go())


def _settle(receiver: WebhookReceiver, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.requests) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_500_then_429_then_timeout_then_200_arrives_once_on_schedule_signed(
    store: Store, receiver: WebhookReceiver
) -> None:
    def rate_limited(handler: BaseHTTPRequestHandler) -> int:
        real = handler.send_response

        def send_response(code: int, message: str | None = None) -> None:
            real(code, message)
            handler.send_header("Retry-After", "120")

        handler.send_response = send_response  # type: ignore[method-assign]
        return 429

    def hang(handler: BaseHTTPRequestHandler) -> int:
        time.sleep(0.8)  # longer than the channel's timeout: the client gives up first
        return 504

    receiver.script = [500, rate_limited, hang, 200]
    clock = Clock()
    _queue(store, "hook", "alrt_1")
    config = _hook(receiver.url, secret=SECRET, timeout=0.3)

    async def scenario() -> list[datetime]:
        deliverer = _deliverer(store, clock, config)
        schedule = []
        try:
            for expected_requests in (1, 2, 3, 4):
                report = await deliverer.deliver_due()
                # the receiver logs a request when its handler returns (the hang: later)
                _settle(receiver, expected_requests)
                assert len(receiver.requests) == expected_requests, report
                row = store.alert("alrt_1")
                assert row is not None
                if row.status == "sent":
                    break
                due = _when(row.next_attempt)
                schedule.append(due)
                # nothing happens before the scheduled time
                clock.now = due - timedelta(seconds=1)
                await deliverer.deliver_due()
                assert len(receiver.requests) == expected_requests
                clock.now = due
        finally:
            await deliverer.aclose()
        return schedule

    schedule = asyncio.run(scenario())
    # backoff with jitter after the 500 (15-30 s), Retry-After honoured after the 429 (>= 120 s
    # after that attempt), backoff again after the timeout (third retry: 60-120 s)
    first, second, third = schedule
    assert timedelta(seconds=15) <= first - T0 <= timedelta(seconds=30)
    assert second - first >= timedelta(seconds=120)
    assert timedelta(seconds=60) <= third - second <= timedelta(seconds=120)
    row = store.alert("alrt_1")
    assert row is not None and row.status == "sent" and row.attempts == 4
    [accepted] = receiver.accepted
    headers = {k.lower(): v for k, v in accepted.headers.items()}
    assert Webhook(SECRET).verify(accepted.body, headers)["id"] == "alrt_1"
    assert {r.headers["webhook-id"] for r in receiver.requests} == {"alrt_1"}
    assert accepted.body.decode() == store.alert("alrt_1").payload  # type: ignore[union-attr]


def test_404_and_400_end_dead_with_the_reason(store: Store, receiver: WebhookReceiver) -> None:
    clock = Clock()
    _queue(store, "hook", "alrt_404")
    receiver.script = [404, 404, 404]
    deliverer = _deliverer(store, clock, _hook(receiver.url))

    async def retry_until_done() -> None:
        try:
            for _ in range(5):
                await deliverer.deliver_due()
                row = store.alert("alrt_404")
                assert row is not None
                if row.status == "dead":
                    return
                clock.now = _when(row.next_attempt)
        finally:
            await deliverer.aclose()

    asyncio.run(retry_until_done())
    row = store.alert("alrt_404")
    assert row is not None and row.status == "dead" and row.attempts == 3
    assert row.dead_reason == (
        "rejected 3 times (check the channel's config): hook: HTTP 404 not found (no such "
        "webhook?): ok"
    )
    _queue(store, "hook", "alrt_400", at=clock.now)
    receiver.script = [400]
    _run(_deliverer(store, clock, _hook(receiver.url)))
    row = store.alert("alrt_400")
    assert row is not None and row.status == "dead" and row.attempts == 1
    assert row.dead_reason == "rejected: hook: HTTP 400 bad request: ok"


def test_410_parks_the_channel_queue_and_tells_the_ops_channel(
    store: Store, receiver: WebhookReceiver
) -> None:
    clock = Clock()
    _queue(store, "hook", "alrt_1", "alrt_2", "alrt_3")
    _queue(store, "console", "alrt_c")
    receiver.script = [410]
    console = ConsoleConfig(name="console", type="console", ops=True)
    report = _run(_deliverer(store, clock, _hook(receiver.url, concurrency=1), console))
    assert len(receiver.requests) == 1
    dead = {r.id: r for r in store.alerts(status="dead")}
    assert set(dead) == {"alrt_1", "alrt_2", "alrt_3"}
    assert all(r.dead_reason.startswith("endpoint gone: hook: HTTP 410") for r in dead.values())
    assert report.dead == 1 and report.by_channel["hook"]["dead"] == 1
    ops = store.alerts(kind="ops")
    assert len(ops) == 1 and ops[0].channel == "console"
    notice = json.loads(ops[0].payload)
    assert notice["type"] == "ops" and notice["title"] == "Alerts to channel hook are failing"
    assert "treatywatch alerts retry --dead" in notice["summary"]
    # the operator notice itself is delivered (console) and not repeated the same day
    _queue(store, "hook", "alrt_4", at=clock.now)
    clock.advance(hours=2)
    receiver.script = [410]
    _run(_deliverer(store, clock, _hook(receiver.url), console))
    assert len(store.alerts(kind="ops")) == 1
    assert store.alert(ops[0].id).status == "sent"  # type: ignore[union-attr]


def test_transient_failures_give_up_after_max_attempts_or_max_age(
    store: Store, receiver: WebhookReceiver
) -> None:
    clock = Clock()
    _queue(store, "hook", "alrt_1")
    receiver.script = [500] * 10
    deliverer = _deliverer(store, clock, _hook(receiver.url), max_attempts=3)

    async def until_dead(alert_id: str) -> None:
        try:
            for _ in range(10):
                await deliverer.deliver_due()
                row = store.alert(alert_id)
                assert row is not None
                if row.status == "dead":
                    return
                clock.now = _when(row.next_attempt)
        finally:
            await deliverer.aclose()

    asyncio.run(until_dead("alrt_1"))
    row = store.alert("alrt_1")
    assert row is not None and row.attempts == 3
    assert row.dead_reason == "gave up after 3 attempts: hook: HTTP 500: ok"

    _queue(store, "hook", "alrt_2", at=clock.now)
    receiver.script = [500] * 20
    deliverer = _deliverer(store, clock, _hook(receiver.url), max_age="5m", max_backoff="2m")
    asyncio.run(until_dead("alrt_2"))
    row = store.alert("alrt_2")
    assert row is not None and row.dead_reason is not None
    assert row.dead_reason.startswith("gave up after retrying for")
    assert _when(row.last_attempt) - _when(row.first_attempt) >= timedelta(minutes=5)  # type: ignore[arg-type]


def test_slack_is_paced_at_one_message_per_second(store: Store, slack: SlackReceiver) -> None:
    clock = Clock()
    _queue(store, "slack", *(f"alrt_{n}" for n in range(5)))
    config = SlackConfig(name="slack", type="slack", url=slack.url)
    report = _run(_deliverer(store, clock, config))
    assert report.sent == 5 and len(slack.accepted) == 5
    assert clock.slept == [1.0, 1.0, 1.0, 1.0]
    texts = [m.json["blocks"][-1]["elements"][0]["text"] for m in slack.accepted]
    assert texts == [f"treatywatch alert `alrt_{n}`" for n in range(5)]  # oldest first


def test_retry_after_pauses_the_whole_channel(store: Store, slack: SlackReceiver) -> None:
    clock = Clock()
    _queue(store, "slack", "alrt_1", "alrt_2", "alrt_3")
    slack.script = [(429, "rate_limited", {"Retry-After": "30"})]
    config = SlackConfig(name="slack", type="slack", url=slack.url)
    deliverer = _deliverer(store, clock, config)

    async def scenario() -> None:
        try:
            await deliverer.deliver_due()
            assert len(slack.messages) == 1  # nothing more sent to that webhook
            clock.advance(seconds=29)
            await deliverer.deliver_due()
            assert len(slack.messages) == 1
            clock.advance(seconds=1)
            await deliverer.deliver_due()
        finally:
            await deliverer.aclose()

    asyncio.run(scenario())
    assert len(slack.accepted) == 3
    assert {r.status for r in store.alerts()} == {"sent"}


def test_per_channel_concurrency_is_bounded(store: Store, receiver: WebhookReceiver) -> None:
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def slow(handler: BaseHTTPRequestHandler) -> int:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.15)
        with lock:
            state["now"] -= 1
        return 200

    receiver.script = [slow] * 6
    _queue(store, "hook", *(f"alrt_{n}" for n in range(6)))
    report = _run(_deliverer(store, Clock(), _hook(receiver.url, concurrency=2)))
    assert report.sent == 6
    assert state["max"] == 2


class _Crash(BaseException):
    """Stands in for the process dying (SIGKILL) at a chosen point of a send."""


class _CrashingChannel:
    def __init__(self, inner: WebhookChannel, where: str) -> None:
        self.name = inner.name
        self.inner = inner
        self.where = where

    async def send(self, alert_id: str, body: str, payload: dict[str, Any]) -> Sent:
        if self.where == "before":
            raise _Crash
        if self.where == "during":
            task = asyncio.ensure_future(self.inner.send(alert_id, body, payload))
            await asyncio.sleep(0.05)
            task.cancel()
            raise _Crash
        await self.inner.send(alert_id, body, payload)
        raise _Crash  # accepted by the receiver, never marked sent

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("where", ["before", "during", "after"])
def test_a_crash_at_any_point_of_a_send_loses_nothing(
    store: Store, receiver: WebhookReceiver, where: str
) -> None:
    def slow(handler: BaseHTTPRequestHandler) -> int:
        time.sleep(0.2)
        return 200

    receiver.script = [slow] * 10
    clock = Clock()
    _queue(store, "hook", "alrt_1", "alrt_2")
    config = _hook(receiver.url, concurrency=1)
    crashing = Deliverer(
        store,
        {"hook": _CrashingChannel(WebhookChannel(config), where)},
        clock,
        channel_configs=[config],
        sleep=clock.sleep,
    )

    async def crash() -> None:
        try:
            with pytest.raises(_Crash):
                await crashing.deliver_due()
        finally:
            await crashing.aclose()

    asyncio.run(crash())
    in_flight = {r.id for r in store.alerts() if r.sending_since}
    assert in_flight  # claimed and counted before the request left
    assert all(store.alert(i).attempts == 1 for i in in_flight)  # type: ignore[union-attr]
    # the restarted process: a new deliverer on the same database
    clock.advance(seconds=5)
    report = _run(_deliverer(store, clock, config))
    assert report.recovered == len(in_flight)
    assert {r.status for r in store.alerts()} == {"sent"}
    ids = [r.headers["webhook-id"] for r in receiver.accepted]
    assert set(ids) == {"alrt_1", "alrt_2"}
    repeats = len(ids) - 2
    if where == "before":
        assert repeats == 0
    else:  # a repeat is possible only for a row in flight, and carries the same id
        assert repeats <= len(in_flight)
    if where == "after":
        assert repeats == len(in_flight)


def test_a_second_process_does_not_deliver_while_one_is(
    store: Store, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    _queue(store, "hook", "alrt_1")
    with open(tmp_path / "state" / "delivery.lock", "a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        report = _run(_deliverer(store, Clock(), _hook(receiver.url)))
    assert report.skipped and receiver.requests == []
    report = _run(_deliverer(store, Clock(), _hook(receiver.url)))
    assert report.sent == 1


def test_overlapping_passes_in_one_process_return_at_once(
    store: Store, receiver: WebhookReceiver
) -> None:
    def slow(handler: BaseHTTPRequestHandler) -> int:
        time.sleep(0.2)
        return 200

    receiver.script = [slow]
    _queue(store, "hook", "alrt_1")
    deliverer = _deliverer(store, Clock(), _hook(receiver.url))

    async def both() -> tuple[Any, Any]:
        first = asyncio.ensure_future(deliverer.deliver_due())
        await asyncio.sleep(0.05)
        second = await deliverer.deliver_due()
        result = await first, second
        await deliverer.aclose()
        return result

    first, second = asyncio.run(both())
    assert first.sent == 1 and second.skipped


def test_hourly_digest_lists_each_story_once_and_never_sends_an_empty_one(store: Store) -> None:
    clock = Clock(T0 + timedelta(minutes=10))
    story = {"id": "story_lt", "sources": ["a", "b"]}
    _queue(store, "digest", "alrt_1", at=T0 + timedelta(minutes=10), story=story)
    _queue(store, "digest", "alrt_2", at=T0 + timedelta(minutes=40), story=story, source="lrt")
    _queue(store, "digest", "alrt_3", at=T0 + timedelta(minutes=45), title="Another story")
    config = ConsoleConfig(name="digest", type="console", mode="digest", digest="hourly")
    deliverer = _deliverer(store, clock, config)
    stream = deliverer.channels["digest"]._stream  # type: ignore[attr-defined]

    async def scenario() -> None:
        try:
            clock.to("2025-03-18T10:50:00Z")
            report = await deliverer.deliver_due()
            assert report.sent == 0 and stream.getvalue() == ""
            clock.to("2025-03-18T11:00:05Z")
            report = await deliverer.deliver_due()
            assert report.digests == 1 and report.sent == 1
            clock.to("2025-03-18T12:00:05Z")
            report = await deliverer.deliver_due()
            assert report.digests == 0 and report.sent == 0  # nothing new: no digest
        finally:
            await deliverer.aclose()

    asyncio.run(scenario())
    printed = stream.getvalue()
    assert printed.startswith("DIGEST 2 stories, 2025-03-18 10:00 UTC – 2025-03-18 11:00 UTC")
    assert printed.count("Lithuania announces") == 1 and "Another story" in printed
    [digest] = store.alerts(kind="digest")
    payload = json.loads(digest.payload)
    assert payload["count"] == 2 and payload["reports"] == 3
    assert payload["alerts"][0]["reports"] == 2
    assert {r.status for r in store.alerts()} == {"sent"}


def test_daily_digest_waits_for_its_time_of_day(store: Store) -> None:
    clock = Clock(datetime(2025, 3, 18, 7, 59, tzinfo=UTC))
    _queue(store, "daily", "alrt_1", at=datetime(2025, 3, 17, 7, 0, tzinfo=UTC))
    config = ConsoleConfig(name="daily", type="console", mode="digest", digest_at="08:00")
    assert _run(_deliverer(store, clock, config)).digests == 1  # its period ended yesterday
    _queue(store, "daily", "alrt_2", at=datetime(2025, 3, 18, 7, 0, tzinfo=UTC))
    assert _run(_deliverer(store, clock, config)).digests == 0
    clock.to("2025-03-18T08:00:00Z")
    assert _run(_deliverer(store, clock, config)).digests == 1


def test_secrets_stay_out_of_the_database_and_the_logs(
    store: Store, receiver: WebhookReceiver, slack: SlackReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    token = "zz-secret-path-token-42"
    receiver.script = [404, 500]
    slack.script = [(404, "channel_not_found")]
    _queue(store, "hook", "alrt_1", "alrt_2")
    _queue(store, "slack", "alrt_3")
    hook = _hook(
        receiver.url + f"/{token}", secret=SECRET, headers={"Authorization": f"Bearer {token}"}
    )
    slack_config = SlackConfig(name="slack", type="slack", url=slack.url)
    with caplog.at_level(logging.DEBUG, logger="treatywatch"):
        _run(_deliverer(store, Clock(), hook, slack_config))
    text = caplog.text + "".join(
        f"{r.last_error} {r.dead_reason}" for r in store.alerts(limit=1000)
    )
    assert "HTTP 404" in text and "channel_not_found" in text
    for secret in (token, SECRET, "SeCrEtToKeN123", "/services/", receiver.url, slack.url):
        assert secret not in text


def test_rows_of_an_unconfigured_channel_wait_and_a_crashing_channel_is_contained(
    store: Store,
) -> None:
    class Broken:
        name = "broken"

        async def send(self, alert_id: str, body: str, payload: dict[str, Any]) -> None:
            raise ValueError("bug in a channel")

        async def aclose(self) -> None:
            return None

    _queue(store, "gone-from-config", "alrt_1")
    _queue(store, "broken", "alrt_2")
    deliverer = Deliverer(store, {"broken": Broken()}, Clock(), sleep=Clock().sleep)
    report = asyncio.run(deliverer.deliver_due())
    assert report.failed == 1
    row = store.alert("alrt_2")
    assert row is not None and row.last_error == "broken: internal error (ValueError)"
    untouched = store.alert("alrt_1")
    assert untouched is not None and untouched.attempts == 0 and untouched.status == "pending"
