"""The composition root: ``make_app`` builds everything; the CLI and the scheduler only call it.

Tests pass their own ``fetcher``, ``store``, ``channels`` or ``clock`` here instead of patching.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from monitor.catalog import default_sources
from monitor.channels import Channel, build_channel
from monitor.config import ChannelConfig, ConsoleChannel, Settings, SourceConfig
from monitor.errors import DeliveryError, RejectedDeliveryError, SourceError
from monitor.logs import log_event
from monitor.pipeline import plan_items, unique_items
from monitor.rulepacks import load_rules
from monitor.sources import Fetcher, parse_feed
from rules import RuleSet
from state import Store

__all__ = ["App", "DeliveryReport", "PollOutcome", "make_app"]

Clock = Callable[[], datetime]
log = logging.getLogger("treatywatch.poll")
delivery_log = logging.getLogger("treatywatch.delivery")


def utc_now() -> datetime:
    return datetime.now(UTC)


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


@dataclass(slots=True)
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class App:
    """One running treatywatch: settings, rules, store, fetcher and channels."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store,
        ruleset: RuleSet,
        fetcher: Fetcher,
        channels: Mapping[str, Channel],
        channel_configs: Sequence[ChannelConfig],
        sources: Sequence[SourceConfig],
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.store = store
        self.ruleset = ruleset
        self.fetcher = fetcher
        self.channels = dict(channels)
        self.channel_configs = tuple(channel_configs)
        self.sources = {source.name: source for source in sources}
        self.clock = clock
        self._delivering = asyncio.Lock()

    @property
    def enabled_sources(self) -> list[SourceConfig]:
        return [source for source in self.sources.values() if source.enabled]

    async def poll_all(self) -> list[PollOutcome]:
        """Poll every enabled source concurrently (bounded by the fetcher's limits)."""
        return list(await asyncio.gather(*(self.poll_source(s.name) for s in self.enabled_sources)))

    async def poll_source(self, name: str) -> PollOutcome:
        """Fetch, parse, match and store one source. A failing source never raises."""
        started = time.monotonic()
        source = self.sources[name]
        try:
            outcome = await self._poll(source)
        except SourceError as exc:
            outcome = self._failed(source, exc)
        except Exception as exc:  # the one outermost guard: a bug must not stop other sources
            log.exception("poll crashed", extra={"event": "poll_crashed", "source": name})
            outcome = self._failed(source, SourceError(f"internal error: {exc!r}", kind="internal"))
        outcome = _with_duration(outcome, started)
        log_event(
            log,
            logging.INFO if outcome.ok else logging.WARNING,
            "poll",
            source=name,
            status=outcome.status,
            ok=outcome.ok,
            error=outcome.error,
            new_items=outcome.new_items,
            hits=outcome.hits,
            alerts=outcome.alerts,
            duration_ms=outcome.duration_ms,
        )
        return outcome

    async def _poll(self, source: SourceConfig) -> PollOutcome:
        now = self.clock()
        known = self.store.source(source.name)
        same_url = known is not None and known.url == source.url
        result = await self.fetcher.fetch(
            source.url,
            etag=known.etag if known and same_url else None,
            last_modified=known.last_modified if known and same_url else None,
        )
        if result.not_modified:
            self.store.record_fetch(
                source.name,
                source.url,
                now=now,
                status=304,
                etag=result.etag,
                last_modified=result.last_modified,
            )
            return PollOutcome(source.name, ok=True, status=304, not_modified=True)
        body_hash = result.body_hash
        if known and same_url and known.body_hash == body_hash:
            self.store.record_fetch(
                source.name,
                source.url,
                now=now,
                status=result.status,
                etag=result.etag,
                last_modified=result.last_modified,
            )
            return PollOutcome(source.name, ok=True, status=result.status, unchanged=True)
        parsed = parse_feed(
            result.body, url=result.url, content_type=result.content_type, language=source.language
        )
        if not parsed.items and known and (known.entries_last_poll or 0) > 0:
            raise SourceError(
                f"feed has no entries (it had {known.entries_last_poll})",
                kind="empty_feed",
                status=result.status,
            )
        keyed = unique_items(parsed.items)
        seen = self.store.known_keys(source.name, keyed)
        batch = plan_items(
            [(key, item) for key, item in keyed.items() if key not in seen],
            source=source,
            ruleset=self.ruleset,
            channels=self.channel_configs,
            now=now,
            baseline=known is None or known.first_success is None,
            max_age=self.settings.max_age,
        )
        written = self.store.record_items(source.name, batch.items, now)
        self.store.record_fetch(
            source.name,
            source.url,
            now=now,
            status=result.status,
            etag=result.etag,
            last_modified=result.last_modified,
            body_hash=body_hash,
            entries=len(parsed.items),
        )
        if parsed.warning:
            log_event(log, logging.INFO, "feed_warning", source=source.name, warning=parsed.warning)
        return PollOutcome(
            source.name,
            ok=True,
            status=result.status,
            entries=len(parsed.items),
            new_items=written.items,
            hits=written.hits,
            alerts=written.alerts,
        )

    def _failed(self, source: SourceConfig, exc: SourceError) -> PollOutcome:
        status = getattr(exc, "status", None)
        self.store.record_fetch(
            source.name,
            source.url,
            now=self.clock(),
            status=status,
            error=str(exc),
            error_class=exc.kind,
        )
        return PollOutcome(
            source.name, ok=False, status=status, error=str(exc), error_kind=exc.kind
        )

    async def deliver_due(self, limit: int = 500) -> DeliveryReport:
        """Send every due alert once; a failure stays pending for the next pass."""
        report = DeliveryReport()
        async with self._delivering:
            for row in self.store.due_alerts(self.clock(), limit=limit):
                channel = self.channels.get(row.channel)
                if channel is None:
                    continue  # the channel left the config; keep the row for when it returns
                try:
                    await channel.send(row.id, row.payload, json.loads(row.payload))
                except DeliveryError as exc:
                    report.failed += 1
                    report.errors.append(f"{row.id}: {exc}")
                    self.store.mark_failed(row.id, str(exc), next_attempt=self.clock())
                    log_event(
                        delivery_log,
                        logging.WARNING,
                        "delivery_failed",
                        channel=row.channel,
                        alert=row.id,
                        error=str(exc),
                        permanent=isinstance(exc, RejectedDeliveryError),
                    )
                    continue
                self.store.mark_sent(row.id, self.clock())
                report.sent += 1
                log_event(
                    delivery_log, logging.INFO, "delivered", channel=row.channel, alert=row.id
                )
        return report

    async def aclose(self) -> None:
        await self.fetcher.aclose()
        for channel in self.channels.values():
            await channel.aclose()
        self.store.close()


def make_app(
    settings: Settings,
    *,
    fetcher: Fetcher | None = None,
    store: Store | None = None,
    channels: Mapping[str, Channel] | None = None,
    ruleset: RuleSet | None = None,
    clock: Clock | None = None,
) -> App:
    """Build an ``App`` from validated settings; anything passed in is used as given."""
    ruleset = ruleset or load_rules(settings.rules)
    channel_configs: tuple[ChannelConfig, ...] = settings.channels or (
        ConsoleChannel(name="console", type="console"),
    )
    sources = settings.sources if settings.sources is not None else default_sources()
    if channels is None:
        channels = {c.name: build_channel(c) for c in channel_configs if c.enabled}
    return App(
        settings,
        store=store or Store.open(settings.state_dir),
        ruleset=ruleset,
        fetcher=fetcher or Fetcher(settings.http),
        channels=channels,
        channel_configs=channel_configs,
        sources=sources,
        clock=clock or utc_now,
    )


def _with_duration(outcome: PollOutcome, started: float) -> PollOutcome:
    from dataclasses import replace

    return replace(outcome, duration_ms=int((time.monotonic() - started) * 1000))
