"""The composition root: ``make_app`` builds everything; the CLI and the scheduler only call it.

Tests pass their own ``fetcher``, ``store``, ``channels`` or ``clock`` here instead of patching.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

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

    async def poll_all(self) -> list[PollOutcome]:
        """Poll every enabled source concurrently (bounded by the fetcher's limits)."""
        return list(await asyncio.gather(*(self.poll_source(s.name) for s in self.enabled_sources)))

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
