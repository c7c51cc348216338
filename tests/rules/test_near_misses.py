"""``RuleSet.near_misses``: a rule whose query matched but whose ``exclude`` masked the match,
with the masked sentence (field, offsets, text) and the parts of the ``exclude`` that matched
there (issue 12: ``test-rule`` said only "no match")."""

from __future__ import annotations

import pickle

import pytest

from rules import Document, Exclusion, MaskedSpan, NearMiss, RuleSet, TermMatch, load_ruleset
from tests.rules._support import NOW

LITHUANIA = "Lithuania will not withdraw from the Ottawa Convention, minister says"

OWN_RULES = """\
rules:
  - id: own.exit
    title: A state leaves a convention
    severity: medium
    query: 'SENTENCE(withdr* NEAR/4 convention)'
    exclude: >-
      is:question
      OR (not ONEAR/2 withdr*)
      OR (deny OR denies)
  - id: own.single
    title: One exclusion, no OR
    query: 'quit* NEAR/3 treaty'
    exclude: 'rumour* NEAR/6 quit*'
  - id: own.plain
    title: No exclusion at all
    query: 'leav* NEAR/3 alliance'
  - id: own.off
    title: Disabled
    enabled: false
    query: 'withdr*'
    exclude: 'not'
"""


@pytest.fixture(scope="module")
def own() -> RuleSet:
    return load_ruleset({"own.yaml": OWN_RULES})


def assert_points_into(doc: Document, miss: NearMiss) -> None:
    terms = [*miss.terms, *(t for s in miss.masked for e in s.exclusions for t in e.terms)]
    for term in terms:
        assert getattr(doc, term.field)[term.start : term.end] == term.text
    for span in miss.masked:
        assert getattr(doc, span.field)[span.start : span.end] == span.text


def test_the_builtin_pack_explains_the_denial(builtin_ruleset: RuleSet) -> None:
    doc = Document(title=LITHUANIA)
    assert builtin_ruleset.match(doc, NOW) == []
    misses = {miss.rule_id: miss for miss in builtin_ruleset.near_misses(doc, NOW)}
    named = misses["treaty-withdrawal.named"]
    assert_points_into(doc, named)
    assert [(t.term, t.text) for t in named.terms] == [
        ("@withdraw_actions:withdraw", "withdraw"),
        ("@treaties:ottawa", "Ottawa Convention"),
    ]
    (span,) = named.masked
    assert (span.field, span.start, span.end, span.text) == ("title", 0, len(LITHUANIA), LITHUANIA)
    negation = next(e for e in span.exclusions if e.expression.startswith("(@negators"))
    assert negation.expression == "(@negators ONEAR/2 @withdraw_actions)"
    assert [(t.term, t.text, t.start, t.end) for t in negation.terms] == [
        ("@negators", "not", 15, 18),
        ("@withdraw_actions:withdraw", "withdraw", 19, 27),
    ]
    text = named.explain()
    assert "treaty-withdrawal.named" in text and f"title [0:{len(LITHUANIA)}]" in text
    assert "(@negators ONEAR/2 @withdraw_actions)" in text and "'not' in title [15:18]" in text


def test_a_match_is_no_near_miss(builtin_ruleset: RuleSet) -> None:
    doc = Document(
        title="Lithuania withdraws from the Ottawa Convention",
        summary="The minister says it will not withdraw from NATO.",
    )
    matched = {m.rule_id for m in builtin_ruleset.match(doc, NOW)}
    assert "treaty-withdrawal.named" in matched
    assert matched.isdisjoint(m.rule_id for m in builtin_ruleset.near_misses(doc, NOW))
    assert builtin_ruleset.near_misses(Document(title="Parliament debates the budget"), NOW) == []


