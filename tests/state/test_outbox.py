"""The outbox on a real SQLite file: claims, interrupted sends, outcomes, digests, re-queueing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from state import NewAlert, NewHit, NewItem, Store
from state._outbox import INTERRUPTED
from tests.support.records import Seed, write_items

NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path):
    store = Store.open(tmp_path)
    yield store
    store.close()


def _record(store: Store, *keys: str, channels: tuple[str, ...] = ("ops",), at=NOW) -> None:
    items: list[Seed] = [
        (
            NewItem(key=key, title=key, summary="", hits=(NewHit("rule", "high", "[]", "{}"),)),
            tuple(NewAlert(f"alrt_{key}_{c}", c, f'{{"id": "{key}"}}') for c in channels),
        )
        for key in keys
    ]
    write_items(store, "feed", items, at)


def test_a_claim_counts_the_attempt_and_hides_the_row(store: Store) -> None:
    _record(store, "a", "b")
    assert store.claim("alrt_a_ops", NOW)
    assert not store.claim("alrt_a_ops", NOW)  # already in flight
    assert [r.id for r in store.due_alerts(NOW)] == ["alrt_b_ops"]
    row = store.alert("alrt_a_ops")
    assert row is not None and row.attempts == 1 and row.sending_since == "2025-03-18T12:00:00Z"
    assert row.first_attempt == row.last_attempt == "2025-03-18T12:00:00Z"
    store.mark_sent("alrt_a_ops", NOW + timedelta(seconds=1))
    row = store.alert("alrt_a_ops")
    assert row is not None and row.status == "sent" and row.attempts == 1  # counted once
    assert row.sending_since is None


def test_an_interrupted_send_is_recovered_with_the_same_id(store: Store) -> None:
    _record(store, "a", "b")
    store.claim("alrt_a_ops", NOW)
    later = NOW + timedelta(minutes=5)
    assert store.recover_interrupted(later) == ["alrt_a_ops"]
    row = store.alert("alrt_a_ops")
    assert row is not None and row.status == "pending" and row.sending_since is None
    assert row.last_error == INTERRUPTED and row.attempts == 1
    assert [r.id for r in store.due_alerts(later)] == ["alrt_a_ops", "alrt_b_ops"]
    assert store.recover_interrupted(later) == []


def test_failures_reschedule_or_park_with_a_reason(store: Store) -> None:
    _record(store, "a")
    store.claim("alrt_a_ops", NOW)
    store.mark_failed("alrt_a_ops", "ops: HTTP 500", next_attempt=NOW + timedelta(seconds=30))
    row = store.alert("alrt_a_ops")
    assert row is not None and (row.status, row.attempts, row.dead_reason) == ("pending", 1, None)
    assert store.due_alerts(NOW + timedelta(seconds=29)) == []
    store.claim("alrt_a_ops", NOW + timedelta(seconds=30))
    store.mark_failed(
        "alrt_a_ops", "ops: HTTP 404", next_attempt=NOW, dead=True, reason="rejected: 404"
    )
    row = store.alert("alrt_a_ops")
    assert row is not None and (row.status, row.attempts) == ("dead", 2)
    assert (row.last_error, row.dead_reason) == ("ops: HTTP 404", "rejected: 404")
    assert [r.id for r in store.alerts(status="dead", channel="ops")] == ["alrt_a_ops"]


def test_requeue_gives_a_fresh_budget_and_keeps_the_id(store: Store) -> None:
    _record(store, "a", "b", channels=("ops", "mail"))
    for alert_id in ("alrt_a_ops", "alrt_b_ops", "alrt_a_mail"):
        store.claim(alert_id, NOW)
        store.mark_failed(alert_id, "x", next_attempt=NOW, dead=True, reason="gone")
    later = NOW + timedelta(hours=1)
    assert store.requeue("alrt_a_ops", later)
    row = store.alert("alrt_a_ops")
    assert row is not None and (row.status, row.attempts, row.dead_reason) == ("pending", 0, None)
    assert row.next_attempt == "2025-03-18T13:00:00Z"
    assert not store.requeue("alrt_nope", later)
    assert store.requeue_dead(later, channel="mail") == 1
    assert store.requeue_dead(later) == 1  # alrt_b_ops
    assert store.alerts(status="dead") == []
    store.mark_sent("alrt_b_ops", later)
    assert not store.requeue("alrt_b_ops", later)  # sent: only with force
    assert store.requeue("alrt_b_ops", later, force=True)


def test_kill_pending_parks_a_whole_channel_but_not_rows_in_flight(store: Store) -> None:
    _record(store, "a", "b", "c", channels=("ops", "mail"))
    store.claim("alrt_c_ops", NOW)
    assert store.kill_pending("ops", "endpoint gone: HTTP 410", NOW) == 2
    assert {r.id for r in store.alerts(status="dead")} == {"alrt_a_ops", "alrt_b_ops"}
    assert len(store.alerts(status="pending", channel="mail")) == 3


def test_digests_take_their_members_along(store: Store) -> None:
    _record(store, "a", "b", channels=("daily",), at=NOW)
    _record(store, "c", channels=("daily",), at=NOW + timedelta(hours=2))
    store.enqueue(NewAlert("ops_1", "daily", "{}"), NOW, kind="ops")
    boundary = NOW + timedelta(hours=1)
    # members wait for their digest; operator rows are never digested
    due = store.due_alerts(boundary, digest_channels=["daily"])
    assert [r.id for r in due] == ["ops_1"]
    members = store.digest_candidates("daily", before=boundary)
    assert [r.id for r in members] == ["alrt_a_daily", "alrt_b_daily"]
    digest = NewAlert("dgst_1", "daily", '{"type": "digest"}')
    assert store.create_digest(digest, [r.id for r in members], boundary) == 2
    assert store.create_digest(digest, ["alrt_c_daily"], boundary) == 0  # same id: nothing
    assert store.digest_candidates("daily", before=boundary) == []
    due = store.due_alerts(boundary, digest_channels=["daily"])
    assert [r.id for r in due] == ["ops_1", "dgst_1"]
    # the digest dies: its members die with it; re-queued, they come back together
    store.claim("dgst_1", boundary)
    store.mark_failed("dgst_1", "HTTP 400", next_attempt=boundary, dead=True, reason="rejected")
    assert {r.id for r in store.alerts(status="dead")} == {
        "dgst_1",
        "alrt_a_daily",
        "alrt_b_daily",
    }
    assert store.requeue("dgst_1", boundary)
    assert {r.id for r in store.alerts(status="dead")} == set()
    store.claim("dgst_1", boundary)
    store.mark_sent("dgst_1", boundary)
    sent = {r.id: r for r in store.alerts(status="sent")}
    assert set(sent) == {"dgst_1", "alrt_a_daily", "alrt_b_daily"}
    assert sent["alrt_a_daily"].digest_id == "dgst_1"
    assert [r.id for r in store.alerts(status="pending", kind="alert")] == ["alrt_c_daily"]


def test_outbox_counts_and_oldest_pending(store: Store) -> None:
    _record(store, "a", "b", channels=("ops", "mail"))
    store.mark_sent("alrt_a_ops", NOW)
    assert store.outbox_counts() == {
        ("ops", "sent"): 1,
        ("ops", "pending"): 1,
        ("mail", "pending"): 2,
    }
    assert store.oldest_pending() == "2025-03-18T12:00:00Z"
    path = store.database_path()
    assert path is not None and path.name == "treatywatch.db"
