"""``treatywatch backtest`` on the dated archive of tests/data (timeline_a.jsonl and
timeline_b.jsonl: real withdrawals on their real timelines, every sentence ours), run as the
real CLI: the issue-11 targets, the archive's shape, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
ARCHIVES = (DATA / "timeline_a.jsonl", DATA / "timeline_b.jsonl")


def _rows() -> list[dict[str, Any]]:
    rows = []
    for path in ARCHIVES:
        rows.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return rows


def _backtest(
    tmp_path: Path, *args: str, text: str | None = None
) -> subprocess.CompletedProcess[str]:
    archive = tmp_path / "archive.jsonl"
    if text is None:
        text = "".join(path.read_text(encoding="utf-8") for path in ARCHIVES)
    archive.write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "monitor", "backtest", "--jsonl", str(archive), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "TREATYWATCH_CONFIG": ""},
        timeout=300,
    )


def test_the_archive_has_the_shape_issue_11_asks_for() -> None:
    rows = _rows()
    positives = [r for r in rows if r.get("event")]
    cases = {r["event"] for r in positives}
    assert len(cases) >= 40 and len(rows) >= 300
    assert len({r["id"] for r in rows}) == len(rows) and len({r["url"] for r in rows}) == len(rows)
    assert len({r["language"] for r in rows}) >= 15
    near = [r for r in rows if not r.get("event")]
    assert len(near) >= 100 and {"background", "suspended_by_org", "question"} <= {
        r["kind"] for r in near
    }
    # reports of a step spread over up to 48 hours, in several outlets
    steps: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    outlets: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in positives:
        when = datetime.fromisoformat(r["published"].replace("Z", "+00:00"))
        steps[(r["event"], r["step"])].append(when)
        outlets[(r["event"], r["step"])].add(r["source"])
    # (one label may cover two acts of one step days apart: the Duma's and the Federation
    # Council's votes on the CTBT; each act's reports fall within 48 hours of its first)
    for times in steps.values():
        ordered = sorted(times)
        first = ordered[0]
        for when in ordered:
            if when - first > timedelta(hours=72):
                first = when  # the next act of this step
            assert when - first <= timedelta(hours=48)
    assert sum(len(o) >= 3 for o in outlets.values()) >= len(steps) // 2
    # cases that share a day: several events' steps on one date
    days: dict[str, set[str]] = defaultdict(set)
    for (event, _), times in steps.items():
        days[min(times).date().isoformat()].add(event)
    assert sum(len(events) >= 2 for events in days.values()) >= 5
    # background mentions among the near-misses, on the days of real steps
    assert any(r["kind"] == "background" for r in near)


def test_backtest_meets_the_issue_11_targets(tmp_path: Path) -> None:
    done = _backtest(tmp_path, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    (score,) = report["scores"]
    print(
        f"\nbacktest of {report['reports']} reports: event recall {score['event_recall']:.3f} "
        f"({score['found']}/{score['events']}), {score['alerts_per_event']:.2f} alerts per "
        f"event, false alerts {score['false_alerts']} of {score['near_misses']} near-misses "
        f"({score['false_alert_rate']:.1%})\n"
        f"split: {score['split']}\nmerged: {score['merged']}\nmissed: {score['missed']}\n"
        f"false alerts from: {score['false_alert_reports']}"
    )
    assert score["event_recall"] >= 0.97
    assert score["alerts_per_event"] <= 1.1
    assert score["false_alert_rate"] <= 0.01


def test_backtest_prints_the_alerts_it_would_send(tmp_path: Path) -> None:
    text = "\n".join(
        json.dumps(row, ensure_ascii=False)
        for row in (
            {
                "title": "Hungary announces it will withdraw from the International Criminal Court",
                "summary": "The government will start the procedure on Thursday.",
                "url": "https://mti.test/1",
                "source": "mti",
                "published": "2025-04-03T07:30:00Z",
            },
            {
                "title": "Hungarian parliament votes to leave the International Criminal Court",
                "summary": "Lawmakers approved the bill by 134 votes to 37.",
                "url": "https://wire.test/2",
                "source": "wire",
                "published": "2025-05-20T11:30:00Z",
            },
        )
    )
    done = _backtest(tmp_path, text=text)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "2 reports replayed, 2 alerts"
    assert "announcement" in lines[1] and "2025-04-03 07:35:00" in lines[1]
    assert "parliament_vote" in lines[2] and "hungary" in lines[2]
    assert "event recall" not in done.stdout  # no labels, no scores


def test_backtest_names_each_bad_line(tmp_path: Path) -> None:
    text = (
        '{"title": "ok", "source": "s", "published": "2025-01-01T00:00:00Z"}\n'
        "not json\n"
        '{"title": "no date", "source": "s"}\n'
        '{"title": "x", "source": "s", "published": "yesterday"}\n'
        '{"title": "x", "source": "s", "published": "2025-01-01", "event": "e"}\n'
    )
    done = _backtest(tmp_path, text=text)
    assert done.returncode == 2
    for line in (2, 3, 4, 5):
        assert f"archive.jsonl:{line}:" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("missing", ["nowhere.jsonl"])
def test_backtest_with_a_missing_archive_names_the_option(tmp_path: Path, missing: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "backtest", "--jsonl", str(tmp_path / missing)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "TREATYWATCH_CONFIG": ""},
        timeout=120,
    )
    assert done.returncode == 2 and "--jsonl" in done.stderr and "Traceback" not in done.stderr
