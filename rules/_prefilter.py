"""The prefilter: one Aho-Corasick pass over a document's words picks the candidate rules.

Each rule is reduced to clauses: sets of patterns of which at least one must occur for the rule
to possibly match (see :meth:`rules._evaluator.Evaluator.clauses`). Each pattern is represented
by one literal, its longest word, searched on word boundaries in :func:`rules._normal.word_text`
(``" who "`` for an exact word, ``" withdr"`` for a prefix). A case-sensitive literal also
needs its exact spelling somewhere in the original text. A rule is a candidate when every
clause has a literal hit, so most documents never reach tokenisation.
"""

from __future__ import annotations

from collections.abc import Sequence

import ahocorasick

from rules._evaluator import Clauses
from rules._lexicon import Pattern

__all__ = ["Prefilter"]

_Literal = tuple[str, str | None]
"""The searched key (``" word "`` or ``" stem"``) and the exact spelling a cased word needs."""


def _literal(pattern: Pattern) -> _Literal:
    text, is_prefix, cased = max(pattern, key=lambda word: len(word[0]))
    return (f" {text}" if is_prefix else f" {text} ", cased)


class Prefilter:
    """Candidate rule selection shared by all rules of a rule set."""

    __slots__ = ("_always", "_automaton", "_cased", "_requirements")

    def __init__(self, patterns: Sequence[Pattern], rule_clauses: Sequence[Clauses]) -> None:
        literal_ids: dict[_Literal, int] = {}
        requirements: list[tuple[frozenset[int], ...]] = []
        for clauses in rule_clauses:
            kept = [
                frozenset(
                    literal_ids.setdefault(_literal(patterns[p]), len(literal_ids)) for p in c
                )
                for c in clauses
                if c
            ]
            requirements.append(tuple(sorted(set(kept), key=len)))
        self._requirements = tuple(requirements)
        self._always = tuple(i for i, req in enumerate(requirements) if not req)
        by_key: dict[str, list[int]] = {}
        cased: dict[int, str] = {}
        for (key, spelling), literal_id in literal_ids.items():
            by_key.setdefault(key, []).append(literal_id)
            if spelling is not None:
                cased[literal_id] = spelling
        self._cased = cased
        self._automaton: ahocorasick.Automaton | None = None
        if by_key:
            automaton = ahocorasick.Automaton()
            for key, ids in by_key.items():
                automaton.add_word(key, tuple(ids))
            automaton.make_automaton()
            self._automaton = automaton

    def candidates(self, words: str, originals: Sequence[str]) -> list[int]:
        """Indices of the rules that may match.

        ``words`` is the :func:`~rules._normal.word_text` of all fields, with a space before,
        between and after them; ``originals`` are the fields as written (for cased literals).
        """
        automaton = self._automaton
        if automaton is None:
            return list(self._always)
        hits: set[int] = set()
        for _, ids in automaton.iter(words):
            hits.update(ids)
        if not hits:
            return list(self._always)
        if self._cased:
            cased = self._cased
            for literal_id in [i for i in hits if i in cased]:
                if not any(cased[literal_id] in text for text in originals):
                    hits.discard(literal_id)
        return [
            index
            for index, requirement in enumerate(self._requirements)
            if all(not clause.isdisjoint(hits) for clause in requirement)
        ]
