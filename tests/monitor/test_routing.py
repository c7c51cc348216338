"""Rules and channels must route to each other (issue 13, "missing behaviour"): a rule whose
``channels:`` names a channel that does not exist is refused by ``check``, ``run`` and ``poll``
(exit 2, naming the file, the rule and the key); a channel whose ``rules:`` patterns match no
loaded rule gets a warning. Real CLI subprocesses on real files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli

RULES = """\
rules:
  - id: test.exit
    title: An exit
    query: 'withdraw'
  - id: test.routed
    title: Routed
    query: 'exit'
    severity: high
    channels: [{channel}]
"""


def _config(tmp_path: Path, channel: str, patterns: list[str] | None = None) -> Path:
    rules = tmp_path / "my-rules.yaml"
    rules.write_text(RULES.format(channel=channel))
    webhook: dict[str, object] = {"name": "ops", "type": "webhook", "url": "http://127.0.0.1:9/"}
    if patterns is not None:
        webhook["rules"] = patterns
    config = {
        "state_dir": str(tmp_path / "state"),
        "rules": [str(rules)],
        "sources": [],
        "channels": [webhook, {"name": "console", "type": "console"}],
    }
    path = tmp_path / "treatywatch.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.parametrize("command", ["check", "poll", "run"])
def test_a_rule_routed_to_a_missing_channel_is_refused(tmp_path: Path, command: str) -> None:
    """C: a rule's ``channels`` naming no configured channel: exit 2 with one line naming the
    rule's file and line, the rule id and the ``channels`` key; nothing is written."""
    config = _config(tmp_path, "opps")
    done = run_cli(command, "--config", str(config), timeout=60)
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip()
    assert f"{tmp_path / 'my-rules.yaml'}:9:" in line  # the line of its channels key
    assert "'test.routed'" in line and "channels" in line and "'opps'" in line
    assert "configured: ops, console" in line
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "state" / "treatywatch.db").exists()


def test_with_no_channel_configured_only_the_console_exists(tmp_path: Path) -> None:
    """With no ``channels:`` the console gets every alert: a rule routed elsewhere is refused,
    one routed to ``console`` is valid."""
    for channel, code in (("slack", 2), ("console", 0)):
        rules = tmp_path / "my-rules.yaml"
        rules.write_text(RULES.format(channel=channel))
        config = tmp_path / "treatywatch.yaml"
        config.write_text(yaml.safe_dump({"rules": [str(rules)], "sources": []}))
        done = run_cli("check", "--config", str(config))
        assert done.returncode == code, done.stderr


def test_a_rule_routed_to_an_existing_channel_is_valid(tmp_path: Path) -> None:
    done = run_cli("check", "--config", str(_config(tmp_path, "ops")))
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr


def test_a_channel_pattern_matching_no_rule_is_warned_about(tmp_path: Path) -> None:
    """A channel's ``rules:`` pattern that matches no loaded rule: ``check`` and ``poll`` warn
    (naming the channel and the pattern) and go on; a pattern that matches stays quiet."""
    config = _config(tmp_path, "ops", ["treaty-withdrawl.*", "test.*"])
    done = run_cli("check", "--config", str(config))
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert warnings == [
        "treatywatch: warning: channel 'ops': rules: 'treaty-withdrawl.*' matches no loaded "
        "rule, so it receives no alert for it"
    ]
    polled = run_cli("poll", "--config", str(config))
    assert polled.returncode == 0, polled.stderr
    logged = [line for line in polled.stderr.splitlines() if "event=config_warning" in line]
    assert len(logged) == 1 and "treaty-withdrawl.*" in logged[0]
