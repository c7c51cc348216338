"""The story algorithm on real parts: the built-in rule pack, the real pipeline and recorder,
real SQLite files; reports written by us about real withdrawals, each test one kind of
mistake that issue 11 found in replays of real timelines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.config import ConsoleChannel, StoriesSettings, parse_settings
from monitor.pipeline import plan_items
from monitor.recording import record
from monitor.rulepacks import load_rules
from monitor.sources.item import Item
from state import DatabaseBusyError, Store, StoreError

RULES = load_rules(None)
T0 = datetime(2025, 4, 16, 9, 0, tzinfo=UTC)


class Desk:
    """A newsroom replayed into one real database: ``report`` polls one item of one outlet."""

    def __init__(self, folder: Path, *, channels: list[dict[str, Any]] | None = None) -> None:
        self.store = Store.open(folder)
        settings = parse_settings({"channels": channels or [{"name": "ops", "type": "console"}]})
        self.channels = settings.channels or (ConsoleChannel(name="ops", type="console"),)
        self.settings = settings
        self.count = 0

    def report(
        self,
        source: str,
        title: str,
        summary: str = "",
        *,
        at: datetime,
        published: datetime | None = None,
        url: str | None = None,
        stories: StoriesSettings | None = None,
        must_match: bool = True,
    ) -> int:
        """Poll one report at ``at``; how many alerts it queued."""
        from monitor.config import SourceConfig

        self.count += 1
        link = url or f"https://{source}.test/{self.count}"
        item = Item(title=title, summary=summary, link=link, guid=link, published=published or at)
        batch = plan_items(
            [(link, item)],
            source=SourceConfig(name=source, url=f"https://{source}.test/feed"),
            ruleset=RULES,
            channels=self.channels,
            now=at,
            baseline=False,
            max_age=timedelta(hours=24),
            stories=stories or self.settings.stories,
            stale_after=self.settings.stale_after,
        )
        assert batch.hits or not must_match, f"the pack should match: {title}"
        return record(self.store, source, batch, at).alerts

    def alerts(self) -> list[dict[str, Any]]:
        """The queued alerts' payloads, oldest first (``_kind``: the outbox row's kind)."""
        rows = sorted(self.store.alerts(), key=lambda row: (row.created, row.id))
        return [json.loads(row.payload) | {"_kind": row.kind} for row in rows]


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return Desk(tmp_path)


def test_one_vote_reported_with_different_step_words_is_one_story(desk: Desk) -> None:
    """Summaries naming the next steps ("will notify", "takes effect in six months") do not
    make a parliament vote three stories."""
    sent = [
        desk.report(
            "wire",
            "Latvian parliament votes to leave the Ottawa Convention",
            "The Saeima approved the exit from the landmine ban on Wednesday.",
            at=T0,
        ),
        desk.report(
            "lsm",
            "Saeima backs Latvia's withdrawal from anti-personnel mine treaty",
            "The government will notify the UN secretary-general in the coming weeks.",
            at=T0 + timedelta(hours=2),
        ),
        desk.report(
            "dw",
            "Lettland verlässt die Ottawa-Konvention",
            "Der Austritt wird sechs Monate nach der Notifizierung wirksam.",
            at=T0 + timedelta(hours=5),
        ),
        desk.report(
            "pap",
            "Łotwa wystąpi z konwencji ottawskiej",
            "Saeima przegłosowała ustawę; wypowiedzenie wejdzie w życie po sześciu miesiącach.",
            at=T0 + timedelta(hours=20),
        ),
    ]
    assert sent == [1, 0, 0, 0]
    (story,) = desk.store.stories()
    assert story.step == "parliament_vote" and story.reports == 4


def test_two_organisations_left_on_one_day_alert_once_each(desk: Desk) -> None:
    """A report naming both withdrawals counts for each; neither hides under the other."""
    day = datetime(2025, 1, 20, 22, 0, tzinfo=UTC)
    first = desk.report(
        "wire",
        "US to quit World Health Organization and Paris climate agreement",
        "President Trump signed executive orders on his first day in office.",
        at=day,
    )
    later = [
        desk.report(
            "who-desk",
            "Trump orders US exit from the WHO",
            "The order starts the one-year withdrawal from the World Health Organization.",
            at=day + timedelta(hours=3),
        ),
        desk.report(
            "climate-desk",
            "United States to leave Paris Agreement again",
            "The executive order directs the UN ambassador to submit the withdrawal.",
            at=day + timedelta(hours=4),
        ),
    ]
    assert first == 2 and later == [0, 0]
    stories = {s.treaties: s for s in desk.store.stories()}
    assert set(stories) == {("who",), ("paris",)}
    assert all(s.reports == 2 for s in stories.values())


def test_announcement_and_notification_days_apart_are_two_alerts_with_history(
    desk: Desk,
) -> None:
    announced = datetime(2025, 4, 3, 7, 30, tzinfo=UTC)
    notified = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
    a = desk.report(
        "mti",
        "Hungary announces it will withdraw from the International Criminal Court",
        "The government will start the withdrawal procedure on Thursday.",
        at=announced,
    )
    b = desk.report(
        "wire",
        "Hungary notifies UN of its withdrawal from the ICC",
        "The notice was handed to the UN secretary-general on Monday.",
        at=notified,
    )
    assert (a, b) == (1, 1)
    first, second = desk.alerts()
    assert first["case"]["id"] == second["case"]["id"]
    assert first["case"]["earlier_steps"] == []
    (earlier,) = second["case"]["earlier_steps"]
    assert earlier["step"] == "announcement" and earlier["story"] == first["story"]["id"]
    assert second["case"]["step"] == "notification"
    assert second["case"]["states"] == ["hungary"]
    assert second["story"]["id"] != first["story"]["id"]  # version-1 fields unchanged


def test_an_earlier_step_retold_later_is_old_news(desk: Desk) -> None:
    vote = datetime(2024, 7, 18, 10, 0, tzinfo=UTC)
    assert desk.report(
        "lrt",
        "Lithuanian parliament votes to quit cluster munitions convention",
        "Lawmakers backed the withdrawal from the Convention on Cluster Munitions.",
        at=vote,
    )
    assert not desk.report(
        "blog",
        "Lithuania to leave the Convention on Cluster Munitions",
        "Vilnius says the ban limits its defence.",
        at=vote + timedelta(days=5),
    )


def test_background_recalled_before_the_vote_does_not_swallow_it(desk: Desk) -> None:
    """A report recalling a 2024 debate as background founds no story that swallows the
    real vote of 2025."""
    day = datetime(2025, 6, 25, 8, 0, tzinfo=UTC)
    desk.report(
        "weekly",
        "Poland's long debate on leaving the Ottawa Convention",
        "In 2024 the Sejm first debated a withdrawal from the landmine ban.",
        at=day,
        must_match=False,
    )
    assert desk.report(
        "pap",
        "Sejm votes to withdraw Poland from the Ottawa Convention",
        "Lawmakers approved the bill on leaving the landmine ban treaty on Wednesday.",
        at=day + timedelta(hours=6),
    )
    vote = next(s for s in desk.store.stories() if s.step == "parliament_vote")
    assert vote.states == ("poland",)


def test_states_come_from_the_withdrawal_clause(desk: Desk) -> None:
    desk.report(
        "wire",
        "Lithuania leaves the Ottawa Convention over the threat from Russia",
        "Russia and Belarus are named as the reason in the decision.",
        at=T0,
    )
    (story,) = desk.store.stories()
    assert story.states == ("lithuania",)
    (alert,) = desk.alerts()
    assert alert["case"]["states"] == ["lithuania"]


def test_two_states_voting_on_one_day_are_two_stories(desk: Desk) -> None:
    assert desk.report(
        "lsm",
        "Latvian parliament votes to leave the Ottawa Convention",
        "The Saeima approved the withdrawal.",
        at=T0,
    )
    assert desk.report(
        "lrt",
        "Lithuanian parliament votes to leave the Ottawa Convention",
        "The Seimas approved the withdrawal.",
        at=T0 + timedelta(hours=1),
    )
    assert len(desk.store.stories()) == 2


def test_old_news_first_seen_now_does_not_alert(desk: Desk) -> None:
    """An item published long ago and first seen on a later poll (a feed that re-surfaces its
    archive) is stored without alerting; one delayed by a failing source still alerts."""
    assert not desk.report(
        "archive",
        "Japan withdraws from the International Whaling Commission",
        "Tokyo said it would resume commercial whaling.",
        at=T0,
        published=T0 - timedelta(days=60),
    )
    assert desk.report(
        "slow",
        "Canada withdraws from the Kyoto Protocol",
        "The environment minister announced the decision.",
        at=T0,
        published=T0 - timedelta(days=3),
    )


def test_a_reversal_closes_the_case_and_alerts_only_where_asked(tmp_path: Path) -> None:
    desk = Desk(
        tmp_path,
        channels=[
            {"name": "all", "type": "console"},
            {"name": "reversals", "type": "console", "steps": ["reversal"]},
        ],
    )
    notice = datetime(2016, 10, 21, 9, 0, tzinfo=UTC)
    desk.report(
        "sabc",
        "South Africa notifies UN of withdrawal from the International Criminal Court",
        "The notice of withdrawal was deposited with the UN secretary-general.",
        at=notice,
    )
    desk.report(
        "sabc",
        "South Africa revokes its withdrawal from the International Criminal Court",
        "The government revoked the notice of withdrawal after a court ruling.",
        at=notice + timedelta(days=140),
    )
    kinds = [(a["_kind"], a["case"]["step"]) for a in desk.alerts()]
    assert ("alert", "notification") in kinds
    assert ("reversal", "reversal") in kinds
    reversal = next(a for a in desk.alerts() if a["_kind"] == "reversal")
    assert [r.channel for r in desk.store.alerts() if r.kind == "reversal"] == ["reversals"]
    case = desk.store.case(reversal["case"]["id"])
    assert case is not None and case.closed is not None


def test_a_channel_taking_only_first_steps(tmp_path: Path) -> None:
    desk = Desk(
        tmp_path,
        channels=[{"name": "first", "type": "console", "steps": "first"}],
    )
    announced = datetime(2025, 4, 3, 7, 30, tzinfo=UTC)
    assert desk.report(
        "mti",
        "Hungary announces it will withdraw from the International Criminal Court",
        at=announced,
    )
    assert not desk.report(
        "wire",
        "Hungarian parliament votes to leave the International Criminal Court",
        "Lawmakers approved the bill by 134 votes to 37.",
        at=announced + timedelta(days=47),
    )


def test_same_article_from_the_same_source_is_skipped_from_another_is_a_silent_copy(
    desk: Desk,
) -> None:
    title = "Finland to leave the Ottawa Convention on landmines"
    assert desk.report("yle", title, at=T0, url="https://yle.test/a")
    assert not desk.report("yle", title, at=T0, url="https://yle.test/a?utm_source=rss")
    assert not desk.report("aggregator", title, at=T0 + timedelta(days=2), url="https://yle.test/a")
    (story,) = desk.store.stories()
    assert [m.duplicate for m in story.members] == [False, True]


def test_a_crash_while_recording_leaves_nothing_and_the_retry_alerts_once(desk: Desk) -> None:
    desk.store.db.execute(
        """CREATE TRIGGER boom BEFORE INSERT ON alerts
           BEGIN SELECT RAISE(ABORT, 'disk says no'); END"""
    )
    title = "Estonia to withdraw from the Ottawa Convention"
    with pytest.raises(StoreError, match="disk says no"):
        desk.report("err", title, at=T0, url="https://err.test/a")
    assert [desk.store.count(t) for t in ("items", "hits", "alerts")] == [0, 0, 0]
    assert desk.store.stories() == [] and desk.store.cases() == []
    desk.store.db.execute("DROP TRIGGER boom")
    assert desk.report("err", title, at=T0, url="https://err.test/a") == 1
    assert desk.report("err", title, at=T0, url="https://err.test/a") == 0


def _levels_at_begin(desk: Desk) -> list[str]:
    """Trace the connection: the ``synchronous`` level each write transaction began with."""
    level = ["FULL"]
    began: list[str] = []

    def trace(sql: str) -> None:
        text = " ".join(sql.split()).upper()
        if text.startswith("PRAGMA SYNCHRONOUS ="):
            level[0] = text.rsplit("=", 1)[1].strip()
        elif text.startswith("BEGIN"):
            began.append(level[0])

    desk.store.db.conn.set_trace_callback(trace)
    return began


def test_a_batch_with_a_hit_commits_durably_one_without_does_not_wait_for_the_disk(
    desk: Desk,
) -> None:
    """Issue 14: a unit that writes a hit (and its alerts) is fsynced before ``record``
    returns, as before; one of items that matched nothing skips the fsync (a power cut may
    undo it, a crash cannot), and the connection is back at FULL after it."""
    began = _levels_at_begin(desk)
    assert desk.report("yle", "Finland to leave the Ottawa Convention on landmines", at=T0)
    desk.report("yle", "Weather: a mild spring ahead", at=T0, must_match=False)
    assert began == ["FULL", "NORMAL"]
    assert desk.store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert desk.store.count("items") == 2


def test_a_batch_reads_its_identity_keys_in_one_query_and_still_sees_its_own(desk: Desk) -> None:
    """Issue 14: the keys of a poll's new items are looked up at once, not one query per
    item (37,000 queries on a first cycle of 1,000 feeds); an item the same batch stored
    first is still found (the second link of one article is skipped)."""
    from monitor.config import SourceConfig

    items = [
        (
            f"https://w.test/{n}",
            Item(title=f"Harvest report {n} of the valley", link=f"https://w.test/{n}"),
        )
        for n in range(40)
    ]
    items.append(("again", Item(title="Harvest report 3 of the valley", link="https://w.test/3")))
    batch = plan_items(
        items,
        source=SourceConfig(name="w", url="https://w.test/feed"),
        ruleset=RULES,
        channels=desk.channels,
        now=T0,
        baseline=False,
        max_age=timedelta(hours=24),
        stories=desk.settings.stories,
        stale_after=desk.settings.stale_after,
    )
    lookups: list[str] = []
    desk.store.db.conn.set_trace_callback(
        lambda sql: lookups.append(sql) if "FROM identity_keys WHERE key IN" in sql else None
    )
    assert record(desk.store, "w", batch, T0).items == 40
    desk.store.db.conn.set_trace_callback(None)
    assert len(lookups) == 1


def test_a_busy_database_is_a_typed_error(desk: Desk, tmp_path: Path) -> None:
    import sqlite3

    desk.store.db.conn.execute("PRAGMA busy_timeout = 100")
    other = sqlite3.connect(tmp_path / "treatywatch.db", timeout=0.1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusyError):
            desk.report("err", "Estonia to withdraw from the Ottawa Convention", at=T0)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_recorded_payloads_with_their_case_match_the_published_schema(tmp_path: Path) -> None:
    import jsonschema

    schema_path = Path(__file__).resolve().parents[2] / "docs" / "alert-payload.schema.json"
    validator = jsonschema.Draft202012Validator(json.loads(schema_path.read_text("utf-8")))
    desk = Desk(
        tmp_path,
        channels=[
            {
                "name": "all",
                "type": "console",
                "steps": ["reversal", "notification", "announcement"],
            }
        ],
    )
    notice = datetime(2016, 10, 21, 9, 0, tzinfo=UTC)
    desk.report("sabc", "South Africa to leave the International Criminal Court", at=notice)
    desk.report(
        "sabc",
        "South Africa notifies UN of withdrawal from the International Criminal Court",
        "The notice of withdrawal was deposited with the UN secretary-general.",
        at=notice + timedelta(days=3),
    )
    desk.report(
        "sabc",
        "South Africa revokes its withdrawal from the International Criminal Court",
        at=notice + timedelta(days=140),
    )
    payloads = desk.alerts()
    assert [p["type"] for p in payloads] == ["alert", "alert", "reversal"]
    for payload in payloads:
        payload.pop("_kind")
        validator.validate(payload)
    assert [s["step"] for s in payloads[2]["case"]["earlier_steps"]] == [
        "announcement",
        "notification",
    ]
    broken = payloads[0] | {"case": {"id": 1}}
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(broken)


def test_a_treaty_named_with_its_year_is_news_of_today(desk: Desk) -> None:
    """Treaties are often named with their year ("the 1990 CFE Treaty"): a year in the
    headline does not make a report old news."""
    day = datetime(2023, 11, 7, 9, 0, tzinfo=UTC)
    assert desk.report(
        "wire",
        "Russia formally quits the 1990 CFE Treaty",
        "Moscow completed its withdrawal from the Treaty on Conventional Armed Forces in Europe.",
        at=day,
    )


def test_housekeeping_keeps_a_case_for_its_memory_after_its_stories_go(desk: Desk) -> None:
    from monitor.retention import prune

    announced = datetime(2025, 4, 3, 7, 30, tzinfo=UTC)
    desk.report("mti", "Hungary announces it will withdraw from the ICC", at=announced)
    for alert in desk.store.alerts():
        desk.store.mark_sent(alert.id, announced)
    settings = desk.settings
    after_keys = prune(desk.store, settings, announced + timedelta(days=200))
    assert after_keys.stories == 1 and after_keys.cases == 0  # stories go, the case stays
    (case,) = desk.store.cases()
    assert case.steps[0].step == "announcement"
    gone = prune(desk.store, settings, announced + settings.stories.case_memory + timedelta(days=1))
    assert gone.cases == 1 and desk.store.cases() == []


def test_the_config_schema_names_every_step_the_story_logic_knows() -> None:
    """``channels[].steps`` is checked against a Literal that must list exactly the steps of
    ``monitor.core.steps.STEP_ORDER`` (a step added to one and not the other fails here)."""
    from typing import get_args

    from monitor.config import StepId
    from monitor.core.steps import STEP_ORDER

    assert sorted(get_args(StepId)) == sorted(STEP_ORDER)
