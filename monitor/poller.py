"""Polling one source: fetch, parse, match, store, and record the source's health.

A failing source never raises out of ``poll_source``: its error is recorded with a short class
(``timeout``, ``http_5xx``, ``not_a_feed``...) and the other sources carry on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from monitor.config import ChannelConfig, Settings, SourceConfig
from monitor.errors import SourceError
from monitor.logs import log_event
from monitor.pipeline import plan_items, unique_items
from monitor.sources import Fetcher, parse_feed
from rules import RuleSet
from state import Store

__all__ = ["PollOutcome", "Poller"]

log = logging.getLogger("treatywatch.poll")


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
    ) -> None:
        self.settings = settings
        self.store = store
        self.ruleset = ruleset
        self.fetcher = fetcher
        self.channel_configs = tuple(channel_configs)
        self.clock = clock

    async def poll_source(self, source: SourceConfig) -> PollOutcome:
        """Fetch, parse, match and store one source. A failing source never raises."""
        started = time.monotonic()
        name = source.name
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
            stories=self.settings.stories,
        )
        written = self.store.record_items(source.name, batch.items, now, stories=batch.policy)
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


def _with_duration(outcome: PollOutcome, started: float) -> PollOutcome:
    return replace(outcome, duration_ms=int((time.monotonic() - started) * 1000))
