"""What a matching rule reports: the terms found, the entities named and a snippet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Entity", "Match", "TermMatch"]


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
            lines.extend(
                f"  {t.term} -> {t.text!r} in {t.field} [{t.start}:{t.end}]" for t in self.terms
            )
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
