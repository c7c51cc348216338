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
        self.source = document.source.casefold()
        self.tags = frozenset(tag.casefold() for tag in document.source_tags)
        self.age_seconds: float | None = None
        if document.published is not None:
            try:
                self.age_seconds = (_aware(now) - _aware(document.published)).total_seconds()
            except OverflowError:  # dates at the very ends of the calendar: treat as unknown
                self.age_seconds = None

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


def allowed(fields: int, field: int, sentence: int) -> bool:
    """Whether a position in field ``field``, sentence ``sentence``, is inside mask ``fields``."""
    if (fields >> field) & 1:
        return True
    return field == 2 and bool(fields & FIELD_MASKS["lead"]) and sentence < LEAD_SENTENCES
