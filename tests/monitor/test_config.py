"""Config validation: every bad config is refused with a message naming the key path."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import load_settings, parse_settings
from monitor.errors import ConfigError

MINIMAL = """\
state_dir: ./state
sources:
  - name: ukrinform
    url: https://example.org/rss.xml
channels:
  - name: ops
    type: webhook
    url: https://example.org/hook
"""


def _problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(data, environ={})
    return caught.value.problems


def test_minimal_config_from_the_issue_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "treatywatch.yaml"
    path.write_text(MINIMAL)
    settings = load_settings(path)
    assert settings.state_dir == Path("state")
    assert settings.sources is not None and settings.sources[0].name == "ukrinform"
    assert settings.channels[0].type == "webhook"
    assert settings.rules is None  # the built-in pack
    assert settings.max_age == timedelta(hours=24)


def test_no_file_means_embedded_defaults() -> None:
    settings = load_settings(None, environ={})
    assert settings.sources is None and settings.channels == () and settings.rules is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {
                "sources": [
                    {"name": "a", "url": "https://a/"},
                    {"name": "b", "url": "ftp://x"},
                    {"name": "c", "url": "not a url"},
                ]
            },
            "sources[1].url: not a URL",
        ),
        (
            {
                "sources": [
                    {"name": "a", "url": "https://a/"},
                    {"name": "b", "url": "https://b/"},
                    {"name": "c", "url": "nope"},
                ]
            },
            "sources[2].url: not a URL",
        ),
        ({"sources": [{"name": "a"}]}, "sources[0].url: required"),
        ({"sources": [{"url": "https://a/"}]}, "sources[0].name: required"),
        (
            {"sources": [{"name": "a", "url": "https://a/", "colour": "red"}]},
            "sources[0].colour: unknown key",
        ),
        ({"surces": []}, "surces: unknown key"),
        (
            {"sources": [{"name": "a", "url": "https://a/", "enabled": "sometimes"}]},
            "sources[0].enabled:",
        ),
        (
            {"sources": [{"name": "a", "url": "https://a/", "interval": "soon"}]},
            "sources[0].interval: not a duration",
        ),
        ({"sources": "https://a/"}, "sources:"),
        ({"max_age": "-5m"}, "max_age:"),
        (
            {"sources": [{"name": "a", "url": "https://a/"}, {"name": "a", "url": "https://b/"}]},
            "sources[1].name: duplicate name 'a'",
        ),
        (
            {"channels": [{"name": "ops", "type": "console"}, {"name": "ops", "type": "console"}]},
            "channels[1].name: duplicate name 'ops'",
        ),
        ({"channels": [{"name": "ops", "type": "webhook"}]}, "channels[0].url: required"),
        ({"channels": [{"name": "ops", "type": "pager"}]}, "channels[0]: unknown type 'pager'"),
        ({"channels": [{"name": "ops", "url": "https://h/"}]}, "channels[0]: type: required"),
        (
            {"channels": [{"name": "ops", "type": "webhook", "url": "https://h/", "retries": 3}]},
            "channels[0].retries: unknown key",
        ),
        ({"http": {"per_host": 0}}, "http.per_host:"),
        ({"rules": "builtin:treaty-withdrawal"}, "rules:"),
    ],
)
def test_bad_configs_name_the_key(data: dict, expected: str) -> None:
    problems = _problems(data)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"sources": [{"name": "a", "ulr": "https://a/"}]},
            "sources[0].ulr: unknown key (did you mean url?)",
        ),
        ({"surces": []}, "surces: unknown key (did you mean sources?)"),
        ({"server": {"prot": 8080}}, "server.prot: unknown key (did you mean port?)"),
        (
            {"channels": [{"name": "o", "type": "webhook", "url": "https://h/", "secert": "x"}]},
            "channels[0].secert: unknown key (did you mean secret?)",
        ),
        (  # the keys of the channel's own type: email's `from`, not webhook's `url`
            {"channels": [{"name": "o", "type": "email", "to": "a@b.test", "form": "c@d.test"}]},
            "channels[0].form: unknown key (did you mean from?)",
        ),
        (
            {"sources": [{"name": "a", "url": "https://a/", "selectors": {"itme": "li"}}]},
            "sources[0].selectors.itme: unknown key (did you mean item?)",
        ),
        ({"colour": "red"}, "colour: unknown key"),  # nothing close: no guess
    ],
)
def test_a_mistyped_key_gets_a_did_you_mean_hint(data: dict, expected: str) -> None:
    assert expected in _problems(data)


def test_environment_substitution() -> None:
    data = {
        "channels": [
            {
                "name": "ops",
                "type": "webhook",
                "url": "${HOOK_URL}",
                "headers": {"Authorization": "Bearer ${TOKEN:-none}"},
            }
        ]
    }
    settings = parse_settings(data, environ={"HOOK_URL": "https://hooks.example/abc"})
    channel = settings.channels[0]
    assert channel.url == "https://hooks.example/abc"
    assert channel.headers == {"Authorization": "Bearer none"}


def test_missing_environment_variable_names_key() -> None:
    data = {"channels": [{"name": "ops", "type": "webhook", "url": "${HOOK_URL}"}]}
    with pytest.raises(ConfigError) as caught:
        parse_settings(data, environ={})
    assert caught.value.problems == ["channels[0].url: environment variable HOOK_URL is not set"]


def test_dollar_dollar_escapes() -> None:
    data = {"sources": [{"name": "a", "url": "https://a/?q=$${x}"}]}
    settings = parse_settings(data, environ={})
    assert settings.sources is not None and settings.sources[0].url == "https://a/?q=${x}"


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("sources:\n  - name: a\n    url: [unclosed\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.problems[0].startswith(f"{path}:")
    assert "invalid YAML" in caught.value.problems[0]


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_settings(path)


def test_loopback_and_private_addresses_are_allowed() -> None:
    data = {
        "sources": [
            {"name": "a", "url": "http://127.0.0.1:8000/feed"},
            {"name": "b", "url": "http://10.1.2.3/feed"},
        ],
        "channels": [{"name": "h", "type": "webhook", "url": "http://[::1]:9000/hook"}],
    }
    settings = parse_settings(data, environ={})
    assert settings.sources is not None and len(settings.sources) == 2


def test_relative_rule_files_resolve_beside_the_config(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "treatywatch.yaml"
    path.parent.mkdir()
    path.write_text("rules: [builtin:treaty-withdrawal, my-rules.yaml]\n")
    settings = load_settings(path)
    assert settings.rules == ("builtin:treaty-withdrawal", str(path.parent / "my-rules.yaml"))


def test_durations_and_sizes() -> None:
    settings = parse_settings(
        {"max_age": "36h", "interval": 90, "http": {"max_body": "2MiB", "deadline": "1.5m"}},
        environ={},
    )
    assert settings.max_age == timedelta(hours=36)
    assert settings.interval == timedelta(seconds=90)
    assert settings.http.max_body == 2 * 2**20
    assert settings.http.deadline == timedelta(seconds=90)