def test_own_rules_name_the_branch_the_sentence_and_the_field(own: RuleSet) -> None:
    summary = "Markets were calm. Estonia will not withdraw from the convention, he said."
    doc = Document(title="Budget talks", summary=summary)
    assert own.match(doc, NOW) == []
    (miss,) = own.near_misses(doc, NOW)
    assert (miss.rule_id, miss.rule_title, miss.severity) == (
        "own.exit",
        "A state leaves a convention",
        "medium",
    )
    start = summary.index("Estonia")
    sentence = "Estonia will not withdraw from the convention, he said"
    assert miss.masked == (
        MaskedSpan(
            "summary",
            start,
            start + len(sentence),
            sentence,
            (
                Exclusion(
                    "(not ONEAR/2 withdr*)",
                    (
                        TermMatch("not", "not", "summary", start + 13, start + 16),
                        TermMatch("withdr*", "withdraw", "summary", start + 17, start + 25),
                    ),
                ),
            ),
        ),
    )
    assert [t.text for t in miss.terms] == ["withdraw", "convention"]


def test_a_filter_branch_and_a_whole_exclude(own: RuleSet) -> None:
    doc = Document(title="Will Estonia withdraw from the convention?")
    (miss,) = own.near_misses(doc, NOW)
    (span,) = miss.masked
    assert span.exclusions == (Exclusion("is:question", ()),)
    doc = Document(title="Rumours that Estonia will quit the treaty")
    (miss,) = own.near_misses(doc, NOW)
    (exclusion,) = miss.masked[0].exclusions
    assert exclusion.expression == "rumour* NEAR/6 quit*"  # no OR: the whole exclude
    assert [t.text for t in exclusion.terms] == ["Rumours", "quit"]


def test_every_masked_sentence_is_named(own: RuleSet) -> None:
    """The query matched again in a second sentence once the first was masked: both show."""
    doc = Document(
        title="Estonia will not withdraw from the convention. Latvia denies it will withdraw "
        "from the convention"
    )
    (miss,) = own.near_misses(doc, NOW)
    assert [span.text for span in miss.masked] == [
        "Estonia will not withdraw from the convention",
        "Latvia denies it will withdraw from the convention",
    ]
    assert [e.expression for e in miss.masked[1].exclusions] == ["(deny OR denies)"]
    assert len(miss.terms) == 4  # the query's evidence of both rounds
    assert_points_into(doc, miss)


def test_only_enabled_rules_with_an_exclude_that_masked(own: RuleSet) -> None:
    assert own.near_misses(Document(title="Norway will not leave the alliance"), NOW) == []
    assert own.near_misses(Document(title="Estonia will not withdraw"), NOW) == []
    assert own.near_misses(Document(title="Estonia withdraws from the convention"), NOW) == []


def test_to_dict_carries_the_same(own: RuleSet) -> None:
    doc = Document(title="Estonia will not withdraw from the convention")
    (miss,) = own.near_misses(doc, NOW)
    data = miss.to_dict()
    assert data["rule"] == "own.exit" and data["rule_title"] == "A state leaves a convention"
    assert data["severity"] == "medium" and [t["text"] for t in data["terms"]] == [
        "withdraw",
        "convention",
    ]
    (span,) = data["masked"]
    assert span == {
        "field": "title",
        "start": 0,
        "end": len(doc.title),
        "text": doc.title,
        "exclusions": [
            {
                "expression": "(not ONEAR/2 withdr*)",
                "terms": [
                    {"term": "not", "text": "not", "field": "title", "start": 13, "end": 16},
                    {
                        "term": "withdr*",
                        "text": "withdraw",
                        "field": "title",
                        "start": 17,
                        "end": 25,
                    },
                ],
            }
        ],
    }


def test_a_pickled_rule_set_explains_alike(own: RuleSet) -> None:
    """Rule sets travel to parse workers and the on-disk cache pickled."""
    doc = Document(title="Estonia will not withdraw from the convention")
    assert pickle.loads(pickle.dumps(own)).near_misses(doc, NOW) == own.near_misses(doc, NOW)
