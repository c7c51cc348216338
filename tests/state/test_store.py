"""The store on real SQLite files: schema, pragmas, dedup constraints, outbox, corruption."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from state import (
    DB_FILENAME,
    CorruptDatabaseError,
    NewAlert,
    NewHit,
    NewItem,
    Store,
    StoreError,
    open_database,
    schema_version,
)
from state.migrations import SCHEMA_VERSION
from tests.support.records import Seed, write_items

NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)


def _item(key: str, *, alerts: tuple[str, ...] = ("ops",), source: str = "") -> Seed:
    hit = NewHit(
        rule="treaty-withdrawal.test",
        severity="high",
        matched='["withdraw"]',
        explanation="{}",
    )
    item = NewItem(key=key, title=f"title {key}", summary="", hits=(hit,))
    return item, tuple(NewAlert(f"alrt_{source}{key}_{c}", c, '{"id": 1}') for c in alerts)


def test_new_database_has_schema_and_pragmas(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "state")
    assert (tmp_path / "state" / DB_FILENAME).exists()
    conn = store.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert schema_version(store.db) == SCHEMA_VERSION
    assert set(store.db.table_names()) >= {"sources", "items", "hits", "alerts"}
    store.close()


def test_reopening_applies_no_migration_twice(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    store = Store.open(tmp_path)
    assert schema_version(store.db) == SCHEMA_VERSION
    store.close()


def test_items_hits_and_alerts_are_written_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    first = write_items(store, "feed", [_item("a"), _item("b", alerts=("ops", "mail"))], NOW)
    assert (first.items, first.hits, first.alerts) == (2, 2, 3)
    again = write_items(store, "feed", [_item("a"), _item("b")], NOW)
    assert (again.items, again.hits, again.alerts) == (0, 0, 0)
    # the same key under another source is another item
    other = write_items(store, "other", [_item("a", source="other-")], NOW)
    assert other.items == 1
    assert store.known_keys("feed", ["a", "b", "c"]) == {"a", "b"}
    assert store.count("alerts") == 4
    store.close()


def test_recent_keys_are_the_keys_stored_last(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    write_items(store, "feed", [_item("a"), _item("b")], NOW)
    write_items(store, "feed", [_item("c")], NOW)
    write_items(store, "other", [_item("d", source="other-")], NOW)
    assert store.recent_keys("feed", 2) == {"b", "c"}
    assert store.recent_keys("feed", 10) == {"a", "b", "c"}
    assert store.recent_keys("nobody", 10) == frozenset()
    store.close()


def test_a_failed_write_leaves_neither_hit_nor_alert(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    write_items(store, "feed", [_item("a")], NOW)
    ok = (
        NewItem(key="z", title="z", summary="", hits=(NewHit("r", "high", "[]", "{}"),)),
        (NewAlert("alrt_z", "ops", "{}"),),
    )
    # a write that fails half-way through a batch (here: a trigger standing in for a full disk)
    store.db.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON alerts WHEN NEW.channel = 'x' "
        "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
    )
    bad = (
        NewItem(key="y", title="y", summary="", hits=(NewHit("r", "high", "[]", "{}"),)),
        (NewAlert("alrt_y", "x", "{}"),),
    )
    with pytest.raises(StoreError):
        write_items(store, "feed", [ok, bad], NOW)
    # rolls back the whole batch: no item, hit or alert of that batch remains
    assert store.known_keys("feed", ["z", "y"]) == set()
    assert store.count("hits") == 1
    assert store.count("alerts") == 1
    store.close()


def test_outbox_due_sent_and_failed(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    write_items(store, "feed", [_item("a"), _item("b")], NOW)
    due = store.due_alerts(NOW)
    assert [row.id for row in due] == ["alrt_a_ops", "alrt_b_ops"]
    store.mark_sent("alrt_a_ops", NOW)
    store.mark_failed("alrt_b_ops", "HTTP 500", next_attempt=NOW + timedelta(minutes=5))
    assert store.due_alerts(NOW) == []
    later = store.due_alerts(NOW + timedelta(minutes=5))
    assert [(r.id, r.attempts, r.last_error) for r in later] == [("alrt_b_ops", 1, "HTTP 500")]
    assert [r.id for r in store.alerts(status="sent")] == ["alrt_a_ops"]
    store.mark_failed("alrt_b_ops", "HTTP 404", next_attempt=NOW, dead=True)
    assert [r.id for r in store.alerts(status="dead")] == ["alrt_b_ops"]
    store.close()


def test_fetch_state_keeps_validators_on_failure(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.record_fetch(
        "feed",
        "http://x/",
        now=NOW,
        status=200,
        etag='"v1"',
        last_modified="Tue, 18 Mar 2025 10:00:00 GMT",
        body_hash="h",
        entries=3,
    )
    store.record_fetch(
        "feed", "http://x/", now=NOW, status=500, error="HTTP 500", error_class="http_5xx"
    )
    state = store.source("feed")
    assert state is not None
    assert state.etag == '"v1"' and state.body_hash == "h" and state.entries_last_poll == 3
    assert state.consecutive_failures == 1 and state.last_error == "HTTP 500"
    store.record_fetch("feed", "http://x/", now=NOW, status=304)
    state = store.source("feed")
    assert state is not None and state.consecutive_failures == 0 and state.etag == '"v1"'
    store.close()


def test_corrupt_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    garbage = b"this is not a database" * 200
    path.write_bytes(garbage)
    with pytest.raises(CorruptDatabaseError, match="corrupt database"):
        open_database(path)
    assert path.read_bytes() == garbage


def test_truncated_database_is_refused(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    write_items(store, "feed", [_item(str(n)) for n in range(200)], NOW)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    path = tmp_path / DB_FILENAME
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptDatabaseError):
        Store.open(tmp_path).count("items")


def test_naive_times_are_refused(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    with pytest.raises(ValueError, match="naive"):
        store.due_alerts(datetime(2025, 1, 1))
    store.close()


def test_interrupted_migration_is_completed_on_next_open(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    conn = sqlite3.connect(path, isolation_level=None)
    # a migration killed half-way left only part of its work, uncommitted: nothing remains
    conn.execute("BEGIN")
    conn.execute("CREATE TABLE sources (name TEXT)")
    conn.close()  # closing without COMMIT rolls back, as a SIGKILL would
    store = Store.open(tmp_path)
    assert schema_version(store.db) == SCHEMA_VERSION
    assert "url" in store.db["sources"].columns_dict
    store.close()
