"""Queries about sources: HTTP validators, last outcome, health and the next poll."""

from __future__ import annotations

from datetime import datetime

from state._base import StoreBase, iso
from state.records import SourcePoll, SourceState

__all__ = ["SourceQueries"]


class SourceQueries(StoreBase):
    def source(self, name: str) -> SourceState | None:
        row = self._one("SELECT * FROM sources WHERE name = ?", (name,))
        return None if row is None else SourceState(**row)

    def sources(self) -> list[SourceState]:
        return [SourceState(**row) for row in self._all("SELECT * FROM sources ORDER BY name")]

    def record_poll(
        self, name: str, poll: SourcePoll, now: datetime, *, durable: bool = True
    ) -> None:
        """Remember the outcome of one poll and what was decided about the next one.

        On success the failing streak ends and new validators replace the stored ones; on
        failure the validators, the body hash and the entry count are kept, the streak grows
        and ``failing_since`` keeps the start of the streak. ``durable=False`` commits without
        waiting for an fsync (``StoreBase._synchronous``): a power cut may undo the record, and
        the source is then polled again as if this poll had not happened.
        """
        stamp = iso(now)
        common = {
            "url": poll.url,
            "config_url": poll.config_url,
            "stamp": stamp,
            "status": poll.status,
            "next_poll": poll.next_poll,
            "next_poll_reason": poll.next_poll_reason,
            "interval_seconds": poll.interval_seconds,
            "hint_seconds": poll.hint_seconds,
            "redirect_url": poll.redirect_url,
            "redirect_seen": poll.redirect_seen,
            "disabled_reason": poll.disabled_reason,
            "warning": poll.warning,
            "name": name,
        }
        with self._write(durable=durable):
            self.db.execute(
                "INSERT OR IGNORE INTO sources (name, url, config_url) VALUES (?, ?, ?)",
                (name, poll.url, poll.config_url),
            )
            self.db.execute(
                """UPDATE sources SET url = :url, config_url = :config_url,
                   last_polled = :stamp, last_status = :status, polls = polls + 1,
                   next_poll = :next_poll, next_poll_reason = :next_poll_reason,
                   interval_seconds = COALESCE(:interval_seconds, interval_seconds),
                   hint_seconds = :hint_seconds,
                   redirect_url = :redirect_url, redirect_seen = :redirect_seen,
                   disabled_reason = :disabled_reason,
                   disabled_at = CASE WHEN :disabled_reason IS NULL THEN NULL
                                      ELSE COALESCE(disabled_at, :stamp) END,
                   last_warning = :warning
                   WHERE name = :name""",
                common,
            )
            if poll.ok:
                self.db.execute(
                    """UPDATE sources SET last_success = :stamp,
                       first_success = COALESCE(first_success, :stamp),
                       consecutive_failures = 0, failing_since = NULL,
                       last_error = NULL, last_error_class = NULL,
                       etag = COALESCE(:etag, etag),
                       last_modified = COALESCE(:last_modified, last_modified),
                       body_hash = COALESCE(:body_hash, body_hash),
                       entries_last_poll = COALESCE(:entries, entries_last_poll),
                       last_new_item = CASE WHEN :new_items > 0 THEN :stamp
                                            ELSE last_new_item END,
                       activity = COALESCE(:activity, activity),
                       items_per_day = COALESCE(:items_per_day, items_per_day)
                       WHERE name = :name""",
                    {
                        "stamp": stamp,
                        "etag": poll.etag,
                        "last_modified": poll.last_modified,
                        "body_hash": poll.body_hash,
                        "entries": poll.entries,
                        "new_items": poll.new_items,
                        "activity": poll.activity,
                        "items_per_day": poll.items_per_day,
                        "name": name,
                    },
                )
            else:
                self.db.execute(
                    """UPDATE sources SET last_error = :error, last_error_class = :error_class,
                       consecutive_failures = consecutive_failures + 1, failures = failures + 1,
                       failing_since = COALESCE(failing_since, :stamp)
                       WHERE name = :name""",
                    {
                        "error": poll.error,
                        "error_class": poll.error_class,
                        "stamp": stamp,
                        "name": name,
                    },
                )

    def reset_source(self, name: str, config_url: str) -> None:
        """Forget what was learnt about a source's URL: validators, redirects, a disabled state
        and the schedule (the operator changed its URL, or asked for a fresh start). Items,
        hits and the health history stay."""
        with self._write():
            self.db.execute(
                """UPDATE sources SET url = ?, config_url = ?, etag = NULL, last_modified = NULL,
                   body_hash = NULL, redirect_url = NULL, redirect_seen = 0,
                   disabled_reason = NULL, disabled_at = NULL, next_poll = NULL,
                   next_poll_reason = NULL, consecutive_failures = 0, failing_since = NULL
                   WHERE name = ?""",
                (config_url, config_url, name),
            )

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
        """Remember the outcome of one poll without scheduling information (``record_poll``
        with the configured URL); kept for callers that only know the fetch."""
        self.record_poll(
            name,
            SourcePoll(
                url=url,
                config_url=url,
                ok=error is None,
                status=status,
                error=error,
                error_class=error_class,
                etag=etag,
                last_modified=last_modified,
                body_hash=body_hash,
                entries=entries,
            ),
            now,
        )
