"""Polling one source: fetch, parse, match, store, and record the source's health.

A failing source never raises out of ``poll_source``: its error is recorded with a short class
(``timeout``, ``http_5xx``, ``not_a_feed``...) and the other sources carry on. After every poll
the source's next poll time is decided (``monitor.core.health``: adaptive interval, backoff,
``Retry-After``) and stored, and operator alerts (``source_failing``, ``source_silent``,
``source_gone``) are written to the outbox of every channel with ``ops: true``.

One global slot (``http.concurrency``) is held from the start of a fetch to the end of its
parse and store, so fetched bodies never pile up in memory; ``http.per_host`` slots are taken
first, so many sources on one slow host cannot starve the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from monitor.config import ChannelConfig, Settings, SourceConfig
from monitor.core import health
from monitor.errors import FetchErrorKind, SourceError
from monitor.intake import IntakeJob, intake
from monitor.logs import log_event
from monitor.pipeline import plan_analysed
from monitor.recording import record
from monitor.sources import Fetcher, FetchResult, HttpStatusError, ParsePool
from rules import RuleSet
from state import (
    DatabaseBusyError,
    NewAlert,
    SourcePoll,
    SourceState,
    Store,
    StoreError,
    iso,
    parse_iso_or_none,
)

__all__ = ["PollOutcome", "Poller"]

log = logging.getLogger("treatywatch.poll")
HOLD_TOLERANCE = timedelta(seconds=1)
STORE_RETRY = timedelta(minutes=1)
"""How soon a source whose poll the database refused (busy, failing) is polled again."""
RECENT_KEYS = 200
"""At least this many keys of a source's latest items go with a body to its parse worker (twice
the entries of its last document when that is more): those entries are not analysed again."""


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll of one source did."""

    source: str
    ok: bool
    status: int | None = None
    error: str | None = None
    error_kind: str | None = None
    not_modified: bool = False
    unchanged: bool = False
    entries: int = 0
    new_items: int = 0
    hits: int = 0
    alerts: int = 0
    duration_ms: int = 0
    skipped: bool = False  # not fetched: disabled (410) or held by backoff / Retry-After
    next_poll: datetime | None = None
    warning: str | None = None
    ops_alerts: int = 0


@dataclass(frozen=True, slots=True)
class _Fetched:
    """A successful fetch and what it did, before the schedule is decided."""

    outcome: PollOutcome
    result: FetchResult
    body_hash: str | None = None
    entries: int | None = None
    ttl: int | None = None
    baseline: bool = False


