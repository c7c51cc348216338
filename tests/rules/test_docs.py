"""Every YAML example in docs/rules.md compiles (next to the built-in pack)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from rules import Document, RuleSet, load_ruleset
from tests.rules._support import NOW
from tests.rules.conftest import builtin_pack_files

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_reference_has_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.fixture(scope="module")
def with_examples() -> RuleSet:
    """The pack and every YAML example of the reference, compiled together once (a compile
    of the pack takes seconds); an error names the example as ``docs/rules.md#N``."""
    examples = {f"docs/rules.md#{n}": block for n, block in enumerate(BLOCKS)}
    return load_ruleset({**builtin_pack_files(), **examples})


def test_every_example_compiles_with_the_pack(with_examples: RuleSet) -> None:
    examples = [yaml.safe_load(block) or {} for block in BLOCKS]
    ids = {rule["id"] for example in examples for rule in example.get("rules") or []}
    assert ids <= {rule.id for rule in with_examples.rules}


def test_exclusion_example_behaves_as_documented(with_examples: RuleSet) -> None:
    ruleset = with_examples

    def fires(title: str) -> bool:
        return any(
            m.rule_id == "doc-exclusion-example" for m in ruleset.match(Document(title), NOW)
        )

    assert fires("Lithuania quits the cluster munitions convention; Norway remains committed")
    assert not fires("Norway remains committed as Lithuania quits the cluster munitions convention")


def test_every_language_of_the_pack_has_a_row_in_the_language_table() -> None:
    """docs/rules.md lists each language the withdrawal words cover (scripts/pack_languages.py
    writes the table)."""
    import yaml

    pack = DOC.parents[1] / "rules" / "packs" / "treaty-withdrawal"
    codes: set[str] = set()
    for path in pack.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        vocabulary = (data.get("vocabularies") or {}).get("withdraw_actions") or {}
        for entry in (vocabulary.get("entries") or {}).values():
            codes |= {"no" if key is False else str(key) for key in entry.get("terms") or {}}
    table = DOC.read_text(encoding="utf-8").split("### Languages", 1)[1]
    missing = sorted(code for code in codes if f"| `{code}` |" not in table)
    assert len(codes) >= 25
    assert not missing, f"languages without a row in docs/rules.md: {missing}"
