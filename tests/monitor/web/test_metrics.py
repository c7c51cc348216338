"""Prometheus metrics from poll outcomes, delivery reports and the database."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from monitor.app import App
from monitor.delivery import DeliveryReport
from monitor.metrics import ServiceMetrics, poll_result, status_class
from monitor.poller import PollOutcome
from tests.support.seed import NOW, seeded_app
from tests.support.servers import FeedServer, WebhookReceiver


def samples(metrics: ServiceMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a parsed scrape, by name and sorted labels."""
    text = metrics.render().decode("utf-8")
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get((name, tuple(sorted(labels.items()))))


def test_labels_for_outcomes() -> None:
    assert poll_result(PollOutcome("a", ok=True, status=200)) == "ok"
    assert poll_result(PollOutcome("a", ok=True, status=304, not_modified=True)) == "not_modified"
    assert poll_result(PollOutcome("a", ok=True, status=200, unchanged=True)) == "unchanged"
    assert poll_result(PollOutcome("a", ok=False, error="x")) == "error"
    assert [status_class(s) for s in (200, 304, 404, 503, None, 42)] == [
        "2xx",
        "3xx",
        "4xx",
        "5xx",
        "none",
        "none",
    ]


def test_counters_move_with_polls_and_deliveries(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    app: App = seeded_app(tmp_path, feed_server, receiver)
    metrics = ServiceMetrics(app.store, clock=lambda: NOW + timedelta(minutes=5))
    app.poll_observers.append(metrics.observe_poll)
    app.delivery_observers.append(metrics.observe_delivery)
    before = samples(metrics)
    assert value(before, "treatywatch_polls_total", source="baltic-news", result="ok") is None
    assert value(before, "treatywatch_store_up") == 1

    async def cycle() -> None:
        try:
            await app.poll_all()
            await app.deliver_due()
            await app.poll_all()  # the feed answers 304 now
        finally:
            await app.aclose()

    asyncio.run(cycle())
    app.store = type(app.store).open(app.settings.state_dir)
    metrics.store = app.store
    after = samples(metrics)
    assert value(after, "treatywatch_polls_total", source="baltic-news", result="ok") == 1
    assert value(after, "treatywatch_polls_total", source="baltic-news", result="not_modified") == 1
    # the 404 source is held back by its error backoff on the second cycle
    assert value(after, "treatywatch_polls_total", source="silent", result="error") == 1
    assert value(after, "treatywatch_polls_total", source="silent", result="skipped") == 1
    assert value(after, "treatywatch_poll_errors_total", source="silent", kind="http_4xx") == 1
    assert (
        value(after, "treatywatch_http_responses_total", source="silent", status_class="4xx") == 1
    )
    assert value(after, "treatywatch_items_seen_total", source="baltic-news") == 3
    assert value(after, "treatywatch_items_new_total", source="baltic-news") == 3
    assert value(after, "treatywatch_hits_found_total", source="baltic-news") == 2
    assert value(after, "treatywatch_alerts_queued_total", source="baltic-news") == 4
    assert value(after, "treatywatch_poll_duration_seconds_count", result="ok") == 1
    assert value(after, "treatywatch_delivery_attempts_total", result="sent") == 4
    # from the database: per channel and status, hits per rule, sources
    assert value(after, "treatywatch_alerts", channel="ops-hook", kind="alert", status="sent") == 2
    assert value(after, "treatywatch_outbox_depth", channel="ops-hook") == 0
    assert value(after, "treatywatch_alert_failed_attempts", channel="ops-hook") == 0
    assert value(after, "treatywatch_hits", rule="test.exit") == 2
    assert value(after, "treatywatch_source_consecutive_failures", source="silent") == 1
    assert value(after, "treatywatch_source_last_success_timestamp_seconds", source="baltic-news")
    # published 30 and 0 minutes before NOW, sent at NOW: latency histogram per channel
    assert value(after, "treatywatch_publish_to_alert_seconds_count", channel="ops-hook") == 2
    assert value(after, "treatywatch_publish_to_alert_seconds_sum", channel="ops-hook") == 1800
    assert value(after, "treatywatch_build_info", version=__import__("monitor").__version__) == 1
    # a second scrape does not count the same sent alerts again
    again = samples(metrics)
    assert value(again, "treatywatch_publish_to_alert_seconds_count", channel="ops-hook") == 2
    app.store.close()


def test_failed_attempts_and_waiting_alerts_come_from_the_outbox(seeded: App) -> None:
    seeded.store.db.execute(
        "UPDATE alerts SET status = 'pending', attempts = 3, created = '2025-03-18T11:00:00Z' "
        "WHERE channel = 'second-hook'"
    )
    metrics = ServiceMetrics(seeded.store, clock=lambda: NOW)
    found = samples(metrics)
    assert value(found, "treatywatch_outbox_depth", channel="second-hook") == 2
    assert value(found, "treatywatch_outbox_oldest_pending_seconds", channel="second-hook") == 3600
    assert value(found, "treatywatch_alert_failed_attempts", channel="second-hook") == 6
    # the hostile item's alert died after one attempt
    assert value(found, "treatywatch_alerts", channel="ops-hook", kind="alert", status="dead") == 1
    assert value(found, "treatywatch_alert_failed_attempts", channel="ops-hook") == 1


def test_a_delivery_report_without_sends_counts_nothing_twice(seeded: App) -> None:
    metrics = ServiceMetrics(seeded.store, clock=lambda: NOW)
    metrics.observe_delivery(DeliveryReport(sent=0, failed=2))
    found = samples(metrics)
    assert value(found, "treatywatch_delivery_attempts_total", result="failed") == 2
    # alerts sent before the metrics existed belong to an earlier run
    assert value(found, "treatywatch_publish_to_alert_seconds_count", channel="ops-hook") is None


def test_a_broken_database_is_reported_not_raised(seeded: App) -> None:
    metrics = ServiceMetrics(seeded.store, clock=lambda: NOW)
    seeded.store.close()
    found = samples(metrics)
    assert value(found, "treatywatch_store_up") == 0
