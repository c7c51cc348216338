"""The prefilter: one Aho-Corasick pass over a document's words picks the candidate rules.

Each rule is reduced to clauses: sets of patterns of which at least one must occur for the rule
to possibly match (see :meth:`rules._evaluator.Evaluator.clauses`). Each pattern is represented
by its words as literals, searched on word boundaries in :func:`rules._normal.word_text`
(``" who "`` for an exact word, ``" withdr"`` for a prefix); a pattern is present when all of
its words are. A case-sensitive literal also needs its exact spelling somewhere in the original
text. A rule is a candidate when every clause has a pattern present, so most documents never
reach tokenisation (tests/rules/test_prefilter.py holds it to the unfiltered matches).
"""

from __future__ import annotations

from collections.abc import Sequence

import ahocorasick

from rules._evaluator import Clauses
from rules._lexicon import Pattern
from rules._terms import AFFIX

__all__ = ["Prefilter"]

_Literal = tuple[str, str | None]
"""The searched key (``" word "`` or ``" stem"``) and the exact spelling a cased word needs."""


def _literals(pattern: Pattern) -> frozenset[_Literal]:
    """Every word of a pattern: a phrase can only occur where all of its words do."""
    return frozenset((_key(text, is_prefix), cased) for text, is_prefix, cased in pattern)


def _key(text: str, is_prefix: bool) -> str:
    """What to search for one word: `` word `` exact, `` stem`` a prefix, ``core `` a suffix
    (``*vertrag``), ``core`` an infix (``*sopimu*``)."""
    if text.startswith(AFFIX):
        core = text[len(AFFIX) :]
        return core if is_prefix else f"{core} "
    return f" {text}" if is_prefix else f" {text} "


class Prefilter:
    """Candidate rule selection shared by all rules of a rule set.

    A clause holds when one of its patterns has all its words in the document; a rule is a
    candidate when all its clauses hold. Each multi-word pattern is checked once, when its
    longest word is found.
    """

    __slots__ = ("_always", "_anchored", "_automaton", "_cased", "_requirements")

    def __init__(self, patterns: Sequence[Pattern], rule_clauses: Sequence[Clauses]) -> None:
        literal_ids: dict[_Literal, int] = {}
        set_ids: dict[frozenset[int], int] = {}
        clause_ids: dict[frozenset[int], int] = {}
        satisfies: dict[int, set[int]] = {}  # pattern set id -> the clause ids it satisfies
        requirements: list[frozenset[int]] = []
        pattern_sets: dict[int, int] = {}  # pattern id -> its literal set's id

        def set_of(pattern: int) -> int:
            known = pattern_sets.get(pattern)
            if known is None:
                literals = frozenset(
                    literal_ids.setdefault(literal, len(literal_ids))
                    for literal in _literals(patterns[pattern])
                )
                known = pattern_sets[pattern] = set_ids.setdefault(literals, len(set_ids))
            return known

        for clauses in rule_clauses:
            required = set()
            for clause in clauses:
                if not clause:
                    continue
                members = frozenset(set_of(p) for p in clause)
                clause_id = clause_ids.setdefault(members, len(clause_ids))
                required.add(clause_id)
                for member in members:
                    satisfies.setdefault(member, set()).add(clause_id)
            requirements.append(frozenset(required))
        self._requirements = tuple(requirements)
        self._always = tuple(i for i, req in enumerate(requirements) if not req)
        keys = {literal_id: literal for literal, literal_id in literal_ids.items()}
        anchored: dict[int, list[tuple[frozenset[int], frozenset[int]]]] = {}
        for literal_set, set_id in set_ids.items():
            anchor = max(literal_set, key=lambda i: (len(keys[i][0]), keys[i][0]))
            anchored.setdefault(anchor, []).append((literal_set, frozenset(satisfies[set_id])))
        self._anchored = {k: tuple(v) for k, v in anchored.items()}
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
                spelling = cased[literal_id]
                upper = spelling.upper()
                if not any(spelling in text or upper in text for text in originals):
                    hits.discard(literal_id)
        held: set[int] = set()
        anchored = self._anchored
        for literal_id in hits:
            for literal_set, clauses in anchored.get(literal_id, ()):
                if literal_set <= hits:
                    held |= clauses
        return [
            index for index, requirement in enumerate(self._requirements) if requirement <= held
        ]
