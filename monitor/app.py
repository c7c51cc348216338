"""The composition root: ``make_app`` builds everything; the CLI and the scheduler only call it.

Tests pass their own ``fetcher``, ``store``, ``channels`` or ``clock`` here instead of patching.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from monitor.catalog import default_sources
from monitor.channels import Channel, build_channel
from monitor.config import ChannelConfig, ConsoleChannel, Settings, SourceConfig, rules_cache_dir
from monitor.delivery import Deliverer, DeliveryReport
from monitor.intake import rules_again
from monitor.logs import log_event
from monitor.poller import Poller, PollOutcome
from monitor.rulepacks import check_routing, load_rules
from monitor.sources import Fetcher, ParsePool
from rules import RuleSet
from state import Store

__all__ = ["App", "DeliveryReport", "PollOutcome", "make_app", "routing_warnings"]

Clock = Callable[[], datetime]
POLL_WINDOW = 256
"""Sources a ``poll_all`` has in flight at once. Each one waiting for a slot is a task with its
frames: 5,000 at once held about 9 MB more at the peak than 256 lanes, which keep the fetcher's
slots (``http.concurrency``, ``http.per_host``) as busy, the hosts being taken in turn."""


def host_turns(urls: Sequence[str]) -> list[int]:
    """The indexes of ``urls`` with their hosts taken in turn (first of each host, then second
    of each, ...), so that a window of them spans many hosts, not one host's ``per_host``."""
    by_host: dict[str, list[int]] = {}
    for index, url in enumerate(urls):
        by_host.setdefault((urlsplit(url).hostname or "").lower(), []).append(index)
    turns = itertools.zip_longest(*by_host.values())
    return [index for turn in turns for index in turn if index is not None]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _notify(observers: Sequence[Callable[[Any], None]], value: object) -> None:
    for observe in observers:
        try:
            observe(value)
        except Exception:  # an observer (metrics) must never break polling or delivery
            logging.getLogger("treatywatch.app").exception(
                "observer failed", extra={"event": "observer_failed"}
            )


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
        parser: ParsePool | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.ruleset = ruleset
        self.fetcher = fetcher
        self.channels = dict(channels)
        self.channel_configs = tuple(channel_configs)
        self.sources = {source.name: source for source in sources}
        self.clock = clock
        self.deliverer = Deliverer(
            store,
            channels,
            clock,
            settings=settings.delivery,
            channel_configs=self.channel_configs,
        )
        self.poller = Poller(
            settings, store, ruleset, fetcher, self.channel_configs, clock, parser=parser
        )
        # Called with every poll outcome and delivery report (the service's metrics use them).
        self.poll_observers: list[Callable[[PollOutcome], None]] = []
        self.delivery_observers: list[Callable[[DeliveryReport], None]] = []

    @property
    def enabled_sources(self) -> list[SourceConfig]:
        return [source for source in self.sources.values() if source.enabled]

    async def poll_all(self, *, window: int = POLL_WINDOW) -> list[PollOutcome]:
        """Poll every enabled source concurrently (bounded by the fetcher's limits), at most
        ``window`` of them in flight at once, taking the hosts in turn; the outcomes in the
        order of the sources."""
        sources = self.enabled_sources
        outcomes: list[PollOutcome | None] = [None] * len(sources)
        turns = iter(host_turns([source.url for source in sources]))

        async def lane() -> None:
            for index in turns:
                outcomes[index] = await self.poll_source(sources[index].name)

        self.poller.parser.expect(len(sources))  # many: the workers match, this process not
        try:
            await asyncio.gather(*(lane() for _ in range(min(len(sources), max(window, 1)))))
        finally:
            self.poller.parser.expect(0)
        return [outcome for outcome in outcomes if outcome is not None]

    async def poll_source(self, name: str, *, force: bool = False) -> PollOutcome:
        """Fetch, parse, match and store one source (see ``monitor.poller``); never raises.
        A source held back by backoff or ``Retry-After``, or disabled by a 410, is skipped
        unless ``force``."""
        outcome = await self.poller.poll_source(self.sources[name], force=force)
        if outcome.alerts or outcome.ops_alerts:
            self.deliverer.wake()  # committed: the service's delivery loop sends them now
        _notify(self.poll_observers, outcome)
        return outcome

    async def deliver_due(self, limit: int = 500) -> DeliveryReport:
        """Send every due alert once (see ``monitor.delivery``)."""
        report = await self.deliverer.deliver_due(limit)
        _notify(self.delivery_observers, report)
        return report

    async def aclose(self) -> None:
        self.poller.close()
        await self.fetcher.aclose()
        await self.deliverer.aclose()
        self.store.close()


def routing_warnings(settings: Settings, ruleset: RuleSet) -> list[str]:
    """Check how ``ruleset`` and the channels of ``settings`` route to each other (with no
    channel configured, the console is the one): raise ``RuleError`` for a rule naming a channel
    that does not exist, return a warning for each channel's ``rules:`` pattern that matches no
    rule (``monitor.rulepacks.check_routing``)."""
    configs = settings.channels or (ConsoleChannel(name="console", type="console", ops=True),)
    return check_routing(
        ruleset,
        [config.name for config in configs],
        {config.name: config.rules for config in configs if config.rules},
        settings.rules,
    )


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
    parser = None
    if ruleset is None:
        ruleset = load_rules(settings.rules, cache_dir=rules_cache_dir())
        # the parse workers read the same compiled rules from the cache, in their forkserver
        again = functools.partial(rules_again, settings.rules, rules_cache_dir(), ruleset.rules)
        parser = ParsePool(
            settings.http.parse_workers, context=ruleset, load=again, preload=("monitor.intake",)
        )
    # With no channel configured, the console gets alerts and operator notices alike.
    channel_configs: tuple[ChannelConfig, ...] = settings.channels or (
        ConsoleChannel(name="console", type="console", ops=True),
    )
    for warning in routing_warnings(settings, ruleset):
        log_event(
            logging.getLogger("treatywatch.config"),
            logging.WARNING,
            "config_warning",
            warning=warning,
        )
    sources = settings.sources if settings.sources is not None else default_sources()
    if channels is None:
        channels = {
            c.name: build_channel(c, http=settings.http) for c in channel_configs if c.enabled
        }
    return App(
        settings,
        store=store or Store.open(settings.state_dir),
        ruleset=ruleset,
        fetcher=fetcher or Fetcher(settings.http),
        channels=channels,
        channel_configs=channel_configs,
        sources=sources,
        clock=clock or utc_now,
        parser=parser,
    )
