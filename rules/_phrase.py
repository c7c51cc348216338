"""The name a generic treaty word stands in: "Convention on Nuclear Safety", "Energy Charter
Treaty", "Organisation of Turkic States", read off the capitalised words around it."""

from __future__ import annotations

from rules._match import Entity
from rules._text import FieldText

__all__ = ["phrase_entity"]

_CONNECTORS = frozenset(
    [
        "of",
        "on",
        "for",
        "the",
        "and",
        "to",
        "in",
        "between",
        "against",
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "del",
        "y",
        "e",
        "et",
        "di",
        "della",
        "dei",
        "delle",
        "sur",
        "sobre",
        "para",
        "contra",
        "uber",
        "zur",
        "zum",
        "der",
        "die",
        "das",
        "den",
        "von",
        "und",
        "i",
        "o",
        "w",
        "z",
        "ze",
        "na",
        "dla",
        "przeciwko",
        "по",
        "о",
        "об",
        "между",
        "и",
        "в",
        "на",
        "против",
        "про",
        "з",
        "та",
        "й",
        "щодо",
    ]
)
_MAX_BEFORE = 4
_MAX_AFTER = 8


def _capitalised(field: FieldText, word: int) -> bool:
    return field.original_word(word)[:1].isupper()


def phrase_entity(kind: str, field: FieldText, start: int, end: int) -> Entity:
    """An entity of ``kind`` named by the phrase around words ``start:end`` of ``field``: the
    capitalised words before it, and after it capitalised words and the small words that join
    them ("Convention *on the* Rights of the Child"), within one sentence."""
    sentences = field.sentences
    sentence = sentences[start]
    first = start
    while (
        first > 0
        and start - first < _MAX_BEFORE
        and sentences[first - 1] == sentence
        and _capitalised(field, first - 1)
    ):
        first -= 1
    last = end
    probe = end
    while probe < len(field.words) and probe - end < _MAX_AFTER and sentences[probe] == sentence:
        if _capitalised(field, probe):
            last = probe = probe + 1
        elif field.words[probe] in _CONNECTORS:
            probe += 1
        else:
            break
    begin, stop = field.original_span(first, last)
    words = field.words[first:last]
    return Entity(kind, "phrase:" + "-".join(words), field.original[begin:stop])
