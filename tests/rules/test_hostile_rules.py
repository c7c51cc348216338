"""G6 (issue 13, bad input from outside): a hostile or careless rule file is a placed
:class:`RuleError` (file, line, column), never a crash, a hang or a silent reinterpretation."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rules import RuleError, load_ruleset
from tests.conftest import run_cli

RULE = "rules:\n  - id: a\n    title: A\n    query: '{query}'\n"
VOCABULARY = (
    "vocabularies:\n  v:\n    terms:\n      {terms}\n"
    "rules:\n  - id: a\n    title: A\n    query: '@v'\n"
)


def _error(text: str) -> RuleError:
    with pytest.raises(RuleError) as caught:
        load_ruleset({"r.yaml": text})
    return caught.value


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ("x NEAR/-1 y", "bad distance '-1' in NEAR", 20),
        ("x NEAR/x y", "bad distance 'x' in NEAR", 20),
        ("x NEAR/1.5 y", "bad distance '1.5' in NEAR", 20),
        ("x ONEAR/+5 y", "bad distance '+5' in ONEAR", 21),
    ],
)
def test_g6_malformed_proximity_operators_are_errors_with_a_position(
    query: str, message: str, column: int
) -> None:
    """G6: NEAR/-1, NEAR/x, NEAR/1.5 and ONEAR/+5 no longer become the words "near 1"."""
    error = _error(RULE.format(query=query))
    assert error.message == message
    assert (error.file, error.line, error.column) == ("r.yaml", 4, column)


def test_g6_a_field_repeated_a_thousand_times_is_a_depth_error() -> None:
    """G6: ``title:title:...x`` (1,000 times) meets the depth guard in the lexer, not a
    RecursionError; spaced out it meets the same guard in the parser."""
    for query in ("title:" * 1000 + "x", "title: " * 1000 + "x"):
        error = _error(RULE.format(query=query))
        assert error.message == "query is nested too deeply" and error.line == 4
    assert load_ruleset({"r.yaml": RULE.format(query="title:summary:withdraw")}).rules


def test_g6_a_million_character_term_is_a_rule_error_not_a_segfault() -> None:
    """G6: a vocabulary term (or query term) of 1,000,000 characters is refused by length."""
    started = time.monotonic()
    error = _error(VOCABULARY.format(terms='en: ["' + "a" * 1_000_000 + '"]'))
    assert error.message == "term is longer than 200 characters"
    assert (error.line, error.column) == (4, 213)
    error = _error(RULE.format(query="b" * 5000))
    assert error.message == "term is longer than 200 characters"
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ("EN: [abc]", "bad language code 'EN'"),
        ('en: "abc"', "terms for 'en' must be a list, not a string"),
        ('en: ["@other"]', "term '@other' looks like a vocabulary reference"),
    ],
)
def test_g6_vocabulary_slips_are_errors(terms: str, message: str) -> None:
    """G6: a language key EN, terms given as a string, a term @other: each refused, placed."""
    error = _error(VOCABULARY.format(terms=terms))
    assert error.message == message and error.line == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x: &a [*a]\nrules: []\n", "invalid YAML: alias *a refers to itself"),
        ("rules: " + "[" * 1000 + "]" * 1000 + "\n", "invalid YAML: nested more than 100"),
        (
            'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
            + "".join(
                f"{n}: &{n} [{','.join([f'*{p}'] * 10)}]\n"
                for p, n in zip("abcdefgh", "bcdefghi", strict=True)
            ),
            "invalid YAML: aliases expand to more than 2,000,000 values",
        ),
    ],
)
def test_g6_rule_file_yaml_bombs_are_refused(text: str, message: str) -> None:
    """G6: a recursive alias, 1,000-deep nesting and billion laughs in a rule file."""
    started = time.monotonic()
    error = _error(text)
    assert error.message.startswith(message) and error.file == "r.yaml" and error.line
    assert time.monotonic() - started < 2


def test_g6_test_rule_and_check_refuse_a_huge_term_with_exit_2(tmp_path: Path) -> None:
    """G6: through the real CLI, the 1,000,000-character term gives exit 2 and one placed
    line, not a segfault (exit -11) after "valid"."""
    rules = tmp_path / "huge.yaml"
    rules.write_text(VOCABULARY.format(terms='en: ["' + "a" * 1_000_000 + '"]'))
    result = run_cli("test-rule", "--rules", str(rules), "--text", "x", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"{rules}:4:213" in result.stderr and "Traceback" not in result.stderr
    config = tmp_path / "treatywatch.yaml"
    config.write_text(f"rules: [{rules}]\nsources: []\n")
    result = run_cli("--config", str(config), "check", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "config: valid" not in result.stdout and "Traceback" not in result.stderr
