"""G6 (issue 13, bad input from outside): ``--jsonl`` input of ``test-rule`` and ``backtest``.
Each bad line (invalid UTF-8, a ``"\\ud800"`` escape, JSON nested 5,000 deep, a number of 5,000
digits, a field of the wrong type) is one error naming ``FILE:LINE``; never a traceback. test-rule
still answers every other line (exit 2, as documented); backtest names every bad line (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

from monitor.backtest import load_archive
from monitor.errors import ConfigError
from tests.conftest import run_cli

POSITIVE = (
    "Latvia's parliament votes to withdraw from the Ottawa Convention on anti-personnel mines"
)
HOSTILE = [
    b'{"title": "caf\xe9"}',  # Latin-1, not UTF-8
    b'{"title": "\\ud800"}',  # a lone surrogate
    b"[" * 5000 + b"]" * 5000,  # deeper than the JSON reader's recursion
    b'{"title": "x", "n": ' + b"9" * 5000 + b"}",  # past Python's 4,300-digit guard
]


def test_g6_test_rule_jsonl_reports_each_bad_line_and_answers_the_others(tmp_path: Path) -> None:
    """G6: the good lines before and after the hostile ones are answered; one error each."""
    good = json.dumps({"title": POSITIVE}).encode()
    path = tmp_path / "items.jsonl"
    path.write_bytes(b"\n".join([good, *HOSTILE, good]) + b"\n")
    result = run_cli("test-rule", "--jsonl", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6]
    assert out[0]["matched"] is True and out[5]["matched"] is True
    errors = [o.get("error", "") for o in out[1:5]]
    assert errors == [
        "not UTF-8 (byte 0xe9 at 15)",
        "title: contains a lone surrogate (not valid Unicode)",
        "not JSON we read: nested too deeply",
        "not JSON we read: a number of more than 4,300 digits",
    ]
    for line in (2, 3, 4, 5):
        assert f"{path}:{line}: " in result.stderr
    assert len(result.stderr.strip().splitlines()) == 4


def test_g6_backtest_archive_names_every_hostile_line(tmp_path: Path) -> None:
    """G6: load_archive names each hostile line (and wrong field types) instead of raising."""
    good = b'{"title": "ok", "source": "s", "published": "2025-01-01T00:00:00Z"}'
    wrong = [
        b'{"title": ["a"], "source": "s", "published": "2025-01-01T00:00:00Z"}',
        b'{"title": "t", "source": "s", "published": "2025-01-01T00:00:00Z", "states": [1]}',
        b'{"title": "t", "source": "s", "published": "2025-01-01T00:00:00Z", "language": 5}',
    ]
    body = b"\n".join([good, *HOSTILE, *wrong, good]) + b"\n"
    path = tmp_path / "archive.jsonl"
    try:
        load_archive(path, body)
    except ConfigError as exc:
        problems = exc.problems
    else:
        raise AssertionError("hostile lines accepted")
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:{n}" for n in range(2, 9)]
    assert "title: must be a string" in problems[4] and "states:" in problems[5]
    assert len(load_archive(path, good + b"\n" + good)) == 2


def test_g6_backtest_cli_exits_2_naming_the_lines(tmp_path: Path) -> None:
    """G6: through the real CLI: exit 2, one line per bad archive line, no traceback."""
    good = b'{"title": "ok", "source": "s", "published": "2025-01-01T00:00:00Z"}'
    path = tmp_path / "archive.jsonl"
    path.write_bytes(b"\n".join([good, *HOSTILE]) + b"\n")
    result = run_cli("backtest", "--jsonl", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for line in (2, 3, 4, 5):
        assert f"{path}:{line}: " in result.stderr
