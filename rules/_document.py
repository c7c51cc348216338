"""The document a rule set matches against: one news item, already adapted by the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Document"]


@dataclass(frozen=True, slots=True)
class Document:
    """One item to match.

    ``language`` is an ISO 639-1 code (``"pl"``; a region suffix like ``"pl-PL"`` is ignored)
    or ``None`` when unknown; ``source`` is the configured source name and ``source_tags`` its
    tags; ``published`` should be timezone-aware (a naive value is read as UTC).
    """

    title: str
    summary: str = ""
    content: str = ""
    language: str | None = None
    source: str = ""
    source_tags: frozenset[str] = frozenset()
    published: datetime | None = None
    url: str = ""
