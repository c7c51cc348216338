"""Values that cross the state boundary: what callers write and what queries return."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AlertRow", "NewAlert", "NewHit", "NewItem", "RecordResult", "SourceState"]


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the database remembers about one source between polls."""

    name: str
    url: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    first_success: str | None
    last_polled: str | None
    last_success: str | None
    last_status: int | None
    last_error: str | None
    last_error_class: str | None
    consecutive_failures: int
    entries_last_poll: int | None


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An outbox row to write: ``id`` is stable and reused on every delivery attempt."""

    id: str
    channel: str
    payload: str


@dataclass(frozen=True, slots=True)
class NewHit:
    """A rule that matched an item; ``matched`` and ``explanation`` are JSON text."""

    rule: str
    severity: str
    matched: str
    explanation: str
    alerts: tuple[NewAlert, ...] = ()


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item to store; ``key`` identifies it within its source (guid, else link, else hash)."""

    key: str
    title: str
    summary: str
    guid: str | None = None
    link: str | None = None
    canonical_link: str | None = None
    language: str | None = None
    published: str | None = None
    hits: tuple[NewHit, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordResult:
    """How many rows one call to ``Store.record_items`` added."""

    items: int = 0
    hits: int = 0
    alerts: int = 0


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One outbox row."""

    id: str
    hit_id: int | None
    channel: str
    kind: str
    status: str
    attempts: int
    next_attempt: str
    last_error: str | None
    created: str
    sent_at: str | None
    payload: str
