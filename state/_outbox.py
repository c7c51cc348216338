"""The alert outbox: due rows, delivery outcomes, listing."""

from __future__ import annotations

from datetime import datetime

from state._base import StoreBase, iso
from state.records import AlertRow, NewAlert

__all__ = ["OutboxQueries"]

_ALERT_COLUMNS = (
    "id, hit_id, channel, kind, status, attempts, next_attempt, last_error, created, sent_at, "
    "payload"
)


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

    def due_alerts(self, now: datetime, limit: int = 100) -> list[AlertRow]:
        """Pending alerts whose next attempt is due, oldest first."""
        rows = self._all(
            f"""SELECT {_ALERT_COLUMNS} FROM alerts
                WHERE status = 'pending' AND next_attempt <= ?
                ORDER BY created, id LIMIT ?""",
            (iso(now), limit),
        )
        return [AlertRow(**row) for row in rows]

    def alerts(
        self, *, status: str | None = None, channel: str | None = None, limit: int = 100
    ) -> list[AlertRow]:
        clauses, params = [], []
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        if channel is not None:
            clauses.append("channel = ?")
            params.append(channel)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._all(
            f"SELECT {_ALERT_COLUMNS} FROM alerts {where} ORDER BY created DESC, id LIMIT ?",
            (*params, limit),
        )
        return [AlertRow(**row) for row in rows]

    def mark_sent(self, alert_id: str, now: datetime) -> None:
        with self._write():
            self.db.execute(
                """UPDATE alerts SET status = 'sent', sent_at = ?, attempts = attempts + 1,
                   last_error = NULL WHERE id = ?""",
                (iso(now), alert_id),
            )

    def mark_failed(
        self, alert_id: str, error: str, *, next_attempt: datetime, dead: bool = False
    ) -> None:
        with self._write():
            self.db.execute(
                """UPDATE alerts SET status = ?, attempts = attempts + 1, last_error = ?,
                   next_attempt = ? WHERE id = ?""",
                ("dead" if dead else "pending", error, iso(next_attempt), alert_id),
            )
