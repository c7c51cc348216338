"""``treatywatch test-rule`` and ``treatywatch replay`` as real subprocesses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route
from tests.support.service import free_port

POSITIVE = (
    "Latvia's parliament votes to withdraw from the Ottawa Convention on anti-personnel mines"
)
NEGATIVE = "Troops withdraw from the border after ceasefire talks in Ottawa"

CUSTOM_RULES = """\
rules:
  - id: custom.cluster
    title: Cluster munitions convention exit
    query: '@withdraw_actions NEAR/6 @treaties:cluster_munitions'
"""


def test_text_that_matches_is_explained() -> None:
    result = run_cli("test-rule", "--text", POSITIVE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("MATCH")
    assert "Ottawa Convention" in result.stdout
    assert "in title [" in result.stdout  # field and character span


def test_text_that_does_not_match() -> None:
    result = run_cli("test-rule", "--text", NEGATIVE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("no match")


def test_json_output_for_text() -> None:
    result = run_cli("test-rule", "--text", POSITIVE, "--json")
    data = json.loads(result.stdout)
    assert data["matched"] is True and data["rules"]
    terms = data["explanations"][0]["terms"]
    assert all(POSITIVE[t["start"] : t["end"]] == t["text"] for t in terms)
    assert data["near_misses"] == []


NEAR_MISS = "Lithuania will not withdraw from the Ottawa Convention, minister says"

OWN_EXCLUDING_RULES = """\
rules:
  - id: own.exit
    title: A state leaves a convention
    query: 'SENTENCE(withdr* NEAR/4 convention)'
    exclude: 'is:question OR (not ONEAR/2 withdr*)'
