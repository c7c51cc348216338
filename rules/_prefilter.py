"""The prefilter: one Aho-Corasick pass over a document's words picks the candidate rules.

Each rule is reduced to clauses: sets of patterns of which at least one must occur for the rule
to possibly match (see :meth:`rules._evaluator.Evaluator.clauses`). Each pattern is represented
by literals searched on word boundaries in the words of :func:`rules._normal.word_text`, one
space apart (``" who "`` for an exact word, ``" withdr"`` for a prefix, ``" out of "`` for a
short word with the words after it, see :func:`_literals`); a pattern is present when all of
its literals are. A case-sensitive literal also needs its exact spelling somewhere in the
original text. A rule is a candidate when every clause has a pattern present, so most
documents never reach tokenisation (tests/rules/test_prefilter.py holds it to the unfiltered
matches).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from itertools import accumulate

import ahocorasick

from rules._evaluator import Clauses
from rules._lexicon import Pattern
from rules._terms import AFFIX

__all__ = ["Prefilter"]

_Literal = tuple[str, str | None]
"""The searched key (``" word "`` or ``" stem"``) and the exact spelling a cased word needs."""


_SHORT = 3
"""Words of at most this many letters ("of", "out", "la", "the") are searched together with
the words after them in a phrase (with the word before when they end it)."""


def _literals(pattern: Pattern) -> frozenset[_Literal]:
    """What a pattern needs: its plain words, each short word joined to the words that follow
    it in the phrase (``" out of the treaty "``, ``" pulls out"``; the word text has one space
    between words, as the scanner reads them one after the other); a case-sensitive word or
    a word with a leading wildcard alone. Common short words are then no literals of their
    own: a document holding "out" and "of" apart holds no "out of". Longer words stay single
    literals shared by many phrases, which keeps the automaton small."""
    literals: set[_Literal] = set()
    groups: list[list[str]] = []
    run: list[list[str]] = []  # the groups of the current run of plain words
    open_group: list[str] = []

    def close_run() -> None:
        nonlocal open_group
        if open_group:  # short words ending the run join the group before them
            if run:
                run[-1].extend(open_group)
            else:
                run.append(open_group)
            open_group = []
        groups.extend(run)
        run.clear()

    for text, is_prefix, cased in pattern:
        if cased is not None or text.startswith(AFFIX):
            close_run()
            literals.add((_key(text, is_prefix), cased))
            continue
        open_group.append(text)
        if len(text) > _SHORT or is_prefix:
            run.append(open_group)
            open_group = []
        if is_prefix:  # a prefix ends a run: the next word need not follow it directly
            close_run()
            literals.add((_key(" ".join(groups.pop()), True), None))
    close_run()
    literals.update((_key(" ".join(group), False), None) for group in groups)
    return frozenset(literals)


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

    Kept compact, as it is read back from the on-disk cache at every start: the automaton
    stores plain integers (a key's first literal id; ``_also`` lists all of them for the few
    keys with several case-sensitive spellings), clause sets are bit masks, and the literal sets
    anchored on each literal are a run ``mask, count, *other literal ids, ...`` of one flat
    array (``_anchored``), literal ``i``'s from ``_runs[i]`` to ``_runs[i + 1]``.
    """

    __slots__ = (
        "_also",
        "_always",
        "_anchored",
        "_automaton",
        "_cased",
        "_requirements",
        "_runs",
    )

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
        self._requirements = tuple(_mask(req) for req in requirements)
        self._always = tuple(i for i, req in enumerate(requirements) if not req)
        keys = {literal_id: literal for literal, literal_id in literal_ids.items()}
        anchored: dict[int, list[int]] = {}
        for literal_set, set_id in set_ids.items():
            anchor = max(literal_set, key=lambda i: (len(keys[i][0]), keys[i][0]))
            others = sorted(literal_set - {anchor})
            run = anchored.setdefault(anchor, [])
            run.extend((_mask(satisfies[set_id]), len(others), *others))
        flat = [value for literal_id in range(len(keys)) for value in anchored.get(literal_id, ())]
        runs = (len(anchored.get(i, ())) for i in range(len(keys)))
        self._runs = array("I", accumulate(runs, initial=0))
        self._anchored: Sequence[int] = (
            array("q", flat) if len(clause_ids) < 63 else flat  # masks of 63 bits fit an array
        )
        by_key: dict[str, list[int]] = {}
        cased: dict[int, str] = {}
        for (key, spelling), literal_id in literal_ids.items():
            by_key.setdefault(key, []).append(literal_id)
            if spelling is not None:
                cased[literal_id] = spelling
        self._cased = cased
        self._also = {ids[0]: tuple(ids) for ids in by_key.values() if len(ids) > 1}
        self._automaton: ahocorasick.Automaton | None = None
        if by_key:
            automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for key, ids in by_key.items():
                automaton.add_word(key, ids[0])
            automaton.make_automaton()
            self._automaton = automaton

    def candidates(self, words: str, originals: Sequence[str]) -> list[int]:
        """Indices of the rules that may match.

        ``words`` is the :func:`~rules._normal.word_text` of all fields with one space
        between words and around them (runs of white space made one); ``originals`` are the
        fields as written (for cased literals).
        """
        automaton = self._automaton
        if automaton is None:
            return list(self._always)
        hits = {literal_id for _, literal_id in automaton.iter(words)}
        if not hits:
            return list(self._always)
        if self._also:
            also = self._also
            for literal_id in [i for i in hits if i in also]:
                hits.update(also[literal_id])
        # A literal set counts when its anchor and its other literals were all found; one whose
        # clauses already hold is not looked at again, and a case-sensitive literal's spelling
        # is looked for (once) only when a set that would add clauses needs it.
        cased = self._cased
        spelled: dict[int, bool] = {}
        written = ""
        held = 0
        flat = self._anchored
        runs = self._runs
        for literal_id in hits:
            at, stop = runs[literal_id], runs[literal_id + 1]
            while at < stop:
                mask, count = flat[at], flat[at + 1]
                at += 2 + count
                if not mask & ~held:
                    continue
                if count and not all(flat[i] in hits for i in range(at - count, at)):
                    continue
                if cased and (
                    literal_id in cased or any(flat[i] in cased for i in range(at - count, at))
                ):
                    if not written:
                        # the fields together (a spelling is one word, never holding the line
                        # break between them)
                        written = "\n".join(originals)
                    if not all(
                        _spelled(i, cased[i], written, spelled)
                        for i in (literal_id, *flat[at - count : at])
                        if i in cased
                    ):
                        continue
                held |= mask
        return [
            index for index, requirement in enumerate(self._requirements) if not requirement & ~held
        ]


def _spelled(literal_id: int, spelling: str, written: str, known: dict[int, bool]) -> bool:
    """Whether ``written`` holds ``spelling`` as it is or in capitals (remembered in
    ``known`` for the document)."""
    found = known.get(literal_id)
    if found is None:
        found = known[literal_id] = spelling in written or spelling.upper() in written
    return found


def _mask(clause_ids: Iterable[int]) -> int:
    """A set of clause ids as a bit mask."""
    mask = 0
    for clause_id in clause_ids:
        mask |= 1 << clause_id
    return mask
