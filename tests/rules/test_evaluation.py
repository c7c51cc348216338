"""What each part of the query language matches (and does not)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rules import Document, load_ruleset
from tests.rules._support import NOW, matches, one_rule, rule_file


@pytest.mark.parametrize(
    ("query", "title", "expected"),
    [
        ("quit AND treaty", "Lithuania will quit the treaty", True),
        ("quit AND treaty", "Lithuania will quit", False),
        ("quit treaty", "the treaty: Lithuania will quit", True),
        ("quit OR exit", "Lithuania will exit", True),
        ("quit OR exit", "Lithuania will stay", False),
        ("treaty NOT quit", "treaty signed", True),
        ("treaty NOT quit", "treaty quit", False),
        ("treaty AND NOT (quit OR exit)", "treaty exit", False),
        ('"mine ban treaty"', "the mine ban treaty", True),
        ('"mine ban treaty"', "a ban on mine treaty", False),
        ('"withdr* from"', "withdrawing from it", True),
        ("withdr*", "WITHDRAWAL", True),
        ("withdraw", "withdrawal", False),
        ("convention", "Conventional arms", False),
        ("convention*", "Conventional arms", True),
    ],
)
def test_boolean_operators_phrases_and_wildcards(query: str, title: str, expected: bool) -> None:
    assert matches(query, title) is expected


@pytest.mark.parametrize(
    ("query", "title", "expected"),
    [
        ("quit NEAR/0 treaty", "quit treaty", True),
        ("quit NEAR/0 treaty", "treaty quit", True),
        ("quit NEAR/0 treaty", "quit the treaty", False),
        ("quit NEAR/1 treaty", "quit the treaty", True),
        ("quit NEAR/2 treaty", "treaty , they say , quit", True),
        ("quit NEAR/1 treaty", "treaty they say quit", False),
        ("quit ONEAR/3 treaty", "quit the old treaty", True),
        ("quit ONEAR/3 treaty", "treaty was quit", False),
        ('"mine ban" NEAR/1 treaty', "mine ban treaty", True),
        ("quit NEAR/5 quit", "quit", False),  # one word cannot pair with itself
        ("quit NEAR/5 quit", "quit and quit", True),
        ("(quit OR exit) NEAR/2 (treaty OR pact)", "exit from pact", True),
        ("title:quit NEAR/3 treaty", "quit treaty", True),
    ],
)
def test_proximity(query: str, title: str, expected: bool) -> None:
    assert matches(query, title) is expected


def test_proximity_needs_the_same_field() -> None:
    assert not matches("quit NEAR/10 treaty", "Lithuania will quit", "the treaty")


def test_proximity_counts_words_not_characters() -> None:
    long_word = "x" * 50
    assert matches("quit NEAR/1 treaty", f"quit {long_word} treaty")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Lithuania quits the treaty. Norway stays.", True),
        ("Lithuania quits. The treaty stays.", False),
        ("Lithuania quits; the treaty stays", False),
        ("Lithuania quits! the treaty stays", False),
        ("Lithuania quits\nthe treaty stays", False),
        ("The U.S. quits the treaty", True),
        ("EE.UU. quits. the treaty", True),  # a full stop before a lower-case word
        ("Lithuania quits the treaty, officials said", True),
    ],
)
def test_same_sentence(title: str, expected: bool) -> None:
    assert matches("SENTENCE(quit*, treaty)", title) is expected


def test_sentence_with_compound_and_negated_operands() -> None:
    query = "SENTENCE(quit* NEAR/3 treaty, NOT rejoin*)"
    assert matches(query, "Norway will rejoin. Lithuania quits the treaty.")
    assert not matches(query, "Lithuania quits the treaty and may rejoin.")
    assert not matches("SENTENCE(quit*, treaty)", "Lithuania quits", "the treaty")


@pytest.mark.parametrize(
    ("query", "fields", "expected"),
    [
        ("title:quit", {"title": "quit"}, True),
        ("title:quit", {"summary": "quit"}, False),
        ("summary:quit", {"summary": "quit"}, True),
        ("content:quit", {"content": "they quit"}, True),
        ("content:quit", {"title": "quit"}, False),
        ("quit", {"content": "they quit"}, True),
        ("title:(quit OR exit) treaty", {"title": "exit", "summary": "treaty"}, True),
        ("title:(quit AND treaty)", {"title": "quit", "summary": "treaty"}, False),
        ('title:"mine ban"', {"title": "mine ban"}, True),
        ("summary:@treaties", {"summary": "the Rome Statute"}, True),
        ("title:summary:quit", {"title": "quit", "summary": "quit"}, False),
    ],
)
def test_field_scopes(query: str, fields: dict[str, str], expected: bool) -> None:
    assert matches(query, **fields) is expected


@pytest.mark.parametrize(
    ("query", "document", "expected"),
    [
        ("quit source:reuters", {"source": "Reuters"}, True),
        ("quit source:reuters", {"source": "bbc"}, False),
        ("quit NOT source:reuters", {"source": "bbc"}, True),
        ("quit tag:ministry", {"source_tags": frozenset({"Ministry", "gov"})}, True),
        ("quit tag:ministry", {"source_tags": frozenset({"news"})}, False),
        ("quit lang:pl", {"language": "pl"}, True),
        ("quit lang:pl", {"language": "pl-PL"}, True),
        ("quit lang:pl", {"language": "en"}, False),
        ("quit lang:pl", {"language": None}, True),
        ("quit NOT lang:pl", {"language": None}, True),
        ("quit NOT lang:pl", {"language": "pl"}, False),
        ("quit age:<48h", {"published": NOW - timedelta(hours=47)}, True),
        ("quit age:<48h", {"published": NOW - timedelta(hours=49)}, False),
        ("quit age:<7d", {"published": NOW - timedelta(days=6)}, True),
        ("quit age:>1d", {"published": NOW - timedelta(days=6)}, True),
        ("quit age:<48h", {"published": None}, True),
        ("quit NOT age:<48h", {"published": None}, True),
        ("quit age:<48h", {"published": (NOW - timedelta(hours=1)).replace(tzinfo=None)}, True),
    ],
)
def test_filters(query: str, document: dict[str, object], expected: bool) -> None:
    assert matches(query, "they quit", **document) is expected


@pytest.mark.parametrize(
    ("query", "title", "expected"),
    [
        ("@treaties", "They quit the Ottawa Convention", True),
        ("@treaties", "They quit the Ottawa Senators", False),
        ("@treaties:icc", "They quit the Ottawa Convention", False),
        ("@treaties:icc", "They quit the ICC", True),
        ("@treaties:icc", "They quit the icc", False),  # =ICC is case-sensitive
        ("@treaties", "Polska wystąpi z konwencji ottawskiej", True),
        ("@treaties", "anti-personnel mines", True),
        ("@verbs", "US pulls Poland out", True),
        ("@verbs", "Ungarn tritt aus dem Statut aus", True),
        ("@verbs", "Ungarn tritt heute nicht mehr vor das Gericht", False),
        ("@verbs", "out, pulls", False),
    ],
)
def test_vocabularies(query: str, title: str, expected: bool) -> None:
    assert matches(query, title) is expected


def test_exclude_masks_only_the_sentences_where_it_matches() -> None:
    query = "SENTENCE(quit* NEAR/5 @treaties)"
    exclude = '"remains committed" OR consider*'
    rule = {"exclude": exclude}
    assert matches(
        query, "Lithuania quits the Ottawa Convention; Norway remains committed", rule=rule
    )
    assert not matches(
        query, "Norway remains committed as Lithuania quits the Ottawa Convention", rule=rule
    )
    assert not matches(query, "Lithuania considers quitting the Ottawa Convention", rule=rule)
    assert matches(
        query,
        "Lithuania considers quitting the Ottawa Convention",
        "Lithuania has now decided to quit the Ottawa Convention.",
        rule=rule,
    )


def test_exclude_can_use_proximity() -> None:
    rule = {"exclude": "not ONEAR/2 quit*"}
    assert not matches(
        "quit* @treaties", "Lithuania will not quit the Ottawa Convention", rule=rule
    )
    assert matches(
        "quit* @treaties", "Lithuania will quit the Ottawa Convention, not now", rule=rule
    )


def test_rule_languages_admit_unknown_language() -> None:
    rule = {"languages": ["pl", "lt"]}
    assert matches("quit", "quit", language="pl", rule=rule)
    assert matches("quit", "quit", language=None, rule=rule)
    assert not matches("quit", "quit", language="en", rule=rule)


def test_rule_sources_accept_names_and_tags() -> None:
    rule = {"sources": ["reuters", "tag:ministry"]}
    assert matches("quit", "quit", source="Reuters", rule=rule)
    assert matches("quit", "quit", source="x", source_tags=frozenset({"ministry"}), rule=rule)
    assert not matches("quit", "quit", source="x", rule=rule)


def test_disabled_rules_do_not_match_and_order_is_kept() -> None:
    text = (
        "rules:\n"
        "  - {id: b, query: quit}\n"
        "  - {id: off, query: quit, enabled: false}\n"
        "  - {id: a, query: treaty OR quit}\n"
    )
    ruleset = load_ruleset({"x.yaml": text})
    assert [r.id for r in ruleset.rules] == ["b", "off", "a"]
    assert [m.rule_id for m in ruleset.match(Document(title="quit"), NOW)] == ["b", "a"]


def test_rules_without_words_still_match() -> None:
    assert matches("lang:pl", "anything", language="pl")
    assert matches("NOT quit", "anything")


def test_huge_fields_are_capped() -> None:
    filler = "word " * 1_000_000
    ruleset = one_rule("quit")
    assert not ruleset.match(Document(title=filler + "quit"), NOW)
    found = ruleset.match(Document(title="quit " + filler, content=filler + "quit"), NOW)
    assert found and found[0].terms[0].start == 0


def test_rule_set_exposes_vocabulary_names() -> None:
    ruleset = load_ruleset({"t.yaml": rule_file("quit")})
    assert ruleset.vocabularies == ("treaties", "states", "verbs")
    assert repr(ruleset) == "<RuleSet 1 rules (1 enabled), 3 vocabularies>"


def test_question_sentences() -> None:
    rule = {"exclude": "is:question"}
    assert not matches("quit*", "Will Lithuania quit? Experts are divided", rule=rule)
    assert matches("quit*", "Will Lithuania stay? It quits, officials say", rule=rule)
    assert matches("quit* is:question", "Will Lithuania quit?")
    assert not matches("quit* is:question", "Lithuania quits.")
    assert matches("SENTENCE(quit*, NOT is:question)", "Will it quit? Lithuania quits.")
    assert not matches("SENTENCE(quit*, NOT is:question)", "Will it quit? Lithuania stays.")


def test_greek_writes_its_question_mark_as_a_semicolon() -> None:
    # U+037E and the plain ';' Greek keyboards type both mark a question in Greek text
    assert matches("αποχωρ* is:question", "Θα αποχωρήσει η Ουγγαρία από τη Σύμβαση;")
    assert matches("αποχωρ* is:question", "Θα αποχωρήσει η Ουγγαρία από τη Σύμβαση\u037e")
    assert matches(
        "SENTENCE(αποχωρ*, NOT is:question)", "Θα μείνει; Η Ουγγαρία αποχωρεί από τη Σύμβαση."
    )
    assert not matches("αποχωρ* is:question", "Η Ουγγαρία αποχωρεί από τη Σύμβαση.")
    # elsewhere ';' is no question
    assert not matches("quit* is:question", "Lithuania quits; Latvia follows")


def test_lead_is_the_first_sentences_of_the_content() -> None:
    first = "Lithuania quits the pact. It was expected. Officials confirmed it. "
    assert matches("lead:quit*", content=first)
    assert not matches("lead:quit*", content="One. Two. Three. Lithuania quits the pact.")
    assert matches("content:quit*", content="One. Two. Three. Lithuania quits the pact.")
    assert not matches("lead:quit*", title="Lithuania quits")
    assert matches("content:lead:quit*", content=first)
    assert matches("SENTENCE(lead:quit*, pact)", content=first)


def test_several_fields_in_one_scope() -> None:
    assert matches("title|summary:quit*", summary="they quit")
    assert not matches("title|summary:quit*", content="they quit")
    assert matches("summary|lead:quit*", content="They quit. More.")
    assert matches("TITLE|Summary:quit*", title="they quit")
