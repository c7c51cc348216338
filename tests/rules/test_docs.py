"""Every YAML example in docs/rules.md compiles (next to the built-in pack)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rules import Document, load_ruleset
from tests.rules._support import NOW
from tests.rules.conftest import builtin_pack_files

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_reference_has_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("block", BLOCKS)
def test_example_compiles_with_the_pack(block: str) -> None:
    ruleset = load_ruleset({**builtin_pack_files(), "docs/rules.md": block})
    assert ruleset.rules


def test_exclusion_example_behaves_as_documented() -> None:
    block = next(b for b in BLOCKS if "doc-exclusion-example" in b)
    ruleset = load_ruleset({**builtin_pack_files(), "docs/rules.md": block})

    def fires(title: str) -> bool:
        return any(
            m.rule_id == "doc-exclusion-example" for m in ruleset.match(Document(title), NOW)
        )

    assert fires("Lithuania quits the cluster munitions convention; Norway remains committed")
    assert not fires("Norway remains committed as Lithuania quits the cluster munitions convention")
