"""Vocabularies: named term lists (``@treaties``, ``@states`` ...) that queries reference.

An entry has a stable, language-independent id, an English label and terms per language;
a vocabulary may also hold plain terms that belong to no entry. Entity vocabularies (``entity:
true``) report every entry found in a matching document as an :class:`~rules.Entity`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules._syntax import Word

__all__ = ["Vocabulary", "VocabularyEntry", "VocabularyTerm"]


@dataclass(frozen=True, slots=True)
class VocabularyTerm:
    """One term as written (``source``), its language code (``any`` for all) and its words.

    ``parts`` holds more than one phrase for a gapped term (``tritt ... aus``); ``words`` is
    then the first part.
    """

    language: str
    source: str
    parts: tuple[tuple[Word, ...], ...]

    @property
    def words(self) -> tuple[Word, ...]:
        """The (first) phrase of the term."""
        return self.parts[0]

    @property
    def gapped(self) -> bool:
        """Whether the term has several parts separated by gaps."""
        return len(self.parts) > 1


@dataclass(frozen=True, slots=True)
class VocabularyEntry:
    """A named thing: ``id`` (``ottawa``), ``label`` (``Ottawa Convention``) and its terms."""

    id: str
    label: str
    terms: tuple[VocabularyTerm, ...]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A vocabulary: entries plus optional entry-less ``terms``."""

    name: str
    description: str
    entity: bool
    entries: tuple[VocabularyEntry, ...]
    terms: tuple[VocabularyTerm, ...] = ()

    def entry(self, entry_id: str) -> VocabularyEntry | None:
        """The entry with id ``entry_id``, if any."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        return None
