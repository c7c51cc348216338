"""``treatywatch demo``: the sample feeds (fresh dates, late items, texts the built-in rules
judge as labelled) and the real command run as a subprocess, its dashboard fetched while it
runs."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import rules_cache_dir
from monitor.demo import Recap, demo_settings, load_samples, recap_lines, render
from monitor.demo.runner import StoryCount
from monitor.rulepacks import load_rules
from monitor.sources import parse_feed
from rules import Document
from tests.support.demo import DemoProcess
from tests.support.service import REPO, wait_for

START = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)
STORY = "Lithuanian parliament votes to withdraw from the Convention on Cluster Munitions"


def _items(name: str, now: datetime) -> list:
    sample = load_samples()[name]
    body = render(sample, started=START, now=now, port=8123)
    return list(parse_feed(body, url=f"http://127.0.0.1:8123/feeds/{name}").items)


def test_sample_feeds_are_fresh_and_reveal_the_story_over_time() -> None:
    samples = load_samples()
    assert set(samples) == {
        "wire.rss",
        "revue.atom",
        "nachrichten.rss",
        "wiadomosci.rss",
        "ministry.atom",
    }
    early = {name: _items(name, START) for name in samples}
    late = {name: _items(name, START + timedelta(seconds=10)) for name in samples}
    assert STORY in [item.title for item in early["wire.rss"]]
    assert len(early["nachrichten.rss"]) == 1 and len(late["nachrichten.rss"]) == 2
    for name in samples:
        body = render(samples[name], started=START, now=START + timedelta(minutes=1), port=8123)
        assert b"{{" not in body and b"<!-- demo:" not in body, name
        for item in late[name]:
            assert item.published is not None, (name, item.title)
            assert START - timedelta(hours=6) <= item.published <= START + timedelta(seconds=10)
            assert item.link and ".localhost:8123/" in item.link


def test_the_built_in_rules_match_the_story_and_leave_the_near_misses_alone() -> None:
    """The texts are ours; the rules are the built-in pack's: the reports of the story must
    match, the near misses (marked in the files) and the other news must not."""
    ruleset = load_rules(None, cache_dir=rules_cache_dir())
    now = START + timedelta(minutes=1)
    samples = load_samples()
    near = {title for sample in samples.values() for title in sample.titles(near_misses=True)}
    assert len(near) == 3
    matched = {}
    for name in samples:
        for item in _items(name, now):
            document = Document(
                title=item.title,
                summary=item.summary,
                language=item.language,
                published=item.published,
                url=item.link or "",
            )
            matched[item.title] = ruleset.match(document, now)
    story = [title for title, matches in matched.items() if matches]
    assert len(story) == 5, story
    assert not near & set(story)
    for title in story:
        entities = {
            kind: {entity["id"] for entity in found}
            for match in matched[title]
            for kind, found in match.to_dict()["entities"].items()
        }
        assert entities["states"] == {"lithuania"}, title
        assert entities["treaties"] == {"cluster_munitions"}, title


def test_the_demo_config_is_an_ordinary_config(tmp_path: Path) -> None:
    settings = demo_settings(url="http://127.0.0.1:9", state_dir=tmp_path, port=0)
    assert settings.rules is None  # the built-in pack
    assert settings.state_dir == tmp_path
    names = [source.name for source in settings.sources or ()]
    assert len(names) == 6 and "sample-offline" in names
    assert all(s.url.startswith("http://127.0.0.1:9/") for s in settings.sources or ())


@pytest.mark.slow
def test_demo_for_20s_prints_alerts_and_serves_the_story_on_its_dashboard() -> None:
    demo = DemoProcess("--for", "20s")
    try:
        assert wait_for(lambda: STORY in demo.page(), timeout=60), demo.log
        # the reports in other languages join the story within seconds
        assert wait_for(lambda: "reports from" in demo.page(), timeout=30), demo.log
        page = demo.page()
        assert "sample-offline" in page and "http_503" in page
        assert "Spain to withdraw its troops" not in page  # a near miss
        started = time.monotonic()
        code = demo.wait()
    finally:
        demo.close()
    assert code == 0, demo.log
    assert time.monotonic() - started < 25
    out, err = "".join(demo.out), "".join(demo.err)
    assert f"ALERT [high] {STORY}" in out
    assert "FOLLOW-UP" in out and "OPS Source sample-offline" in out
    assert "treatywatch: 6 sources, 5 rules, 1 channel; first poll in progress" in err
    assert f"treatywatch: dashboard: http://127.0.0.1:{demo.port}/" in err
    assert "first poll done: 5 of 6 sources answered" in err
    assert "demo over after" in err
    assert "near misses, rightly left alone" in err
    assert "Spain to withdraw its troops from the Baltic air-policing rotation" in err
    assert "that matched a rule" not in err
    assert "Traceback" not in err
    folder = re.search(r"state in ([^\s;]+)", err)
    assert folder and not Path(folder.group(1)).exists()  # the temporary state is gone


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_demo_stops_cleanly_on_a_signal_and_keeps_a_given_state_dir(
    tmp_path: Path, sig: signal.Signals
) -> None:
    demo = DemoProcess("--state-dir", str(tmp_path / "demo"))
    try:
        assert wait_for(lambda: "ALERT [high]" in "".join(demo.out), timeout=60), demo.log
        demo.process.send_signal(sig)
        code = demo.wait(timeout=30)
    finally:
        demo.close()
    assert code == 0, demo.log
    err = "".join(demo.err)
    assert "demo over after" in err and "Traceback" not in err
    assert (tmp_path / "demo" / "treatywatch.db").is_file()


def test_demo_refuses_a_bad_duration() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "demo", "--for", "soon"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--for: not a duration" in result.stderr


def test_the_recap_says_what_happened_and_flags_a_near_miss_that_matched() -> None:
    summary = Recap(
        items=14,
        sources=5,
        matched=6,
        stories=(StoryCount("Lithuania leaves", reports=5, outlets=5, official=True),),
        printed={"alert": 1, "follow_up": 1, "ops": 1},
        quiet_near_misses=("Spain to withdraw its troops",),
        matched_near_misses=("Should Estonia leave?",),
        failing=(("sample-offline", "http_503: HTTP 503"),),
    )
    text = "\n".join(recap_lines(summary, ran=timedelta(seconds=30)))
    assert "demo over after 30s" in text
    assert "read 14 items from 5 sample sources; 6 matched" in text
    assert "'Lithuania leaves': 5 reports from 5 outlets, one of them official" in text
    assert "printed above: 1 alert, 1 follow-up, 1 operator notice" in text
    assert "rightly left alone" in text and "- Spain to withdraw its troops" in text
    assert "that matched a rule (they should not have):\n    - Should Estonia leave?" in text
    assert "failing source: sample-offline (http_503: HTTP 503)" in text
    again = "\n".join(recap_lines(Recap(), ran=timedelta(seconds=8)))
    assert "no new item: the state folder knows every sample item" in again
