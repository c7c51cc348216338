"""A compiled rule set: prefilter, scanner and evaluators built once, then matched per item."""

from __future__ import annotations

import re
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import accumulate
from typing import TYPE_CHECKING

from rules._context import LEAD_SENTENCES, DocContext, Occurrence, Scope, SentenceKey
from rules._document import Document
from rules._evaluator import AnyOf, Evaluator, reads_past_lead
from rules._lexicon import Found, Scanner
from rules._match import Entity, Exclusion, MaskedSpan, Match, NearMiss, TermMatch
from rules._normal import normalize, word_text
from rules._phrase import phrase_entity
from rules._prefilter import Prefilter
from rules._rule import Rule
from rules._snippet import build_snippet
from rules._text import FIELD_CAPS, FIELD_NAMES, FieldText, cap_text, lead_words, question_marks

if TYPE_CHECKING:  # the compiler is imported by what compiles, not by a set read from a cache
    from rules._compiler import Compiler, EntityRef

__all__ = ["CompiledRule", "RuleSet"]

_MAX_EXCLUDE_ROUNDS = 50
_NOT_AFTER_WORDS = 2
"""How many words may stand between a blocking term and an entity it keeps out."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CENTURIES = frozenset({"18", "19", "20"})

SECTIONS: dict[str, tuple[str, ...]] = {
    "prefilter": ("_prefilter",),
    "matcher": (
        "_active",
        "_attributes",
        "_blockers",
        "_containers",
        "_entity_refs",
        "_entity_runs",
        "_scanner",
    ),
}
"""The parts of a compiled rule set that matching reads, by section (see
:meth:`RuleSet.sections`): the prefilter, which every document meets, and the rest, which only
a document the prefilter lets through needs. Everything else is the head."""

_SECTION_OF = {slot: name for name, slots in SECTIONS.items() for slot in slots}

Thaw = Callable[[str], Mapping[str, object]]
"""Gives the slots of one section (see :meth:`RuleSet.from_sections`)."""


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its compiled query and exclusion and its normalised document filters."""

    rule: Rule
    query: Evaluator
    exclude: Evaluator | None
    languages: frozenset[str]
    source_names: frozenset[str]
    source_tags: frozenset[str]

    @classmethod
    def build(cls, rule: Rule, query: Evaluator, exclude: Evaluator | None) -> CompiledRule:
        """Compile the document filters of ``rule``."""
        names = {s.casefold() for s in rule.sources if not s.casefold().startswith("tag:")}
        tags = {s.casefold()[4:] for s in rule.sources if s.casefold().startswith("tag:")}
        return cls(
            rule, query, exclude, frozenset(rule.languages), frozenset(names), frozenset(tags)
        )

    def applies_to(self, ctx: DocContext) -> bool:
        """Whether the rule's ``languages`` and ``sources`` admit the document."""
        if self.languages and ctx.language is not None and ctx.language not in self.languages:
            return False
        if self.source_names or self.source_tags:
            return ctx.source in self.source_names or not self.source_tags.isdisjoint(ctx.tags)
        return True

    def evaluate(self, ctx: DocContext) -> list[Occurrence] | None:
        """The query's occurrences after exclusion, or ``None`` when the rule does not match.

        Exclusion: every sentence holding evidence of the match is tested with the ``exclude``
        query (restricted to that sentence); sentences where it matches are masked out and the
        query is evaluated again, until no new sentence is masked.
        """
        found = self.query.evaluate(ctx, Scope())
        if found is None or self.exclude is None:
            return found
        return self._masking(ctx, found)[0]

    def masked_match(self, ctx: DocContext) -> tuple[list[Occurrence], list[SentenceKey]] | None:
        """When the query matches but the exclusion masks the match away: every occurrence
        the query found on the way and the masked sentences (in order); otherwise ``None``.
        Runs the very exclusion of :meth:`evaluate`."""
        if self.exclude is None:
            return None
        found = self.query.evaluate(ctx, Scope())
        if found is None:
            return None
        evidence: list[Occurrence] = []
        left, masked = self._masking(ctx, found, evidence)
        return None if left is not None else (evidence, sorted(masked))

    def _masking(
        self, ctx: DocContext, found: list[Occurrence], evidence: list[Occurrence] | None = None
    ) -> tuple[list[Occurrence] | None, set[SentenceKey]]:
        """What is left of the query's match ``found`` after exclusion (``None``: nothing) and
        the sentences masked; ``evidence``, when given, collects the query's occurrences of
        every round."""
        scope = Scope()
        checked: set[SentenceKey] = set()
        masked: set[SentenceKey] = set()
        for _ in range(_MAX_EXCLUDE_ROUNDS):
            if evidence is not None:
                evidence.extend(found)
            keys = {(f, ctx.sentence_of(f, start)) for f, start, _, _ in found} - checked
            newly = {key for key in keys if self._excluded(ctx, key)}
            checked |= keys
            if not newly:
                return found, masked
            masked |= newly
            left = self.query.evaluate(ctx, replace(scope, mask=frozenset(masked)))
            if left is None:
                return None, masked
            found = left
        return None, masked

    def exclusions(self, ctx: DocContext, key: SentenceKey) -> list[tuple[str, list[Occurrence]]]:
        """The parts of the ``exclude`` (as written) that match in sentence ``key``, each with
        its occurrences there (see :func:`_exclude_parts`)."""
        if self.exclude is None or self.rule.exclude is None:
            return []
        scope = Scope(sentence=key)
        out: list[tuple[str, list[Occurrence]]] = []
        for text, part in _exclude_parts(self.rule.exclude, self.exclude):
            found = part.evaluate(ctx, scope)
            if found is not None:
                out.append((text, found))
        return out

    def _excluded(self, ctx: DocContext, key: SentenceKey) -> bool:
        assert self.exclude is not None
        return self.exclude.matches(ctx, Scope(sentence=key))


