"""The public surface of ``rules``, its import direction and its purity (no I/O)."""

from __future__ import annotations

import ast
from pathlib import Path

import rules

PACKAGE = Path(rules.__file__).resolve().parent
FORBIDDEN_TEXT = ("open(", "socket", "httpx", "sqlite", "datetime.now", "time.time", "urllib")
FORBIDDEN_IMPORTS = ("monitor", "state", "socket", "sqlite3", "httpx", "urllib", "requests", "os")


def test_public_names_are_pinned() -> None:
    assert sorted(rules.__all__) == [
        "Document",
        "Entity",
        "Exclusion",
        "MaskedSpan",
        "Match",
        "NearMiss",
        "Rule",
        "RuleError",
        "RuleSet",
        "TermMatch",
        "TreatywatchError",
        "check_yaml_shape",
        "load_ruleset",
        "normalize",
    ]
    for name in rules.__all__:
        assert getattr(rules, name) is not None


def test_error_tree() -> None:
    assert issubclass(rules.RuleError, rules.TreatywatchError)
    assert issubclass(rules.TreatywatchError, Exception)
    from rules.errors import RuleError, TreatywatchError

    assert RuleError is rules.RuleError
    assert TreatywatchError is rules.TreatywatchError


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_rules_never_imports_monitor_state_or_io_modules() -> None:
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN_IMPORTS, f"{path.name} imports {name}"


def test_rules_sources_do_no_io() -> None:
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        for needle in FORBIDDEN_TEXT:
            assert needle not in text, f"{path.name} contains {needle!r}"
