"""Rule files: what loads, and where every problem is reported."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rules import Document, Rule, RuleError, load_ruleset

VOCAB = """\
vocabularies:
  treaties:
    entity: true
    entries:
      ottawa:
        label: Ottawa Convention
        terms:
          en: [Ottawa Convention]
"""


def error(files: dict[str, str]) -> RuleError:
    with pytest.raises(RuleError) as caught:
        load_ruleset(files)
    return caught.value


def test_a_full_rule_and_its_defaults() -> None:
    text = """\
rules:
  - id: full
    title: Full rule
    description: All keys.
    severity: critical
    query: withdr* @treaties
    exclude: consider*
    languages: [pl, EN]
    sources: [reuters, "tag:ministry"]
    channels: [slack]
    enabled: false
  - id: minimal
    query: quit
"""
    ruleset = load_ruleset({"a.yaml": text, "v.yaml": VOCAB})
    full, minimal = ruleset.rules
    assert full == Rule(
        id="full",
        title="Full rule",
        description="All keys.",
        severity="critical",
        query="withdr* @treaties",
        exclude="consider*",
        languages=("pl", "en"),
        sources=("reuters", "tag:ministry"),
        channels=("slack",),
        enabled=False,
    )
    assert minimal == Rule("minimal", "minimal", "", "high", "quit")


def test_unless_keeps_a_rule_from_matching_an_item_it_holds_for() -> None:
    """``unless`` is a query on the whole item: where it matches, the rule does not, whichever
    sentence the query's evidence is in (the headline framing the lead)."""
    from datetime import UTC, datetime

    from rules import Document

    text = """\
rules:
  - id: left
    query: SENTENCE(withdr* NEAR/3 @treaties)
    unless: title:(suspended NEAR/3 by)
"""
    ruleset = load_ruleset({"a.yaml": text, "v.yaml": VOCAB})
    now = datetime(2026, 1, 1, tzinfo=UTC)
    lead = "Officials said the state will withdraw from the Ottawa Convention."
    framed = Document(title="Delegation suspended by the assembly", summary=lead)
    plain = Document(title="Delegation arrives at the assembly", summary=lead)
    assert ruleset.match(framed, now) == []
    assert [m.rule_id for m in ruleset.match(plain, now)] == ["left"]
    # an empty 'unless' is no condition
    empty = load_ruleset(
        {"a.yaml": text.replace("title:(suspended NEAR/3 by)", "''"), "v.yaml": VOCAB}
    )
    assert empty.match(framed, now)


def test_errors_in_unless_are_placed_in_unless() -> None:
    text = "rules:\n  - id: a\n    query: x\n    unless: y NEAR z\n"
    problem = error({"u.yaml": text})
    assert (problem.line, problem.column, problem.offset) == (4, 15, 2)
    text = "rules:\n  - id: a\n    query: x\n    unless: '@nothing'\n"
    problem = error({"u.yaml": text})
    assert problem.line == 4
    assert "unknown vocabulary '@nothing'" in problem.message


def test_vocabularies_merge_across_files_and_empty_files_are_fine() -> None:
    rules = "rules:\n  - {id: r, query: '@treaties'}\n"
    ruleset = load_ruleset({"rules.yaml": rules, "vocab.yaml": VOCAB, "empty.yaml": ""})
    assert ruleset.vocabularies == ("treaties",)


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("rules: [\n", 2, 1, "invalid YAML"),
        ("rules:\n  - id: a\x07\n", 2, 10, "unacceptable character"),
        ("rules:\n  - id: a\n    query: x\n    qeury: y\n", 4, 5, "unknown key 'qeury'"),
        ("rule:\n  - id: a\n", 1, 1, "unknown key 'rule'"),
        ("rules:\n  - id: a\n    query: [x]\n", 3, 12, "must be a string"),
        ("rules:\n  - id: a\n    query: x\n    languages: pl\n", 4, 16, "must be a list"),
        ("rules:\n  - id: a\n    query: x\n    enabled: maybe\n", 4, 14, "true or false"),
        ("rules:\n  - id: a\n    query: x\n    severity: urgent\n", 4, 15, "bad severity"),
        ("rules:\n  - id: a\n    query: x\n    languages: [polish]\n", 4, 17, "language code"),
        ("rules:\n  - query: x\n", 2, 5, "needs an 'id'"),
        ("rules:\n  - id: a\n", 2, 5, "needs a 'query'"),
        ("rules:\n  - id: a b\n    query: x\n", 2, 9, "bad rule id"),
        ("rules:\n  - id: a\n    query: '  '\n", 3, 12, "must not be empty"),
        ("rules:\n  - id: a\n    id: b\n    query: x\n", 3, 5, "duplicate key 'id'"),
        ("rules: {id: a}\n", 1, 8, "must be a list"),
        ("- a\n", 1, 1, "must be a mapping"),
    ],
)
def test_structural_errors_are_placed(text: str, line: int, column: int, fragment: str) -> None:
    problem = error({"rules/custom.yaml": text})
    assert (problem.file, problem.line, problem.column) == ("rules/custom.yaml", line, column)
    assert fragment in problem.message
    assert str(problem).startswith(f"rules/custom.yaml:{line}:{column}: ")