class RuleSet:
    """Rules and vocabularies compiled once; :meth:`match` is cheap for non-matching items.

    Build one with :func:`rules.load_ruleset`.
    """

    __slots__ = (
        "_active",
        "_attributes",
        "_blockers",
        "_containers",
        "_entity_refs",
        "_entity_runs",
        "_evidence_scoped",
        "_frozen",
        "_labels",
        "_lead_margin",
        "_phrase_kinds",
        "_prefilter",
        "_rules",
        "_scanner",
        "_vocabularies",
        "_vocabulary_names",
        "_year_ids",
        "_years",
    )

    def __init__(self, compiled: Sequence[CompiledRule], compiler: Compiler) -> None:
        self._frozen: tuple[Thaw, set[str], threading.Lock] | None = None
        """While sections are still to be read: how to read one, which, and a lock."""
        self._rules = tuple(c.rule for c in compiled)
        self._active = tuple(c for c in compiled if c.rule.enabled)
        self._entity_runs, self._entity_refs = _entity_table(compiler.entity_patterns())
        self._labels = tuple(compiler.labels)
        self._vocabularies = tuple(compiler.vocabularies.values())
        self._evidence_scoped = frozenset(
            index
            for index, vocabulary in enumerate(self._vocabularies)
            if vocabulary.entity and vocabulary.entity_scope == "evidence"
        )
        self._blockers = {
            index: (
                compiler.context_patterns(vocabulary.entity_not_after),
                compiler.context_patterns(vocabulary.entity_not_before),
            )
            for index, vocabulary in enumerate(self._vocabularies)
            if vocabulary.entity and (vocabulary.entity_not_after or vocabulary.entity_not_before)
        }
        self._vocabulary_names = tuple(compiler.vocabularies)
        self._years = tuple(compiler.year_patterns.items())
        bitmaps: dict[bytes, bytes] = {}  # equal bitmaps shared: 44 vocabularies name one
        # ``not_inside`` (the treaties, 43 kB each) and 19 a few ``not_before`` nouns

        def bitmap(name: str | None) -> bytes:
            made = _bitmap(compiler.context_patterns(name))
            return bitmaps.setdefault(made, made)

        self._attributes = tuple(
            (bitmap(v.name), bitmap(v.not_before)) for v in self._vocabularies if v.not_before
        )
        # one pair per vocabulary of names, with the words of every vocabulary that names it:
        # a document's names are then looked up once, not once per such vocabulary
        inside: dict[str, set[int]] = {}
        for v in self._vocabularies:
            for target in v.not_inside:
                inside.setdefault(target, set()).update(compiler.context_patterns(v.name))
        self._containers = tuple(
            (_bitmap(frozenset(words)), bitmap(target)) for target, words in inside.items()
        )
        self._year_ids = frozenset(pattern for _, pattern in self._years)
        """The ``year:`` filters' patterns, which ``not_inside`` names also take in."""
        phrase_vocabularies = {
            f"@{v.name}": v.entity_phrase for v in self._vocabularies if v.entity_phrase
        }
        self._phrase_kinds = {
            label: phrase_vocabularies[text.split(":")[0]]
            for label, text in enumerate(self._labels)
            if text.split(":")[0] in phrase_vocabularies
        }
        patterns = compiler.lexicon.patterns
        self._scanner = Scanner(patterns)
        self._prefilter = Prefilter(patterns, [c.query.clauses() for c in self._active])
        self._lead_margin = 0
        """When no enabled rule reads the content past its lead: how many words after the
        lead a pattern starting in it, and an attribute noun right after that, can reach (an
        item's lead then settles most items; see :meth:`_settled_by_lead`). Else 0."""
        if not any(reads_past_lead(c.query) for c in self._active):
            self._lead_margin = 2 * max((len(p) for p in patterns), default=1) + 1

    def __getstate__(self) -> dict[str, object]:
        """Pickled whole (every section read first), without the vocabularies' terms
        (compiled into the scanner already): a rule set travels to parse workers at a third of
        its size."""
        head, sections = self.sections()
        for slots in sections.values():
            head.update(slots)
        return head

    def __setstate__(self, state: object) -> None:
        if isinstance(state, tuple):  # the default form for slots: (None, {slot: value})
            state = state[1]
        assert isinstance(state, dict)
        object.__setattr__(self, "_frozen", None)
        for slot, value in state.items():
            object.__setattr__(self, slot, value)

    def sections(self) -> tuple[dict[str, object], dict[str, dict[str, object]]]:
        """The state in parts, as :meth:`from_sections` takes it: the head (the rules, their
        labels, the vocabularies without their terms, which the scanner holds compiled) and
        each of :data:`SECTIONS` by name, as ``{slot: value}``. Every section is read first."""
        self.thaw()
        state: dict[str, object] = {
            slot: getattr(self, slot) for slot in self.__slots__ if slot != "_frozen"
        }
        state["_vocabularies"] = tuple(
            replace(
                vocabulary,
                terms=(),
                entries=tuple(replace(entry, terms=()) for entry in vocabulary.entries),
            )
            for vocabulary in self._vocabularies
        )
        sections = {
            name: {slot: state.pop(slot) for slot in slots} for name, slots in SECTIONS.items()
        }
        return state, sections

    @classmethod
    def from_sections(cls, head: Mapping[str, object], thaw: Thaw) -> RuleSet:
        """A rule set of ``head`` whose sections ``thaw(name)`` gives, each when first needed
        (thread-safe, once): listing the rules reads none, a document the prefilter stops
        reads the prefilter only. ``thaw`` is dropped once it has given them all."""
        ruleset = cls.__new__(cls)
        ruleset.__setstate__(dict(head))
        object.__setattr__(ruleset, "_frozen", (thaw, set(SECTIONS), threading.Lock()))
        return ruleset

    @property
    def unread_sections(self) -> set[str]:
        """The names of the sections not read yet (see :meth:`from_sections`)."""
        frozen = self._frozen
        return set() if frozen is None else set(frozen[1])

    def thaw(self) -> None:
        """Read every section not read yet (a parse pool's forkserver does so before it forks
        the workers, which then share them)."""
        for name in SECTIONS:
            self._thaw(name)

    def _thaw(self, name: str) -> None:
        frozen = self._frozen
        if frozen is None:
            return
        thaw, pending, lock = frozen
        with lock:
            if name not in pending:
                return
            slots = thaw(name)
            if set(slots) != set(SECTIONS[name]):
                raise ValueError(f"section {name!r} holds {sorted(slots)}")
            if name == "matcher":  # the head's rules, not equal copies of them
                slots = {**slots, "_active": self._relinked(slots["_active"])}
            for slot, value in slots.items():
                object.__setattr__(self, slot, value)
            pending.discard(name)
            if not pending:
                self._frozen = None

    def _relinked(self, active: object) -> tuple[CompiledRule, ...]:
        enabled = [rule for rule in self._rules if rule.enabled]
        assert isinstance(active, tuple) and len(active) == len(enabled)
        out = []
        for compiled, rule in zip(active, enabled, strict=True):
            assert isinstance(compiled, CompiledRule) and compiled.rule == rule
            out.append(replace(compiled, rule=rule))
        return tuple(out)

    def __getattr__(self, name: str) -> object:
        """A slot of a section not read yet (only then is this called): read its section."""
        section = _SECTION_OF.get(name)
        if section is None or self._frozen is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self._thaw(section)
        return object.__getattribute__(self, name)

    def __repr__(self) -> str:
        enabled = sum(1 for rule in self._rules if rule.enabled)
        return (
            f"<RuleSet {len(self._rules)} rules ({enabled} enabled), "
            f"{len(self._vocabulary_names)} vocabularies>"
        )

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule, enabled or not, in file order."""
        return self._rules

    @property
    def vocabularies(self) -> tuple[str, ...]:
        """The names of all vocabularies."""
        return self._vocabulary_names

    def match(self, doc: Document, now: datetime) -> list[Match]:
        """The enabled rules that match ``doc`` (in rule order); ``now`` serves ``age:`` filters."""
        if self._lead_margin and self._settled_by_lead(doc, now):
            return []
        texts, candidates = self._candidates(doc)
        if not candidates:
            return []
        ctx = self._context(doc, now, texts)
        matches: list[Match] = []
        entities: tuple[Entity, ...] | None = None
        for index in candidates:
            compiled = self._active[index]
            if not compiled.applies_to(ctx):
                continue
            occurrences = compiled.evaluate(ctx)
            if occurrences is None:
                continue
            if self._evidence_scoped:
                found_entities = self._find_entities(ctx, occurrences)
            else:
                if entities is None:
                    entities = self._find_entities(ctx, occurrences)
                found_entities = entities
            matches.append(self._report(compiled.rule, occurrences, ctx, found_entities))
        return matches

    def near_misses(self, doc: Document, now: datetime) -> list[NearMiss]:
        """The enabled rules whose query matches ``doc`` but whose ``exclude`` masks the match
        (in rule order), each with the terms its query found, the sentences masked and the parts
        of the ``exclude`` that masked them: why a rule author's text did not alert.

        Computed only when asked (``treatywatch test-rule``); :meth:`match` never does this.
        A rule that matches is no near miss, whatever its ``exclude`` masked on the way.
        """
        texts, candidates = self._candidates(doc)
        if not candidates:
            return []
        ctx = self._context(doc, now, texts)
        misses: list[NearMiss] = []
        for index in candidates:
            compiled = self._active[index]
            if not compiled.applies_to(ctx):
                continue
            masked = compiled.masked_match(ctx)
            if masked is None:
                continue
            evidence, keys = masked
            rule = compiled.rule
            misses.append(
                NearMiss(
                    rule.id,
                    rule.title,
                    rule.severity,
                    self._terms(ctx, evidence),
                    tuple(self._masked_span(ctx, compiled, key) for key in keys),
                )
            )
        return misses

    def _masked_span(self, ctx: DocContext, compiled: CompiledRule, key: SentenceKey) -> MaskedSpan:
        """Sentence ``key`` as a span of its original field (first word to last), with the
        parts of the rule's ``exclude`` that match in it."""
        field = ctx.fields[key[0]]
        first = bisect_left(field.sentences, key[1])
        end = bisect_right(field.sentences, key[1])
        start, stop = field.original_span(first, end)
        exclusions = tuple(
            Exclusion(text, self._terms(ctx, found))
            for text, found in compiled.exclusions(ctx, key)
        )
        return MaskedSpan(field.name, start, stop, field.original[start:stop], exclusions)

    def _settled_by_lead(self, doc: Document, now: datetime) -> bool:
        """Whether no rule matches ``doc``, as read from its title, summary and the lead of its
        content (with :attr:`_lead_margin` words after it): ``False`` when a rule matches
        there, or when the content is no longer than that.

        Only asked when no enabled rule reads past the lead (the built-in pack's rules read
        the title, the summary and ``lead:``): every pattern starting in those fields is found
        as in the whole document, so each rule matches there exactly when it matches the whole
        document, and a long article's body is neither normalised, nor searched by the
        prefilter, nor scanned. A match is then reported by the whole document's reading
        (its entities may stand anywhere in the content)."""
        content = cap_text(doc.content or "", FIELD_CAPS[2])
        cut = lead_words(content, LEAD_SENTENCES, self._lead_margin)
        if cut is None:
            return False
        texts = (
            cap_text(doc.title or "", FIELD_CAPS[0]),
            cap_text(doc.summary or "", FIELD_CAPS[1]),
            cut.original,
        )
        candidates = self._prefilter.candidates(_word_text(texts, cut.words), texts)
        if not candidates:
            return True
        ctx = self._context(doc, now, texts, question_marks(normalize(content)))
        for index in candidates:
            compiled = self._active[index]
            if compiled.applies_to(ctx) and compiled.evaluate(ctx) is not None:
                return False
        return True

    def _candidates(self, doc: Document) -> tuple[tuple[str, ...], list[int]]:
        """The document's capped fields and the indices of the active rules the prefilter
        lets through for them."""
        texts = tuple(
            cap_text(text, cap) for text, cap in zip(_fields(doc), FIELD_CAPS, strict=True)
        )
        return texts, self._prefilter.candidates(_word_text(texts), texts)

    def _terms(self, ctx: DocContext, occurrences: Sequence[Occurrence]) -> tuple[TermMatch, ...]:
        """Occurrences as term matches, in document order, each once."""
        terms = []
        for field_index, first, end, label in set(occurrences):
            field = ctx.fields[field_index]
            start, stop = field.original_span(first, end)
            terms.append(
                TermMatch(self._labels[label], field.original[start:stop], field.name, start, stop)
            )
        terms.sort(key=lambda t: (FIELD_NAMES.index(t.field), t.start, t.end, t.term))
        return tuple(terms)

    def _context(
        self, doc: Document, now: datetime, texts: Sequence[str], marks: str | None = None
    ) -> DocContext:
        """The document prepared for evaluation: every pattern found in its (capped) fields,
        with the years ``year:`` filters need and without names used as attributes.
        ``marks``: the question marks of the whole content when ``texts`` holds its lead."""
        fields = tuple(
            FieldText(i, text, normalize(text), marks if i == 2 else None)
            for i, text in enumerate(texts)
        )
        found: Found = {}
        for field in fields:
            self._scanner.scan(field, found)
        if self._years:
            self._find_years(fields, (doc.published or now).year, found)
        if self._attributes:
            _drop_attributes(self._attributes, found)
        if self._containers:
            _drop_inside(self._containers, found, self._year_ids)
        return DocContext(doc, now, fields, found)

    def _find_years(self, fields: Sequence[FieldText], current: int, found: Found) -> None:
        """Record the words that are years, under each ``year:>=N`` filter they satisfy."""
        for field in fields:
            for position, word in enumerate(field.words):
                if len(word) == 4 and word.isdecimal() and word[:2] in _CENTURIES:
                    before = current - int(word)
                    for at_least, pattern in self._years:
                        if before >= at_least:
                            found.setdefault(pattern, []).append(
                                (field.index, position, position + 1)
                            )

    def entities(self, doc: Document) -> tuple[Entity, ...]:
        """Every entry of the entity vocabularies found in ``doc`` (as document-scoped ones
        report them), whether or not a rule matches."""
        texts = [cap_text(text, cap) for text, cap in zip(_fields(doc), FIELD_CAPS, strict=True)]
        return self._find_entities(self._context(doc, doc.published or _EPOCH, texts), [])

    def _positions(
        self, ctx: DocContext, blocking: bool = True
    ) -> dict[EntityRef, list[tuple[int, int, int]]]:
        """Where each entity occurs (field, first word, end word). Left out: an occurrence
        inside a longer one of another entry (the "American" of "Organization of American
        States", the ECHR's "Menschenrechtskonvention" in "Amerikanische
        Menschenrechtskonvention"),
        and, with ``blocking``, one right after an ``entity_not_after`` term or right before an
        ``entity_not_before`` term."""
        spans: dict[EntityRef, list[tuple[int, int, int]]] = {}
        runs, refs = self._entity_runs, self._entity_refs
        for pattern, occurrences in ctx.found.items():
            if pattern + 1 >= len(runs):
                continue
            for at in range(runs[pattern], runs[pattern + 1]):
                code = refs[at]
                ref = (code >> 32, code & 0xFFFFFFFF)
                spans.setdefault(ref, []).extend(occurrences)
        outer = [(ref, o) for ref, found in spans.items() for o in found]
        positions: dict[EntityRef, list[tuple[int, int, int]]] = {}
        marks: dict[int, tuple[set[tuple[int, int]], set[tuple[int, int]]]] = {}
        for ref, found in spans.items():
            blockers = self._blockers.get(ref[0]) if blocking else None
            if blockers is not None and ref[0] not in marks:
                marks[ref[0]] = _blocking_marks(ctx, *blockers)
            ends, starts = marks[ref[0]] if blockers is not None else _NO_MARKS
            for field, start, end in found:
                if any(
                    other != ref and f == field and s <= start and end <= e and e - s > end - start
                    for other, (f, s, e) in outer
                ) or _next_to(field, start, end, ends, starts):
                    continue
                positions.setdefault(ref, []).append((field, start, end))
        return positions

    def _find_entities(self, ctx: DocContext, evidence: Sequence[Occurrence]) -> tuple[Entity, ...]:
        positions = self._positions(ctx)
        unblocked = None
        for vocab_index in self._blockers:
            if not any(ref[0] == vocab_index for ref in positions):
                # every occurrence was blocked: the text names no other candidate, keep them
                unblocked = unblocked or self._positions(ctx, blocking=False)
                positions.update((r, p) for r, p in unblocked.items() if r[0] == vocab_index)
        sentences = {(f, ctx.sentence_of(f, start)) for f, start, _, _ in evidence}
        tiers = (
            lambda f, start: (f, ctx.sentence_of(f, start)) in sentences,
            lambda f, start: f == 0,
            lambda f, start: True,
        )
        kept_at: dict[EntityRef, list[tuple[int, int, int]]] = {}
        for vocab_index in {ref[0] for ref in positions}:
            refs = [ref for ref in positions if ref[0] == vocab_index]
            if vocab_index not in self._evidence_scoped:
                kept_at.update((ref, positions[ref]) for ref in refs)
                continue
            for inside in tiers:
                kept = {ref: [p for p in positions[ref] if inside(p[0], p[1])] for ref in refs}
                kept = {ref: where for ref, where in kept.items() if where}
                if kept:
                    kept_at.update(kept)
                    break
        ordered = sorted(kept_at, key=lambda ref: (ref[0], min(kept_at[ref])))
        out = []
        for vocab_index, entry_index in ordered:
            vocabulary = self._vocabularies[vocab_index]
            entry = vocabulary.entries[entry_index]
            spans = tuple(
                (FIELD_NAMES[f], *ctx.fields[f].original_span(start, end))
                for f, start, end in sorted(set(kept_at[(vocab_index, entry_index)]))
            )
            out.append(Entity(vocabulary.name, entry.id, entry.label, spans, entry.generic))
        if self._phrase_kinds:
            kinds = {entity.kind for entity in out}
            for field, start, end, label in sorted(evidence):
                kind = self._phrase_kinds.get(label)
                if kind is not None and kind not in kinds:
                    out.append(phrase_entity(kind, ctx.fields[field], start, end))
                    kinds.add(kind)
        return tuple(out)

    def _report(
        self,
        rule: Rule,
        occurrences: list[Occurrence],
        ctx: DocContext,
        entities: tuple[Entity, ...],
    ) -> Match:
        terms = self._terms(ctx, occurrences)
        spans: dict[int, list[tuple[int, int]]] = {}
        for term in terms:
            spans.setdefault(FIELD_NAMES.index(term.field), []).append((term.start, term.end))
        snippet_field = min(spans) if spans else _first_nonempty(ctx)
        snippet, snippet_spans = build_snippet(
            ctx.fields[snippet_field].original, spans.get(snippet_field, [])
        )
        return Match(
            rule_id=rule.id,
            rule_title=rule.title,
            severity=rule.severity,
            channels=rule.channels,
            terms=terms,
            entities=entities,
            snippet=snippet,
            snippet_spans=snippet_spans,
        )


