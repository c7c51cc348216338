"""A document field prepared for matching: capped, normalised, split into words and sentences."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate

from rules._normal import UNSPACED, is_identity_aligned, is_unspaced, normalize, offset_map

__all__ = [
    "FIELD_CAPS",
    "FIELD_NAMES",
    "FieldText",
    "cap_text",
    "lead_cut",
    "lead_words",
    "question_marks",
    "split_words",
]

FIELD_NAMES = ("title", "summary", "content")
"""Matchable fields, in the order of their indices (see ``rules._context.FIELD_MASKS``)."""

FIELD_CAPS = (2_000, 10_000, 20_000)
"""How many characters of each field are examined at most (guards against huge inputs)."""

WORD_PATTERN = f"(?![\\W_])[{UNSPACED}]|[^\\W_{UNSPACED}]+"
"""A word: one character of a script written without spaces, or a run of other letters and
digits."""
_WORD = re.compile(WORD_PATTERN)
_UNSPACED_SEARCH = re.compile(f"[{UNSPACED}]")
_WORD_SPLIT = re.compile(f"({WORD_PATTERN})")
_SPACED_WORD_SPLIT = re.compile(r"([^\W_]+)")
"""``_WORD_SPLIT`` for text without characters of scripts written without spaces (the same
words, found faster)."""
_SENTENCE_PUNCTUATION = frozenset(".!?;…\n|")
_SENTENCE_MARK = re.compile("[" + re.escape("".join(sorted(_SENTENCE_PUNCTUATION))) + "]")
_HARD_STOPS = frozenset("!?;|\n")
_GREEK = re.compile("[\u0370-\u03ff]")
"""Greek letters: Greek writes its question mark as ``;`` (U+037E, ``;`` once normalised)."""


def cap_text(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text`` (no copy when it is short enough)."""
    return text if len(text) <= limit else text[:limit]


def question_marks(normal: str) -> str:
    """The marks that make a sentence of the normal form ``normal`` a question: ``?``, and
    ``;`` too in Greek text (a field holding Greek letters and a ``;``)."""
    return "?;" if ";" in normal and _GREEK.search(normal) else "?"


_LEAD_CHARS = 1_500
"""The first prefix :func:`lead_cut` tries (three news sentences fit in most)."""
_CUTS = re.compile("[ \t\n\u3000\u3001\u3002\uff0c]")
"""Where :func:`lead_cut` may cut: characters whose normal form is one character that is no
part of a word (so the words before a cut are those of the whole text)."""


def lead_cut(text: str, sentences: int, margin: int, *, start: int = _LEAD_CHARS) -> str:
    """A prefix of ``text`` that holds its first ``sentences`` sentences and at least
    ``margin`` words after them, split exactly as in the whole ``text`` (``text`` itself when
    no shorter one does).

    Normalisation maps each character on its own and a cut falls on a character that is no
    part of a word, so the words before the cut, the gaps between them and hence the sentence
    breaks between them are those of ``text``; prefixes of twice the length are tried in turn.
    Which sentences are questions can differ (Greek: see :func:`question_marks`), so the
    caller passes the marks of the whole text to :class:`FieldText`. ``start``: the length
    of the first prefix tried.
    """
    lead = lead_words(text, sentences, margin, start=start)
    return text if lead is None else lead.original


def lead_words(
    text: str, sentences: int, margin: int, *, start: int = _LEAD_CHARS
) -> FieldText | None:
    """The prefix :func:`lead_cut` cuts, with its normal form and words (a field without
    ``sentences`` nor ``questions``: the words are those of ``word_text``, which the prefilter
    then need not compute again); ``None`` when it keeps ``text`` whole."""
    size = start
    while size < len(text):
        cut = _CUTS.search(text, size)
        if cut is None:
            break
        prefix = text[: cut.start()]
        # the words from sentence number ``sentences`` on: only the first breaks are needed
        field = FieldText._words_only(2, prefix, normalize(prefix))
        count = len(field.words)
        breaks = field._breaks(stop=sentences)[0]
        if sentences > 0:
            count = count - breaks[sentences - 1] if len(breaks) >= sentences else 0
        if field.words and count >= max(margin, 1):
            return field
        size *= 2
    return None


