"""The README's YAML examples are valid configs (one each for Slack, email and a webhook among
them), and so are those of docs/configuration.md and docs/sources.md; the README keeps its
two set-up commands and mentions the demo on its first screen."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.config import parse_settings

REPO = Path(__file__).resolve().parents[2]
SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
PAGES = ("README.md", "docs/configuration.md", "docs/sources.md")


def _yaml_blocks(page: str) -> list[str]:
    text = (REPO / page).read_text(encoding="utf-8")
    return re.findall(r"^```yaml\n(.*?)^```", text, flags=re.S | re.M)


def _parse(example: str) -> Any:
    """Validate ``example`` as a whole config, its ``${VAR}``s set as a user would set them."""
    environ = {
        name: "https://hooks.example/x" if name.endswith("_URL") else "value"
        for name in re.findall(r"\$\{([A-Z_]+)\}", example)
    }
    environ.update({name: SECRET for name in environ if name.endswith("_SECRET")})
    return parse_settings(yaml.safe_load(example), environ=environ, origin="example")


EXAMPLES = [(page, block) for page in PAGES for block in _yaml_blocks(page)]


@pytest.mark.parametrize(
    ("page", "example"),
    EXAMPLES,
    ids=[f"{page}#{n}" for n, (page, _) in enumerate(EXAMPLES)],
)
def test_doc_yaml_examples_are_valid_configs(page: str, example: str) -> None:
    _parse(example)


def test_every_page_has_examples() -> None:
    for page in PAGES:
        assert _yaml_blocks(page), f"{page}: no YAML example"


def test_readme_has_a_working_slack_email_and_webhook_example() -> None:
    """Each channel type a user asks for first has a copy-paste config of its own in the
    README, valid on its own."""
    found: dict[str, str] = {}
    for block in _yaml_blocks("README.md"):
        for channel in _parse(block).channels:
            found.setdefault(channel.type, block)
    for kind in ("slack", "email", "webhook"):
        assert kind in found, f"README.md: no {kind} example"
        assert len(_parse(found[kind]).channels) == 1, f"README.md: the {kind} example is not alone"


def test_readme_keeps_the_two_set_up_commands_and_the_demo_on_its_first_screen() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set-up: two commands", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S)
    assert block is not None
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make run", "make test"]
    first_screen = "\n".join(text.splitlines()[:40])
    assert "make demo" in first_screen
