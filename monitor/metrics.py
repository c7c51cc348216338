"""Prometheus metrics for ``/metrics``, from what the app already reports.

Two sources, so that nothing else in treatywatch needs to know about metrics:

- **Outcomes** the service observes: every :class:`PollOutcome` of ``app.poll_source`` and every
  :class:`DeliveryReport` of ``app.deliver_due`` (counters and the poll-duration histogram, since
  this process started).
- **The database**, read at scrape time: outbox depth and alerts by channel and status, hits per
  rule, stories, each source's last success and failure streak. These survive restarts. Alerts
  that became ``sent`` since the last look feed the publish-to-alert latency histogram.

Every metric lives in the :class:`ServiceMetrics` object's own registry (tests build as many as
they like); names start with ``treatywatch_``. The reference table is in docs/operations.md
("Metrics").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitor import __version__
from state import Store, StoreError, parse_iso_or_none

if TYPE_CHECKING:
    from monitor.delivery import DeliveryReport
    from monitor.poller import PollOutcome

__all__ = ["CONTENT_TYPE", "ServiceMetrics", "poll_result", "status_class"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
POLL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120)
# From a few minutes (an official source polled every 5 minutes) to a day (a baseline item).
LATENCY_BUCKETS = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)

log = logging.getLogger("treatywatch.metrics")

# ``*_created`` series double the output and nobody graphs them.
disable_created_metrics()  # type: ignore[no-untyped-call]


def poll_result(outcome: PollOutcome) -> str:
    """The ``result`` label of one poll: ok, not_modified, unchanged, skipped (held back by
    error backoff or ``Retry-After``, or disabled) or error."""
    if getattr(outcome, "skipped", False):
        return "skipped"
    if not outcome.ok:
        return "error"
    if outcome.not_modified:
        return "not_modified"
    if outcome.unchanged:
        return "unchanged"
    return "ok"


def status_class(status: int | None) -> str:
    """``2xx``..``5xx`` for an HTTP status, ``none`` when no response arrived."""
    if status is None or not 100 <= status <= 599:
        return "none"
    return f"{status // 100}xx"


class ServiceMetrics:
    """The service's metrics. Call :meth:`observe_poll` and :meth:`observe_delivery` with what
    the app returns; :meth:`render` produces the Prometheus text format."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime],
        next_polls: Callable[[], Mapping[str, datetime | None]] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.polls = Counter(
            "treatywatch_polls",
            "Polls by source and result (ok, not_modified, unchanged, skipped, error).",
            ["source", "result"],
            registry=registry,
        )
        self.poll_errors = Counter(
            "treatywatch_poll_errors",
            "Failed polls by source and error class (timeout, http_5xx, not_a_feed...).",
            ["source", "kind"],
            registry=registry,
        )
        self.http_responses = Counter(
            "treatywatch_http_responses",
            "Responses to polls by source and HTTP status class (none: no response).",
            ["source", "status_class"],
            registry=registry,
        )
        self.entries = Counter(
            "treatywatch_items_seen",
            "Entries read from fetched documents, by source.",
            ["source"],
            registry=registry,
        )
        self.new_items = Counter(
            "treatywatch_items_new",
            "Items stored for the first time, by source.",
            ["source"],
            registry=registry,
        )
        self.hits = Counter(
            "treatywatch_hits_found",
            "Rule hits found by polls, by source.",
            ["source"],
            registry=registry,
        )
        self.alerts_queued = Counter(
            "treatywatch_alerts_queued",
            "Alerts written to the outbox by polls, by source.",
            ["source"],
            registry=registry,
        )
        self.ops_alerts = Counter(
            "treatywatch_ops_alerts_queued",
            "Operator alerts (source failing, silent or gone) written to the outbox, by source.",
            ["source"],
            registry=registry,
        )
        self.poll_duration = Histogram(
            "treatywatch_poll_duration_seconds",
            "Time for one poll (fetch, parse, match, store), by result.",
            ["result"],
            buckets=POLL_BUCKETS,
            registry=registry,
        )
        self.deliveries = Counter(
            "treatywatch_delivery_attempts",
            "Delivery attempts by result (sent, failed), all channels.",
            ["result"],
            registry=registry,
        )
        self.latency = Histogram(
            "treatywatch_publish_to_alert_seconds",
            "From an item's publication time to its alert being sent, by channel.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.missed_runs = Counter(
            "treatywatch_scheduler_missed_runs",
            "Scheduled runs that did not happen, by job (poll:<source>, deliver) and reason "
            "(still_running: the previous run had not ended; late: past the misfire grace).",
            ["job", "reason"],
            registry=registry,
        )
        info = Gauge(
            "treatywatch_build_info", "The running version.", ["version"], registry=registry
        )
        info.labels(__version__).set(1)
        ProcessCollector(registry=registry)
        registry.register(_StoreCollector(self, next_polls))
        # Alerts sent before this process started belong to earlier runs' histograms.
        self._sent_mark: tuple[str, str] | None = self._read_mark()

    def observe_poll(self, outcome: PollOutcome) -> None:
        """Count one poll outcome."""
        source, result = outcome.source, poll_result(outcome)
        self.polls.labels(source, result).inc()
        if result == "skipped":
            return
        self.poll_duration.labels(result).observe(max(outcome.duration_ms, 0) / 1000)
        self.http_responses.labels(source, status_class(outcome.status)).inc()
        if not outcome.ok:
            self.poll_errors.labels(source, outcome.error_kind or "unknown").inc()
        self.entries.labels(source).inc(outcome.entries)
        self.new_items.labels(source).inc(outcome.new_items)
        self.hits.labels(source).inc(outcome.hits)
        self.alerts_queued.labels(source).inc(outcome.alerts)
        self.ops_alerts.labels(source).inc(getattr(outcome, "ops_alerts", 0) or 0)

    def observe_missed(self, job: str, reason: str) -> None:
        """Count one scheduled run that did not happen (``monitor.scheduler``'s ``on_missed``)."""
        self.missed_runs.labels(job, reason).inc()

    def observe_delivery(self, report: DeliveryReport) -> None:
        """Count one pass of the delivery worker, then time the alerts it sent."""
        self.deliveries.labels("sent").inc(report.sent)
        self.deliveries.labels("failed").inc(report.failed)
        self.observe_sent()

    def observe_sent(self) -> None:
        """Feed alerts sent since the last look into the publish-to-alert histogram."""
        while True:
            try:
                rows = self.store.sent_since(self._sent_mark, limit=1000)
            except StoreError as exc:
                log.warning("metrics read failed: %s", exc)
                return
            for row in rows:
                published = parse_iso_or_none(row["published"])
                sent = parse_iso_or_none(row["sent_at"])
                if published is not None and sent is not None:
                    seconds = max((sent - published).total_seconds(), 0.0)
                    self.latency.labels(row["channel"]).observe(seconds)
            if rows:
                self._sent_mark = (rows[-1]["sent_at"], rows[-1]["id"])
            if len(rows) < 1000:
                return

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        self.observe_sent()
        return generate_latest(self.registry)

    def _read_mark(self) -> tuple[str, str] | None:
        try:
            return self.store.last_sent_mark()
        except StoreError:
            return None


