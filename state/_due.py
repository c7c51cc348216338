"""When the outbox next has work: the earliest due time of a pending row, per channel.

The delivery loop (``monitor.scheduler.deliver_forever``) sleeps until then instead of passing
over the outbox on a fixed rhythm.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from state._base import StoreBase, parse_iso
from state._outbox import _UNDIGESTED, _marks

__all__ = ["due_times"]


def due_times(
    store: StoreBase, *, channels: Collection[str], digest_channels: Collection[str] = ()
) -> dict[str, datetime]:
    """The earliest ``next_attempt`` per channel of ``channels`` among the rows that
    ``Store.due_alerts`` returns once they are due: pending, not in flight, not in a digest;
    rows of ``digest_channels`` wait for their digest (except operator, digest and test rows),
    so they are left out. A channel with no such row is absent."""
    if not channels:
        return {}
    clauses = [
        "status = 'pending'",
        "sending_since IS NULL",
        "digest_id IS NULL",
        f"channel IN ({_marks(channels)})",
    ]
    params: list[Any] = list(channels)
    if digest_channels:
        clauses.append(
            f"NOT (channel IN ({_marks(digest_channels)}) AND kind NOT IN ({_marks(_UNDIGESTED)}))"
        )
        params.extend([*digest_channels, *_UNDIGESTED])
    rows = store._all(
        f"""SELECT channel, min(next_attempt) AS due FROM alerts
            WHERE {" AND ".join(clauses)} GROUP BY channel""",
        params,
    )
    return {row["channel"]: parse_iso(row["due"]) for row in rows if row["due"]}
