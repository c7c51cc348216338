"""The delivery worker: reads due alerts from the outbox and sends them through their channels.

Record before you send: alerts reach this worker only as outbox rows written with their hit, so a
crash at any point loses nothing; a resend after a crash carries the same alert id.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from monitor.channels import Channel
from monitor.errors import DeliveryError, RejectedDeliveryError
from monitor.logs import log_event
from state import Store

__all__ = ["Deliverer", "DeliveryReport"]

log = logging.getLogger("treatywatch.delivery")


@dataclass(slots=True)
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class Deliverer:
    """Sends due outbox rows; one pass at a time."""

    def __init__(
        self, store: Store, channels: Mapping[str, Channel], clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.channels = dict(channels)
        self.clock = clock
        self._lock = asyncio.Lock()

    async def deliver_due(self, limit: int = 500) -> DeliveryReport:
        """Send every due alert once; a failure stays pending for the next pass."""
        report = DeliveryReport()
        async with self._lock:
            for row in self.store.due_alerts(self.clock(), limit=limit):
                channel = self.channels.get(row.channel)
                if channel is None:
                    continue  # the channel left the config; keep the row for when it returns
                try:
                    await channel.send(row.id, row.payload, json.loads(row.payload))
                except DeliveryError as exc:
                    report.failed += 1
                    report.errors.append(f"{row.id}: {exc}")
                    self.store.mark_failed(row.id, str(exc), next_attempt=self.clock())
                    log_event(
                        log,
                        logging.WARNING,
                        "delivery_failed",
                        channel=row.channel,
                        alert=row.id,
                        error=str(exc),
                        permanent=isinstance(exc, RejectedDeliveryError),
                    )
                    continue
                self.store.mark_sent(row.id, self.clock())
                report.sent += 1
                log_event(log, logging.INFO, "delivered", channel=row.channel, alert=row.id)
        return report

    async def aclose(self) -> None:
        for channel in self.channels.values():
            await channel.aclose()