class _StoreCollector(Collector):
    """Metrics read from the database at scrape time."""

    def __init__(
        self,
        metrics: ServiceMetrics,
        next_polls: Callable[[], Mapping[str, datetime | None]] | None,
    ) -> None:
        self.metrics = metrics
        self.next_polls = next_polls

    def describe(self) -> list[Metric]:
        return []  # collected fresh on every scrape

    def collect(self) -> Iterator[Metric]:
        store = self.metrics.store
        up = GaugeMetricFamily("treatywatch_store_up", "1 when the database answered this scrape.")
        try:
            families = list(self._families(store))
        except StoreError as exc:
            log.warning("metrics read failed: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, store: Store) -> Iterator[Metric]:
        now = self.metrics.clock()
        alerts = GaugeMetricFamily(
            "treatywatch_alerts",
            "Outbox rows by channel, kind (alert, ops...) and status (pending, sent, dead).",
            labels=["channel", "kind", "status"],
        )
        failed = GaugeMetricFamily(
            "treatywatch_alert_failed_attempts",
            "Failed delivery attempts recorded on outbox rows, by channel.",
            labels=["channel"],
        )
        depth = GaugeMetricFamily(
            "treatywatch_outbox_depth",
            "Alerts waiting to be delivered, by channel.",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            "treatywatch_outbox_oldest_pending_seconds",
            "Age of the oldest alert waiting to be delivered, by channel.",
            labels=["channel"],
        )
        failures: dict[str, int] = {}
        pending: dict[str, tuple[int, str | None]] = {}
        for row in store.outbox_summary():
            alerts.add_metric([row.channel, row.kind, row.status], row.count)
            wasted = row.attempts - (row.count if row.status == "sent" else 0)
            failures[row.channel] = failures.get(row.channel, 0) + max(wasted, 0)
            if row.status == "pending":
                count, first = pending.get(row.channel, (0, None))
                earliest = min(filter(None, (first, row.oldest_created)), default=None)
                pending[row.channel] = (count + row.count, earliest)
        for channel, count in failures.items():
            failed.add_metric([channel], count)
            depth.add_metric([channel], pending.get(channel, (0, None))[0])
            created = parse_iso_or_none(pending.get(channel, (0, None))[1])
            oldest.add_metric([channel], max((now - created).total_seconds(), 0) if created else 0)
        yield from (alerts, failed, depth, oldest)

        hits = GaugeMetricFamily("treatywatch_hits", "Stored hits by rule.", labels=["rule"])
        for rule, count in store.hits_per_rule().items():
            hits.add_metric([rule], count)
        yield hits
        stories = store.row_count("stories")
        if stories is not None:
            yield GaugeMetricFamily("treatywatch_stories", "Stored stories.", stories)

        success = GaugeMetricFamily(
            "treatywatch_source_last_success_timestamp_seconds",
            "When each source was last polled successfully (Unix time).",
            labels=["source"],
        )
        streak = GaugeMetricFamily(
            "treatywatch_source_consecutive_failures",
            "Failed polls in a row, by source.",
            labels=["source"],
        )
        for source in store.sources():
            last = parse_iso_or_none(source.last_success)
            if last is not None:
                success.add_metric([source.name], last.timestamp())
            streak.add_metric([source.name], source.consecutive_failures)
        yield from (success, streak)
        if self.next_polls is not None:
            upcoming = GaugeMetricFamily(
                "treatywatch_source_next_poll_timestamp_seconds",
                "When each source is next due (Unix time).",
                labels=["source"],
            )
            for name, moment in sorted(self.next_polls().items()):
                if moment is not None:
                    upcoming.add_metric([name], moment.timestamp())
            yield upcoming
