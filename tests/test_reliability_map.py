"""docs/reliability.md maps every item of the reliability checklist (A1–G10) to the tests that
prove it, or says why it does not apply: this fails when an item has no row, when a row names a
test that does not exist, or when a row has neither a test nor a reason."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAP = REPO / "docs" / "reliability.md"
# The checklist lives beside the repository in the workspace; where it is, its ids must be the
# ones pinned here (so a new item needs a row at once).
CHECKLIST = REPO.parent / "shared" / "RELIABILITY.md"
SECTIONS = {"A": 32, "B": 25, "C": 13, "D": 12, "E": 11, "F": 10, "G": 10}
IDS = [f"{letter}{n}" for letter, count in SECTIONS.items() for n in range(1, count + 1)]
ROW = re.compile(r"^\|\s*([A-Z]\d+)\s*\|(.*)\|(.*)\|\s*$")
TEST = re.compile(r"`([^`\s]+\.py)::([A-Za-z_][A-Za-z0-9_]*)`")


def _rows(text: str) -> dict[str, tuple[list[tuple[str, str]], str]]:
    rows: dict[str, tuple[list[tuple[str, str]], str]] = {}
    for line in text.splitlines():
        match = ROW.match(line)
        if match:
            item, tests, note = match.groups()
            assert item not in rows, f"{item} has two rows"
            rows[item] = (TEST.findall(tests), note.strip())
    return rows


@cache
def _functions(path: str) -> frozenset[str]:
    """The test functions a test file defines (at module level or in a class)."""
    file = REPO / path
    if not file.is_file():
        return frozenset()
    tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )


def _problems(text: str) -> list[str]:
    rows = _rows(text)
    problems = [f"{item}: no row" for item in IDS if item not in rows]
    problems += [f"{item}: not a checklist item" for item in rows if item not in IDS]
    for item, (tests, note) in rows.items():
        if not tests and not note:
            problems.append(f"{item}: neither a test nor a reason")
        for path, name in tests:
            if not path.startswith("tests/") or name not in _functions(path):
                problems.append(f"{item}: {path}::{name} does not exist")
    return problems


def test_every_checklist_item_has_a_row_naming_tests_that_exist() -> None:
    problems = _problems(MAP.read_text(encoding="utf-8"))
    assert not problems, "docs/reliability.md:\n" + "\n".join(problems)


def test_the_pinned_ids_are_the_checklists() -> None:
    if not CHECKLIST.is_file():  # a checkout without the workspace around it
        return
    listed = re.findall(r"^- \*\*([A-G]\d+)\*\*", CHECKLIST.read_text(encoding="utf-8"), re.M)
    assert listed == IDS


def test_the_map_check_catches_a_missing_row_a_missing_test_and_an_empty_row() -> None:
    good = "\n".join(
        f"| {item} | `tests/test_reliability_map.py::test_the_pinned_ids_are_the_checklists` | |"
        for item in IDS
    )
    assert _problems(good) == []
    without_a7 = "\n".join(line for line in good.splitlines() if not line.startswith("| A7 "))
    assert _problems(without_a7) == ["A7: no row"]
    wrong = good.replace("| B3 | `tests/test_reliability_map.py::test_the_pinned", "| B3 | `x")
    wrong = wrong.replace(
        "| C4 | `tests/test_reliability_map.py::test_the_pinned_ids_are_the_checklists`",
        "| C4 | `tests/test_reliability_map.py::test_gone`",
    )
    wrong = wrong.replace(
        "| D5 | `tests/test_reliability_map.py::test_the_pinned_ids_are_the_checklists` |",
        "| D5 | — |",
    )
    assert _problems(wrong) == [
        "B3: neither a test nor a reason",
        "C4: tests/test_reliability_map.py::test_gone does not exist",
        "D5: neither a test nor a reason",
    ]
    assert _problems(good + "\n| H1 | — | why |") == ["H1: not a checklist item"]
