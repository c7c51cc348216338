"""The delivery worker: reads due alerts from the outbox and sends them through their channels.

Record before you send: alerts reach this worker only as outbox rows written with their hit, so
a crash at any point loses nothing. Each attempt is claimed in the database (``sending_since``,
attempt counted) before the request leaves; a row still claimed when the next pass starts was
interrupted by a crash and is sent again with the same id (at-least-once, idempotency key).

One pass at a time per database: a pass holds an advisory lock file beside the database, so a
``treatywatch poll`` started while the service runs does not send the same rows twice, and the
kernel drops the lock when a process dies (a SIGKILL included). Within a pass each channel is
drained by its own worker: at most ``concurrency`` sends in flight and at least
``min_interval`` between two sends (Slack: one message per second). A transient failure
(timeout, 5xx, 429) pauses the channel briefly (exactly ``Retry-After`` when the receiver gave
one) so a receiver that is down gets one request at a time; each row retries on its own
schedule (``monitor.core.retry``) until it is sent or ``dead`` with a reason. A refusal that can
never succeed is dead at once; a gone endpoint (410, archived Slack channel) parks the channel's
queue as dead, replayable with ``treatywatch alerts retry --dead``. Channels in digest mode get
one message per period (``monitor.digest``).

When to pass: :meth:`Deliverer.wake` says alerts were committed (a pass running then looks
again before it ends), and :meth:`Deliverer.wait_due` sleeps until the next pass has work — the
earliest due time of a pending row (its backoff or ``Retry-After``), or its channel's pause if
that ends later, or the end of a digest period (:func:`next_wake`) — or until woken, whichever
comes first, and at most a fallback period (rows queued by another process).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from monitor.channels import Channel
from monitor.channels.base import Sent
from monitor.config import ChannelConfig, DeliverySettings
from monitor.core.retry import Failure, decide
from monitor.digest import digest_id, digest_payload, ops_payload, period_length, period_start
from monitor.errors import DeliveryError, RejectedDeliveryError
from monitor.logs import log_event
from state import AlertRow, NewAlert, Store, StoreError, due_times, iso, parse_iso_or_none

__all__ = ["ChannelPolicy", "Deliverer", "DeliveryReport", "channel_policy", "next_wake"]

log = logging.getLogger("treatywatch.delivery")

LOCK_NAME = "delivery.lock"
# After a transient failure, other rows of the channel wait at most this long (unless the
# receiver asked for longer with Retry-After).
CHANNEL_PAUSE = timedelta(seconds=60)
_DEFAULT_CONCURRENCY = {"webhook": 2, "slack": 1, "email": 1, "console": 1}
_DEFAULT_INTERVAL = {"slack": timedelta(seconds=1)}
# The wait for a due row is stretched by this much, so the pass finds the row due (timers may
# fire a little early) and rows due together go out in one pass.
_DUE_SLACK = 0.02
# Passes are at least this far apart when nothing woke the deliverer: a bound on how often an
# outbox that stays due (a pass at its ``limit``) is read.
_MIN_WAIT = 0.05


@dataclass(frozen=True, slots=True)
class ChannelPolicy:
    """How one channel is drained."""

    concurrency: int = 1
    min_interval: timedelta = timedelta(0)
    digest: str | None = None  # None (immediate), "hourly" or "daily"
    digest_at: str = "08:00"
    ops: bool = False


def next_wake(
    due: Mapping[str, datetime],
    paused: Mapping[str, datetime | None],
    boundaries: Iterable[datetime] = (),
) -> datetime | None:
    """When the next delivery pass has work (pure): for each channel with a pending row, its
    earliest due time ``due[channel]``, or the end of the channel's pause when that is later;
    or the earliest digest period ``boundaries``. None when nothing waits."""
    times = list(boundaries)
    for channel, when in due.items():
        until = paused.get(channel)
        times.append(max(when, until) if until is not None else when)
    return min(times, default=None)


def channel_policy(config: ChannelConfig | None) -> ChannelPolicy:
    """The effective delivery policy of a channel config (defaults by type)."""
    if config is None:
        return ChannelPolicy()
    kind = config.type
    concurrency = getattr(config, "concurrency", None) or _DEFAULT_CONCURRENCY.get(kind, 1)
    interval = getattr(config, "min_interval", None)
    if interval is None:
        interval = _DEFAULT_INTERVAL.get(kind, timedelta(0))
    digest = (
        getattr(config, "digest", "daily") if getattr(config, "mode", None) == "digest" else None
    )
    return ChannelPolicy(
        concurrency=concurrency,
        min_interval=interval,
        digest=digest,
        digest_at=getattr(config, "digest_at", "08:00"),
        ops=bool(getattr(config, "ops", False)),
    )


@dataclass(slots=True)
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    failed: int = 0  # attempts that failed (a retry is scheduled, or the row is dead)
    dead: int = 0
    recovered: int = 0  # rows found in flight from a process that died, sent again
    digests: int = 0  # digest messages created
    skipped: bool = False  # another pass (or process) was delivering
    errors: list[str] = field(default_factory=list)
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, channel: str, outcome: str) -> None:
        slot = self.by_channel.setdefault(channel, {"sent": 0, "failed": 0, "dead": 0})
        slot[outcome] = slot.get(outcome, 0) + 1


@dataclass(slots=True)
class _ChannelState:
    policy: ChannelPolicy
    semaphore: asyncio.Semaphore
    pace: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: datetime | None = None
    paused_until: datetime | None = None


Outcome = Callable[[str, str, AlertRow], None]


class Deliverer:
    """Sends due outbox rows through their channels; one pass at a time."""

    def __init__(
        self,
        store: Store,
        channels: Mapping[str, Channel],
        clock: Callable[[], datetime],
        *,
        settings: DeliverySettings | None = None,
        channel_configs: Sequence[ChannelConfig] = (),
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
        lock_path: Path | None = None,
        on_outcome: Outcome | None = None,
    ) -> None:
        self.store = store
        self.channels = dict(channels)
        self.clock = clock
        self.settings = settings or DeliverySettings()
        self.configs = {config.name: config for config in channel_configs}
        self.on_outcome = on_outcome  # (channel, "sent" | "failed" | "dead", row): for metrics
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._lock = asyncio.Lock()
        self._lock_path = lock_path
        self._states: dict[str, _ChannelState] = {}
        self._again = False
        self._woken = asyncio.Event()

    # -- when to pass ------------------------------------------------------------------------

    def wake(self) -> None:
        """Alerts were committed: a pass running now looks for due rows again before it ends,
        and :meth:`wait_due` returns at once."""
        self._again = True
        self._woken.set()

    def next_due(self) -> datetime | None:
        """When the next pass has work (:func:`next_wake` over the outbox, the channels'
        pauses and their digest periods); None when nothing waits."""
        now = self.clock()
        policies = {name: self._state(name).policy for name in self.channels}
        digests = [name for name, policy in policies.items() if policy.digest is not None]
        due = due_times(self.store, channels=list(self.channels), digest_channels=digests)
        boundaries = []
        for name in digests:
            period = policies[name].digest
            assert period is not None
            start = period_start(now, period, policies[name].digest_at)
            boundaries.append(start + period_length(period))
        paused = {name: self._state(name).paused_until for name in self.channels}
        return next_wake(due, paused, boundaries)

    async def wait_due(self, longest: float, *, at_least: float = 0.0) -> None:
        """Sleep until the next pass has work (:meth:`next_due`) or until :meth:`wake`,
        whichever comes first; at least ``at_least`` seconds unless woken, and at most
        ``longest`` (a fallback for rows another process queued)."""
        try:
            due = self.next_due()
        except StoreError as exc:  # busy or failing: the fallback pass tries again
            log_event(log, logging.WARNING, "delivery_wait_failed", error=str(exc))
            due = None
        delay = longest
        if due is not None:
            delay = (due - self.clock()).total_seconds() + _DUE_SLACK
        delay = min(max(delay, at_least, _MIN_WAIT), longest)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._woken.wait(), delay)

    # -- the pass ----------------------------------------------------------------------------

    async def deliver_due(self, limit: int = 500) -> DeliveryReport:
        """Send due alerts (at most ``limit`` attempts); failures are rescheduled or parked.

        When a pass is already running, returns at once: the running pass picks up rows that
        became due meanwhile.
        """
        self._woken.clear()  # what woke the deliverer is seen by this pass (or the running one)
        if self._lock.locked():
            self._again = True
            return DeliveryReport(skipped=True)
        async with self._lock:
            with self._file_lock() as held:
                if not held:
                    log_event(log, logging.INFO, "delivery_skipped", reason="another process")
                    return DeliveryReport(skipped=True)
                return await self._pass(limit)

    async def _pass(self, limit: int) -> DeliveryReport:
        report = DeliveryReport()
        now = self.clock()
        recovered = self.store.recover_interrupted(now)
        if recovered:
            report.recovered = len(recovered)
            log_event(
                log,
                logging.WARNING,
                "delivery_recovered",
                alerts=len(recovered),
                first=recovered[0],
            )
        self._make_digests(now, report)
        attempted: set[str] = set()
        while len(attempted) < limit:
            self._again = False
            active = [name for name in self.channels if not self._paused(name)]
            digest_channels = [n for n in active if self._state(n).policy.digest is not None]
            rows = self.store.due_alerts(
                self.clock(),
                limit=min(self.settings.batch, limit - len(attempted)),
                channels=active,
                digest_channels=digest_channels,
                exclude=attempted,
            )
            if not rows:
                if self._again:
                    continue
                break
            attempted.update(row.id for row in rows)
            by_channel: dict[str, list[AlertRow]] = {}
            for row in rows:
                by_channel.setdefault(row.channel, []).append(row)
            await asyncio.gather(
                *(self._drain(name, queue, report) for name, queue in by_channel.items())
            )
        if report.sent or report.failed or report.recovered or report.digests:
            log_event(
                log,
                logging.INFO,
                "delivery_pass",
                sent=report.sent,
                failed=report.failed,
                dead=report.dead,
                recovered=report.recovered,
                digests=report.digests,
                pending=self._pending_count(),
                oldest_pending=self.store.oldest_pending(),
            )
        return report

    async def _drain(self, name: str, rows: list[AlertRow], report: DeliveryReport) -> None:
        state = self._state(name)
        channel = self.channels[name]

        async def one(row: AlertRow) -> None:
            async with state.semaphore:
                if self._paused(name):
                    return
                await self._pace(state)
                if self._paused(name):
                    return
                await self._attempt(channel, row, report)

        await asyncio.gather(*(one(row) for row in rows))

    async def _pace(self, state: _ChannelState) -> None:
        async with state.pace:
            interval = state.policy.min_interval
            if interval and state.last_start is not None:
                wait = (state.last_start + interval - self.clock()).total_seconds()
                if wait > 0:
                    await self._sleep(wait)
            state.last_start = self.clock()

    async def _attempt(self, channel: Channel, row: AlertRow, report: DeliveryReport) -> None:
        now = self.clock()
        if not self.store.claim(row.id, now):
            return  # sent, parked or claimed meanwhile
        try:
            payload = json.loads(row.payload)
            if not isinstance(payload, dict):
                raise ValueError("not an object")
        except ValueError:
            failure = Failure(f"{row.channel}: stored payload is not a JSON object", final=True)
            self._failed(row, failure, report)
            return
        try:
            result = await channel.send(row.id, row.payload, payload)
        except DeliveryError as exc:
            failure = Failure(
                str(exc),
                rejected=isinstance(exc, RejectedDeliveryError),
                final=exc.final,
                gone=exc.gone,
                retry_after=exc.retry_after,
            )
            self._failed(row, failure, report)
            return
        except Exception as exc:  # a bug in one channel must not stop the others
            log.exception(
                "channel crashed",
                extra={"event": "channel_crashed", "channel": row.channel, "alert": row.id},
            )
            failure = Failure(f"{row.channel}: internal error ({type(exc).__name__})")
            self._failed(row, failure, report)
            return
        self._sent(row, result, report)

    def _sent(self, row: AlertRow, result: Sent | None, report: DeliveryReport) -> None:
        self.store.mark_sent(row.id, self.clock(), note=result.note if result else None)
        report.sent += 1
        report.count(row.channel, "sent")
        log_event(
            log,
            logging.INFO,
            "delivered",
            channel=row.channel,
            alert=row.id,
            kind=row.kind,
            attempt=row.attempts + 1,
            status=result.detail if result else None,
            note=result.note if result else None,
            answer=result.answer if result else None,
        )
        if self.on_outcome:
            self.on_outcome(row.channel, "sent", row)

    def _failed(self, row: AlertRow, failure: Failure, report: DeliveryReport) -> None:
        now = self.clock()
        attempts = row.attempts + 1
        first = parse_iso_or_none(row.first_attempt) or now
        settings = self.settings
        decision = decide(
            failure,
            attempts=attempts,
            first_attempt=first,
            now=now,
            max_attempts=settings.max_attempts,
            max_age=settings.max_age,
            max_rejected_attempts=settings.max_rejected_attempts,
            base=settings.backoff,
            cap=settings.max_backoff,
            retry_after_cap=settings.retry_after_cap,
            rng=self._rng,
        )
        self.store.mark_failed(
            row.id,
            failure.message,
            next_attempt=decision.next_attempt,
            dead=decision.dead,
            reason=decision.reason,
        )
        report.failed += 1
        report.errors.append(f"{row.id}: {failure.message}")
        report.count(row.channel, "failed")
        log_event(
            log,
            logging.ERROR if decision.dead or failure.rejected else logging.WARNING,
            "delivery_failed",
            channel=row.channel,
            alert=row.id,
            attempt=attempts,
            error=failure.message,
            rejected=failure.rejected or None,
            next_attempt=None if decision.dead else iso(decision.next_attempt),
            dead=decision.reason,
        )
        if self.on_outcome:
            self.on_outcome(row.channel, "failed", row)
        state = self._state(row.channel)
        if failure.gone:
            parked = self.store.kill_pending(row.channel, decision.reason or failure.message, now)
            state.paused_until = now + settings.max_backoff
            log_event(log, logging.ERROR, "channel_gone", channel=row.channel, parked=parked + 1)
        elif not failure.rejected:
            pause = min(decision.next_attempt - now, CHANNEL_PAUSE)
            if failure.retry_after is not None:
                pause = max(
                    pause, min(timedelta(seconds=failure.retry_after), settings.retry_after_cap)
                )
            until = now + pause
            if state.paused_until is None or until > state.paused_until:
                state.paused_until = until
        if decision.dead:
            report.dead += 1
            report.count(row.channel, "dead")
            if self.on_outcome:
                self.on_outcome(row.channel, "dead", row)
            self._tell_operators(row, decision.reason or failure.message, now)

    # -- digests -----------------------------------------------------------------------------

    def _make_digests(self, now: datetime, report: DeliveryReport) -> None:
        for name in self.channels:
            policy = self._state(name).policy
            if policy.digest is None:
                continue
            boundary = period_start(now, policy.digest, policy.digest_at)
            members = self.store.digest_candidates(name, before=boundary)
            if not members:
                continue  # no empty digests
            ids = [row.id for row in members]
            oldest = parse_iso_or_none(members[0].created) or now
            start = min(boundary - period_length(policy.digest), oldest)
            did = digest_id(name, boundary, ids)
            payload = digest_payload(
                digest_id=did,
                channel=name,
                start=start,
                end=boundary,
                members=[(row.id, row.payload) for row in members],
                created=now,
            )
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            taken = self.store.create_digest(NewAlert(did, name, body), ids, now)
            if taken:
                report.digests += 1
                log_event(
                    log, logging.INFO, "digest_created", channel=name, alert=did, alerts=taken
                )

    # -- operator notices --------------------------------------------------------------------

    def _tell_operators(self, row: AlertRow, reason: str, now: datetime) -> None:
        if not self.settings.ops_alerts or row.kind == "ops":
            return
        targets = [
            name for name in self.channels if name != row.channel and self._state(name).policy.ops
        ]
        day = now.date().isoformat()
        for target in targets:
            key = hashlib.sha256(f"{row.channel}\x00{day}\x00{target}".encode()).digest()
            alert_id = "ops_" + base64.b32encode(key[:15]).decode().lower()
            payload = ops_payload(
                alert_id=alert_id,
                title=f"Alerts to channel {row.channel} are failing",
                summary=(
                    f"Alert {row.id} was parked as dead: {reason}. Inspect with "
                    f"`treatywatch alerts --status dead --channel {row.channel}`; once the "
                    "channel is fixed, `treatywatch alerts retry --dead` sends them again "
                    "(same ids). Further failures today are not repeated here."
                ),
                channel=row.channel,
                now=now,
            )
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            self.store.enqueue(NewAlert(alert_id, target, body), now, kind="ops")

    # -- helpers -----------------------------------------------------------------------------

    def _state(self, name: str) -> _ChannelState:
        state = self._states.get(name)
        if state is None:
            policy = channel_policy(self.configs.get(name))
            state = _ChannelState(policy, asyncio.Semaphore(policy.concurrency))
            self._states[name] = state
        return state

    def _paused(self, name: str) -> bool:
        until = self._state(name).paused_until
        return until is not None and self.clock() < until

    def _pending_count(self) -> int:
        return sum(
            n for (_, status), n in self.store.outbox_counts().items() if status == "pending"
        )

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[bool]:
        path = self._lock_path
        if path is None:
            database = self.store.database_path()
            path = database.parent / LOCK_NAME if database is not None else None
        if path is None:
            yield True  # an in-memory database: nobody else can see it
            return
        handle: IO[str] | None = None
        try:
            handle = open(path, "a")  # noqa: SIM115 - held for the whole pass
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if handle is not None:
                handle.close()
            yield False
            return
        except OSError as exc:
            if handle is not None:
                handle.close()
            log_event(log, logging.WARNING, "delivery_lock_unavailable", error=exc.strerror)
            yield True
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    async def aclose(self) -> None:
        for channel in self.channels.values():
            await channel.aclose()
