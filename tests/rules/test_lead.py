"""Rule sets that read no content past its lead settle most items on the lead alone.

The built-in pack's rules read the title, the summary and ``lead:``; a long article's body is
then neither normalised nor scanned. These tests hold that shortcut to the whole reading: the
same matches and entities, whatever stands past the lead, and the whole reading for rule sets
that do read the content.
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import Document, RuleSet, load_ruleset
from rules._normal import normalize, word_text
from rules._text import FieldText, lead_cut, lead_words, question_marks
from tests.rules._support import NOW, one_rule
from tests.rules.conftest import builtin_pack_files
from tests.rules.test_prefilter import CORE, FILLER, PHRASES
from tests.rules.test_text import PIECES

PACK = load_ruleset(builtin_pack_files())


def _whole(ruleset: RuleSet) -> RuleSet:
    """The same rule set, always reading whole documents (the reading before the shortcut)."""
    whole = copy.copy(ruleset)
    whole._lead_margin = 0
    return whole


WHOLE = _whole(PACK)


def test_the_pack_reads_no_content_past_the_lead() -> None:
    assert PACK._lead_margin > 0


def test_rules_that_read_the_content_keep_the_whole_reading() -> None:
    for query in (
        "quit*",  # no field: every field
        "content:quit*",
        "title:quit* AND NOT content:@states",
        "title:quit* AND is:question",  # any sentence of any field
        "title|summary|lead:SENTENCE(quit*, (treaty AND is:question))",  # positional operand
    ):
        assert one_rule(query)._lead_margin == 0, query
    for query in (
        "title|lead:quit*",
        "lead:SENTENCE(quit*, is:question)",
        "title|summary|lead:(quit* NEAR/3 @treaties) AND NOT title:@states",
    ):
        assert one_rule(query)._lead_margin > 0, query


_PADDING = " ".join(["Officials said the figures would be published on Monday."] * 30)
_SENTENCES = st.lists(
    st.one_of(st.sampled_from(PHRASES), st.sampled_from(CORE), st.sampled_from(FILLER)),
    min_size=1,
    max_size=8,
).map(" ".join)
_ENDS = st.sampled_from([". ", "? ", "! ", "; ", "\n", " "])


@st.composite
def _contents(draw: st.DrawFn) -> str:
    """Sentences of the pack's phrases, then padding (past the first cut), then more."""
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        parts.append(draw(_SENTENCES) + draw(_ENDS))
    head = "".join(parts)
    tail = "".join(draw(_SENTENCES) + draw(_ENDS) for _ in range(draw(st.integers(0, 4))))
    return head + _PADDING + " " + tail if draw(st.booleans()) else head + tail + _PADDING


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_SENTENCES, summary=_SENTENCES | st.just(""), content=_contents())
def test_the_lead_settles_items_as_the_whole_document_would(
    title: str, summary: str, content: str
) -> None:
    doc = Document(title=title, summary=summary, content=content, language="en")
    assert PACK.match(doc, NOW) == WHOLE.match(doc, NOW)


def test_a_match_reports_entities_from_past_the_lead() -> None:
    """The lead decides that a rule matches; the match is reported from the whole content,
    where an entity it names may stand only far past the lead."""
    ruleset = one_rule("lead:SENTENCE(withdr* NEAR/3 @treaties)")
    assert ruleset._lead_margin > 0
    content = (
        "The government will withdraw from the Ottawa Convention. Two. Three. "
        + _PADDING
        + " Lithuania said so."
    )
    doc = Document(title="News", content=content)
    [match] = ruleset.match(doc, NOW)
    assert [entity.label for entity in match.entities] == ["Ottawa Convention", "Lithuania"]
    assert ruleset.match(doc, NOW) == _whole(ruleset).match(doc, NOW)
    far = Document(title="News", content="One. Two. Three. " + _PADDING + content)
    assert ruleset.match(far, NOW) == []