def _entity_table(patterns: dict[int, tuple[EntityRef, ...]]) -> tuple[array[int], array[int]]:
    """The entity entries each pattern names, as two flat arrays (compact in memory and on
    disk): pattern ``p``'s are ``refs[runs[p]:runs[p + 1]]``, each ``vocabulary << 32 | entry``.
    """
    size = max(patterns, default=-1) + 1
    runs = array("I", accumulate((len(patterns.get(p, ())) for p in range(size)), initial=0))
    refs = array(
        "Q", (vocab << 32 | entry for p in range(size) for vocab, entry in patterns.get(p, ()))
    )
    return runs, refs


def _bitmap(ids: frozenset[int]) -> bytes:
    """A set of pattern ids as one byte per id (1: in the set): tens of thousands of ids in a
    frozenset cost 2.8 MB of objects to read back from the cache, their bitmap 0.1 MB."""
    bits = bytearray(max(ids, default=-1) + 1)
    for pattern in ids:
        bits[pattern] = 1
    return bytes(bits)


def _drop_attributes(attributes: Sequence[tuple[bytes, bytes]], found: Found) -> None:
    """Remove the occurrences of names directly followed by an attribute noun (``not_before``):
    in "EU countries" the EU is no organisation being left. Walks the document's few found
    patterns, never the thousands of names and nouns (sets of ids as ``_bitmap``s)."""
    for names, nouns in attributes:
        size = len(nouns)
        starts = {(f, s) for p in found if p < size and nouns[p] for f, s, _ in found[p]}
        if not starts:
            continue
        size = len(names)
        for pattern in [p for p in found if p < size and names[p]]:
            kept = [o for o in found[pattern] if (o[0], o[2]) not in starts]
            if kept:
                found[pattern] = kept
            else:
                del found[pattern]


