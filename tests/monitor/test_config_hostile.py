"""G6 (issue 13, bad input from outside): a hostile or careless config is refused at load with
one problem naming its place, never a traceback, a hang or a blow-up."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from monitor.config import load_settings
from monitor.errors import ConfigError
from tests.conftest import run_cli

BILLION_LAUGHS = (
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
    + "".join(
        f"{name}: &{name} [{','.join([f'*{previous}'] * 10)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "interval: 10m\n"
)


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "treatywatch.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={}, cwd=tmp_path)
    return caught.value.problems


def test_g6_a_config_billion_laughs_is_refused_fast(tmp_path: Path) -> None:
    """G6: 9-deep, 10-wide YAML aliases are refused before they expand (not 1.5 GB)."""
    started = time.monotonic()
    [problem] = _problems(tmp_path, BILLION_LAUGHS)
    assert time.monotonic() - started < 2
    assert "aliases expand to more than 100,000 values" in problem
    assert problem.startswith(f"{tmp_path / 'treatywatch.yaml'}:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x: &a [*a]\ninterval: 10m\n", "alias *a refers to itself"),
        ("state_dir: " + "[" * 1000 + "]" * 1000 + "\n", "nested more than 100 levels deep"),
        ("sources:\n" + "  " * 0 + "  - " * 1 + "{" * 600 + "}" * 600 + "\n", "nested more"),
    ],
)
def test_g6_recursive_aliases_and_deep_nesting_are_refused(
    tmp_path: Path, text: str, expected: str
) -> None:
    """G6: a recursive alias or YAML nested ~1,000 deep: a placed error, not RecursionError."""
    [problem] = _problems(tmp_path, text)
    assert expected in problem


def test_g6_duplicate_keys_are_refused(tmp_path: Path) -> None:
    """G6: ``interval: -5s`` then ``interval: 10m``: the first is not silently replaced."""
    [problem] = _problems(tmp_path, "interval: -5s\ninterval: 10m\n")
    assert problem.endswith(":2:1: invalid YAML: duplicate key 'interval' (first at line 1)")
    [problem] = _problems(
        tmp_path,
        "sources:\n  - {name: a, url: 'https://a.example/'}\n"
        "sources:\n  - {name: b, url: 'https://b.example/'}\n",
    )
    assert "duplicate key 'sources'" in problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("interval: .inf\n", "interval: too long: at most 36500 days"),
        ("interval: 99999999999999999999d\n", "interval: too long"),
        ("max_age: 1.0e+400\n", "max_age: too long"),
        (f"stale_after: {10**400}\n", "stale_after: too long"),
        ("interval: .nan\n", "interval: too long"),
        ("interval: 1ms\n", "interval: must be between 1s and 30d"),
        ("sources: [{name: a, url: 'https://a.example/', interval: 1ms}]\n", "sources[0].interval"),
        ("http: {deadline: 1ms}\n", "http.deadline: must be between 1s and 1h"),
        ("stories: {window: 1ms}\n", "stories.window: must be between 1m and 365d"),
        ("max_age: 1ms\n", "max_age: must be between 1m and"),
        ("delivery: {max_age: 1ms}\n", "delivery.max_age: must be between 1m and"),
        ("http: {max_body: 100GiB}\n", "http.max_body: must be between 1KiB and 1GiB"),
        ("http: {max_body: 10}\n", "http.max_body: must be between 1KiB and 1GiB"),
        ("server: {port: true}\n", "server.port: a number, not true or false"),
        ("http: {per_host: true}\n", "http.per_host: a number, not true or false"),
        ('state_dir: "a\\0b"\n', "state_dir: contains a NUL character"),
        ('rules: ["a\\0b"]\n', "rules[0]: contains a NUL character"),
        ('http: {ca_bundle: "a\\0b"}\n', "http.ca_bundle: contains a NUL character"),
        ('state_dir: "\\ud800"\n', "state_dir: contains a lone surrogate"),
        (
            'sources: [{name: a, url: "https://a.example/\\udc80"}]\n',
            "sources[0].url: contains a lone surrogate",
        ),
        ('http: {user_agent: "é"}\n', "http.user_agent: the value contains 'é'"),
        ('http: {user_agent: "a\\r\\nX: 1"}\n', "http.user_agent: the value contains a line break"),
        ('http: {user_agent: "a\\0"}\n', "http.user_agent: contains a NUL character"),
        ("http: {user_agent: " + "a" * 100_000 + "}\n", "longer than 1,000 characters"),
        (
            "channels: [{name: w, type: webhook, url: 'http://127.0.0.1:9/', "
            'headers: {X-A: "é"}}]\n',
            "channels[0].headers: header 'X-A': the value contains 'é'",
        ),
        (
            "channels: [{name: w, type: webhook, url: 'http://127.0.0.1:9/', "
            'content_type: "text/plain\\r\\nX: 1"}]\n',
            "channels[0].content_type: the value contains a line break",
        ),
        ("http: {ca_bundle: /dev/null}\n", "http.ca_bundle: /dev/null is not a regular file"),
        ("http: {ca_bundle: /}\n", "http.ca_bundle: / is not a regular file"),
        ("http: {ca_bundle: /nonexistent/ca.pem}\n", "/nonexistent/ca.pem: no such file"),
        ("state_dir: /dev/null\n", "state_dir: /dev/null exists and is not a folder"),
        ('state_dir: "${X:=d}"\n', "state_dir: unsupported ${...} form"),
        ('state_dir: "${X-d}"\n', "unsupported ${...} form"),
        ('state_dir: "${X:?e}"\n', "unsupported ${...} form"),
        ('state_dir: "data${X"\n', "unsupported ${...} form"),
    ],
)
def test_g6_bad_values_are_refused_naming_the_key(tmp_path: Path, text: str, expected: str) -> None:
    """G6: overflowing durations, missing bounds, booleans as numbers, NULs, lone surrogates,
    unsafe header values, unusable files and unsupported ${...} forms: one problem each."""
    problems = _problems(tmp_path, text)
    assert len(problems) == 1, problems
    assert expected in problems[0]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://a.example/\x00x", "contains a NUL character"),
        ("http://a.example/\x1bx", "U+001B"),
        ("http://a.example/\x07x", "U+0007"),
        ("http://a\u202eexample.com/", "U+202E"),
        ("http://a.example:abc/", "not a URL"),
        ("http://a.example:99999/", "not a URL"),
        ("http://a.example:0/", "not a URL"),
        ("http://[x/", "not a URL"),
        ("http://a..example/", "not a URL"),
    ],
)
def test_g6_urls_with_control_characters_bidi_or_bad_ports_are_refused(
    tmp_path: Path, url: str, expected: str
) -> None:
    """G6: source and webhook URLs that would fail every poll with a traceback are refused."""
    quoted = url.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    [problem] = _problems(tmp_path, f'sources: [{{name: a, url: "{quoted}"}}]\n')
    assert problem.startswith("sources[0].url: ") and expected in problem
    [problem] = _problems(tmp_path, f'channels: [{{name: w, type: webhook, url: "{quoted}"}}]\n')
    assert problem.startswith("channels[0].url: ") and expected in problem


def test_g6_sane_values_still_load(tmp_path: Path) -> None:
    """G6: the bounds leave ordinary configs alone (IDN host, IPv6 literal, an explicit port,
    a 3s demo interval, a CA bundle file, merge keys)."""
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    path = tmp_path / "treatywatch.yaml"
    path.write_text(
        "interval: 3s\n"
        f"http: {{ca_bundle: {bundle}, user_agent: 'treatywatch/1 (+ops@example.org)'}}\n"
        "defaults: &defaults {type: feed}\n"
        "sources:\n"
        "  - {<<: *defaults, name: a, url: 'http://münchen.example:8080/feed'}\n"
        "  - {name: b, url: 'http://[::1]:8080/feed'}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:  # only the unknown top-level key
        load_settings(path, environ={}, cwd=tmp_path)
    assert caught.value.problems == ["defaults: unknown key"]


def test_g6_empty_rules_and_bare_dollar_warn(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """G6: ``rules: []`` (no rule at all) and ``$NAME`` (stays literal) load, with a warning."""
    path = tmp_path / "treatywatch.yaml"
    path.write_text("rules: []\nhttp: {user_agent: 'bot $HOME'}\n")
    with caplog.at_level(logging.WARNING, logger="treatywatch.config"):
        settings = load_settings(path, environ={"HOME": "/root"}, cwd=tmp_path)
    assert settings.rules == () and settings.http.user_agent == "bot $HOME"
    events = {record.getMessage(): record.__dict__ for record in caplog.records}
    assert events["config_dollar"]["key"] == "http.user_agent"
    assert "nothing can alert" in events["config_no_rules"]["hint"]


def test_g6_check_prints_one_line_per_problem_and_exits_2(tmp_path: Path) -> None:
    """G6: through the real CLI: exit 2, the place named, no traceback."""
    for text in (BILLION_LAUGHS, 'state_dir: "\\ud800"\n', "interval: .inf\n"):
        path = tmp_path / "treatywatch.yaml"
        path.write_text(text)
        result = run_cli("--config", str(path), "check", cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and str(path) in result.stderr
