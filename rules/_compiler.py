"""Turn syntax trees into evaluators, resolving vocabularies and interning every pattern."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TypeVar

from rules._context import ALL_FIELDS, FIELD_MASKS
from rules._evaluator import (
    AllOf,
    AnyOf,
    DocFilter,
    Evaluator,
    GappedTerms,
    NoneOf,
    Proximity,
    SameSentence,
    TermSet,
    YearTerms,
)
from rules._lexicon import Lexicon
from rules._syntax import And, Filter, Near, Node, Not, Or, Scoped, Sentence, Term, VocabRef, Word
from rules._terms import GAP_WORDS
from rules._vocabulary import Vocabulary, VocabularyEntry, language_reach
from rules.errors import RuleError

__all__ = ["YEAR_MARK", "Compiler", "EntityRef"]

YEAR_MARK = "\x00year"
"""Starts the text of the pattern a ``year:>=N`` filter records its years under: no document
word can equal it, so only :meth:`RuleSet.match` adds such occurrences."""

_Gapped = tuple[tuple[tuple[Word, ...], ...], int]
"""A gapped vocabulary term: its parts and its label id."""

EntityRef = tuple[int, int]
"""``(vocabulary index, entry index)`` of an entity vocabulary entry."""

_T = TypeVar("_T", bound=tuple[object, ...])


class Compiler:
    """Compiles the queries of one rule set against its vocabularies.

    All patterns go into one :class:`Lexicon`; ``labels`` holds the display name of every term
    (``withdr*``, ``@treaties:ottawa``) referred to by label id.
    """

    def __init__(self, vocabularies: Mapping[str, Vocabulary]) -> None:
        self.vocabularies = dict(vocabularies)
        self.lexicon = Lexicon()
        self.labels: list[str] = []
        self._label_ids: dict[str, int] = {}
        self.year_patterns: dict[int, int] = {}
        """``year:>=N`` filters: N to the pattern id under which such years are recorded."""
        self._sets: dict[
            tuple[str, str | None], tuple[dict[int, tuple[int, ...]], list[_Gapped]]
        ] = {}
        self._tuples: dict[tuple[object, ...], tuple[object, ...]] = {}
        self._language_sets: dict[frozenset[str], frozenset[str]] = {}
        self._reaches: dict[tuple[str, str | None], dict[int, frozenset[str]]] = {}
        self._evaluators: dict[tuple[str, str | None, int], Evaluator] = {}
        """Equal label and entity tuples, shared: tens of thousands of patterns map to the
        same few, and the compiled set is smaller in memory and on disk."""

    def _share(self, value: _T) -> _T:
        return self._tuples.setdefault(value, value)  # type: ignore[return-value]

    def label(self, text: str) -> int:
        """The id of display label ``text``."""
        known = self._label_ids.get(text)
        if known is None:
            known = self._label_ids[text] = len(self.labels)
            self.labels.append(text)
        return known

    def compile(self, node: Node, fields: int = ALL_FIELDS) -> Evaluator:
        """Compile ``node``; raises :class:`RuleError` with the query ``offset`` of a problem."""
        if isinstance(node, Term):
            labels = {self.lexicon.intern(node.words): self._share((self.label(node.source),))}
            return TermSet(labels, fields)
        if isinstance(node, VocabRef):
            return self._vocabulary(node, fields)
        if isinstance(node, Filter) and node.kind == "year":
            pattern = self.year_patterns.setdefault(
                node.seconds, self.lexicon.intern((Word(f"{YEAR_MARK}{node.seconds}"),))
            )
            return YearTerms({pattern: (self.label(f"year:>={node.seconds}"),)}, fields)
        if isinstance(node, Filter):
            return DocFilter(node.kind, node.value, node.seconds, node.comparison)
        if isinstance(node, Not):
            child = self.compile(node.child, fields)
            return child.negate() if isinstance(child, DocFilter) else NoneOf(child)
        if isinstance(node, And):
            return AllOf(tuple(self.compile(c, fields) for c in node.children))
        if isinstance(node, Or):
            return AnyOf(tuple(self.compile(c, fields) for c in node.children))
        if isinstance(node, Scoped):
            mask = 0
            for name in node.field.split("|"):
                mask |= FIELD_MASKS[name]
            return self.compile(node.child, fields & mask)
        if isinstance(node, Near):
            left = self.compile(node.left, fields)
            right = self.compile(node.right, fields)
            for side, evaluator in ((node.left, left), (node.right, right)):
                if not evaluator.positional:
                    raise RuleError(
                        f"{'ONEAR' if node.ordered else 'NEAR'} operands must always match words",
                        offset=side.offset,
                        hint="an operand made only of NOT or filters has no position",
                    )
            return Proximity(left, right, node.distance, node.ordered)
        if isinstance(node, Sentence):
            children = tuple(self.compile(c, fields) for c in node.children)
            if not any(child.positional for child in children):
                raise RuleError(
                    "SENTENCE needs at least one operand that matches words",
                    offset=node.offset,
                    hint="add a term, e.g. SENTENCE(withdr*, NOT rejoin*)",
                )
            return SameSentence(children)
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover

    def _vocabulary(self, ref: VocabRef, fields: int) -> Evaluator:
        """The evaluator of ``@name`` or ``@name:entry`` in ``fields``: one object however many
        rules refer to it, so that its tens of thousands of terms are held once and an item's
        answer for it, memoised by node, serves every rule."""
        key = (ref.name, ref.entry, fields)
        known = self._evaluators.get(key)
        if known is None:
            known = self._evaluators[key] = self._vocabulary_node(ref, fields)
        return known

    def _vocabulary_node(self, ref: VocabRef, fields: int) -> Evaluator:
        labels, gapped = self._vocabulary_set(ref)
        languages = self._languages(ref, labels)
        options: list[Evaluator] = [TermSet(labels, fields, languages)] if labels else []
        if gapped:
            intern = self.lexicon.intern
            terms = tuple(
                self._share((self._share(tuple(intern(part) for part in parts)), label))
                for parts, label in gapped
            )
            options.append(GappedTerms(terms, fields, GAP_WORDS))
        if len(options) == 1:
            return options[0]
        return AnyOf(tuple(options))

    def _vocabulary_set(self, ref: VocabRef) -> tuple[dict[int, tuple[int, ...]], list[_Gapped]]:
        key = (ref.name, ref.entry)
        cached = self._sets.get(key)
        if cached is not None:
            return cached
        vocabulary = self.vocabularies.get(ref.name)
        if vocabulary is None:
            close = difflib.get_close_matches(ref.name, list(self.vocabularies), n=1)
            raise RuleError(
                f"unknown vocabulary '@{ref.name}'",
                offset=ref.offset,
                hint=f"did you mean '@{close[0]}'?" if close else _known(self.vocabularies),
            )
        labels: dict[int, tuple[int, ...]] = {}
        gapped: list[_Gapped] = []
        if ref.entry is not None:
            entry = vocabulary.entry(ref.entry)
            if entry is None:
                ids = [e.id for e in vocabulary.entries]
                close = difflib.get_close_matches(ref.entry, ids, n=1)
                raise RuleError(
                    f"unknown entry '{ref.entry}' in vocabulary '@{ref.name}'",
                    offset=ref.offset,
                    hint=f"did you mean '@{ref.name}:{close[0]}'?" if close else None,
                )
            entries: tuple[VocabularyEntry, ...] = (entry,)
        else:
            entries = vocabulary.entries
            own = self.label(f"@{ref.name}")
            for term in vocabulary.terms:
                if term.gapped:
                    gapped.append((term.parts, own))
                else:
                    self._add(labels, self.lexicon.intern(term.words), own)
        for entry in entries:
            name = self.label(f"@{ref.name}:{entry.id}")
            for term in entry.terms:
                if term.gapped:
                    gapped.append((term.parts, name))
                else:
                    self._add(labels, self.lexicon.intern(term.words), name)
        self._sets[key] = (labels, gapped)
        return labels, gapped

    def _languages(
        self, ref: VocabRef, labels: Mapping[int, object]
    ) -> dict[int, frozenset[str]] | None:
        """For a language-scoped vocabulary, each pattern's item languages (see
        :func:`language_reach`); a pattern some term writes for ``any`` language, or for no
        language code at all, is left out and applies everywhere. ``None`` otherwise."""
        vocabulary = self.vocabularies[ref.name]
        if not vocabulary.language_scoped:
            return None
        key = (ref.name, ref.entry)
        known = self._reaches.get(key)
        if known is not None:  # the same vocabulary in another field scope
            return known
        terms = [*vocabulary.terms, *(t for e in vocabulary.entries for t in e.terms)]
        if ref.entry is not None:
            entry = vocabulary.entry(ref.entry)
            terms = list(entry.terms) if entry is not None else []
        reach: dict[int, frozenset[str]] = {}
        everywhere: set[int] = set()
        for term in terms:
            if term.gapped:
                continue
            pattern = self.lexicon.intern(term.words)
            if pattern not in labels:
                continue
            if term.language == "any":
                everywhere.add(pattern)
            else:
                reach[pattern] = reach.get(pattern, frozenset()) | language_reach(term.language)
        known = self._reaches[key] = {
            pattern: self._share_set(languages)
            for pattern, languages in reach.items()
            if pattern not in everywhere
        }
        return known

    def _share_set(self, value: frozenset[str]) -> frozenset[str]:
        return self._language_sets.setdefault(value, value)

    def _add(self, labels: dict[int, tuple[int, ...]], pattern: int, label: int) -> None:
        known = labels.get(pattern, ())
        if label not in known:
            labels[pattern] = self._share((*known, label))

    def entity_patterns(self) -> dict[int, tuple[EntityRef, ...]]:
        """Intern every entity vocabulary term; map each pattern id to the entries it names."""
        found: dict[int, tuple[EntityRef, ...]] = {}
        for vocab_index, vocabulary in enumerate(self.vocabularies.values()):
            if not vocabulary.entity:
                continue
            for entry_index, entry in enumerate(vocabulary.entries):
                for term in entry.terms:
                    if term.gapped:
                        continue
                    pattern = self.lexicon.intern(term.words)
                    known = found.get(pattern, ())
                    ref = self._share((vocab_index, entry_index))
                    if ref not in known:
                        found[pattern] = self._share((*known, ref))
        return found

    def context_patterns(self, name: str | None) -> frozenset[int]:
        """Intern the (ungapped) terms of vocabulary ``name``, entries and plain terms alike
        (none for ``None``)."""
        if name is None:
            return frozenset()
        vocabulary = self.vocabularies[name]
        terms = [*vocabulary.terms, *(t for e in vocabulary.entries for t in e.terms)]
        return frozenset(self.lexicon.intern(t.words) for t in terms if not t.gapped)


def _known(vocabularies: Mapping[str, Vocabulary]) -> str:
    names = ", ".join(f"@{name}" for name in sorted(vocabularies)) or "none are defined"
    return f"known vocabularies: {names}"
