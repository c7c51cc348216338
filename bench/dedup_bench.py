"""Cost of dedup and story clustering per item, against the size of the stored history.

Run: ``.venv/bin/python bench/dedup_bench.py [--history 100000] [--batch 500]``

Builds two databases in a temporary folder — a baseline with 1,000 stored items and one with
``--history`` items (default 100,000), 2 % of them withdrawal reports (8 states, 2 treaties)
spread over the past months (50 items per poll, a poll every 75 minutes) — then times
``monitor.recording.record`` (identity-key lookups, candidate stories and cases,
clustering, alert decisions, all in one unit of work) on fresh batches for each. It prints
microseconds per item and the ratio to the baseline measured in the same run: a ratio near 1
means the step does not grow with history. It also prints the database's growth per 1,000
items.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config import SourceConfig, WebhookChannel
from monitor.pipeline import plan_items
from monitor.recording import record as record_batch
from monitor.rulepacks import load_rules
from monitor.sources.item import Item, item_key
from rules import RuleSet
from state import Store

STATES = ["Lithuania", "Latvia", "Estonia", "Poland", "Finland", "Ukraine", "Hungary", "Russia"]
TREATIES = ["Ottawa Convention on landmines", "Convention on Cluster Munitions"]
WITHDRAWALS = 0.02  # share of items that are withdrawal reports
BATCH_EVERY = timedelta(minutes=75)  # 50 items per poll: 100,000 items span about 104 days
VERBS = ["to quit", "announces withdrawal from", "votes to leave", "formally leaves"]
FILLER = [
    "council", "budget", "tram", "airport", "election", "weather", "market", "football", "opera",
    "museum", "bridge", "harbour", "festival", "school", "hospital", "court", "strike", "tariff",
    "energy", "grid", "storm", "rail",
]  # fmt: skip
CHANNELS = (WebhookChannel(name="ops", type="webhook", url="http://127.0.0.1:9/hook"),)
SOURCES = [SourceConfig(name=f"feed{i}", url=f"http://127.0.0.1:9/{i}.xml") for i in range(40)]


def make_item(rng: random.Random, serial: int, when: datetime) -> Item:
    host = f"outlet{serial % 40}.example"
    if rng.random() < WITHDRAWALS:
        state = rng.choice(STATES)
        treaty = rng.choice(TREATIES)
        title = f"{state} {rng.choice(VERBS)} the {treaty} ({serial})"
        summary = f"The government of {state} said the mine ban treaty no longer fits its security."
    else:
        words = rng.sample(FILLER, 7)
        title = " ".join(words).capitalize() + f" {serial}"
        summary = " ".join(rng.sample(FILLER, 12))
    return Item(
        title=title,
        summary=summary,
        link=f"https://{host}/news/{serial}?utm_source=rss",
        guid=f"g{serial}",
        published=when,
        language="en",
    )


def record(
    store: Store, ruleset: RuleSet, rng: random.Random, start: int, count: int, when: datetime
) -> float:
    """Plan (untimed) and record ``count`` items in batches per source; seconds recording."""
    spent = 0.0
    for offset in range(0, count, 50):
        source = SOURCES[(start + offset) // 50 % len(SOURCES)]
        now = when + BATCH_EVERY * (offset // 50)
        items = [make_item(rng, start + offset + i, now) for i in range(min(50, count - offset))]
        batch = plan_items(
            [(item_key(i), i) for i in items],
            source=source,
            ruleset=ruleset,
            channels=CHANNELS,
            now=now,
            baseline=False,
            max_age=timedelta(hours=24),
        )
        began = time.perf_counter()
        record_batch(store, source.name, batch, now)
        spent += time.perf_counter() - began
    return spent


def build(folder: Path, history: int, ruleset: RuleSet, end: datetime) -> Store:
    store = Store.open(folder)
    rng = random.Random(7)
    # history spread so that it ends a day before the measured batch
    began = end - timedelta(days=1) - BATCH_EVERY * (history // 50)
    record(store, ruleset, rng, 0, history, began)
    return store


def measure(store: Store, ruleset: RuleSet, batch: int, end: datetime, rounds: int) -> float:
    """Median microseconds per item over ``rounds`` fresh batches."""
    timings = []
    for round_ in range(rounds):
        rng = random.Random(1000 + round_)
        start = 10_000_000 + round_ * batch
        seconds = record(store, ruleset, rng, start, batch, end + timedelta(hours=round_))
        timings.append(seconds / batch * 1e6)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ruleset = load_rules(None)
    end = datetime(2025, 6, 1, tzinfo=UTC)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, size in (("baseline", args.baseline), ("history", args.history)):
            folder = Path(tmp) / label
            began = time.perf_counter()
            store = build(folder, size, ruleset, end)
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            items = store.count("items")
            size_bytes = (folder / "treatywatch.db").stat().st_size
            built = time.perf_counter() - began
            per_item = measure(store, ruleset, args.batch, end, args.rounds)
            stories = store.db.execute("SELECT count(*) FROM stories").fetchone()[0]
            keys = store.db.execute("SELECT count(*) FROM identity_keys").fetchone()[0]
            store.close()
            results[label] = per_item
            print(
                f"{label:9} {items:>7} items, {stories:>6} stories, {keys:>7} identity keys, "
                f"{size_bytes / 2**20:7.1f} MiB ({size_bytes / max(items, 1) * 1000 / 2**20:.2f} "
                f"MiB per 1,000 items; built in {built:.0f} s): "
                f"dedup + clustering {per_item:7.1f} us/item"
            )
    ratio = results["history"] / results["baseline"]
    print(
        f"ratio history/baseline ({args.history:,} vs {args.baseline:,} stored items): {ratio:.2f}x"
    )


if __name__ == "__main__":
    main()
