"""A document field prepared for matching: capped, normalised, split into words and sentences."""

from __future__ import annotations

import re
import unicodedata

from rules._normal import normalize, offset_map

__all__ = ["FIELD_CAPS", "FIELD_NAMES", "FieldText", "cap_text", "split_words"]

FIELD_NAMES = ("title", "summary", "content")
"""Matchable fields, in the order of their indices (see ``rules._context.FIELD_MASKS``)."""

FIELD_CAPS = (2_000, 10_000, 20_000)
"""How many characters of each field are examined at most (guards against huge inputs)."""

_WORD = re.compile(r"[^\W_]+")
_SENTENCE_PUNCTUATION = frozenset(".!?;…\n|")
_HARD_STOPS = frozenset("!?;|\n")


def cap_text(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text`` (no copy when it is short enough)."""
    return text if len(text) <= limit else text[:limit]


def split_words(normal: str) -> list[tuple[str, int, int]]:
    """The words of an already normalised string as ``(word, start, end)``."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(normal)]


def _ends_sentence(gap: str, previous_word: str) -> bool | None:
    """Whether the text between two words separates two sentences (``None``: it depends).

    ``! ? ; … |`` followed by white space, and line breaks, always end a sentence. A full stop
    followed by white space ends one unless it follows a one-letter word (``U.S.``); the caller
    also keeps the sentence going when the next word starts in lower case (``EE.UU. de``),
    which this function signals by returning ``None``.
    """
    if "\n" in gap:
        return True
    if not any(c in _SENTENCE_PUNCTUATION for c in gap):
        return False
    if not any(c.isspace() for c in gap):
        return False
    if any(c in _HARD_STOPS for c in gap):
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
        "ends",
        "index",
        "normal",
        "original",
        "questions",
        "sentences",
        "starts",
        "words",
    )

    def __init__(self, index: int, original: str, normal: str) -> None:
        self.index = index
        self.original = original
        self.normal = normal
        found = split_words(normal)
        self.words = [w for w, _, _ in found]
        self.starts = [s for _, s, _ in found]
        self.ends = [e for _, _, e in found]
        sentences: list[int] = []
        current = 0
        self._map: list[int] | None = None
        for position in range(len(found)):
            if position:
                ends = _ends_sentence(
                    normal[self.ends[position - 1] : self.starts[position]],
                    self.words[position - 1],
                )
                if ends is None:
                    ends = not self._starts_lower(position)
                if ends:
                    current += 1
            sentences.append(current)
        self.sentences = sentences
        self.questions = frozenset(
            sentences[position - 1]
            for position in range(1, len(found) + 1)
            if (position == len(found) or sentences[position] != sentences[position - 1])
            and "?"
            in normal[
                self.ends[position - 1] : self.starts[position] if position < len(found) else None
            ]
        )

    @classmethod
    def prepare(cls, index: int, text: str) -> FieldText:
        """Cap and normalise ``text`` as field number ``index``."""
        original = cap_text(text, FIELD_CAPS[index])
        return cls(index, original, normalize(original))

    @property
    def name(self) -> str:
        """The field's name: ``title``, ``summary`` or ``content``."""
        return FIELD_NAMES[self.index]

    def _starts_lower(self, word: int) -> bool:
        start, _ = self.original_span(word, word + 1)
        return self.original[start : start + 1].islower()

    def original_word(self, word: int) -> str:
        """Word number ``word`` as written in the original text (NFC)."""
        start, end = self.original_span(word, word + 1)
        return unicodedata.normalize("NFC", self.original[start:end])

    def original_span(self, first_word: int, end_word: int) -> tuple[int, int]:
        """Original character offsets of words ``first_word`` up to (excluding) ``end_word``."""
        if self._map is None:
            self._map = offset_map(self.original)
        mapping = self._map
        start = mapping[self.starts[first_word]]
        last = self.ends[end_word - 1] - 1
        end = mapping[last] + 1
        return start, max(end, start)
