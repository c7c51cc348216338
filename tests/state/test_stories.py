"""Stories in the store, on real SQLite files: clustering inside the hit's transaction, crash
safety, identity keys that outlive pruned items, stable alert ids."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from state import (
    IdentityRow,
    NewHit,
    NewItem,
    Store,
    StoreError,
    StoryAlert,
    StoryHit,
    StoryRow,
)
from state.migrations import SCHEMA_VERSION

NOW = datetime(2025, 3, 18, 14, 0, tzinfo=UTC)


@dataclass
class Policy:
    """A small StoryPolicy: joins any candidate, alerts once per story on ``ops``."""

    window: timedelta = timedelta(hours=72)
    fail_on_alert: bool = False
    placed: list[str] = field(default_factory=list)

    def duplicate_of(
        self, item: NewItem, source: str, stored: Sequence[IdentityRow]
    ) -> IdentityRow | None:
        mine = [row for row in stored if row.source == source]
        return (mine or list(stored) or [None])[0]

    def place(self, hit: StoryHit, candidates: Sequence[StoryRow]) -> str | None:
        self.placed.append(hit.story_id)
        return candidates[0].id if candidates else None

    def alerts(self, hit: StoryHit, before: StoryRow | None, after: StoryRow) -> list[StoryAlert]:
        if self.fail_on_alert:
            raise RuntimeError("crash between storing the hit and writing its alert")
        if ("ops", "alert") in after.alerts:
            return []
        return [StoryAlert(f"alrt_{after.id}_ops", "ops", "alert", '{"id": 1}')]


def _item(key: str, *, source: str = "wire", url: str | None = None, story: str = "") -> NewItem:
    link = url or f"https://news.test/{key}"
    hit = StoryHit(
        ref=0,
        story_id=story or f"stry_{source}_{key}",
        rule="r",
        buckets=("ottawa",),
        treaties=("ottawa",),
        states=("lithuania",),
        steps=("announcement",),
        source=source,
        official=False,
        outlet=source,
        language="en",
        url=link,
        title=f"title {key}",
        published=None,
    )
    return NewItem(
        key=key,
        title=f"title {key}",
        summary="",
        link=link,
        hits=(NewHit("r", "high", "[]", "{}", story=hit),),
        identity=(f"guid:{source}\x1f{key}", f"url:{link}"),
    )


def test_schema_has_story_tables(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    assert set(store.db.table_names()) >= {
        "identity_keys",
        "stories",
        "story_keys",
        "story_members",
    }
    assert "story_id" in {c.name for c in store.db["alerts"].columns}
    assert SCHEMA_VERSION >= 3
    store.close()


def test_reports_of_one_event_cluster_into_one_story_with_one_alert(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    policy = Policy()
    first = store.record_items("wire", [_item("a")], NOW, stories=policy)
    later = store.record_items(
        "lrt", [_item("b", source="lrt")], NOW + timedelta(hours=1), stories=policy
    )
    assert (first.alerts, later.alerts) == (1, 0)
    stories = store.stories()
    assert len(stories) == 1
    assert stories[0].reports == 2 and stories[0].outlets == 2
    assert [row.id for row in store.alerts()] == [f"alrt_{stories[0].id}_ops"]
    store.close()


def test_reports_after_the_window_found_a_new_story(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    policy = Policy()
    store.record_items("wire", [_item("a")], NOW, stories=policy)
    store.record_items("lrt", [_item("b", source="lrt")], NOW + timedelta(hours=73), stories=policy)
    assert len(store.stories()) == 2
    assert store.count("alerts") == 2
    store.close()


def test_a_crash_while_clustering_leaves_no_hit_and_no_alert(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    with pytest.raises(RuntimeError):
        store.record_items("wire", [_item("a")], NOW, stories=Policy(fail_on_alert=True))
    assert [store.count(t) for t in ("items", "hits", "alerts")] == [0, 0, 0]
    assert store.stories() == []
    assert store.identities(["guid:wire\x1fa"]) == []
    store.close()
    # the next poll sees the item as new and stores it with exactly one alert
    store = Store.open(tmp_path)
    result = store.record_items("wire", [_item("a")], NOW, stories=Policy())
    again = store.record_items("wire", [_item("a")], NOW, stories=Policy())
    assert (result.alerts, again.alerts, store.count("alerts")) == (1, 0, 1)
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()


def test_a_failing_write_rolls_back_the_story_too(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.db.execute(
        """CREATE TRIGGER fail_members BEFORE INSERT ON story_members
           WHEN NEW.source = 'lrt' BEGIN SELECT RAISE(ABORT, 'disk full'); END"""
    )
    with pytest.raises(StoreError):
        store.record_items(
            "lrt", [_item("ok", source="lrt"), _item("b", source="lrt")], NOW, stories=Policy()
        )
    assert [store.count(t) for t in ("items", "hits", "alerts")] == [0, 0, 0]
    assert store.db.execute("SELECT count(*) FROM stories").fetchone()[0] == 0
    store.close()


def test_same_article_from_the_same_source_is_skipped_from_another_is_a_silent_copy(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path)
    store.record_items("wire", [_item("a")], NOW, stories=Policy())
    # the wire regenerates its GUID: same URL, same source -> not stored again
    regenerated = _item("a2", url="https://news.test/a")
    result = store.record_items("wire", [regenerated], NOW, stories=Policy())
    assert (result.items, result.alerts) == (0, 0)
    # an aggregator carries the same URL: stored as a copy in the same story, never alerting
    copy = _item("x", source="agg", url="https://news.test/a", story="stry_other")
    result = store.record_items("agg", [copy], NOW + timedelta(days=5), stories=Policy())
    assert (result.items, result.alerts) == (1, 0)
    (story,) = store.stories()
    assert [m.duplicate for m in story.members] == [False, True]
    assert story.outlets == 1
    store.close()


def test_identity_keys_outlive_pruned_items(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.record_items("wire", [_item("a")], NOW, stories=Policy())
    assert store.due_alerts(NOW)  # a pending alert keeps its item
    kept = store.prune(items_before=NOW + timedelta(days=40), keys_before=NOW)
    assert (kept.items, kept.hits) == (0, 0)
    (alert,) = store.alerts()
    store.mark_sent(alert.id, NOW)
    pruned = store.prune(items_before=NOW + timedelta(days=40), keys_before=NOW)
    assert (pruned.items, pruned.hits, pruned.stories, pruned.keys) == (1, 1, 1, 0)
    assert [store.count(t) for t in ("items", "hits", "alerts")] == [0, 0, 0]
    # the article comes back after its item was pruned: its keys still recognise it
    back = store.record_items("wire", [_item("a")], NOW + timedelta(days=41), stories=Policy())
    assert (back.items, back.alerts) == (0, 0)
    # once the keys are older than their retention they go too
    gone = store.prune(
        items_before=NOW + timedelta(days=200), keys_before=NOW + timedelta(days=200)
    )
    assert gone.keys == 2
    store.close()


def test_concurrent_writer_waits_for_the_story_transaction(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    other = sqlite3.connect(tmp_path / "treatywatch.db", timeout=0.1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError):
            store.db.conn.execute("PRAGMA busy_timeout = 100")
            store.record_items("wire", [_item("a")], NOW, stories=Policy())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.record_items("wire", [_item("a")], NOW, stories=Policy()).alerts == 1
    store.close()
