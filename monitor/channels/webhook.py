"""The generic webhook channel: POST the alert's JSON (or a templated body) to a configured URL.

Every request carries the Standard Webhooks headers: ``webhook-id`` (the alert id, the same on
every attempt: receivers drop repeats by it), ``webhook-timestamp`` (this attempt, Unix seconds)
and, when secrets are configured, ``webhook-signature``: ``v1,<base64 HMAC-SHA256>`` of
``{id}.{timestamp}.{body}`` per secret, space-separated during a rotation. The signed bytes are
exactly the bytes sent.

2xx is success, whatever the body says (the status code is the contract). 3xx is not followed
and is a refusal; 4xx except 408/425/429 is a refusal (400/413/415/422 final, 410 gone); the
rest, timeouts and connection errors included, is transient, with ``Retry-After`` honoured.
The URL, header values and secrets never appear in an error message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from monitor.channels.base import (
    Sent,
    http_client,
    http_failure,
    redact,
    short_body,
    transport_failure,
)
from monitor.config import WebhookChannel as WebhookConfig
from monitor.errors import DeliveryError
from monitor.payload_template import render_template
from monitor.proxy import ProxyRoutes
from monitor.sources.fetch import user_agent

__all__ = ["MAX_BODY", "WebhookChannel", "fit_payload", "sign"]

MAX_BODY = 20_000  # bytes: Standard Webhooks recommends payloads under 20 kB


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One Standard Webhooks v1 signature (``whsec_`` + base64 secret)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def fit_payload(body: str, payload: dict[str, Any], limit: int = MAX_BODY) -> str:
    """``body`` itself when it fits in ``limit`` bytes, else the payload with its bulkiest
    fields cut (deterministically, so every attempt sends the same bytes)."""
    if len(body.encode()) <= limit:
        return body
    slim = dict(payload)
    slim["truncated"] = True
    if "explanation" in slim:
        slim["explanation"] = {"omitted": "payload size limit"}
    for key, keep in (("summary", 2000), ("snippet", 600), ("summary", 300), ("title", 500)):
        text = _dump(slim)
        if len(text.encode()) <= limit:
            return text
        value = slim.get(key)
        if isinstance(value, str) and len(value) > keep:
            slim[key] = value[: keep - 1] + "…"
    if isinstance(slim.get("alerts"), list):  # a digest: keep the newest entries that fit
        while len(_dump(slim).encode()) > limit and slim["alerts"]:
            slim["alerts"] = slim["alerts"][:-1]
            slim["alerts_omitted"] = int(slim.get("alerts_omitted") or 0) + 1
    return _dump(slim)


class WebhookChannel:
    """POSTs the stored JSON body (or the configured template) to the channel's URL."""

    def __init__(
        self,
        config: WebhookConfig,
        client: httpx.AsyncClient | None = None,
        *,
        now: Callable[[], float] = time.time,
        proxy: ProxyRoutes | None = None,
    ) -> None:
        self.name = config.name
        self._config = config
        self._now = now
        self._secrets = (config.url, *config.headers.values(), *config.secret)
        self._client = client or http_client(config.timeout.total_seconds(), proxy)

    def render(self, body: str, payload: dict[str, Any]) -> tuple[bytes, str]:
        """The request body and its content type for one alert."""
        template = self._config.template
        if template is None:
            return fit_payload(body, payload).encode(), "application/json"
        rendered = render_template(template, payload)
        if isinstance(rendered, str):
            return rendered.encode(), self._config.content_type or "text/plain; charset=utf-8"
        return _dump(rendered).encode(), self._config.content_type or "application/json"

    async def send(self, alert_id: str, body: str, payload: dict[str, Any]) -> Sent:
        try:
            return await self._send(alert_id, body, payload)
        except DeliveryError as exc:
            exc.args = (redact(str(exc), self._secrets),)
            raise

    async def _send(self, alert_id: str, body: str, payload: dict[str, Any]) -> Sent:
        content, content_type = self.render(body, payload)
        timestamp = int(self._now())
        headers = {
            "Content-Type": content_type,
            "User-Agent": user_agent(),
            "X-Treatywatch-Alert-Id": alert_id,
            **self._config.headers,
            "webhook-id": alert_id,
            "webhook-timestamp": str(timestamp),
        }
        if self._config.secret:
            headers["webhook-signature"] = " ".join(
                sign(secret, alert_id, timestamp, content) for secret in self._config.secret
            )
        try:
            response = await self._client.post(self._config.url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_failure(self.name, exc) from None
        if 200 <= response.status_code < 300:
            answer = short_body(response)
            return Sent(
                f"HTTP {response.status_code}", answer=answer and redact(answer, self._secrets)
            )
        raise http_failure(self.name, response, body_hint=short_body(response))

    async def aclose(self) -> None:
        await self._client.aclose()


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