def test_unknown_key_hint() -> None:
    problem = error({"x.yaml": "rules:\n  - id: a\n    query: x\n    qeury: y\n"})
    assert problem.hint == "did you mean 'query'?"


def test_unknown_vocabulary_in_a_plain_query() -> None:
    text = "rules:\n  - id: a\n    title: T\n    query: withdr* AND @treatys\n"
    problem = error({"rules/custom.yaml": text, "v.yaml": VOCAB})
    assert (problem.line, problem.column) == (4, 24)
    assert str(problem) == (
        "rules/custom.yaml:4:24: unknown vocabulary '@treatys' (hint: did you mean '@treaties'?)"
    )


def test_query_error_columns_in_quoted_and_block_scalars() -> None:
    quoted = 'rules:\n  - id: a\n    query: "withdr* AND (x"\n'
    problem = error({"q.yaml": quoted})
    assert (problem.line, problem.column) == (3, 27)
    block = "rules:\n  - id: a\n    query: |\n      withdr*\n      AND @nothing\n"
    problem = error({"b.yaml": block})
    assert (problem.line, problem.column) == (5, 11)
    assert problem.offset == 12


def test_errors_in_exclude_and_vocabulary_terms_are_placed() -> None:
    problem = error({"e.yaml": "rules:\n  - id: a\n    query: x\n    exclude: y NEAR z\n"})
    assert (problem.line, problem.column, problem.offset) == (4, 16, 2)
    vocab = "vocabularies:\n  v:\n    terms:\n      en: [ok, wi*]\n"
    problem = error({"v.yaml": vocab})
    assert (problem.line, problem.column) == (4, 16)
    assert "too short" in problem.message


def test_a_term_folding_to_one_thai_lao_burmese_or_khmer_letter_is_refused_at_its_place() -> None:
    # "ขู่" (threatens) loses its vowel and tone marks: the letter "ข" alone would match inside
    # almost every Thai word. A Chinese character alone is a word and stays allowed.
    vocab = "vocabularies:\n  v:\n    terms:\n      th: [ถอนตัว, ขู่]\n      zh: [若]\n"
    problem = error({"v.yaml": vocab})
    assert (problem.line, problem.column) == (4, 20)
    assert "single letter" in problem.message


@pytest.mark.parametrize(
    ("vocab", "fragment"),
    [
        ("vocabularies:\n  V: {terms: {en: [a]}}\n", "bad vocabulary name"),
        ("vocabularies:\n  v: {}\n", "neither 'entries' nor 'terms'"),
        ("vocabularies:\n  v: {entries: {x: {label: X}}}\n", "needs 'terms'"),
        ("vocabularies:\n  v: {entries: {Bad: {terms: {en: [a]}}}}\n", "bad entry id"),
        ("vocabularies:\n  v: {terms: {english: [a]}}\n", "bad language code"),
        ("vocabularies:\n  v: {terms: {en: [a]}, entity: 3}\n", "true or false"),
        ("vocabularies:\n  v: {terms: {en: [a]}, colour: red}\n", "unknown key"),
    ],
)
def test_vocabulary_errors(vocab: str, fragment: str) -> None:
    problem = error({"v.yaml": vocab})
    assert fragment in problem.message
    assert problem.line is not None and problem.column is not None


def test_duplicates_name_both_places() -> None:
    first = "rules:\n  - id: same\n    query: x\n"
    second = "\nrules:\n  - id: same\n    query: y\n"
    problem = error({"one.yaml": first, "two.yaml": second})
    assert (problem.file, problem.line, problem.column) == ("two.yaml", 3, 9)
    assert "also defined at one.yaml:2:9" in problem.message
    problem = error({"one.yaml": VOCAB, "two.yaml": VOCAB})
    assert problem.file == "two.yaml"
    assert "duplicate vocabulary 'treaties' (also defined at one.yaml:2:3)" in problem.message


def test_rule_error_without_position_renders_plainly() -> None:
    assert str(RuleError("bad", hint="fix it")) == "bad (hint: fix it)"
    assert str(RuleError("bad", file="f.yaml")) == "f.yaml: bad"


@pytest.mark.parametrize(
    ("term", "title"),
    [
        # a Latin term finds the Cyrillic headline, a Cyrillic term the Latin one, digraphs and
        # wildcards included
        ("istupanje", "Влада одобрила иступање Србије из организације"),
        ("Međunarodn* centar*", "Србија напушта Међународни центар за науку"),
        ("неће обновити", "Srbija neće obnoviti sporazum"),
        ("povlačenje iz", "Повлачење из споразума са Москвом"),
    ],
)
def test_serbian_terms_match_in_both_alphabets(term: str, title: str) -> None:
    text = (
        "rules:\n  - id: s\n    query: '@v'\n"
        f"vocabularies:\n  v:\n    terms:\n      sr: ['{term}']\n"
    )
    ruleset = load_ruleset({"s.yaml": text})
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert ruleset.match(Document(title=title, language="sr"), now)
    # only Serbian (and Bosnian) terms get the other alphabet: the same term under Croatian
    # keeps its one alphabet, and each pair here mixes the two
    croatian = load_ruleset({"s.yaml": text.replace("      sr:", "      hr:")})
    assert not croatian.match(Document(title=title, language="hr"), now)
