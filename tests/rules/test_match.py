"""What a match reports: term spans in the original text, entities, snippet, explain, dict."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import Document, Entity, Match, TermMatch, load_ruleset
from tests.rules._support import NOW, first_match, rule_file


def assert_spans_point_into(doc: Document, match: Match) -> None:
    for term in match.terms:
        assert getattr(doc, term.field)[term.start : term.end] == term.text
    for start, end in match.snippet_spans:
        assert 0 <= start < end <= len(match.snippet)


def test_spans_are_offsets_into_the_original_text() -> None:
    title = "ＬＩＴＨＵＡＮＩＡ will with\u200bdraw from the Straße ‘Ottawa Convention’"
    summary = unicodedata.normalize("NFD", "Lietuva pasitrauks iš konvencijos. Lithuania quits.")
    doc = Document(title=title, summary=summary)
    match = first_match("withdr* OR quit* OR @treaties OR @states", doc)
    assert_spans_point_into(doc, match)
    texts = {(t.term, t.field, t.text) for t in match.terms}
    assert ("withdr*", "title", "with\u200bdraw") in texts
    assert ("@treaties:ottawa", "title", "Ottawa Convention") in texts
    assert ("@states:lithuania", "title", "ＬＩＴＨＵＡＮＩＡ") in texts
    assert ("@states:lithuania", "summary", summary[:7]) in texts
    assert ("quit*", "summary", "quits") in texts


def test_entities_cover_the_whole_document_not_just_the_query() -> None:
    doc = Document(
        title="Lithuania quits the mine ban treaty",
        summary="Norway stays in the Rome Statute and the Ottawa Convention.",
    )
    match = first_match("title:quit*", doc)
    assert match.entities == (
        Entity("treaties", "ottawa", "Ottawa Convention"),
        Entity("treaties", "icc", "Rome Statute"),
        Entity("states", "lithuania", "Lithuania"),
        Entity("states", "norway", "Norway"),
    )
    assert [t.term for t in match.terms] == ["quit*"]


def test_snippet_is_short_plain_and_cut_on_words() -> None:
    before = "Earlier news about other things. " * 20
    after = " More words follow here." * 30
    summary = before + "Lithuania   will quit\nthe Ottawa Convention." + after
    doc = Document(title="Nothing here", summary=summary)
    match = first_match("quit @treaties", doc)
    assert len(match.snippet) <= 300
    assert match.snippet.startswith("…") and match.snippet.endswith("…")
    assert "  " not in match.snippet and "\n" not in match.snippet
    highlighted = [match.snippet[s:e] for s, e in match.snippet_spans]
    assert highlighted == ["quit", "Ottawa Convention"]
    inner = match.snippet[1:-1]
    assert summary.count(inner.split(" ")[0]) >= 1  # starts on a whole word


def test_snippet_prefers_title_and_falls_back_to_content() -> None:
    doc = Document(title="Lithuania quits", summary="quits", content="quits")
    assert first_match("quit*", doc).snippet == "Lithuania quits"
    doc = Document(title="Elsewhere", content="In brief: Lithuania quits.")
    match = first_match("quit*", doc)
    assert match.snippet == "In brief: Lithuania quits."
    assert match.snippet_spans == ((20, 25),)
    filter_only = first_match("lang:pl", Document(title="Tytuł", language="pl"))
    assert (filter_only.snippet, filter_only.snippet_spans, filter_only.terms) == ("Tytuł", (), ())


def test_explain_and_to_dict() -> None:
    doc = Document(title="Lithuania quits the Ottawa Convention")
    match = first_match("quit* NEAR/3 @treaties", doc, severity="critical", channels=["slack"])
    text = match.explain()
    assert "rule 'r' (Test rule), severity critical" in text
    assert "quit* -> 'quits' in title [10:15]" in text
    assert "@treaties:ottawa -> 'Ottawa Convention' in title [20:37]" in text
    assert "states: Lithuania (lithuania)" in text
    data = match.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["rule"] == "r" and data["severity"] == "critical"
    assert data["terms"][0] == {
        "term": "quit*",
        "text": "quits",
        "field": "title",
        "start": 10,
        "end": 15,
    }
    assert data["entities"] == {
        "treaties": [{"id": "ottawa", "label": "Ottawa Convention"}],
        "states": [{"id": "lithuania", "label": "Lithuania"}],
    }
    assert data["snippet_spans"] == [[10, 15], [20, 37]]
    assert match.channels == ("slack",)


def test_values_are_frozen() -> None:
    term = TermMatch("quit*", "quits", "title", 0, 5)
    try:
        term.start = 3  # type: ignore[misc]
    except AttributeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("TermMatch is mutable")
    assert not hasattr(term, "__dict__")


RULES = load_ruleset(
    {
        "p.yaml": rule_file(
            'withdr* OR SENTENCE(@verbs, @treaties) OR (@states NEAR/3 quit*) OR "mine ban"',
            exclude="consider* OR (not ONEAR/2 withdr*)",
        )
    }
)

WORDISH = st.sampled_from(
    [
        "withdraw",
        "Withdrawal",
        "quits",
        "Lithuania",
        "Lietuvos",
        "Ottawa",
        "Convention",
        "mine",
        "ban",
        "not",
        "considers",
        ". ",
        "; ",
        "\n",
        "U.S.",
        "İ",
        "ß",
        "\u200b",
        "’",
        " ",
        "-",
        "ICC",
        "icc",
        "pulls",
        "out",
        "tritt",
        "aus",
        "e\u0301",
        "Ｑ",
    ]
)
TEXT = st.one_of(st.text(max_size=300), st.lists(WORDISH, max_size=60).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, summary=TEXT, content=TEXT, language=st.none() | st.text(max_size=6))
def test_matching_any_document_never_raises_and_spans_are_valid(
    title: str, summary: str, content: str, language: str | None
) -> None:
    doc = Document(title=title, summary=summary, content=content, language=language)
    for match in RULES.match(doc, NOW):
        assert_spans_point_into(doc, match)
        assert len(match.snippet) <= 300
        json.dumps(match.to_dict())
        match.explain()


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("*vertrag", "Algerien setzt Freundschaftsvertrag aus", True),
        ("*vertrag", "Der Vertrag gilt", True),
        ("*vertrag", "Vertragsbruch", False),
        ("*sopimu*", "irtautuu puolustussopimuksesta", True),
        ("*sopimu*", "sopivat", False),
        ("*verdrag", "vriendschapsverdrag opgezegd", True),
    ],
)
def test_a_leading_wildcard_matches_the_end_or_the_inside_of_compounds(
    term: str, text: str, expected: bool
) -> None:
    ruleset = load_ruleset({"t.yaml": f"rules:\n  - id: r\n    query: '{term}'\n"})
    assert bool(ruleset.match(Document(title=text), NOW)) is expected