class Poller:
    """Polls sources into the store."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        ruleset: RuleSet,
        fetcher: Fetcher,
        channel_configs: Sequence[ChannelConfig],
        clock: Callable[[], datetime],
        *,
        parser: ParsePool | None = None,
        rand: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.ruleset = ruleset
        self.fetcher = fetcher
        self.channel_configs = tuple(channel_configs)
        self.clock = clock
        self.parser = parser or ParsePool(
            settings.http.parse_workers, context=ruleset, preload=("monitor.intake",)
        )
        self.rand = rand or random.Random()
        self._slots = asyncio.Semaphore(settings.http.concurrency)
        # The log level of a failure on a source's first poll in this process. A caller that
        # sums the first cycle up itself (the service's start-up lines, ``poll``'s report)
        # lowers it, so a machine without network does not print one warning per source.
        self.first_failure_level = logging.WARNING
        self._polled: set[str] = set()

    def close(self) -> None:
        self.parser.close()

    async def poll_source(self, source: SourceConfig, *, force: bool = False) -> PollOutcome:
        """Fetch, parse, match and store one source. A failing source never raises.

        A source disabled by a 410, or held back by error backoff or ``Retry-After``, is
        skipped unless ``force`` (its URL changed in the config: it is polled afresh).
        """
        started = time.monotonic()
        name = source.name
        known = self.store.source(name)
        if known is not None and known.config_url not in (None, source.url):
            self.store.reset_source(name, source.url)  # the operator changed the URL
            known = self.store.source(name)
        skip = None if force else self._skip_reason(known)
        if skip is not None:
            assert known is not None
            return PollOutcome(
                name,
                ok=False,
                skipped=True,
                error=skip,
                error_kind=known.last_error_class,
                next_poll=parse_iso_or_none(known.next_poll),
            )
        now = self.clock()
        stored = True
        try:
            try:
                fetched = await self._poll(source, known, now)
                outcome = self._succeeded(source, known, fetched, now)
            except SourceError as exc:
                outcome = self._failed(source, known, exc, now)
            except StoreError:
                raise
            except Exception as exc:  # the one outermost guard: a bug must not stop the others
                log.exception("poll crashed", extra={"event": "poll_crashed", "source": name})
                error = SourceError(f"internal error: {exc!r}", kind="internal")
                outcome = self._failed(source, known, error, now)
        except StoreError as exc:
            outcome, stored = self._unrecorded(source, exc, now), False
        try:
            if stored:
                outcome = replace(outcome, ops_alerts=self._operator_alerts(source, now))
        except Exception:  # an operator alert must not turn a recorded poll into a crash
            log.exception("ops alert failed", extra={"event": "ops_failed", "source": name})
        outcome = replace(outcome, duration_ms=int((time.monotonic() - started) * 1000))
        first_poll = name not in self._polled
        self._polled.add(name)
        failure_level = self.first_failure_level if first_poll else logging.WARNING
        log_event(
            log,
            logging.INFO if outcome.ok else failure_level,
            "poll",
            source=name,
            status=outcome.status,
            ok=outcome.ok,
            error=outcome.error,
            error_kind=outcome.error_kind,
            new_items=outcome.new_items,
            hits=outcome.hits,
            alerts=outcome.alerts,
            next_poll=iso(outcome.next_poll) if outcome.next_poll else None,
            duration_ms=outcome.duration_ms,
        )
        return outcome

    def _unrecorded(self, source: SourceConfig, exc: StoreError, now: datetime) -> PollOutcome:
        """The database refused the poll's writes (another writer held it past the busy
        timeout, or it failed): nothing of the poll was stored, not even its validators, so
        the next poll fetches and records the same items again. The source's own record cannot
        be written either; the job tries again after ``STORE_RETRY``."""
        busy = isinstance(exc, DatabaseBusyError)
        return PollOutcome(
            source.name,
            ok=False,
            error=f"{exc}; nothing was stored, the next poll tries again",
            error_kind="database_busy" if busy else "database",
            next_poll=now + STORE_RETRY,
        )

    def _skip_reason(self, known: SourceState | None) -> str | None:
        if known is None:
            return None
        if known.disabled_reason:
            return f"disabled ({known.disabled_reason}) since {known.disabled_at}"
        held = parse_iso_or_none(known.next_poll)
        if (
            known.next_poll_reason in ("backoff", "retry_after")
            and held is not None
            and held - self.clock() > HOLD_TOLERANCE
        ):
            return f"held until {known.next_poll} ({known.next_poll_reason})"
        return None

    async def _poll(
        self, source: SourceConfig, known: SourceState | None, now: datetime
    ) -> _Fetched:
        url = known.url if known is not None and known.url else source.url
        async with self.fetcher.per_host(url):
            # the host's slot first: sources waiting for a busy host hold no global slot
            await self._slots.acquire()
            try:
                result = await self.fetcher.fetch(
                    url,
                    etag=known.etag if known else None,
                    last_modified=known.last_modified if known else None,
                    host_slot=False,
                )
            except BaseException:
                self._slots.release()
                raise
        # the host's slot is free again; the global slot is held through parse and store
        try:
            return await self._process(source, known, now, result, url)
        finally:
            self._slots.release()

    async def _process(
        self,
        source: SourceConfig,
        known: SourceState | None,
        now: datetime,
        result: FetchResult,
        url: str,
    ) -> _Fetched:
        if result.not_modified:
            return _Fetched(
                PollOutcome(source.name, ok=True, status=304, not_modified=True), result
            )
        body_hash = result.body_hash
        if known is not None and known.body_hash == body_hash:
            outcome = PollOutcome(source.name, ok=True, status=result.status, unchanged=True)
            return _Fetched(outcome, result, body_hash=body_hash)
        limit = max(RECENT_KEYS, 2 * ((known.entries_last_poll or 0) if known else 0))
        job = IntakeJob(
            source=source,
            url=result.url,
            content_type=result.content_type,
            now=now,
            recent=self.store.recent_keys(source.name, limit),
        )
        parsed = await self.parser.run(intake, result.body, job)
        result = replace(result, body=b"")  # keep only what is needed while matching
        if not parsed.entries and known is not None and (known.entries_last_poll or 0) > 0:
            raise SourceError(
                f"no entries any more (it had {known.entries_last_poll})",
                kind="layout_changed" if source.type == "html" else "empty_feed",
            )
        # the worker left out the keys it was told about; these are the others already stored
        seen = self.store.known_keys(source.name, (entry.key for entry in parsed.new))
        baseline = known is None or known.first_success is None
        batch = plan_analysed(
            [entry for entry in parsed.new if entry.key not in seen],
            source=source,
            channels=self.channel_configs,
            now=now,
            baseline=baseline,
            max_age=self.settings.max_age,
            stories=self.settings.stories,
            stale_after=self.settings.stale_after,
        )
        written = record(self.store, source.name, batch, now)
        if parsed.warning:
            log_event(log, logging.INFO, "feed_warning", source=source.name, warning=parsed.warning)
        outcome = PollOutcome(
            source.name,
            ok=True,
            status=200,
            entries=parsed.entries,
            new_items=written.items,
            hits=written.hits,
            alerts=written.alerts,
            warning=parsed.warning,
        )
        return _Fetched(
            outcome,
            result,
            body_hash=body_hash,
            entries=parsed.entries,
            ttl=parsed.ttl,
            baseline=baseline,
        )

    def _succeeded(
        self, source: SourceConfig, known: SourceState | None, fetched: _Fetched, now: datetime
    ) -> PollOutcome:
        result = fetched.result
        outcome = fetched.outcome
        if result.status and not outcome.not_modified:
            outcome = replace(outcome, status=result.status)
        url = known.url if known is not None and known.url else source.url
        redirect_url, redirect_seen, moved = self._redirect(source, known, result, url)
        bounds = health.interval_bounds(self.settings, source)
        first = parse_iso_or_none(known.first_success) if known else None
        last = parse_iso_or_none(known.last_success) if known else None
        counted = 0 if fetched.baseline else outcome.new_items
        activity = health.activity_after(
            known.activity if known else 0.0, counted, (now - last) if last else timedelta(0)
        )
        history = (now - first) if first else timedelta(0)
        rate = health.items_per_day(activity, history) if first else None
        hint = health.parse_cache_hint(result.cache_control, fetched.ttl)
        interval = health.adaptive_interval(
            bounds, rate=rate, history=history, hint=hint, adaptive=self.settings.polling.adaptive
        )
        next_poll = now + health.jittered(
            interval, self.settings.polling.jitter, self.rand.random()
        )
        if moved:
            log_event(log, logging.WARNING, "source_moved", source=source.name, url=moved)
        self.store.record_poll(
            source.name,
            SourcePoll(
                url=moved or url,
                config_url=source.url,
                ok=True,
                status=outcome.status,
                etag=result.etag,
                last_modified=result.last_modified,
                body_hash=fetched.body_hash,
                entries=fetched.entries,
                new_items=outcome.new_items,
                warning=outcome.warning,
                next_poll=iso(next_poll),
                next_poll_reason="interval",
                interval_seconds=interval.total_seconds(),
                hint_seconds=hint.total_seconds() if hint else None,
                activity=activity,
                items_per_day=rate,
                redirect_url=redirect_url,
                redirect_seen=redirect_seen,
            ),
            now,
            durable=False,  # a power cut may undo it: the source is then polled afresh
        )
        return replace(outcome, next_poll=next_poll)

    def _redirect(
        self, source: SourceConfig, known: SourceState | None, result: FetchResult, url: str
    ) -> tuple[str | None, int, str | None]:
        """(pending redirect, times seen, the new URL once confirmed)."""
        target = result.permanent_redirect
        if not target or target == url:
            return None, 0, None
        seen = (known.redirect_seen if known and known.redirect_url == target else 0) + 1
        if seen >= self.settings.polling.redirect_confirmations:
            return None, 0, target
        return target, seen, None

    def _failed(
        self, source: SourceConfig, known: SourceState | None, exc: SourceError, now: datetime
    ) -> PollOutcome:
        status = getattr(exc, "status", None)
        polling = self.settings.polling
        failures = (known.consecutive_failures if known else 0) + 1
        bounds = health.interval_bounds(self.settings, source)
        delay = health.backoff_delay(bounds.base, failures, polling.backoff_cap)
        next_poll: datetime | None = now + health.jittered(
            delay, polling.jitter, self.rand.random()
        )
        reason = "backoff"
        retry_after = (
            getattr(exc, "retry_after", None) if isinstance(exc, HttpStatusError) else None
        )
        if retry_after and status in (429, 503):
            until = health.parse_retry_after(retry_after, now, polling.retry_after_cap)
            if until is not None and next_poll is not None and until > next_poll:
                next_poll, reason = until, "retry_after"
        disabled = None
        if exc.kind == FetchErrorKind.GONE:
            disabled, next_poll, reason = "gone", None, "disabled"
        elif polling.give_up_after is not None and failures >= polling.give_up_after:
            disabled, next_poll, reason = "failures", None, "disabled"
        if disabled:
            log_event(log, logging.ERROR, "source_disabled", source=source.name, reason=disabled)
        url = known.url if known is not None and known.url else source.url
        self.store.record_poll(
            source.name,
            SourcePoll(
                url=url,
                config_url=source.url,
                ok=False,
                status=status,
                error=str(exc),
                error_class=exc.kind,
                next_poll=iso(next_poll) if next_poll else None,
                next_poll_reason=reason,
                redirect_url=known.redirect_url if known else None,
                redirect_seen=known.redirect_seen if known else 0,
                disabled_reason=disabled,
            ),
            now,
            durable=False,  # a power cut may undo it: the source is then polled afresh
        )
        return PollOutcome(
            source.name,
            ok=False,
            status=status,
            error=str(exc),
            error_kind=exc.kind,
            next_poll=next_poll,
        )

    def _operator_alerts(self, source: SourceConfig, now: datetime) -> int:
        """Write the outbox rows of any operator event that holds now; once per episode."""
        channels = [c for c in self.channel_configs if c.enabled and c.ops]
        watched = source.official or source.failing_after or source.silent_after
        if not channels:
            return 0
        state = self.store.source(source.name)
        if state is None or not (watched or state.disabled_reason == "gone"):
            return 0
        queued = 0
        for event in health.ops_events(source, state, self.settings.polling, now):
            for channel in channels:
                aid = health.ops_alert_id(source.name, event.event, event.episode, channel.name)
                payload = {
                    "version": 1,
                    "id": aid,
                    "type": "ops",
                    "event": event.event,
                    "title": event.title,
                    "summary": event.summary,
                    "source": source.name,
                    "url": None,
                    "detected": iso(now),
                }
                text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
                if self.store.enqueue(NewAlert(aid, channel.name, text), now, kind="ops"):
                    queued += 1
                    log_event(
                        log,
                        logging.WARNING,
                        "ops_alert",
                        source=source.name,
                        alert=aid,
                        channel=channel.name,
                        ops_event=event.event,
                    )
        return queued
