"""What a parse worker does with a body: parse, leave out the recent entries, analyse the rest;
in a worker process exactly as inline."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config import SourceConfig
from monitor.errors import ParseError
from monitor.intake import Intake, IntakeJob, intake
from monitor.pipeline import analyse_items, unique_items
from monitor.sources import ParsePool, parse_feed
from rules import RuleSet, load_ruleset
from tests.support.feeds import Entry, rss

NOW = datetime(2025, 5, 8, 12, tzinfo=UTC)
RULES = """\
rules:
  - id: test.exit
    title: A state leaves the Ottawa Convention
    severity: high
    query: '(withdraw OR exit) AND "Ottawa Convention"'
"""
SOURCE = SourceConfig(name="wire", url="https://wire.test/feed", tags=["news"])


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_ruleset({"rules.yaml": RULES})


def _feed(count: int) -> bytes:
    entries = [
        Entry(
            f"Story {n}: Lithuania to withdraw from the Ottawa Convention"
            if n % 10 == 0
            else f"Story {n} about the harbour",
            f"https://wire.test/news/{n}?utm_source=rss",
            summary=f"<p>Paragraph <b>{n}</b> of the report &amp; more.</p>",
            published=NOW - timedelta(minutes=n),
        )
        for n in range(count)
    ]
    return rss(entries)


def _job(recent: frozenset[str] = frozenset()) -> IntakeJob:
    return IntakeJob(source=SOURCE, url=SOURCE.url, content_type=None, now=NOW, recent=recent)


def test_recent_entries_are_left_out_and_the_rest_analysed(ruleset: RuleSet) -> None:
    body = _feed(30)
    items = parse_feed(body, url=SOURCE.url).items
    keys = list(unique_items(items))
    result = intake(ruleset, body, _job(frozenset(keys[:25])))
    assert result.entries == 30
    assert [entry.key for entry in result.new] == keys[25:]
    expected = analyse_items(
        list(unique_items(items).items())[25:], source=SOURCE, ruleset=ruleset, now=NOW
    )
    assert list(result.new) == expected
    first = expected[0]  # story 25: not about the convention (story 20 was left out)
    assert first.matches == () and first.canonical_link == "https://wire.test/news/25"
    assert first.outlet == "wire.test"


def test_matches_identity_and_no_content(ruleset: RuleSet) -> None:
    result = intake(ruleset, _feed(11), _job())
    matched = [entry for entry in result.new if entry.matches]
    assert [entry.item.title for entry in matched] == [
        "Story 0: Lithuania to withdraw from the Ottawa Convention",
        "Story 10: Lithuania to withdraw from the Ottawa Convention",
    ]
    assert matched[0].matches[0].rule_id == "test.exit"
    assert all(entry.item.content == "" for entry in result.new)
    assert matched[0].identity[0] == "url:https://wire.test/news/0"


def test_a_worker_gives_what_inline_gives(ruleset: RuleSet) -> None:
    body = _feed(60)
    assert len(body) > 4_096  # sent to the worker, not parsed inline
    pool = ParsePool(1, context=ruleset, preload=("monitor.intake",), eager=True)
    try:
        pooled = asyncio.run(pool.run(intake, body, _job()))
        with pytest.raises(ParseError) as caught:
            asyncio.run(pool.run(intake, b"<html>" + b" " * 5000, _job()))
    finally:
        pool.close()
    assert isinstance(pooled, Intake)
    assert pooled == intake(ruleset, body, _job())
    assert sum(1 for entry in pooled.new if entry.matches) == 6
    assert caught.value.kind == "not_a_feed"
