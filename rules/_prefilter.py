"""The prefilter: one Aho-Corasick pass over a document's normal form picks candidate rules.

Each rule is reduced to clauses (sets of patterns of which at least one must occur for the rule
to possibly match, see :meth:`rules._evaluator.Evaluator.clauses`). Each pattern is represented
by one literal, its longest word (or prefix stem): if the pattern occurs, the literal is a
substring of the normal form. A rule is a candidate when every clause has a literal hit.
"""

from __future__ import annotations

from collections.abc import Sequence

import ahocorasick

from rules._evaluator import Clauses
from rules._lexicon import Pattern

__all__ = ["MIN_LITERAL", "Prefilter"]

MIN_LITERAL = 2
"""A clause containing a shorter literal is dropped: it would hit almost every document."""


class Prefilter:
    """Candidate rule selection shared by all rules of a rule set."""

    __slots__ = ("_always", "_automaton", "_requirements")

    def __init__(self, patterns: Sequence[Pattern], rule_clauses: Sequence[Clauses]) -> None:
        literal_ids: dict[str, int] = {}
        requirements: list[tuple[frozenset[int], ...]] = []
        for clauses in rule_clauses:
            kept: list[frozenset[int]] = []
            for clause in clauses:
                literals = [max((w[0] for w in patterns[p]), key=len) for p in clause]
                if not literals or min(len(text) for text in literals) < MIN_LITERAL:
                    continue
                kept.append(
                    frozenset(literal_ids.setdefault(t, len(literal_ids)) for t in literals)
                )
            requirements.append(tuple(sorted(kept, key=len)))
        self._requirements = tuple(requirements)
        self._always = tuple(i for i, req in enumerate(requirements) if not req)
        self._automaton: ahocorasick.Automaton | None = None
        if literal_ids:
            automaton = ahocorasick.Automaton()
            for text, literal_id in literal_ids.items():
                automaton.add_word(text, literal_id)
            automaton.make_automaton()
            self._automaton = automaton

    def candidates(self, normals: Sequence[str]) -> list[int]:
        """Indices of the rules that may match a document with these normalised fields."""
        automaton = self._automaton
        if automaton is None:
            return list(self._always)
        hits: set[int] = set()
        for text in normals:
            if text:
                hits.update(value for _, value in automaton.iter(text))
        if not hits:
            return list(self._always)
        return [
            index
            for index, requirement in enumerate(self._requirements)
            if all(not clause.isdisjoint(hits) for clause in requirement)
        ]
