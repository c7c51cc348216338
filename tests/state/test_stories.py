"""The store's side of stories, on real SQLite files: the unit of work (one transaction, all
or nothing, busy as a typed error), story, case and identity rows, and pruning that keeps what
still suppresses repeats. The decisions are tested in tests/monitor/test_recording.py."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from state import (
    DatabaseBusyError,
    IdentityRow,
    NewHit,
    NewItem,
    Store,
    StoreError,
    StoryHit,
)
from state.migrations import SCHEMA_VERSION

NOW = datetime(2025, 3, 18, 14, 0, tzinfo=UTC)


def _hit(story: str, *, source: str = "wire", step: str | None = "announcement") -> StoryHit:
    return StoryHit(
        ref=0,
        story_id=story,
        rule="r",
        buckets=("ottawa",),
        treaties=("ottawa",),
        states=("lithuania",),
        steps=("announcement",),
        source=source,
        official=False,
        outlet=source,
        language="en",
        url=f"https://news.test/{story}",
        title=f"title {story}",
        published=None,
        step=step,
        step_strong=True,
    )


def _item(key: str) -> NewItem:
    return NewItem(
        key=key, title=f"title {key}", summary="", hits=(NewHit("r", "high", "[]", "{}"),)
    )


def _story(store: Store, key: str, story: str, at: datetime, *, case: str = "case_1") -> None:
    with store.batch(at) as tx:
        item_id = tx.insert_item("wire", _item(key))
        assert item_id is not None
        hit_id = tx.insert_hit(item_id, _item(key).hits[0])
        assert hit_id is not None
        tx.create_case(case, treaty="ottawa", states=["lithuania"], parent=None)
        assert tx.create_story(_hit(story), case_id=case)
        tx.add_case_step(case, step="announcement", story_id=story)
        tx.attach(story, item_id, hit_id, _hit(story), duplicate=False)
        tx.insert_alert(
            alert_id=f"alrt_{story}",
            hit_id=hit_id,
            channel="ops",
            kind="alert",
            payload="{}",
            story_id=story,
        )
        tx.claim_keys(
            [f"guid:wire\x1f{key}"], source="wire", item_id=item_id, title="", story_id=story
        )


def test_schema_has_story_and_case_tables(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    assert set(store.db.table_names()) >= {
        "identity_keys",
        "stories",
        "story_keys",
        "story_members",
        "cases",
    }
    assert {"case_id", "step"} <= {c.name for c in store.db["stories"].columns}
    assert "story_id" in {c.name for c in store.db["alerts"].columns}
    assert SCHEMA_VERSION >= 6
    store.close()


def test_a_unit_of_work_writes_story_case_and_alert_together(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    _story(store, "a", "stry_a", NOW)
    story = store.story("stry_a")
    assert story is not None and story.case_id == "case_1" and story.step == "announcement"
    assert story.reports == 1 and story.alerts == frozenset({("ops", "alert")})
    case = store.case("case_1")
    assert case is not None and [s.story for s in case.steps] == ["stry_a"]
    with store.batch(NOW) as tx:
        day = NOW - timedelta(days=1)
        mine = tx.candidate_stories("ottawa", day, others_since=NOW + timedelta(hours=1))
        assert [s.id for s in mine] == ["stry_a"] and mine[0].alerts == frozenset()  # light
        assert tx.candidate_stories("icc", day, others_since=NOW + timedelta(hours=1)) == []
        assert [s.id for s in tx.candidate_stories("icc", day, others_since=day)] == ["stry_a"]
        assert [c.id for c in tx.candidate_cases("ottawa", NOW - timedelta(days=1))] == ["case_1"]
        assert not tx.create_story(_hit("stry_a"), case_id="case_1")  # exists already
    store.close()


def test_an_exception_inside_the_unit_rolls_everything_back(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    with pytest.raises(RuntimeError), store.batch(NOW) as tx:
        item_id = tx.insert_item("wire", _item("a"))
        assert item_id is not None
        tx.create_case("case_x", treaty="ottawa", states=[], parent=None)
        tx.create_story(_hit("stry_x"), case_id="case_x")
        raise RuntimeError("a crash between the story and its alert")
    assert [store.count(t) for t in ("items", "hits", "alerts")] == [0, 0, 0]
    assert store.stories() == [] and store.cases() == []
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()


def test_a_failing_write_inside_the_unit_is_a_store_error_and_rolls_back(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.db.execute(
        """CREATE TRIGGER fail_members BEFORE INSERT ON story_members
           BEGIN SELECT RAISE(ABORT, 'disk full'); END"""
    )
    with pytest.raises(StoreError, match="disk full"):
        _story(store, "a", "stry_a", NOW)
    assert [store.count(t) for t in ("items", "hits", "alerts")] == [0, 0, 0]
    assert store.stories() == [] and store.cases() == []
    store.close()


def test_a_writer_holding_the_lock_makes_the_unit_a_busy_error(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.db.conn.execute("PRAGMA busy_timeout = 100")
    other = sqlite3.connect(tmp_path / "treatywatch.db", timeout=0.1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusyError, match="database busy"), store.batch(NOW):
            pass  # pragma: no cover - the lock is taken before the block runs
    finally:
        other.execute("ROLLBACK")
        other.close()
    _story(store, "a", "stry_a", NOW)  # free again: the next unit goes through
    assert store.count("alerts") == 1
    store.close()


def test_identity_keys_and_cases_outlive_pruned_items_and_stories(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    _story(store, "a", "stry_a", NOW)
    kept = store.prune(items_before=NOW + timedelta(days=40), keys_before=NOW)
    assert (kept.items, kept.hits, kept.stories) == (0, 0, 0)  # its alert is still pending
    (alert,) = store.alerts()
    store.mark_sent(alert.id, NOW)
    pruned = store.prune(items_before=NOW + timedelta(days=40), keys_before=NOW)
    assert (pruned.items, pruned.hits, pruned.stories, pruned.keys) == (1, 1, 1, 0)
    assert store.identities(["guid:wire\x1fa"])  # still recognised
    case = store.case("case_1")
    assert case is not None and case.steps[0].story == "stry_a"  # the history stays
    gone = store.prune(
        items_before=NOW + timedelta(days=800),
        keys_before=NOW + timedelta(days=800),
        cases_before=NOW + timedelta(days=800),
    )
    assert (gone.keys, gone.cases) == (1, 1)
    store.close()


def _identity_rows(store: Store) -> list[tuple[str, int | None, str, str]]:
    return [
        (r["key"], r["item_id"], r["first_seen"], r["last_seen"])
        for r in store.db.query("SELECT * FROM identity_keys ORDER BY key")
    ]


def test_identity_keys_claimed_and_touched_in_a_unit_are_stored_with_it(tmp_path: Path) -> None:
    """Claims and touches are written when the unit ends (one statement for all of them): the
    unit itself sees them at once, a second claim of a key only touches it, a failing unit
    stores none of them, and the next unit reads what the first committed."""
    store = Store.open(tmp_path)
    with store.batch(NOW) as tx:
        tx.claim_keys(["url:https://a.test/1", "fp:x"], source="wire", item_id=1, title="T",
                      story_id=None)  # fmt: skip
        tx.claim_keys(["fp:x"], source="other", item_id=2, title="", story_id=None)
        seen = tx.identities(["fp:x", "url:https://a.test/1", "guid:none"])
        assert [(r.key, r.source, r.item_id, r.title) for r in seen] == [
            ("fp:x", "wire", 1, ""),
            ("url:https://a.test/1", "wire", 1, "T"),
        ]
    stamp = next(store.db.query("SELECT last_seen FROM identity_keys"))["last_seen"]
    assert [row[:2] for row in _identity_rows(store)] == [("fp:x", 1), ("url:https://a.test/1", 1)]
    with pytest.raises(RuntimeError), store.batch(NOW + timedelta(hours=1)) as tx:
        tx.touch_keys(["fp:x"])
        tx.claim_keys(["guid:wire\x1fb"], source="wire", item_id=3, title="", story_id=None)
        raise RuntimeError("fails before the commit")
    assert [row[3] for row in _identity_rows(store)] == [stamp, stamp]
    with store.batch(NOW + timedelta(hours=1)) as tx:
        assert [r.item_id for r in tx.identities(["fp:x"])] == [1]
        tx.touch_keys(["fp:x"])
        assert tx.identities(["fp:x"])[0].last_seen != stamp
    rows = {key: (first_seen, last_seen) for key, _, first_seen, last_seen in _identity_rows(store)}
    assert rows["fp:x"][0] == stamp and rows["fp:x"][1] != stamp
    assert rows["url:https://a.test/1"] == (stamp, stamp)
    store.close()


def test_identities_come_back_in_the_order_asked_with_every_column(tmp_path: Path) -> None:
    """Rows are read as tuples in IdentityRow's field order: each field lands in its place."""
    store = Store.open(tmp_path)
    with store.batch(NOW) as tx:
        tx.claim_keys(["url:https://a.test/1"], source="wire", item_id=7, title="T",
                      story_id="story_1")  # fmt: skip
        tx.claim_keys(["fp:x"], source="other", item_id=8, title="ignored", story_id=None)
    stamp = next(store.db.query("SELECT last_seen FROM identity_keys"))["last_seen"]
    with store.batch(NOW + timedelta(hours=1)) as tx:
        tx.touch_keys(["fp:x"])
    later = next(store.db.query("SELECT last_seen FROM identity_keys WHERE key = 'fp:x'"))
    found = store.identities(["fp:x", "guid:none", "url:https://a.test/1", "fp:x"])
    assert later["last_seen"] != stamp
    assert found == [
        IdentityRow("fp:x", "other", 8, None, "", stamp, later["last_seen"]),
        IdentityRow("url:https://a.test/1", "wire", 7, "story_1", "T", stamp, stamp),
    ]
    store.close()
