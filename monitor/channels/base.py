"""What every alert channel offers the delivery worker."""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["Channel"]


class Channel(Protocol):
    """Delivers one alert; raises ``TransientDeliveryError`` or ``RejectedDeliveryError``."""

    name: str

    async def send(self, alert_id: str, body: str, payload: dict[str, Any]) -> None:
        """``body`` is the stored JSON text of ``payload``, byte-identical on every attempt."""
        ...

    async def aclose(self) -> None: ...
