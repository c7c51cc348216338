"""The alert outbox: due rows, claims, delivery outcomes, digests, re-queueing and listing.

A row's life: ``pending`` → (claimed: ``sending_since`` set, ``attempts`` counted, committed
before the request leaves) → ``sent`` | ``pending`` again with a later ``next_attempt`` |
``dead`` with a ``dead_reason``. A row still marked ``sending_since`` when no delivery pass is
running was interrupted (the process died mid-send): ``recover_interrupted`` makes it due again,
and it is resent with the same id. Digest rows (``kind='digest'``) carry their members along:
members point at their digest through ``digest_id`` and follow its outcome.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from state._base import StoreBase, iso
from state.records import AlertRow, NewAlert

__all__ = ["INTERRUPTED", "OutboxQueries"]

_ALERT_COLUMNS = (
    "id, hit_id, channel, kind, status, attempts, next_attempt, last_error, created, sent_at, "
    "payload, dead_reason, first_attempt, last_attempt, sending_since, digest_id"
)
# Kinds that are always delivered one by one, even on a channel in digest mode.
_UNDIGESTED = ("ops", "digest", "test")
INTERRUPTED = "interrupted: the process stopped during delivery; resent with the same id"


def _marks(values: Collection[Any]) -> str:
    return ",".join("?" * len(values))


class OutboxQueries(StoreBase):
    def enqueue(self, alert: NewAlert, now: datetime, *, kind: str = "alert") -> bool:
        """Add an outbox row not tied to a hit (operator and test messages); False if the id
        is already queued."""
        stamp = iso(now)
        with self._write():
            cursor = self.db.execute(
                """INSERT OR IGNORE INTO alerts (id, hit_id, channel, kind, status,
                   next_attempt, created, payload) VALUES (?, NULL, ?, ?, 'pending', ?, ?, ?)""",
                (alert.id, alert.channel, kind, stamp, stamp, alert.payload),
            )
        return cursor.rowcount == 1

    def due_alerts(
        self,
        now: datetime,
        limit: int = 100,
        *,
        channels: Collection[str] | None = None,
        digest_channels: Collection[str] = (),
        exclude: Collection[str] = (),
    ) -> list[AlertRow]:
        """Pending alerts whose next attempt is due and that are not in flight, oldest first.

        ``channels`` limits the rows to those channels; rows of ``digest_channels`` wait for
        their digest (except operator, digest and test rows); ids in ``exclude`` are skipped.
        """
        clauses = [
            "status = 'pending'",
            "next_attempt <= ?",
            "sending_since IS NULL",
            "digest_id IS NULL",
        ]
        params: list[Any] = [iso(now)]
        if channels is not None:
            if not channels:
                return []
            clauses.append(f"channel IN ({_marks(channels)})")
            params.extend(channels)
        if digest_channels:
            clauses.append(
                f"NOT (channel IN ({_marks(digest_channels)}) "
                f"AND kind NOT IN ({_marks(_UNDIGESTED)}))"
            )
            params.extend([*digest_channels, *_UNDIGESTED])
        if exclude:
            clauses.append(f"id NOT IN ({_marks(exclude)})")
            params.extend(exclude)
        rows = self._all(
            f"""SELECT {_ALERT_COLUMNS} FROM alerts WHERE {" AND ".join(clauses)}
                ORDER BY created, id LIMIT ?""",
            (*params, limit),
        )
        return [AlertRow(**row) for row in rows]

    def alert(self, alert_id: str) -> AlertRow | None:
        row = self._one(f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE id = ?", (alert_id,))
        return AlertRow(**row) if row else None

    def alerts(
        self,
        *,
        status: str | None = None,
        channel: str | None = None,
        kind: str | None = None,
        limit: int = 100,
    ) -> list[AlertRow]:
        """Outbox rows, newest first, optionally filtered."""
        clauses, params = [], []
        for column, value in (("status", status), ("channel", channel), ("kind", kind)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._all(
            f"SELECT {_ALERT_COLUMNS} FROM alerts {where} ORDER BY created DESC, id LIMIT ?",
            (*params, limit),
        )
        return [AlertRow(**row) for row in rows]

    def digest_members(self, digest_id: str) -> list[AlertRow]:
        rows = self._all(
            f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE digest_id = ? ORDER BY created, id",
            (digest_id,),
        )
        return [AlertRow(**row) for row in rows]

    def outbox_counts(self) -> dict[tuple[str, str], int]:
        """Row counts by (channel, status)."""
        rows = self._all("SELECT channel, status, count(*) AS n FROM alerts GROUP BY 1, 2")
        return {(row["channel"], row["status"]): int(row["n"]) for row in rows}

    def oldest_pending(self) -> str | None:
        """When the oldest pending row was created (ISO 8601), or None."""
        row = self._one("SELECT min(created) AS oldest FROM alerts WHERE status = 'pending'")
        return None if row is None else row["oldest"]

    def database_path(self) -> Path | None:
        """The file of the main database (None for an in-memory one)."""
        for row in self._all("PRAGMA database_list"):
            if row["name"] == "main" and row["file"]:
                return Path(row["file"])
        return None

    # -- one attempt -----------------------------------------------------------------------

    def claim(self, alert_id: str, now: datetime) -> bool:
        """Mark a pending row as in flight and count the attempt, committed before the request
        leaves. False if the row is not pending or already in flight."""
        stamp = iso(now)
        with self._write():
            cursor = self.db.execute(
                """UPDATE alerts SET sending_since = ?, attempts = attempts + 1,
                   last_attempt = ?, first_attempt = coalesce(first_attempt, ?)
                   WHERE id = ? AND status = 'pending' AND sending_since IS NULL""",
                (stamp, stamp, stamp, alert_id),
            )
        return cursor.rowcount == 1

    def mark_sent(self, alert_id: str, now: datetime, *, note: str | None = None) -> None:
        """The receiver accepted the row (a digest's members with it). ``note`` keeps a partial
        outcome, e.g. a refused recipient of an email that others received."""
        stamp = iso(now)
        with self._write():
            self.db.execute(
                """UPDATE alerts SET status = 'sent', sent_at = ?, last_error = ?,
                   dead_reason = NULL, sending_since = NULL,
                   attempts = attempts + (sending_since IS NULL),
                   first_attempt = coalesce(first_attempt, ?),
                   last_attempt = coalesce(last_attempt, ?)
                   WHERE id = ?""",
                (stamp, note, stamp, stamp, alert_id),
            )
            self.db.execute(
                """UPDATE alerts SET status = 'sent', sent_at = ?, dead_reason = NULL
                   WHERE digest_id = ? AND status != 'sent'""",
                (stamp, alert_id),
            )

    def mark_failed(
        self,
        alert_id: str,
        error: str,
        *,
        next_attempt: datetime,
        dead: bool = False,
        reason: str | None = None,
    ) -> None:
        """The attempt failed: retry at ``next_attempt``, or park the row as ``dead`` with
        ``reason`` (a digest's members die with it)."""
        with self._write():
            self.db.execute(
                """UPDATE alerts SET status = ?, last_error = ?, next_attempt = ?,
                   dead_reason = ?, sending_since = NULL,
                   attempts = attempts + (sending_since IS NULL)
                   WHERE id = ?""",
                (
                    "dead" if dead else "pending",
                    error,
                    iso(next_attempt),
                    (reason or error) if dead else None,
                    alert_id,
                ),
            )
            if dead:
                self.db.execute(
                    """UPDATE alerts SET status = 'dead', dead_reason = ?
                       WHERE digest_id = ? AND status = 'pending'""",
                    (f"digest {alert_id} is dead: {reason or error}", alert_id),
                )

    def release(self, alert_id: str) -> None:
        """Undo a claim whose request never left (the attempt is not counted)."""
        with self._write():
            self.db.execute(
                """UPDATE alerts SET sending_since = NULL, attempts = max(attempts - 1, 0)
                   WHERE id = ? AND sending_since IS NOT NULL""",
                (alert_id,),
            )

    def recover_interrupted(self, now: datetime) -> list[str]:
        """Rows left in flight by a process that died: due again now, same id. Call only while
        no other delivery pass runs on this database (the deliverer holds a lock file)."""
        with self._write():
            ids = [
                str(row[0])
                for row in self.db.execute(
                    "SELECT id FROM alerts WHERE sending_since IS NOT NULL ORDER BY created, id"
                ).fetchall()
            ]
            self.db.execute(
                """UPDATE alerts SET sending_since = NULL, next_attempt = ?, last_error = ?
                   WHERE sending_since IS NOT NULL AND status = 'pending'""",
                (iso(now), INTERRUPTED),
            )
            # a row marked sent or dead cannot still be in flight; clear a stray marker
            self.db.execute(
                "UPDATE alerts SET sending_since = NULL WHERE sending_since IS NOT NULL"
            )
        return ids

    def kill_pending(self, channel: str, reason: str, now: datetime) -> int:
        """Park every pending row of ``channel`` as dead (the endpoint is gone for good); the
        rows stay for ``requeue``."""
        with self._write():
            cursor = self.db.execute(
                """UPDATE alerts SET status = 'dead', dead_reason = ?, next_attempt = ?
                   WHERE channel = ? AND status = 'pending' AND sending_since IS NULL""",
                (reason, iso(now), channel),
            )
        return int(cursor.rowcount)

    # -- digests ---------------------------------------------------------------------------

    def digest_candidates(
        self, channel: str, before: datetime, limit: int = 1000
    ) -> list[AlertRow]:
        """Pending rows of a digest channel created before ``before`` and not yet in a digest."""
        rows = self._all(
            f"""SELECT {_ALERT_COLUMNS} FROM alerts
                WHERE channel = ? AND status = 'pending' AND digest_id IS NULL
                AND sending_since IS NULL AND created < ?
                AND kind NOT IN ({_marks(_UNDIGESTED)})
                ORDER BY created, id LIMIT ?""",
            (channel, iso(before), *_UNDIGESTED, limit),
        )
        return [AlertRow(**row) for row in rows]

    def create_digest(self, digest: NewAlert, members: Iterable[str], now: datetime) -> int:
        """Write the digest row and attach ``members`` to it in one transaction; returns how
        many members it took (0: nothing written)."""
        ids = list(members)
        if not ids:
            return 0
        stamp = iso(now)
        with self._write():
            cursor = self.db.execute(
                """INSERT OR IGNORE INTO alerts (id, hit_id, channel, kind, status,
                   next_attempt, created, payload)
                   VALUES (?, NULL, ?, 'digest', 'pending', ?, ?, ?)""",
                (digest.id, digest.channel, stamp, stamp, digest.payload),
            )
            if cursor.rowcount == 0:
                return 0
            taken = 0
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                taken += self.db.execute(
                    f"""UPDATE alerts SET digest_id = ? WHERE id IN ({_marks(chunk)})
                        AND digest_id IS NULL AND status = 'pending'""",
                    (digest.id, *chunk),
                ).rowcount
        return taken

    # -- operator actions ------------------------------------------------------------------

    def requeue(self, alert_id: str, now: datetime, *, force: bool = False) -> bool:
        """Make one dead (or, with ``force``, sent) row pending again, due now, with a fresh
        attempt budget and the same id. A digest takes its members along; a member whose digest
        is not re-queued with it leaves the digest and joins the next one."""
        row = self.alert(alert_id)
        allowed = ("dead", "pending", "sent") if force else ("dead", "pending")
        if row is None or row.status not in allowed:
            return False
        stamp = iso(now)
        with self._write():
            self.db.execute(
                """UPDATE alerts SET status = 'pending', attempts = 0, first_attempt = NULL,
                   dead_reason = NULL, next_attempt = ?, sending_since = NULL, sent_at = NULL
                   WHERE id = ?""",
                (stamp, alert_id),
            )
            if row.kind == "digest":
                members = "'dead', 'sent'" if force else "'dead'"
                self.db.execute(
                    f"""UPDATE alerts SET status = 'pending', dead_reason = NULL, sent_at = NULL
                        WHERE digest_id = ? AND status IN ({members})""",
                    (alert_id,),
                )
            elif row.digest_id is not None:
                self.db.execute("UPDATE alerts SET digest_id = NULL WHERE id = ?", (alert_id,))
        return True

    def requeue_dead(self, now: datetime, *, channel: str | None = None) -> int:
        """Re-queue every dead row (of ``channel``); digests keep their members."""
        where = "status = 'dead'" + (" AND channel = ?" if channel is not None else "")
        params: tuple[Any, ...] = (channel,) if channel is not None else ()
        with self._write():
            cursor = self.db.execute(
                f"""UPDATE alerts SET status = 'pending', attempts = 0, first_attempt = NULL,
                    dead_reason = NULL, next_attempt = ?, sending_since = NULL
                    WHERE {where}""",
                (iso(now), *params),
            )
            # a dead member whose digest was not dead (cannot normally happen) joins the next
            self.db.execute(
                """UPDATE alerts SET digest_id = NULL WHERE digest_id IS NOT NULL
                   AND status = 'pending'
                   AND digest_id NOT IN (SELECT id FROM alerts WHERE status = 'pending')"""
            )
        return int(cursor.rowcount)
