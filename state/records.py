"""Values that cross the state boundary: what callers write and what queries return."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from state._stories import StoryHit

__all__ = ["AlertRow", "NewAlert", "NewHit", "NewItem", "RecordResult", "SourcePoll", "SourceState"]


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
    # health and scheduling (migration 0002)
    config_url: str | None = None
    next_poll: str | None = None
    next_poll_reason: str | None = None
    interval_seconds: float | None = None
    hint_seconds: float | None = None
    failing_since: str | None = None
    last_new_item: str | None = None
    activity: float = 0.0
    items_per_day: float | None = None
    redirect_url: str | None = None
    redirect_seen: int = 0
    disabled_reason: str | None = None
    disabled_at: str | None = None
    last_warning: str | None = None
    polls: int = 0
    failures: int = 0


@dataclass(frozen=True, slots=True)
class SourcePoll:
    """What one poll of a source decided, written by ``Store.record_poll`` in one statement.

    ``url`` is the URL fetched from now on (the configured one, or a confirmed permanent
    redirect); ``config_url`` the one in the config. Times are ISO 8601 UTC strings.
    """

    url: str
    config_url: str
    ok: bool
    status: int | None = None
    error: str | None = None
    error_class: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    entries: int | None = None
    new_items: int = 0
    warning: str | None = None
    next_poll: str | None = None
    next_poll_reason: str | None = None
    interval_seconds: float | None = None
    hint_seconds: float | None = None
    activity: float | None = None
    items_per_day: float | None = None
    redirect_url: str | None = None
    redirect_seen: int = 0
    disabled_reason: str | None = None


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
    # What the story logic needs (issue 11): one entry per treaty the hit names.
    stories: tuple[StoryHit, ...] = ()


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
    # identity keys (``guid:``, ``url:``, ``fp:``; see monitor.core.dedup), checked across sources
    identity: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordResult:
    """How many rows one recording (``monitor.recording.record``) added."""

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
    # delivery bookkeeping (migration 0004)
    dead_reason: str | None = None
    first_attempt: str | None = None
    last_attempt: str | None = None
    sending_since: str | None = None
    digest_id: str | None = None
