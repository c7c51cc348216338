"""Plumbing shared by the query mixins: transactions and row reading."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from state.db import DURABLE, LAZY
from state.errors import store_error

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["StoreBase", "iso", "json_column", "parse_iso", "parse_iso_or_none"]


def json_column(text: str | None, default: Any) -> Any:
    """A JSON text column (``hits.matched``, ``hits.explanation``...) decoded, or ``default``
    when it is empty or not JSON (a row written by an older or broken version)."""
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def iso(moment: datetime) -> str:
    """The storage form of a time: ISO 8601 in UTC with a ``Z``, second precision or finer."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass an aware UTC time")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """A time written by :func:`iso` (or any ISO 8601 date or time) back as an aware UTC
    datetime. ``Z`` and offsets are honoured; a time without a zone is read as UTC. Raises
    ``ValueError`` naming the text when it is not ISO 8601."""
    try:
        moment = datetime.fromisoformat(text.strip())
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (AttributeError, TypeError, ValueError, OverflowError):  # not text, junk, year 0
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None


def parse_iso_or_none(text: str | None) -> datetime | None:
    """:func:`parse_iso` for a column that may be empty or hold junk: None for those."""
    if not text:
        return None
    try:
        return parse_iso(text)
    except ValueError:
        return None


class StoreBase:
    """Holds the database and the helpers every query mixin uses."""

    db: sqlite_utils.Database

    @contextmanager
    def _write(self, *, durable: bool = True) -> Iterator[None]:
        """One write transaction; ``durable=False`` for one a power cut may undo (see
        :meth:`_synchronous`)."""
        try:
            with self._synchronous(durable), self.db.atomic():
                yield
        except sqlite3.Error as exc:
            raise store_error(exc, "database write") from exc

    @contextmanager
    def _synchronous(self, durable: bool) -> Iterator[None]:
        """Commit the transaction opened inside without waiting for an fsync, unless
        ``durable``. In WAL mode such a commit survives a crash or a SIGKILL (the WAL is
        written before the commit returns) and leaves the database consistent after a power
        cut, which may undo it and the lazy commits after it, never one before the last durable
        commit (the WAL is replayed as a prefix, and a durable commit fsyncs all of it). The
        level is set outside any transaction: SQLite reads it when the transaction begins."""
        conn = self.db.conn
        if durable or conn.in_transaction:
            yield
            return
        conn.execute(f"PRAGMA synchronous = {LAZY}")
        try:
            yield
        finally:
            conn.execute(f"PRAGMA synchronous = {DURABLE}")

    def _one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self._all(sql, params)
        return rows[0] if rows else None

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        try:
            cursor = self.db.execute(sql, params)
        except sqlite3.Error as exc:
            raise store_error(exc, "database read") from exc
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