"""


def test_a_near_miss_names_the_rule_the_exclusion_and_the_masked_span() -> None:
    """Issue 12: text that almost matched printed just "no match"."""
    result = run_cli("test-rule", "--text", NEAR_MISS)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"no match   {NEAR_MISS}"
    out = result.stdout
    assert "near miss: rule 'treaty-withdrawal.named'" in out
    assert "@treaties:ottawa -> 'Ottawa Convention' in title [37:54]" in out  # the query matched
    assert f"the exclusion masked title [0:{len(NEAR_MISS)}] {NEAR_MISS!r}:" in out
    assert "(@negators ONEAR/2 @withdraw_actions)" in out
    assert "@negators -> 'not' in title [15:18]" in out


def test_json_and_jsonl_carry_the_near_misses_beside_the_old_keys(tmp_path: Path) -> None:
    rules = tmp_path / "own.yaml"
    rules.write_text(OWN_EXCLUDING_RULES)
    title = "Estonia will not withdraw from the convention"
    result = run_cli("test-rule", "--rules", str(rules), "--text", title, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["input"] == "text" and data["matched"] is False
    assert data["rules"] == [] and data["explanations"] == []
    (miss,) = data["near_misses"]
    assert miss["rule"] == "own.exit" and miss["rule_title"] == "A state leaves a convention"
    assert [t["text"] for t in miss["terms"]] == ["withdraw", "convention"]
    (span,) = miss["masked"]
    assert (span["field"], span["start"], span["end"], span["text"]) == (
        "title",
        0,
        len(title),
        title,
    )
    assert [e["expression"] for e in span["exclusions"]] == ["(not ONEAR/2 withdr*)"]
    assert [t["text"] for t in span["exclusions"][0]["terms"]] == ["not", "withdraw"]

    path = tmp_path / "items.jsonl"
    lines = [{"title": title}, {"title": "Estonia withdraws from the convention"}]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = run_cli("test-rule", "--rules", str(rules), "--jsonl", str(path))
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["near_misses"] == [miss] and first["line"] == 1
    assert second["matched"] is True and second["near_misses"] == []
    assert set(second) == {"input", "matched", "rules", "explanations", "near_misses", "line"}


def test_jsonl_gives_one_json_line_per_input_line(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    lines = [
        {"title": POSITIVE, "language": "en"},
        {"title": NEGATIVE},
        {"title": "Litwa wypowiada konwencję ottawską", "summary": "", "language": "pl"},
        {"title": "Bank limits cash withdrawals", "url": "https://bank.test/1"},
    ]
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n")
    result = run_cli("test-rule", "--jsonl", str(path))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["matched"] for o in out] == [True, False, True, False]
    assert all(isinstance(o["rules"], list) for o in out)
    assert [o["line"] for o in out] == [1, 2, 3, 4]


def test_jsonl_bad_lines_are_named_and_do_not_stop_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text(f'{{"title": "{POSITIVE}"}}\nnot json\n{{"title": 5}}\n["a"]\n')
    result = run_cli("test-rule", "--jsonl", str(path))
    assert result.returncode == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4 and out[0]["matched"] is True
    assert "not JSON" in out[1]["error"] and "title: must be a string" in out[2]["error"]
    assert f"{path}:2:" in result.stderr and f"{path}:4:" in result.stderr


def test_custom_rule_file_can_use_builtin_vocabularies(tmp_path: Path) -> None:
    rules = tmp_path / "mine.yaml"
    rules.write_text(CUSTOM_RULES)
    text = "Lithuania withdraws from the Convention on Cluster Munitions"
    result = run_cli("test-rule", "--rules", str(rules), "--text", text, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rules"] == ["custom.cluster"]


def test_invalid_rule_file_exits_2_with_position(tmp_path: Path) -> None:
    rules = tmp_path / "bad.yaml"
    rules.write_text("rules:\n  - id: broken\n    title: Broken\n    query: '(withdraw AND'\n")
    result = run_cli("test-rule", "--rules", str(rules), "--text", "x")
    assert result.returncode == 2
    assert f"{rules}:4:" in result.stderr


def test_url_runs_every_feed_item(feed_server: FeedServer) -> None:
    feed_server.routes["/f.xml"] = Route(
        rss([Entry(POSITIVE, "https://n.test/1"), Entry(NEGATIVE, "https://n.test/2")])
    )
    result = run_cli("test-rule", "--url", feed_server.url("/f.xml"), "--json")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["matched"] for o in out] == [True, False]


@pytest.mark.parametrize("path", ["/missing.xml", "/page.html", "(closed port)"])
def test_url_that_cannot_be_fetched_is_a_fetch_failure_not_a_config_error(
    feed_server: FeedServer, path: str
) -> None:
    feed_server.routes["/page.html"] = Route(
        b"<html><body>" + b"<p>not a feed</p>" * 50 + b"</body></html>", content_type="text/html"
    )
    url = (
        f"http://127.0.0.1:{free_port()}/f.xml"
        if path == "(closed port)"
        else feed_server.url(path)
    )
    result = run_cli("test-rule", "--url", url, "--rules", "builtin:treaty-withdrawal")
    assert result.returncode == 3, result.stderr
    assert f"test-rule --url: cannot fetch {url}: " in result.stderr
    assert "invalid config" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--rules", "missing.yaml", "--text", "x"], "--rules missing.yaml: no such file"),
        (["--rules", "builtin:nope", "--text", "x"], "--rules builtin:nope: no such built-in pack"),
        (["--jsonl", "missing.jsonl"], "--jsonl missing.jsonl: cannot read"),
    ],
)
def test_a_bad_option_is_named_not_taken_for_the_config(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    result = run_cli("test-rule", *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"treatywatch: {expected}" in result.stderr
    assert "invalid config" not in result.stderr and "rules[0]" not in result.stderr
    replay = run_cli("replay", *args[:2], cwd=tmp_path)
    if args[0] == "--rules":
        assert replay.returncode == 2 and f"treatywatch: {expected}" in replay.stderr


def test_replay_reports_stored_items_and_sends_nothing(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/f.xml"] = Route(
        rss([Entry(POSITIVE, "https://n.test/1"), Entry(NEGATIVE, "https://n.test/2")])
    )
    config = tmp_path / "c.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "state_dir": str(tmp_path / "state"),
                "sources": [{"name": "f", "url": feed_server.url("/f.xml")}],
            }
        )
    )
    # undated items on a first poll are recorded without alerting
    assert run_cli("poll", "--config", str(config)).returncode == 0
    rules = tmp_path / "mine.yaml"
    rules.write_text(
        "rules:\n  - id: custom.troops\n    title: Troop news\n"
        "    query: 'troops NEAR/3 withdraw'\n"
    )
    result = run_cli(
        "replay", "--config", str(config), "--since", "1d", "--rules", str(rules), "--json"
    )
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["title"] for o in out] == [NEGATIVE]
    assert out[0]["rules"] == ["custom.troops"]
    assert "nothing was sent" in result.stderr
    default = run_cli("replay", "--config", str(config), "--json")
    assert [json.loads(line)["title"] for line in default.stdout.splitlines()] == [POSITIVE]
