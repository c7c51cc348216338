"""Databases written by the release before cases (schema 5, tests/data/upgrade/schema-v5.sqlite:
made by `treatywatch poll` of that release, with three stories whose alerts were still pending)
migrate forward without losing items, stories or pending alerts."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from state import DB_FILENAME, Store, schema_version
from state.migrations import SCHEMA_VERSION

OLD = Path(__file__).resolve().parents[1] / "data" / "upgrade" / "schema-v5.sqlite"


def _copy(tmp_path: Path) -> Path:
    shutil.copyfile(OLD, tmp_path / DB_FILENAME)
    return tmp_path


def test_the_fixture_is_a_schema_5_database() -> None:
    import sqlite3

    with sqlite3.connect(f"file:{OLD}?mode=ro", uri=True) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
        assert names[-1] == "0005_operations" and len(names) == 5
        assert "cases" not in {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }


def test_a_schema_5_database_upgrades_without_losing_anything(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    store = Store.open(folder)
    assert schema_version(store.db) == SCHEMA_VERSION
    assert (store.count("items"), store.count("hits"), store.count("alerts")) == (4, 5, 3)
    stories = store.stories()
    assert len(stories) == 3
    steps = {story.states: story.step for story in stories}
    assert steps == {
        # the old release's reading: the most advanced step named anywhere ("...will notify
        # the UN" made the vote a notification then)
        ("lithuania",): "notification",
        ("latvia",): "parliament_vote",
        ("hungary",): "announcement",
    }
    for story in stories:
        assert story.case_id is not None
        case = store.case(story.case_id)
        assert case is not None and case.treaty == story.treaties[0]
        assert [s.story for s in case.steps] == [story.id]
    pending = store.due_alerts(datetime(2030, 1, 1, tzinfo=UTC))
    assert len(pending) == 3 and all(row.status == "pending" for row in pending)
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()
    # opening again applies nothing twice
    again = Store.open(folder)
    assert schema_version(again.db) == SCHEMA_VERSION and len(again.cases()) == 3
    again.close()
