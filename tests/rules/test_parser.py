"""The query parser and compiler: syntax, precedence, and errors with positions."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import RuleError, load_ruleset
from rules._compiler import Compiler
from rules._parser import MAX_DEPTH, parse_query
from rules._syntax import And, Filter, Near, Not, Or, Scoped, Sentence, Term, VocabRef, Word
from rules._vocabulary import Vocabulary, VocabularyEntry, VocabularyTerm
from tests.rules._support import rule_file


def words(*texts: str) -> tuple[Word, ...]:
    return tuple(Word(t.rstrip("*"), t.endswith("*")) for t in texts)


def test_terms_phrases_and_wildcards() -> None:
    assert parse_query("withdr*") == Term(words("withdr*"), "withdr*", 0)
    assert parse_query('"mine ban treaty"') == Term(
        words("mine", "ban", "treaty"), '"mine ban treaty"', 0
    )
    assert parse_query("anti-personnel").words == words("anti", "personnel")  # type: ignore[union-attr]
    assert parse_query('"withdr* from"').words == words("withdr*", "from")  # type: ignore[union-attr]
    assert parse_query("=WHO").words == (Word("who", False, "WHO"),)  # type: ignore[union-attr]


def test_precedence_not_near_and_or() -> None:
    tree = parse_query("a b NEAR/3 c OR NOT d")
    assert isinstance(tree, Or)
    first, second = tree.children
    assert isinstance(first, And)
    assert isinstance(first.children[1], Near)
    assert first.children[1].distance == 3
    assert isinstance(second, Not)


def test_explicit_and_equals_implicit_and() -> None:
    explicit = parse_query("a AND b")
    implicit = parse_query("a b")
    assert isinstance(explicit, And) and isinstance(implicit, And)
    assert [c.source for c in explicit.children] == [c.source for c in implicit.children]  # type: ignore[union-attr]


def test_lowercase_operators_are_terms() -> None:
    tree = parse_query("war and peace")
    assert isinstance(tree, And)
    assert [c.source for c in tree.children] == ["war", "and", "peace"]  # type: ignore[union-attr]


def test_near_onear_sentence_fields_filters_vocabularies() -> None:
    near = parse_query("a ONEAR/0 b")
    assert isinstance(near, Near) and near.ordered and near.distance == 0
    sentence = parse_query("SENTENCE(a, b OR c, d)")
    assert isinstance(sentence, Sentence) and len(sentence.children) == 3
    scoped = parse_query("title:(a OR b)")
    assert isinstance(scoped, Scoped) and scoped.field == "title"
    several = parse_query("title|summary|lead:SENTENCE(a, b)")
    assert isinstance(several, Scoped) and several.field == "title|summary|lead"
    assert isinstance(several.child, Sentence)
    assert parse_query("summary:@treaties") == Scoped("summary", VocabRef("treaties", None, 8), 0)
    assert parse_query("@treaties:ottawa") == VocabRef("treaties", "ottawa", 0)
    age = parse_query("age:<48h")
    assert isinstance(age, Filter) and age.seconds == 48 * 3600 and age.comparison == "<"
    assert parse_query("age:>=2w").seconds == 14 * 86400  # type: ignore[union-attr]
    assert parse_query("lang:PL") == Filter("lang", "pl", 0, "=", 0)
    assert parse_query("source:Reuters") == Filter("source", "reuters", 0, "=", 0)
    assert parse_query("tag:ministry") == Filter("tag", "ministry", 0, "=", 0)
    assert parse_query("is:question") == Filter("is", "question", 0, "=", 0)


@pytest.mark.parametrize(
    ("query", "offset", "fragment"),
    [
        ("", 0, "empty"),
        ("a AND", 5, "ends"),
        ("(a OR b", 7, "expected ')'"),
        ("a OR b)", 6, "unexpected ')'"),
        ('"open phrase', 0, "unterminated"),
        ("wi*", 0, "too short"),
        ("with*drawal", 4, "end of a word"),
        ("* drawal", 0, "must follow"),
        ("*raw", 0, "at least 4 letters"),
        ("a NEAR b", 2, "needs a distance"),
        ("a NEAR/5000 b", 2, "too large"),
        ("titel:withdraw", 0, "unknown field"),
        ("title|sumary:withdraw", 0, "unknown field 'sumary'"),
        ("lang:polish", 5, "language code"),
        ("age:yesterday", 4, "bad age"),
        ("is:quoted", 3, "unknown property"),
        ("a NEAR/3 NOT b", 9, "NEAR needs words"),
        ("SENTENCE a", 0, "parentheses"),
        ("SENTENCE(a, b", 13, "close SENTENCE"),
        ("@Treaties", 0, "vocabulary name"),
        ("@treaties:Ottawa", 10, "entry id"),
        ("NOT NOT", 7, "ends"),
        ("a , b", 2, "unexpected ','"),
        ("---", 0, "no letters"),
    ],
)
def test_syntax_errors_carry_offsets(query: str, offset: int, fragment: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_query(query)
    assert caught.value.offset == offset
    assert fragment in caught.value.message


def test_nesting_is_limited() -> None:
    with pytest.raises(RuleError, match="nested too deeply"):
        parse_query("(" * (MAX_DEPTH + 5) + "a" + ")" * (MAX_DEPTH + 5))
    with pytest.raises(RuleError, match="nested too deeply"):
        parse_query("NOT " * (MAX_DEPTH + 5) + "a")


def test_unknown_field_suggests_a_fix() -> None:
    with pytest.raises(RuleError) as caught:
        parse_query("titel:x")
    assert caught.value.hint == "did you mean 'title'?"


VOCABULARIES = {
    "treaties": Vocabulary(
        "treaties",
        "",
        True,
        (
            VocabularyEntry(
                "ottawa", "Ottawa Convention", (VocabularyTerm("en", "Ottawa", (words("ottawa"),)),)
            ),
        ),
    )
}


@pytest.mark.parametrize(
    ("query", "offset", "hint"),
    [
        ("withdr* @treatys", 8, "did you mean '@treaties'?"),
        ("@treaties:otawa", 0, "did you mean '@treaties:ottawa'?"),
        ("(a OR NOT b) NEAR/3 c", 1, None),
        ("SENTENCE(NOT a, lang:pl)", 0, None),
    ],
)
def test_compile_errors_carry_offsets_and_hints(query: str, offset: int, hint: str | None) -> None:
    with pytest.raises(RuleError) as caught:
        Compiler(VOCABULARIES).compile(parse_query(query))
    assert caught.value.offset == offset
    if hint:
        assert caught.value.hint == hint


def _compile(query: str) -> None:
    Compiler(VOCABULARIES).compile(parse_query(query))


QUERY_PIECES = (
    "AND OR NOT NEAR/2 ONEAR/1 SENTENCE( title: lang: age:< 48h @treaties @treaties:ottawa withdr*"
)
QUERY_ALPHABET = st.sampled_from([*'ab "()*,:@/=-.\n\tłİ\u200b', *QUERY_PIECES.split()])


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.lists(QUERY_ALPHABET, max_size=30).map("".join)))
def test_any_query_compiles_or_fails_with_an_offset(query: str) -> None:
    try:
        _compile(query)
    except RuleError as exc:
        assert exc.offset is not None
        assert 0 <= exc.offset <= len(query)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), st.lists(QUERY_ALPHABET, max_size=12).map("".join)))
def test_any_query_in_a_rule_file_loads_or_fails_with_a_position(query: str) -> None:
    text = rule_file(query)
    yaml.safe_load(text)  # the test's own YAML is valid (line breaks like U+0085 may change)
    try:
        load_ruleset({"q.yaml": text})
    except RuleError as exc:
        assert exc.file == "q.yaml"
        assert exc.line is not None and exc.column is not None
