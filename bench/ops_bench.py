"""What a Prometheus scrape, a health probe and a dashboard page cost on a large database.

Builds a database of N items (default 100,000), each with a hit and a sent alert, spread over
40 sources, 7 rules and 3 channels; then times ``/metrics`` (ServiceMetrics.render), the
``/healthz`` probe and the dashboard render, first as shipped (with migration 0005's covering
indexes), then on the same database with those indexes dropped: the baseline, measured in the
same run. Every request of the service runs on its event loop, so these times are how long
polling and delivery wait per request.

    .venv/bin/python bench/ops_bench.py [--items 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config import ServerSettings
from monitor.metrics import ServiceMetrics
from monitor.web import Dashboard, HealthProbe, ServiceStatus
from state import NewAlert, NewHit, NewItem, Store
from tests.support.records import Seed, write_items

NOW = datetime(2025, 3, 18, 12, tzinfo=UTC)
INDEXES_0005 = ("alerts_summary", "alerts_sent", "hits_rule", "items_first_seen_source")


def build(folder: Path, count: int) -> Store:
    store = Store.open(folder)
    payload = json.dumps(
        {"title": "A state leaves the Ottawa Convention", "published": "2025-03-17T00:00:00Z"}
        | {"summary": "x" * 600}
    )
    explanation = json.dumps({"terms": [], "snippet": "A state leaves", "snippet_spans": []})
    for start in range(0, count, 1000):
        items: list[Seed] = [
            (
                NewItem(
                    key=f"k{n}",
                    title=f"State {n} announces its withdrawal from the Ottawa Convention",
                    summary="A ministry statement about leaving the mine ban treaty. " * 4,
                    link=f"https://news.test/{n}",
                    hits=(
                        NewHit(
                            rule=f"rule.{n % 7}",
                            severity="high",
                            matched='["withdrawal", "Ottawa Convention"]',
                            explanation=explanation,
                        ),
                    ),
                ),
                (NewAlert(f"alrt_{n}", f"channel-{n % 3}", payload),),
            )
            for n in range(start, min(start + 1000, count))
        ]
        when = NOW - timedelta(minutes=(count - start) / 1000)
        write_items(store, f"source-{start // 1000 % 40}", items, when)
    store.db.execute("UPDATE alerts SET status = 'sent', sent_at = created, attempts = 1")
    return store


def timed(action: Callable[[], object], repeat: int) -> float:
    action()  # warm the page cache
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def measure(store: Store, repeat: int) -> dict[str, float]:
    status = ServiceStatus(polling_started=True, scheduler_running=lambda: True)
    status.beat()
    metrics = ServiceMetrics(store, clock=lambda: NOW)
    probe = HealthProbe(
        store=store,
        status=status,
        settings=ServerSettings(),
        clock=lambda: NOW,
        poll_interval=timedelta(minutes=10),
        channels=dict.fromkeys(["channel-0", "channel-1", "channel-2"], timedelta(0)),
    )
    dashboard = Dashboard(
        store, sources={}, channels=["channel-0"], clock=lambda: NOW, health=probe.summary
    )
    return {
        "/metrics scrape": timed(metrics.render, repeat),
        "/healthz probe": timed(probe.health, repeat),
        "dashboard page": timed(dashboard.render, repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        store = build(Path(folder), args.items)
        print(f"built {args.items} items/hits/alerts in {time.perf_counter() - started:.1f}s")
        ours = measure(store, args.repeat)
        for name in INDEXES_0005:
            store.db.execute(f"DROP INDEX {name}")
        # the baseline queries, without the indexes they name
        store.db.execute("CREATE INDEX alerts_sent ON alerts (status)")
        store.db.execute("CREATE INDEX items_first_seen_source ON items (first_seen)")
        baseline = measure(store, args.repeat)
        store.close()
    print(f"median of {args.repeat}, ms   with 0005 indexes   without (baseline)   speed-up")
    for name, value in ours.items():
        print(f"{name:<22} {value:>12.1f} {baseline[name]:>20.1f} {baseline[name] / value:>9.1f}x")


if __name__ == "__main__":
    main()
