"""Vocabularies: named term lists (``@treaties``, ``@states`` ...) that queries reference.

An entry has a stable, language-independent id, an English label and terms per language;
a vocabulary may also hold plain terms that belong to no entry. Entity vocabularies (``entity:
true``) report every entry found in a matching document as an :class:`~rules.Entity`; with
``entity_scope: evidence`` only those in the sentences that made the rule match, which for states
means the ones that act rather than every state the text mentions.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules._syntax import Word

__all__ = [
    "ENTITY_SCOPES",
    "LANGUAGE_GROUPS",
    "Vocabulary",
    "VocabularyEntry",
    "VocabularyTerm",
    "language_reach",
]

ENTITY_SCOPES = ("document", "evidence")
"""Where entries of an entity vocabulary are looked for (see ``Vocabulary.entity_scope``)."""

LANGUAGE_GROUPS = (
    ("sr", "hr", "bs", "sh", "cnr"),
    ("no", "nb", "nn", "da", "sv"),
    ("id", "ms"),
    ("cs", "sk"),
    ("ru", "uk", "be"),
)
"""Languages close enough that a term of a language-scoped vocabulary written for one applies
to items in the others (Serbian and Croatian, the Scandinavian languages, Indonesian and Malay,
Czech and Slovak, the East Slavic languages)."""

_REACH = {code: frozenset(group) for group in LANGUAGE_GROUPS for code in group}


def language_reach(code: str) -> frozenset[str]:
    """The item languages a term written for language ``code`` applies to in a
    language-scoped vocabulary."""
    return _REACH.get(code, frozenset((code,)))


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
    """A named thing: ``id`` (``ottawa``), ``label`` (``Ottawa Convention``) and its terms.

    ``generic``: the entry names a kind of thing, not one thing ("status-of-forces
    agreements", "bilateral investment treaties"): two reports naming it may be about two
    different ones."""

    id: str
    label: str
    terms: tuple[VocabularyTerm, ...]
    generic: bool = False


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A vocabulary: entries plus optional entry-less ``terms``."""

    name: str
    description: str
    entity: bool
    entries: tuple[VocabularyEntry, ...]
    terms: tuple[VocabularyTerm, ...] = ()
    entity_scope: str = "document"
    """``document``: report an entry found anywhere; ``evidence``: only entries in the sentences
    that hold the match's evidence (else in the title, else anywhere)."""
    entity_not_after: str | None = None
    """A vocabulary whose terms, right before an occurrence, keep it from being reported
    ("the threat from Russia", "its agreement with France")."""
    not_before: str | None = None
    """A vocabulary whose terms, right after a term of this one, make that occurrence no
    occurrence at all: a name used as an attribute ("EU countries", "UN peacekeepers")."""
    not_inside: tuple[str, ...] = ()
    """Vocabularies whose longer terms, around a term of this one, make that occurrence no
    occurrence at all: a word inside a name ("exporting" in "Organization of the Petroleum
    Exporting Countries", "Fonds" in "Internationaler Währungsfonds")."""
    entity_phrase: str | None = None
    """For a vocabulary of generic words (treaty, convention, organisation): the entity kind a
    match reports, as the phrase around the word ("Convention on Nuclear Safety"), when it
    found no entry of that kind."""
    entity_not_before: str | None = None
    """A vocabulary whose terms, right after an occurrence, keep it from being reported
    ("Russia's aggression", "Rusijos grėsmė")."""
    language_scoped: bool = False
    """Whether a term applies only to items in its own language (or a close one, see
    :data:`LANGUAGE_GROUPS`) and to items whose language is unknown; otherwise every
    term applies to every item. For the words of near misses (hedges, denials): a short word of
    one language is often another word of another ("må", must, is Hungarian "ma", today;
    Arabic "نفت", denied, is Persian "نفت", oil)."""

    def entry(self, entry_id: str) -> VocabularyEntry | None:
        """The entry with id ``entry_id``, if any."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        return None
