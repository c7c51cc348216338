"""A document field prepared for matching: capped, normalised, split into words and sentences."""

from __future__ import annotations

import re

from rules._normal import normalize, offset_map

__all__ = ["FIELD_CAPS", "FIELD_NAMES", "FieldText", "cap_text", "split_words"]

FIELD_NAMES = ("title", "summary", "content")
"""Matchable fields, in the order used for field indices and bit masks (1, 2, 4)."""

FIELD_CAPS = (2_000, 10_000, 20_000)
"""How many characters of each field are examined at most (guards against huge inputs)."""

_WORD = re.compile(r"[^\W_]+")
_SENTENCE_PUNCTUATION = frozenset(".!?;…\n|")


def cap_text(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text`` (no copy when it is short enough)."""
    return text if len(text) <= limit else text[:limit]


def split_words(normal: str) -> list[tuple[str, int, int]]:
    """The words of an already normalised string as ``(word, start, end)``."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(normal)]


def _ends_sentence(gap: str, previous_word: str) -> bool:
    """Whether the text between two words separates two sentences.

    A sentence ends at ``. ! ? ; … |`` or a line break followed by white space; a full stop after
    a one-letter word (``U.S. troops``) is an abbreviation, not an end.
    """
    if "\n" in gap:
        return True
    if not any(c in _SENTENCE_PUNCTUATION for c in gap):
        return False
    if not any(c.isspace() for c in gap):
        return False
    return not (len(previous_word) == 1 and gap.strip() == ".")


class FieldText:
    """One field of a document, prepared once per matching document.

    ``words``, ``starts`` and ``ends`` describe the words of the normal form; ``sentences`` gives
    the sentence number of each word. Original character offsets are computed lazily.
    """

    __slots__ = ("_map", "ends", "index", "normal", "original", "sentences", "starts", "words")

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
        for position in range(len(found)):
            if position and _ends_sentence(
                normal[self.ends[position - 1] : self.starts[position]], self.words[position - 1]
            ):
                current += 1
            sentences.append(current)
        self.sentences = sentences
        self._map: list[int] | None = None

    @classmethod
    def prepare(cls, index: int, text: str) -> FieldText:
        """Cap and normalise ``text`` as field number ``index``."""
        original = cap_text(text, FIELD_CAPS[index])
        return cls(index, original, normalize(original))

    @property
    def name(self) -> str:
        """The field's name: ``title``, ``summary`` or ``content``."""
        return FIELD_NAMES[self.index]

    def original_span(self, first_word: int, end_word: int) -> tuple[int, int]:
        """Original character offsets of words ``first_word`` up to (excluding) ``end_word``."""
        if self._map is None:
            self._map = offset_map(self.original)
        mapping = self._map
        start = mapping[self.starts[first_word]]
        last = self.ends[end_word - 1] - 1
        end = mapping[last] + 1
        return start, max(end, start)
