"""A field prepared for matching: words, sentences and offsets, against their definitions.

``FieldText`` and ``offset_map`` take shortcuts (they look only at the gaps that hold sentence
punctuation, and copy runs of one-to-one characters); these tests hold them to the plain,
word-by-word and character-by-character definitions."""

from __future__ import annotations

from bisect import bisect_left

from hypothesis import given, settings
from hypothesis import strategies as st

from rules._normal import _TABLE, is_unspaced, normalize, offset_map
from rules._text import _CUTS, FieldText, _ends_sentence, lead_cut

PIECES = [
    "a", "B", "é", "É", "ß", "ﬁ", "1", "_", "-", "'", " ", "  ", ". ", ".", "? ", "?", "! ", ";",
    "…", "\n", "|", "U.", "S. ", "EE.UU. de", " x", "\u200b", "\u0301", "İ", "Ａ", "Ё", "\u2028",
    "美国", "退出", "。", "！", "탈퇴를 ", "؟ ", "।", "हिंदी",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=30).map("".join)


def _by_word(field: FieldText) -> tuple[list[int], frozenset[int]]:
    """Sentence numbers and question sentences, deciding every gap between two words."""
    normal, words = field.normal, field.words
    mapping = offset_map(field.original)
    sentences: list[int] = []
    current = 0
    for position in range(len(words)):
        if position:
            gap = normal[field.ends[position - 1] : field.starts[position]]
            ends = _ends_sentence(gap, words[position - 1])
            if ends is None:
                start = mapping[field.starts[position]]
                ends = not field.original[start : start + 1].islower()
            if ends:
                current += 1
        sentences.append(current)
    questions = set()
    greek = any("\u0370" <= char <= "\u03ff" for char in normal)  # Greek asks with ';'
    marks = "?;" if greek else "?"
    for position in range(1, len(words) + 1):
        last = position == len(words)
        if last or sentences[position] != sentences[position - 1]:
            gap = normal[field.ends[position - 1] : None if last else field.starts[position]]
            if any(mark in gap for mark in marks):
                questions.add(sentences[position - 1])
    return sentences, frozenset(questions)


def _words_by_definition(normal: str) -> list[tuple[int, int]]:
    """Spans of words: a Chinese, Japanese or Korean character alone, or a run of other
    letters and digits (the underscore is no letter)."""
    spans: list[tuple[int, int]] = []
    start = None
    for index, char in enumerate(normal):
        letter = char.isalnum() and char != "_"
        if start is not None and (not letter or is_unspaced(char)):
            spans.append((start, index))
            start = None
        if letter and is_unspaced(char):
            spans.append((index, index + 1))
        elif letter and start is None:
            start = index
    if start is not None:
        spans.append((start, len(normal)))
    return spans


@settings(max_examples=500)
@given(texts)
def test_words_and_sentences_follow_their_definitions(text: str) -> None:
    field = FieldText.prepare(1, text)
    found = _words_by_definition(field.normal)
    assert field.words == [field.normal[start:end] for start, end in found]
    assert field.starts == [start for start, _ in found]
    assert field.ends == [end for _, end in found]
    assert (field.sentences, field.questions) == _by_word(field)
    mapping = offset_map(field.original)
    for position in range(len(found)):
        start, end = mapping[field.starts[position]], mapping[field.ends[position] - 1] + 1
        assert field.original_span(position, position + 1) == (start, max(start, end))


@given(texts)
def test_offset_map_follows_its_definition(text: str) -> None:
    expected = [index for index, char in enumerate(text) for _ in _TABLE[ord(char)]]
    assert offset_map(text) == [*expected, len(text)]
    assert len(offset_map(text)) == len(normalize(text)) + 1


@settings(max_examples=500)
@given(texts, st.randoms(use_true_random=False))
def test_a_prefix_map_gives_each_word_start_as_the_whole_map(text: str, order: object) -> None:
    # lead_cut looks only at a field's first sentences: the map of a prefix, grown as the words
    # asked for lie further (in any order), gives what the whole text's map gives
    field = FieldText._words_only(2, text, normalize(text))
    mapping = offset_map(text)
    positions = list(range(len(field.words)))
    order.shuffle(positions)  # type: ignore[attr-defined]
    for position in positions:
        assert field._early_start(field.starts[position]) == mapping[field.starts[position]]


def _lead_by_definition(text: str, sentences: int, margin: int, start: int) -> str:
    """``lead_cut`` as first written: every prefix's sentence numbers, whole."""
    size = start
    while size < len(text):
        cut = _CUTS.search(text, size)
        if cut is None:
            break
        prefix = text[: cut.start()]
        numbers = FieldText(2, prefix, normalize(prefix)).sentences
        if numbers and len(numbers) - bisect_left(numbers, sentences) >= max(margin, 1):
            return prefix
        size *= 2
    return text


_prose = st.lists(
    st.sampled_from([*PIECES, "Word", "word ", "x y z ", "end. Next ", "end. next ", "É. é"]),
    max_size=80,
).map("".join)


@settings(max_examples=500)
@given(_prose, st.integers(0, 4), st.integers(0, 6), st.integers(1, 40))
def test_a_lead_cut_stops_where_its_definition_does(
    text: str, sentences: int, margin: int, start: int
) -> None:
    # it stops reading a prefix at its sentences-th break
    expected = _lead_by_definition(text, sentences, margin, start)
    assert lead_cut(text, sentences, margin, start=start) == expected