def split_words(normal: str) -> list[tuple[str, int, int]]:
    """The words of an already normalised string as ``(word, start, end)``."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(normal)]


def _ends_sentence(gap: str, previous_word: str) -> bool | None:
    """Whether the text between two words separates two sentences (``None``: it depends).

    ``! ? ; … |`` followed by white space, and line breaks, always end a sentence; after a
    Chinese, Japanese or Korean character any of them does, white space or not (``。``
    is a full stop). A full stop followed by white space ends one unless it follows a one-letter
    word (``U.S.``); the caller
    also keeps the sentence going when the next word starts in lower case (``EE.UU. de``),
    which this function signals by returning ``None``.
    """
    if "\n" in gap:
        return True
    if not any(c in _SENTENCE_PUNCTUATION for c in gap):
        return False
    unspaced = is_unspaced(previous_word[-1])
    if not unspaced and not any(c.isspace() for c in gap):
        return False
    if unspaced or any(c in _HARD_STOPS for c in gap):
        return True
    if len(previous_word) == 1:
        return False
    return None


class FieldText:
    """One field of a document, prepared once per matching document.

    ``words``, ``starts`` and ``ends`` describe the words of the normal form; ``sentences`` gives
    the sentence number of each word. Original character offsets are computed lazily.
    """

    __slots__ = (
        "_map",
        "_prefix_map",
        "ends",
        "index",
        "normal",
        "original",
        "questions",
        "sentences",
        "starts",
        "units",
        "words",
    )

    def __init__(self, index: int, original: str, normal: str, marks: str | None = None) -> None:
        """``marks``: what ends a question (see :func:`question_marks`; default: those of
        ``normal``)."""
        self._words(index, original, normal)
        breaks, questions = self._breaks(question_marks(normal) if marks is None else marks)
        count = len(self.words)
        sentences: list[int] = []
        done = 0
        for number, start in enumerate(breaks):
            sentences.extend([number] * (start - done))
            done = start
        sentences.extend([len(breaks)] * (count - done))
        self.sentences = sentences
        self.questions = frozenset(questions)

    @classmethod
    def _words_only(cls, index: int, original: str, normal: str) -> FieldText:
        """The field's words alone (no ``sentences`` nor ``questions``): for :meth:`_breaks`."""
        field = cls.__new__(cls)
        field._words(index, original, normal)
        return field

    def _words(self, index: int, original: str, normal: str) -> None:
        self.index = index
        self.original = original
        self.normal = normal
        self._map: list[int] | None = None
        self._prefix_map: list[int] = []
        unspaced = _UNSPACED_SEARCH.search(normal) is not None
        # [gap, word, gap, word, ..., gap]: running lengths give every word's start and end
        parts = (_WORD_SPLIT if unspaced else _SPACED_WORD_SPLIT).split(normal)
        offsets = list(accumulate(map(len, parts)))
        self.words = parts[1::2]
        count = len(self.words)
        self.units: list[int] | None = None
        """Where the field holds Chinese, Japanese or Korean characters: the running length in
        half words before each word (such a character counts 1, another word 2), for NEAR."""
        if unspaced:
            self.units = [0, *accumulate(1 if is_unspaced(w[0]) else 2 for w in self.words)]
        self.starts = offsets[0 : 2 * count : 2]
        self.ends = offsets[1::2]

    def _breaks(self, marks: str = "?", stop: int | None = None) -> tuple[list[int], set[int]]:
        """The words that start a sentence, after the first, in order (the first ``stop`` of
        them, when given), and the numbers of the sentences that ``marks`` make questions."""
        normal, count = self.normal, len(self.words)
        # Only a gap holding sentence punctuation can end a sentence: visit just those gaps.
        breaks: list[int] = []  # the words that start a sentence, after the first
        questions: set[int] = set()
        position = 0
        if stop is not None and stop <= 0:
            return breaks, questions
        for mark in _SENTENCE_MARK.finditer(normal):
            gap_end = bisect_right(self.starts, mark.start(), position)
            if gap_end == position or gap_end >= count:
                continue  # a gap already seen, or before the first or after the last word
            position = gap_end
            gap = normal[self.ends[position - 1] : self.starts[position]]
            ends = _ends_sentence(gap, self.words[position - 1])
            if ends is None:
                ends = not self._starts_lower(position, early=stop is not None)
            if ends:
                if any(mark in gap for mark in marks):
                    questions.add(len(breaks))
                breaks.append(position)
                if len(breaks) == stop:
                    return breaks, questions
        if count and any(mark in normal[self.ends[-1] :] for mark in marks):
            questions.add(len(breaks))
        return breaks, questions

    @classmethod
    def prepare(cls, index: int, text: str) -> FieldText:
        """Cap and normalise ``text`` as field number ``index``."""
        original = cap_text(text, FIELD_CAPS[index])
        return cls(index, original, normalize(original))

    @property
    def name(self) -> str:
        """The field's name: ``title``, ``summary`` or ``content``."""
        return FIELD_NAMES[self.index]

    def _starts_lower(self, word: int, *, early: bool = False) -> bool:
        """Whether word number ``word`` starts with a lower-case letter in the original.
        ``early``: the word stands near the start (the map of a prefix is then enough)."""
        if early and self._map is None and not is_identity_aligned(self.original):
            start = self._early_start(self.starts[word])
        else:
            start, _ = self.original_span(word, word + 1)
        return self.original[start : start + 1].islower()

    def _early_start(self, offset: int) -> int:
        """The original offset of normal offset ``offset`` (one that starts a word), from the
        map of the shortest prefix that reaches it: normalisation maps each character on its
        own, so a prefix's map is the start of the whole text's map."""
        mapping, size = self._prefix_map, 2 * offset + 64
        while offset >= len(mapping) - 1:  # the last entry ends the prefix: no character's
            if size >= len(self.original):
                mapping = self._map = offset_map(self.original)
                break
            mapping = self._prefix_map = offset_map(self.original[:size])
            size *= 2
        return mapping[offset]

    def original_word(self, word: int) -> str:
        """Word number ``word`` as written in the original text (NFC)."""
        start, end = self.original_span(word, word + 1)
        return unicodedata.normalize("NFC", self.original[start:end])

    def original_span(self, first_word: int, end_word: int) -> tuple[int, int]:
        """Original character offsets of words ``first_word`` up to (excluding) ``end_word``."""
        mapping = self._map
        if mapping is None:
            if is_identity_aligned(self.original):  # the offsets are the same: no map needed
                start, end = self.starts[first_word], self.ends[end_word - 1]
                return start, max(end, start)
            mapping = self._map = offset_map(self.original)
        start = mapping[self.starts[first_word]]
        last = self.ends[end_word - 1] - 1
        end = mapping[last] + 1
        return start, max(end, start)
