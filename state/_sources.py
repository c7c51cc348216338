"""Queries about sources: HTTP validators, last outcome and health."""

from __future__ import annotations

from datetime import datetime

from state._base import StoreBase, iso
from state.records import SourceState

__all__ = ["SourceQueries"]


class SourceQueries(StoreBase):
    def source(self, name: str) -> SourceState | None:
        row = self._one("SELECT * FROM sources WHERE name = ?", (name,))
        return None if row is None else SourceState(**row)

    def sources(self) -> list[SourceState]:
        return [SourceState(**row) for row in self._all("SELECT * FROM sources ORDER BY name")]

    def record_fetch(
        self,
        name: str,
        url: str,
        *,
        now: datetime,
        status: int | None,
        error: str | None = None,
        error_class: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        body_hash: str | None = None,
        entries: int | None = None,
    ) -> None:
        """Remember the outcome of one poll. On failure the stored validators are kept."""
        stamp = iso(now)
        with self._write():
            self.db.execute("INSERT OR IGNORE INTO sources (name, url) VALUES (?, ?)", (name, url))
            if error is None:
                self.db.execute(
                    """UPDATE sources SET url = ?, last_polled = ?, last_success = ?,
                       first_success = COALESCE(first_success, ?), last_status = ?,
                       consecutive_failures = 0, last_error = NULL, last_error_class = NULL,
                       etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
                       body_hash = COALESCE(?, body_hash),
                       entries_last_poll = COALESCE(?, entries_last_poll)
                       WHERE name = ?""",
                    (
                        url,
                        stamp,
                        stamp,
                        stamp,
                        status,
                        etag,
                        last_modified,
                        body_hash,
                        entries,
                        name,
                    ),
                )
            else:
                self.db.execute(
                    """UPDATE sources SET url = ?, last_polled = ?, last_status = ?,
                       last_error = ?, last_error_class = ?,
                       consecutive_failures = consecutive_failures + 1 WHERE name = ?""",
                    (url, stamp, status, error, error_class, name),
                )