def _drop_inside(
    containers: Sequence[tuple[bytes, bytes]], found: Found, years: frozenset[int]
) -> None:
    """Remove the occurrences of words that lie inside a longer occurrence of a name
    (``not_inside``): the "exporting" of "Organization of the Petroleum Exporting Countries"
    is no export being stopped. The ``years`` patterns (``year:`` filters) go too inside
    those names: the 1975 of "the Algiers Agreement of 1975" is no date of the news. Walks the
    document's found patterns only, as :func:`_drop_attributes` does."""
    for words, names in containers:
        size = len(names)
        around = [o for p in found if p < size and names[p] for o in found[p]]
        if not around:
            continue
        size = len(words)
        inner = [p for p in found if (p < size and words[p]) or p in years]
        for pattern in inner:
            kept = [
                (field, start, end)
                for field, start, end in found[pattern]
                if not any(
                    f == field and s <= start and end <= e and e - s > end - start
                    for f, s, e in around
                )
            ]
            if kept:
                found[pattern] = kept
            else:
                del found[pattern]


_NO_MARKS: tuple[set[tuple[int, int]], set[tuple[int, int]]] = (set(), set())


def _blocking_marks(
    ctx: DocContext, after: frozenset[int], before: frozenset[int]
) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """Where the document's terms of ``after`` end and those of ``before`` start, as
    ``(field, word)``: read off the few patterns found, not the vocabularies' many."""
    found = ctx.found
    ends = {(f, e) for p in found if p in after for f, _, e in found[p]}
    starts = {(f, s) for p in found if p in before for f, s, _ in found[p]}
    return ends, starts


