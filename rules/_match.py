"""What a matching rule reports: the terms found, the entities named and a snippet; and, for rule
authors, what a rule that nearly matched reports: the terms its query found and the sentences
its ``exclude`` masked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Entity", "Exclusion", "MaskedSpan", "Match", "NearMiss", "TermMatch"]


@dataclass(frozen=True, slots=True)
class TermMatch:
    """One matched term.

    ``term`` is the query term or vocabulary entry that matched (``withdr*``,
    ``@treaties:ottawa``); ``text`` is the matched text as it appears in ``field``;
    ``start``/``end`` are offsets into the original field string, so
    ``getattr(doc, field)[start:end] == text``.
    """

    term: str
    text: str
    field: str
    start: int
    end: int

    def describe(self) -> str:
        """One line for an explanation: ``term -> 'text' in field [start:end]``."""
        return f"{self.term} -> {self.text!r} in {self.field} [{self.start}:{self.end}]"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "term": self.term,
            "text": self.text,
            "field": self.field,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True, slots=True)
class Entity:
    """An entry of an entity vocabulary found in a document (``states``/``lithuania``).

    ``spans`` are where it was found, as ``(field, start, end)`` offsets into the original
    field string, in document order (for an evidence-scoped vocabulary: the occurrences that
    scoped it). They take no part in comparisons: one entity is one entry, wherever found.
    ``generic`` is the entry's flag: a kind of thing, not one thing (``generic: true``).
    """

    kind: str
    id: str
    label: str
    spans: tuple[tuple[str, int, int], ...] = field(default=(), compare=False)
    generic: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class Match:
    """A rule that matched a document, with the evidence an alert needs.

    ``snippet`` is plain text (at most 300 characters) around the first title or summary
    match; ``snippet_spans`` are the offsets of matched terms inside it, for each channel to
    highlight in its own markup.
    """

    rule_id: str
    rule_title: str
    severity: str
    channels: tuple[str, ...]
    terms: tuple[TermMatch, ...]
    entities: tuple[Entity, ...]
    snippet: str
    snippet_spans: tuple[tuple[int, int], ...]

    def entities_by_kind(self) -> dict[str, list[Entity]]:
        """Entities grouped by kind, in the order found."""
        grouped: dict[str, list[Entity]] = {}
        for entity in self.entities:
            grouped.setdefault(entity.kind, []).append(entity)
        return grouped

    def explain(self) -> str:
        """A multi-line, human-readable account of why the rule matched."""
        lines = [f"rule {self.rule_id!r} ({self.rule_title}), severity {self.severity}"]
        if self.terms:
            lines.append("matched terms:")
            lines.extend(f"  {t.describe()}" for t in self.terms)
        else:
            lines.append("matched terms: none (the query only used filters)")
        grouped = self.entities_by_kind()
        if grouped:
            lines.append("entities:")
            for kind, entities in grouped.items():
                named = ", ".join(f"{e.label} ({e.id})" for e in entities)
                lines.append(f"  {kind}: {named}")
        if self.channels:
            lines.append(f"channels: {', '.join(self.channels)}")
        if self.snippet:
            lines.append(f"snippet: {self.snippet}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict: rule, rule_title, severity, terms, entities, snippet, spans."""
        return {
            "rule": self.rule_id,
            "rule_title": self.rule_title,
            "severity": self.severity,
            "channels": list(self.channels),
            "terms": [term.to_dict() for term in self.terms],
            "entities": {
                kind: [{"id": e.id, "label": e.label} for e in entities]
                for kind, entities in self.entities_by_kind().items()
            },
            "snippet": self.snippet,
            "snippet_spans": [[start, end] for start, end in self.snippet_spans],
        }


@dataclass(frozen=True, slots=True)
class Exclusion:
    """One part of a rule's ``exclude`` that matched inside a masked sentence.

    ``expression`` is that part as written in the rule (a top-level ``OR`` branch of the
    ``exclude``, or the whole ``exclude`` when it has no top-level ``OR``; white space
    collapsed); ``terms`` are the terms it found in the sentence (none for a filter such as
    ``is:question`` or a ``NOT``).
    """

    expression: str
    terms: tuple[TermMatch, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict: expression, terms."""
        return {"expression": self.expression, "terms": [t.to_dict() for t in self.terms]}


@dataclass(frozen=True, slots=True)
class MaskedSpan:
    """A sentence that a rule's ``exclude`` masked: ``start``/``end`` are offsets into the
    original ``field`` string (from its first word to its last), so
    ``getattr(doc, field)[start:end] == text``; ``exclusions`` say which parts of the
    ``exclude`` matched there."""

    field: str
    start: int
    end: int
    text: str
    exclusions: tuple[Exclusion, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict: field, start, end, text, exclusions."""
        return {
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "exclusions": [e.to_dict() for e in self.exclusions],
        }


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A rule whose query matched a document but whose ``exclude`` masked the match: every
    sentence holding the evidence was masked, and what was left did not match.

    ``terms`` are what the query found before exclusion (in every round of it); ``masked``
    the sentences the ``exclude`` masked, in document order. See ``RuleSet.near_misses``.
    """

    rule_id: str
    rule_title: str
    severity: str
    terms: tuple[TermMatch, ...]
    masked: tuple[MaskedSpan, ...]

    def explain(self) -> str:
        """A multi-line, human-readable account of why the rule did not match."""
        lines = [
            f"near miss: rule {self.rule_id!r} ({self.rule_title}), severity {self.severity}",
            "the query matched:"
            if self.terms
            else "the query matched (with filters only, no terms)",
        ]
        lines.extend(f"  {t.describe()}" for t in self.terms)
        for span in self.masked:
            lines.append(
                f"the exclusion masked {span.field} [{span.start}:{span.end}] {span.text!r}:"
            )
            for exclusion in span.exclusions:
                lines.append(f"  {exclusion.expression}")
                lines.extend(f"    {t.describe()}" for t in exclusion.terms)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict: rule, rule_title, severity, terms, masked."""
        return {
            "rule": self.rule_id,
            "rule_title": self.rule_title,
            "severity": self.severity,
            "terms": [term.to_dict() for term in self.terms],
            "masked": [span.to_dict() for span in self.masked],
        }
