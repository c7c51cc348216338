"""The prefilter only saves work: it never keeps a rule from matching.

Documents are built from the built-in pack's own phrases (every word of every pattern, stems
completed) and common filler words, then matched twice: through the prefilter, and with every
enabled rule as a candidate. The matches must be the same.
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import Document, RuleSet, load_ruleset
from rules._prefilter import _literals
from tests.rules._support import one_rule
from tests.rules.conftest import NOW, builtin_pack_files
from tests.rules.test_pack_sanity import POSITIVES

PACK = load_ruleset(builtin_pack_files())


class _Everything:
    """A prefilter that lets every enabled rule through."""

    def __init__(self, count: int) -> None:
        self.count = count

    def candidates(self, words: str, originals: object) -> list[int]:
        return list(range(self.count))


def _without_prefilter(ruleset: RuleSet) -> RuleSet:
    unfiltered = copy.copy(ruleset)
    unfiltered._prefilter = _Everything(len(ruleset._active))  # type: ignore[assignment]
    return unfiltered


UNFILTERED = _without_prefilter(PACK)


def _phrase(pattern: tuple[tuple[str, bool, str | None], ...]) -> str:
    return " ".join((cased or text) + ("s" if prefix else "") for text, prefix, cased in pattern)


def _vocabulary_phrases(*names: str) -> list[str]:
    """Phrases of a few vocabularies' terms: the pack is large, and documents built only from
    all its phrases would rarely hold a withdrawal word, a treaty and a state together."""
    phrases = set()
    for vocabulary in PACK._vocabularies:
        if vocabulary.name in names:
            terms = [*vocabulary.terms, *(t for e in vocabulary.entries for t in e.terms)]
            for term in terms:
                pattern = tuple((w.text, w.prefix, w.cased) for w in term.words)
                phrases.add(_phrase(pattern))
    return sorted(phrases)


PHRASES = sorted({_phrase(pattern) for pattern in PACK._scanner.patterns()})
CORE = _vocabulary_phrases("withdraw_actions", "no_longer", "out_of", "treaty_words")
FILLER = ["the", "are", "out", "of", "who", "new", "start", "has", "said", "on", "Monday", "."]
WORDS = st.one_of(st.sampled_from(PHRASES), st.sampled_from(CORE), st.sampled_from(FILLER))
TEXT = st.lists(WORDS, max_size=20).map(" ".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, summary=TEXT, content=TEXT)
def test_the_prefilter_never_keeps_a_rule_from_matching(
    title: str, summary: str, content: str
) -> None:
    doc = Document(title=title, summary=summary, content=content, language="en")
    assert PACK.match(doc, NOW) == UNFILTERED.match(doc, NOW)


def test_generated_documents_do_match_sometimes() -> None:
    """The comparison above is not vacuous: documents built this way do match rules."""
    matched = 0

    @settings(max_examples=300, deadline=None, database=None, derandomize=True)
    @given(title=TEXT)
    def count(title: str) -> None:
        nonlocal matched
        matched += bool(UNFILTERED.match(Document(title=title, language="en"), NOW))

    count()
    assert matched >= 5, matched


def test_the_pack_sanity_positives_pass_the_prefilter() -> None:
    for title, summary in POSITIVES:
        doc = Document(title=title, summary=summary)
        assert PACK.match(doc, NOW), title
        assert PACK.match(doc, NOW) == UNFILTERED.match(doc, NOW), title


def test_common_words_alone_do_not_make_candidates() -> None:
    """Every word of a phrase must be present: common words of the pack's phrases ("are",
    "out", "start", "who") no longer send a document to full evaluation on their own."""
    words = " are out of the new start who has black community process "
    assert PACK._prefilter.candidates(words, [words]) == []


def test_a_phrase_is_one_literal_of_its_words_in_a_row() -> None:
    """A short word is searched with the words after it (before it, ending a phrase; a
    prefix ends a run); a case-sensitive word or one with a leading wildcard stands alone."""
    assert _literals((("out", False, None), ("of", False, None))) == {(" out of ", None)}
    assert _literals((("pull", True, None), ("out", False, None))) == {
        (" pull", None),
        (" out ", None),
    }
    assert _literals((("the", False, None), ("who", False, "WHO"), ("said", False, None))) == {
        (" the ", None),
        (" who ", "WHO"),
        (" said ", None),
    }
    words = ("withdraw", "from", "the", "ottawa", "convention")
    assert _literals(tuple((word, False, None) for word in words)) == {
        (" withdraw ", None),  # longer words stay single literals many phrases share
        (" from ", None),
        (" the ottawa ", None),
        (" convention ", None),
    }
    assert _literals((("pulls", False, None), ("out", False, None))) == {(" pulls out ", None)}
    assert _literals((("*vertrag", False, None), ("aus", False, None))) == {
        ("vertrag ", None),
        (" aus ", None),
    }


def test_common_words_apart_make_no_phrase() -> None:
    """A document holding "out" and "of" apart holds no "out of"; punctuation between the
    words of a phrase does not hide it (the scanner reads words only)."""
    ruleset = one_rule('"out of" NEAR/3 @treaties')
    apart = Document(title="Out now: the fate of the Ottawa Convention", language="en")
    together = Document(title="Lithuania out, of the Ottawa Convention", language="en")
    assert ruleset._candidates(apart)[1] == []
    assert ruleset._candidates(together)[1] == [0]
    assert ruleset.match(together, NOW)


def test_a_cased_word_is_found_in_any_field_and_in_capitals() -> None:
    """A case-sensitive word's spelling is looked for in the fields as written, all three at
    once: in the summary or the content as well as the title, in capitals too; written in
    lower case only, the rule is no candidate."""
    ruleset = one_rule('"=WHO" NEAR/3 @treaties')
    for fields in (
        {"title": "WHO leaves the Ottawa Convention"},
        {"title": "Ottawa Convention", "summary": "a note", "content": "the WHO said"},
        {"title": "", "summary": "Who? WHO: the Ottawa Convention"},
    ):
        assert ruleset._candidates(Document(language="en", **fields))[1] == [0], fields
    lower = Document(title="who leaves the Ottawa Convention", summary="whoever", language="en")
    assert ruleset._candidates(lower)[1] == []