def _next_to(
    field: int, start: int, end: int, ends: set[tuple[int, int]], starts: set[tuple[int, int]]
) -> bool:
    """Whether a blocking term ends (``ends``) within ``_NOT_AFTER_WORDS`` words before the
    span ``start:end`` of ``field``, or one starts (``starts``) within as many words after it."""
    if ends and any((field, start - gap) in ends for gap in range(_NOT_AFTER_WORDS + 1)):
        return True
    return bool(starts) and any((field, end + gap) in starts for gap in range(_NOT_AFTER_WORDS + 1))


def _word_text(texts: Sequence[str], lead: list[str] | None = None) -> str:
    """What the prefilter searches: the words of the three fields, one space apart (``lead``:
    the words of the third field, already split)."""
    if lead is None:
        words = _SPACES.sub(" ", word_text(f"{texts[0]} {texts[1]} {texts[2]}")).strip(" ")
    else:
        words = _SPACES.sub(" ", word_text(f"{texts[0]} {texts[1]}")).strip(" ")
        words = f"{words} {' '.join(lead)}" if words else " ".join(lead)
    return f" {words} "


_SPACES = re.compile("  +")
"""Runs of spaces in a :func:`~rules._normal.word_text`, whose words are separated only by
spaces (every character that is no part of a word became one)."""


def _fields(doc: Document) -> tuple[str, str, str]:
    return (doc.title or "", doc.summary or "", doc.content or "")


def _first_nonempty(ctx: DocContext) -> int:
    return next((f.index for f in ctx.fields if f.original.strip()), 0)


def _exclude_parts(text: str, exclude: Evaluator) -> tuple[tuple[str, Evaluator], ...]:
    """The top-level ``OR`` branches of an ``exclude`` as written (white space collapsed), each
    with its compiled evaluator; the whole ``exclude`` when it is no ``OR`` of branches."""
    from rules._parser import or_branches  # the query parser, only when a near miss is told

    branches = or_branches(text)
    if isinstance(exclude, AnyOf) and len(branches) == len(exclude.children) > 1:
        return tuple(zip(branches, exclude.children, strict=True))
    return ((" ".join(text.split()), exclude),)