def test_greek_questions_are_those_of_the_whole_content() -> None:
    """Greek asks with ';' only in a text holding Greek letters: one far past the lead makes
    a lead sentence ending in ';' a question."""
    ruleset = one_rule("lead:SENTENCE(withdr* NEAR/3 @treaties, is:question)")
    lead = "Will they withdraw from the Ottawa Convention; Two. Three. "
    for tail, expected in (("", 0), (" Η Ελλάδα.", 1)):
        doc = Document(title="News", content=lead + _PADDING + tail)
        assert len(ruleset.match(doc, NOW)) == expected
        assert ruleset.match(doc, NOW) == _whole(ruleset).match(doc, NOW)


def test_a_phrase_from_the_lead_into_the_next_sentence_is_found() -> None:
    """A phrase starting in the lead's last sentence counts as in the lead, wherever it ends:
    here "mine ban treaty" runs into the fourth sentence, and the first cut tried (at the
    first space from 1,500 characters on) falls right after its second word."""
    ruleset = one_rule("lead:SENTENCE(withdr* NEAR/3 @treaties)")
    lead = " Two. They withdraw from the mine. Ban"
    first = "Officials met " + "x" * (1_500 - len(lead) - len("Officials met .")) + "."
    content = first + lead + " treaty talks resume. " + _PADDING
    assert content.index(" treaty talks") == 1_500
    doc = Document(title="News", content=content)
    assert len(ruleset.match(doc, NOW)) == 1
    assert ruleset.match(doc, NOW) == _whole(ruleset).match(doc, NOW)


_TEXTS = st.lists(st.sampled_from([*PIECES, "x y z", "Word", "end. Next"]), max_size=60).map(
    "".join
)


@settings(max_examples=500)
@given(text=_TEXTS, margin=st.integers(0, 6), start=st.integers(1, 40))
def test_a_lead_cut_splits_its_words_and_sentences_as_the_whole_text(
    text: str, margin: int, start: int
) -> None:
    lead = lead_cut(text, 3, margin, start=start)
    assert text.startswith(lead)
    if lead == text:
        return
    whole = FieldText(2, text, normalize(text))
    marks = question_marks(whole.normal)
    cut = FieldText(2, lead, normalize(lead), marks)
    count = len(cut.words)
    assert cut.words == whole.words[:count]
    assert cut.sentences == whole.sentences[:count]
    assert sum(1 for s in cut.sentences if s >= 3) >= max(margin, 1)
    assert {s for s in cut.questions if s < 3} == {s for s in whole.questions if s < 3}


@settings(max_examples=300)
@given(text=_TEXTS, margin=st.integers(0, 6), start=st.integers(1, 40))
def test_the_lead_s_words_are_those_the_prefilter_reads(text: str, margin: int, start: int) -> None:
    """``lead_words`` (which spares the prefilter splitting a lead again) cuts where
    ``lead_cut`` does, with the words of ``word_text`` and the normal form of the lead."""
    lead = lead_cut(text, 3, margin, start=start)
    cut = lead_words(text, 3, margin, start=start)
    if cut is None:
        assert lead is text
        return
    assert cut.original == lead != text
    assert cut.normal == normalize(lead)
    assert cut.words == word_text(lead).split()


def test_the_prefilter_reads_a_lead_s_words_as_it_would_the_whole_fields() -> None:
    """The prefilter's text of a title, a summary and a lead split beforehand is the one it
    reads from the three fields (one space between words, around them too)."""
    from rules._ruleset import _word_text

    title, summary = "Poland: exit (again)!", ""
    lead = "Warsaw — said; the 1997 treaty.  Then "
    for first, second in ((title, summary), ("", ""), ("", "ä ß 退出"), (title, "Zürich's")):
        expected = f" {' '.join(word_text(f'{first} {second} {lead}').split())} "
        assert _word_text((first, second, lead), word_text(lead).split()) == expected
        assert _word_text((first, second, lead)) == expected
