"""Everything known about one document while its candidate rules are evaluated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rules._document import Document
from rules._lexicon import Found
from rules._text import FieldText

__all__ = [
    "ALL_FIELDS",
    "FIELD_MASKS",
    "LEAD_SENTENCES",
    "DocContext",
    "Occurrence",
    "Result",
    "Scope",
    "SentenceKey",
    "allowed",
]

ALL_FIELDS = 0b1111
"""Field bit mask: title = 1, summary = 2, content = 4, and lead = 8: the first
:data:`LEAD_SENTENCES` sentences of the content (content always includes its lead)."""

FIELD_MASKS = {"title": 0b0001, "summary": 0b0010, "content": 0b1100, "lead": 0b1000}
"""The mask of each field name usable as a query scope."""

LEAD_SENTENCES = 3
"""How many sentences of the content make up its lead (``lead:``)."""

Occurrence = tuple[int, int, int, int]
"""A matched term: ``(field index, first word, end word, label id)``."""

Result = list[Occurrence] | None
"""``None`` when a node does not match; otherwise the occurrences that made it match (a match
without positions, like a filter or ``NOT``, is an empty list)."""

SentenceKey = tuple[int, int]
"""``(field index, sentence number)``."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a node may look: a field mask, optionally one sentence, minus masked sentences."""

    fields: int = ALL_FIELDS
    sentence: SentenceKey | None = None
    mask: frozenset[SentenceKey] = frozenset()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class DocContext:
    """A prepared document: its fields, the patterns found in them and the facts filters need."""

    __slots__ = (
        "_by_sentence",
        "_term_language",
        "_term_language_known",
        "age_seconds",
        "fields",
        "found",
        "language",
        "memo",
        "present",
        "source",
        "tags",
    )

    def __init__(
        self, document: Document, now: datetime, fields: tuple[FieldText, ...], found: Found
    ) -> None:
        self.fields = fields
        self.found = found
        self.memo: dict[tuple[int, Scope], Result] = {}
        """Results of term nodes per scope (shared lists: never mutate a result)."""
        self.present: dict[int, list[int]] = {}
        """The patterns each term node (by ``id``) finds in the document, in any scope."""
        self._by_sentence: dict[int, dict[SentenceKey, list[tuple[int, int, int]]]] = {}
        language = document.language
        self.language = language.split("-")[0].split("_")[0].lower() if language else None
        self._term_language: str | None = None
        self._term_language_known = False
        self.source = document.source.casefold()
        self.tags = frozenset(tag.casefold() for tag in document.source_tags)
        self.age_seconds: float | None = None
        if document.published is not None:
            try:
                self.age_seconds = (_aware(now) - _aware(document.published)).total_seconds()
            except OverflowError:  # dates at the very ends of the calendar: treat as unknown
                self.age_seconds = None

    @property
    def term_language(self) -> str | None:
        """The language whose terms a language-scoped vocabulary applies here: the item's
        language when its text bears it out, else ``None`` (every term applies). A feed that
        says every item is English whatever it holds (a content system's default) would
        otherwise keep the hedges and denials of the item's real language away from it, so a
        declared language is not trusted when the title and summary are mostly written in
        another script than the language's, nor, for English, when eight or more of their
        words hold none of English's commonest ones."""
        if not self._term_language_known:
            self._term_language = _borne_out(self.language, self.fields[:2])
            self._term_language_known = True
        return self._term_language

    def in_sentence(self, pattern: int, key: SentenceKey) -> list[tuple[int, int, int]]:
        """The occurrences of a found pattern that start in sentence ``key``."""
        index = self._by_sentence.get(pattern)
        if index is None:
            index = {}
            for occurrence in self.found[pattern]:
                field, start, _ = occurrence
                index.setdefault((field, self.fields[field].sentences[start]), []).append(
                    occurrence
                )
            self._by_sentence[pattern] = index
        return index.get(key, [])

    def sentence_of(self, field: int, word: int) -> int:
        """The sentence number of word ``word`` in field ``field``."""
        return self.fields[field].sentences[word]


_NON_LATIN = frozenset((
    "ru", "uk", "be", "bg", "mk", "el", "ar", "fa", "ur", "ps", "he", "yi", "hi", "mr", "ne",
    "bn", "pa", "gu", "ta", "te", "kn", "ml", "si", "th", "lo", "km", "my", "ka", "hy", "am",
    "zh", "ja", "ko", "mn", "kk", "ky", "tg", "dv",
))  # fmt: skip
"""Languages written (in the news) in a script other than the Latin alphabet; Serbian, written
in both, is in neither list."""

_ENGLISH = frozenset((
    "the", "of", "and", "to", "in", "a", "is", "for", "on", "with", "from", "by", "its", "as",
    "at", "that", "are", "was", "has", "be", "it", "will",
))  # fmt: skip
"""English's commonest words: an item said to be English holds some of them."""


def _borne_out(language: str | None, fields: tuple[FieldText, ...]) -> str | None:
    """``language``, or ``None`` when the text of ``fields`` contradicts it (see
    :attr:`DocContext.term_language`)."""
    if language is None or language == "sr":
        return language
    latin = other = 0
    for field in fields:
        for char in field.original:
            if char.isalpha():
                if char < "\u0250" or "\u1e00" <= char < "\u1f00":
                    latin += 1
                else:
                    other += 1
    if latin + other >= 12:
        written_latin = latin > 2 * other
        if language in _NON_LATIN and written_latin:
            return None
        if language not in _NON_LATIN and other > 2 * latin:
            return None
    if language == "en":
        words = [word for field in fields for word in field.words]
        if len(words) >= 8 and _ENGLISH.isdisjoint(words):
            return None
    return language


def allowed(fields: int, field: int, sentence: int) -> bool:
    """Whether a position in field ``field``, sentence ``sentence``, is inside mask ``fields``."""
    if (fields >> field) & 1:
        return True
    return field == 2 and bool(fields & FIELD_MASKS["lead"]) and sentence < LEAD_SENTENCES
