"""The generic webhook channel: POST the alert's JSON to a configured URL.

2xx is success (the status code is the contract, whatever the body says); 4xx except 408 and
429 is a rejection; everything else, timeouts and connection errors included, is transient.
The URL is a secret: it never appears in an error message.
"""

from __future__ import annotations

from typing import Any

import httpx

from monitor.config import WebhookChannel as WebhookConfig
from monitor.errors import RejectedDeliveryError, TransientDeliveryError
from monitor.sources.fetch import user_agent

__all__ = ["WebhookChannel"]


class WebhookChannel:
    """POSTs the stored JSON body with ``Content-Type: application/json``."""

    def __init__(self, config: WebhookConfig, client: httpx.AsyncClient | None = None) -> None:
        self.name = config.name
        self._config = config
        self._client = client or httpx.AsyncClient(
            timeout=config.timeout.total_seconds(), follow_redirects=False, trust_env=False
        )

    async def send(self, alert_id: str, body: str, payload: dict[str, Any]) -> None:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": user_agent(),
            "X-Treatywatch-Alert-Id": alert_id,
            **self._config.headers,
        }
        try:
            response = await self._client.post(
                self._config.url, content=body.encode(), headers=headers
            )
        except httpx.TimeoutException:
            raise TransientDeliveryError(f"{self.name}: timed out") from None
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(f"{self.name}: {type(exc).__name__}") from None
        status = response.status_code
        if 200 <= status < 300:
            return
        reason = f"{self.name}: HTTP {status}"
        if 400 <= status < 500 and status not in (408, 429):
            raise RejectedDeliveryError(reason)
        raise TransientDeliveryError(reason)

    async def aclose(self) -> None:
        await self._client.aclose()
