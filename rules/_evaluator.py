"""Compiled query nodes: each evaluates itself against a :class:`DocContext` within a scope.

``evaluate`` returns ``None`` when the node does not match, otherwise the occurrences that
made it match (see :data:`rules._context.Result`). ``clauses`` describes, for the prefilter, the
pattern sets of which at least one member must occur for the node to possibly match.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from rules._context import DocContext, Occurrence, Result, Scope, SentenceKey, allowed
from rules._terms import MAX_PHRASE_WORDS
from rules._text import FieldText

__all__ = [
    "AllOf",
    "AnyOf",
    "Clauses",
    "DocFilter",
    "Evaluator",
    "GappedTerms",
    "NoneOf",
    "Proximity",
    "SameSentence",
    "TermSet",
    "YearTerms",
    "collect",
    "near",
    "reads_past_lead",
]

Clauses = list[frozenset[int]]

_MAX_CLAUSES = 16
"""How many prefilter clauses an OR may expand to before it keeps one clause per branch."""


def _size(clause: frozenset[int]) -> int:
    return len(clause)


class Evaluator(Protocol):
    """A compiled query node."""

    def evaluate(self, ctx: DocContext, scope: Scope) -> Result:
        """Occurrences that make this node match in ``scope``, or ``None``."""
        ...

    def matches(self, ctx: DocContext, scope: Scope) -> bool:
        """Whether this node matches in ``scope`` (``evaluate(...) is not None``), without
        collecting what an ``OR`` or ``AND`` would report: a branch that matches ends the
        search. Exclusions only need this answer."""
        ...

    def clauses(self) -> Clauses:
        """Pattern-id sets that must each be hit for a match (empty list: no constraint)."""
        ...

    @property
    def positional(self) -> bool:
        """Whether a match of this node always carries word positions."""
        ...


@dataclass(frozen=True, slots=True)
class TermSet:
    """Any of a set of patterns (a term, or a vocabulary's terms), in the fields of ``fields``.

    ``languages``, for a language-scoped vocabulary, maps a pattern to the item languages it
    applies to; a pattern it leaves out, like any pattern of an item whose language is
    unknown, applies whatever the language."""

    labels: Mapping[int, tuple[int, ...]]
    fields: int
    languages: Mapping[int, frozenset[str]] | None = None

    @property
    def positional(self) -> bool:
        return True

    def clauses(self) -> Clauses:
        return [frozenset(self.labels)] if self.labels else []

    def evaluate(self, ctx: DocContext, scope: Scope) -> Result:
        present = ctx.present
        pids = present.get(id(self))
        if pids is None:  # once per document: which of the set's patterns it holds at all
            pids = _present(ctx.found, self.labels)
            languages = self.languages
            if languages and pids and (language := ctx.term_language) is not None:
                pids = [pid for pid in pids if language in languages.get(pid, (language,))]
            present[id(self)] = pids
        if not pids:
            return None
        key = (id(self), scope)
        memo = ctx.memo
        if key in memo:
            return memo[key]
        result = collect(ctx, self.labels, self.fields, scope, pids)
        memo[key] = result
        return result

    def matches(self, ctx: DocContext, scope: Scope) -> bool:
        return self.evaluate(ctx, scope) is not None


@dataclass(frozen=True, slots=True)
class YearTerms(TermSet):
    """``year:>=N``: the words that are a year at least N years before the item's own year
    (recorded in ``ctx.found`` by the rule set, not by the scanner). Places no demand on the
    prefilter: most documents hold no such year."""

    def clauses(self) -> Clauses:
        return []


def _present(found: Mapping[int, object], labels: Mapping[int, object]) -> list[int]:
    """The patterns of ``labels`` that ``found`` holds, in the order of the smaller one."""
    if len(found) <= len(labels):
        return [pid for pid in found if pid in labels]
    return [pid for pid in labels if pid in found]


def collect(
    ctx: DocContext,
    labels: Mapping[int, tuple[int, ...]],
    fields: int,
    scope: Scope,
    pids: list[int] | None = None,
) -> Result:
    """Occurrences of the patterns in ``labels`` inside ``scope`` (one per label); ``pids``,
    when known, are those of its patterns that the document holds (see :func:`_present`)."""
    found = ctx.found
    if pids is None:
        pids = _present(found, labels)
    if not pids:
        return None
    fields &= scope.fields
    sentence = scope.sentence
    mask = scope.mask
    if sentence is not None:
        if not allowed(fields, *sentence) or sentence in mask:
            return None
        hits = [(pid, ctx.in_sentence(pid, sentence)) for pid in pids]
        sentence = None
    else:
        hits = [(pid, found[pid]) for pid in pids]
    out: list[Occurrence] = []
    for pid, occurrences in hits:
        names = labels[pid]
        for field, start, end in occurrences:
            if not (fields >> field) & 1 and not allowed(
                fields, field, ctx.sentence_of(field, start)
            ):
                continue
            if mask and (field, ctx.sentence_of(field, start)) in mask:
                continue
            out.extend((field, start, end, name) for name in names)
    return out or None


@dataclass(frozen=True, slots=True)
class AllOf:
    """``a AND b ...``: every child matches."""

    children: tuple[Evaluator, ...]

    @property
    def positional(self) -> bool:
        return any(child.positional for child in self.children)

    def clauses(self) -> Clauses:
        return [clause for child in self.children for clause in child.clauses()]

    def evaluate(self, ctx: DocContext, scope: Scope) -> Result:
        out: list[Occurrence] = []
        for child in self.children:
            result = child.evaluate(ctx, scope)
            if result is None:
                return None
            out.extend(result)
        return out

    def matches(self, ctx: DocContext, scope: Scope) -> bool:
        return all(child.matches(ctx, scope) for child in self.children)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """``a OR b ...``: at least one child matches (all matching children report positions)."""

    children: tuple[Evaluator, ...]

    @property
    def positional(self) -> bool:
        return all(child.positional for child in self.children)

    def clauses(self) -> Clauses:
        """(a1 ∧ a2) ∨ (b1 ∧ b2) needs (a1 ∨ b1) ∧ (a1 ∨ b2) ∧ (a2 ∨ b1) ∧ (a2 ∨ b2)."""
        product: list[frozenset[int]] = [frozenset()]
        for child in self.children:
            own = child.clauses()
            if not own:
                return []
            if len(product) * len(own) > _MAX_CLAUSES:
                own = [min(own, key=_size)]
            product = [done | clause for done in product for clause in own]
        return sorted(set(product), key=_size)[:_MAX_CLAUSES]

    def evaluate(self, ctx: DocContext, scope: Scope) -> Result:
        out: Result = None
        for child in self.children:
            result = child.evaluate(ctx, scope)
            if result is not None:
                out = result if out is None else out + result
        return out

    def matches(self, ctx: DocContext, scope: Scope) -> bool:
        return any(child.matches(ctx, scope) for child in self.children)


@dataclass(frozen=True, slots=True)
class NoneOf:
    """``NOT a``: matches (without positions) where ``a`` does not."""

    child: Evaluator

    @property
    def positional(self) -> bool:
        return False

    def clauses(self) -> Clauses:
        return []

    def evaluate(self, ctx: DocContext, scope: Scope) -> Result:
        return [] if self.child.evaluate(ctx, scope) is None else None

    def matches(self, ctx: DocContext, scope: Scope) -> bool:
        return not self.child.matches(ctx, scope)


@dataclass(frozen=True, slots=True)
class DocFilter:
    """``source:``, ``tag:``, ``lang:``, ``age:`` or ``is:question``.

    An unknown language or date always passes, negated or not, so a missing fact never
    suppresses a match. ``is:question`` holds in a sentence that ends with a question mark
    (without a sentence scope: when any sentence in the scoped fields does).
    """

    kind: str
    value: str
    seconds: int
    comparison: str
    negated: bool = False

    @property
    def positional(self) -> bool:
        return False

    def clauses(self) -> Clauses:
        return []

    def evaluate(self, ctx: DocContext, scope: Scope) -> Result:
        verdict = self._is_question(ctx, scope) if self.kind == "is" else self._holds(ctx)
        if verdict is None:
            return []
        return [] if verdict != self.negated else None

    def matches(self, ctx: DocContext, scope: Scope) -> bool:
        return self.evaluate(ctx, scope) is not None

    @staticmethod
    def _is_question(ctx: DocContext, scope: Scope) -> bool:
        if scope.sentence is not None:
            field, sentence = scope.sentence
            return sentence in ctx.fields[field].questions and allowed(
                scope.fields, field, sentence
            )
        return any(
            allowed(scope.fields, f.index, sentence) for f in ctx.fields for sentence in f.questions
        )

    def _holds(self, ctx: DocContext) -> bool | None:
        if self.kind == "source":
            return ctx.source == self.value
        if self.kind == "tag":
            return self.value in ctx.tags
        if self.kind == "lang":
            return None if ctx.language is None else ctx.language == self.value
        age = ctx.age_seconds
        if age is None:
            return None
        if self.comparison == "<":
            return age < self.seconds
        if self.comparison == "<=":
            return age <= self.seconds
        if self.comparison == ">":
            return age > self.seconds
        return age >= self.seconds

    def negate(self) -> DocFilter:
        """The same filter under ``NOT``."""
        return replace(self, negated=not self.negated)


@dataclass(frozen=True, slots=True)
class Proximity:
    """``a NEAR/n b`` / ``a ONEAR/n b``: a position of ``a`` and one of ``b`` in the same field,
    not overlapping, with at most ``n`` words between them (``ordered``: ``a`` first)."""

    left: Evaluator
    right: Evaluator
    distance: int
    ordered: bool

    @property
    def positional(self) -> bool:
        return True

    def clauses(self) -> Clauses:
        return self.left.clauses() + self.right.clauses()

    def evaluate(self, ctx: DocContext, scope: Scope) -> Result:
        left = self.left.evaluate(ctx, scope)
        if not left:
            return None
        right = self.right.evaluate(ctx, scope)
        if not right:
            return None
        return near(left, right, self.distance, self.ordered, ctx.fields)

    def matches(self, ctx: DocContext, scope: Scope) -> bool:
        return self.evaluate(ctx, scope) is not None


def near(
    left: list[Occurrence],
    right: list[Occurrence],
    distance: int,
    ordered: bool,
    fields: Sequence[FieldText] = (),
) -> Result:
    """Occurrences of ``left`` and ``right`` that pair up within ``distance`` words.

    Pairs must be in the same field and must not overlap; with ``ordered`` the left one comes
    first. Returns both members of every pair, or ``None`` when nothing pairs. In a field with
    Chinese, Japanese or Korean characters (``FieldText.units``) each such character counts as
    half a word, so ``NEAR/8`` spans about as much text in every language.
    """
    right_sorted = sorted(right)
    out: set[Occurrence] = set()
    for occurrence in left:
        field, start, end, _ = occurrence
        units = fields[field].units if fields else None
        reach = distance if units is None else 2 * distance
        low = (field, end)
        if not ordered:
            low = (field, max(0, start - reach - MAX_PHRASE_WORDS))
        index = bisect_left(right_sorted, low)
        while index < len(right_sorted):
            other = right_sorted[index]
            o_field, o_start, o_end, _ = other
            if o_field != field or o_start > end + reach:
                break
            index += 1
            if o_start >= end:
                gap = o_start - end if units is None else (units[o_start] - units[end]) / 2
            elif o_end <= start and not ordered:
                gap = start - o_end if units is None else (units[start] - units[o_end]) / 2
            else:
                continue
            if gap <= distance:
                out.add(occurrence)
                out.add(other)
    return sorted(out) or None


@dataclass(frozen=True, slots=True)
class GappedTerms:
    """Gapped vocabulary terms (``tritt ... aus``): each part follows the previous one within
    ``distance`` words. ``terms`` holds, per term, the pattern id of each part and a label."""

    terms: tuple[tuple[tuple[int, ...], int], ...]
    fields: int
    distance: int
    _by_first: dict[int, list[tuple[tuple[int, ...], int]]] = dataclasses.field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        by_first: dict[int, list[tuple[tuple[int, ...], int]]] = {}
        for parts, label in self.terms:
            by_first.setdefault(parts[0], []).append((parts, label))
        object.__setattr__(self, "_by_first", by_first)

    @property
    def positional(self) -> bool:
        return True

    def clauses(self) -> Clauses:
        return [frozenset(parts[0] for parts, _ in self.terms)] if self.terms else []

    def evaluate(self, ctx: DocContext, scope: Scope) -> Result:
        key = (id(self), scope)
        memo = ctx.memo
        if key in memo:
            return memo[key]
        found = ctx.found
        by_first = self._by_first
        candidates = [term for pid in found if pid in by_first for term in by_first[pid]]
        out: list[Occurrence] = []
        for parts, label in candidates:
            if not all(part in found for part in parts):
                continue
            chain = collect(ctx, {parts[0]: (label,)}, self.fields, scope)
            for part in parts[1:]:
                if not chain:
                    break
                following = collect(ctx, {part: (label,)}, self.fields, scope)
                chain = (
                    near(chain, following, self.distance, True, ctx.fields) if following else None
                )
            if chain:
                out.extend(chain)
        result = out or None
        memo[key] = result
        return result

    def matches(self, ctx: DocContext, scope: Scope) -> bool:
        return self.evaluate(ctx, scope) is not None


@dataclass(frozen=True, slots=True)
class SameSentence:
    """``SENTENCE(a, b, ...)``: all operands match inside one sentence of one field."""

    children: tuple[Evaluator, ...]

    @property
    def positional(self) -> bool:
        return True

    def clauses(self) -> Clauses:
        return [clause for child in self.children for clause in child.clauses()]

    def evaluate(self, ctx: DocContext, scope: Scope) -> Result:
        if scope.sentence is not None:
            return AllOf(self.children).evaluate(ctx, scope) or None
        anchors: set[SentenceKey] | None = None
        for child in self.children:
            if not child.positional:
                continue
            result = child.evaluate(ctx, scope)
            if not result:
                return None
            keys = {(f, ctx.sentence_of(f, start)) for f, start, _, _ in result}
            if anchors is None or len(keys) < len(anchors):
                anchors = keys
        if not anchors:
            return None
        out: list[Occurrence] = []
        for key in sorted(anchors):
            result = AllOf(self.children).evaluate(ctx, replace(scope, sentence=key))
            if result:
                out.extend(result)
        return out or None

    def matches(self, ctx: DocContext, scope: Scope) -> bool:
        return self.evaluate(ctx, scope) is not None


_BEYOND_LEAD = 0b0100
"""The field-mask bit of the content past its lead (see ``rules._context.FIELD_MASKS``)."""


def reads_past_lead(node: Evaluator, in_sentence: bool = False) -> bool:
    """Whether evaluating ``node`` may look at the content past its lead: a term in a scope
    holding ``content`` (no scope at all holds every field), or ``is:question`` outside
    ``SENTENCE(...)`` (it then reads every sentence). ``in_sentence``: ``node`` is only ever
    evaluated inside one sentence (a ``SENTENCE`` operand without positions). A rule's
    ``exclude`` is not asked: it only reads the sentences its query's match stands in."""
    if isinstance(node, TermSet | GappedTerms):
        return bool(node.fields & _BEYOND_LEAD)
    if isinstance(node, DocFilter):
        return node.kind == "is" and not in_sentence
    if isinstance(node, SameSentence):
        # positional operands also run in the caller's scope, to find the sentences to try
        return any(reads_past_lead(c, in_sentence or not c.positional) for c in node.children)
    if isinstance(node, AllOf | AnyOf):
        return any(reads_past_lead(c, in_sentence) for c in node.children)
    if isinstance(node, NoneOf):
        return reads_past_lead(node.child, in_sentence)
    if isinstance(node, Proximity):
        return reads_past_lead(node.left, in_sentence) or reads_past_lead(node.right, in_sentence)
    return True  # a node this function does not know: assume it reads everything
