"""What every alert channel offers the delivery worker, and helpers the HTTP channels share.

A channel's ``send`` returns a ``Sent`` (what the receiver answered) or raises
``TransientDeliveryError`` (retry later) or ``RejectedDeliveryError`` (the receiver refused).
Error messages never contain a secret (webhook URL, header value, password): every message is
passed through ``redact`` with the channel's secrets before it leaves the channel.

The HTTP channels get their client from ``http_client``: redirects not followed, the
environment not read by httpx (``monitor.config`` reads the proxy variables once), and the
forward proxy of ``http.proxy`` used unless ``http.no_proxy`` names the receiver's host.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from monitor.errors import DeliveryError, RejectedDeliveryError, TransientDeliveryError
from monitor.proxy import ProxyRoutes, routed
from monitor.timefmt import retry_after as parse_retry_after

__all__ = [
    "Channel",
    "Sent",
    "http_client",
    "http_failure",
    "redact",
    "short_body",
    "transport_failure",
]


@dataclass(frozen=True, slots=True)
class Sent:
    """A delivery the receiver accepted: ``detail`` is its answer (``HTTP 200``, ``250 OK``);
    ``note`` records a partial outcome (e.g. a refused email recipient); ``answer`` is the start
    of the receiver's body, logged with the delivery (a 2xx saying "error" is still a success)."""

    detail: str
    note: str | None = None
    answer: str | None = None


class Channel(Protocol):
    """Delivers one alert; raises ``TransientDeliveryError`` or ``RejectedDeliveryError``."""

    name: str

    async def send(self, alert_id: str, body: str, payload: dict[str, Any]) -> Sent | None:
        """``body`` is the stored JSON text of ``payload``, byte-identical on every attempt."""
        ...

    async def aclose(self) -> None: ...


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret (and its URL-decoded path, for webhook URLs) replaced."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text


def http_client(timeout: float, proxy: ProxyRoutes | None = None) -> httpx.AsyncClient:
    """The client of an HTTP channel, going through ``proxy`` where it says so."""
    transport = None
    if proxy is not None:
        transport = routed(
            proxy,
            httpx.AsyncHTTPTransport(trust_env=False),
            lambda via: httpx.AsyncHTTPTransport(proxy=via, trust_env=False),
        )
    return httpx.AsyncClient(
        timeout=timeout, follow_redirects=False, trust_env=False, transport=transport
    )


def transport_failure(name: str, exc: httpx.HTTPError) -> TransientDeliveryError:
    """A request that got no HTTP answer (timeout, refused, reset, TLS): retry later."""
    if isinstance(exc, httpx.TimeoutException):
        what = "timed out"
    elif isinstance(exc, httpx.ProxyError):
        what = "the proxy refused or could not be reached (ProxyError)"
    elif isinstance(exc, httpx.ConnectError):
        what = "could not connect (ConnectError)"
    else:
        what = f"no answer ({type(exc).__name__})"
    return TransientDeliveryError(f"{name}: {what}")


_REASONS = {
    400: "bad request",
    401: "unauthorized (check the channel's credentials)",
    403: "forbidden (check the channel's credentials)",
    404: "not found (no such webhook?)",
    405: "method not allowed",
    410: "gone (the endpoint was removed)",
    413: "payload too large",
    415: "unsupported media type",
    422: "unprocessable payload",
}
# statuses after which resending the very same body cannot succeed
_FINAL = {400, 413, 415, 422}


def http_failure(
    name: str,
    response: httpx.Response,
    *,
    body_hint: str | None = None,
    final: bool | None = None,
    gone: bool | None = None,
    now: datetime | None = None,
) -> DeliveryError:
    """Classify a non-2xx answer: 3xx and most 4xx are refusals (400/413/415/422 final, 410
    gone), 408/425/429 and 5xx are transient; ``Retry-After`` is kept for 429 and 503."""
    status = response.status_code
    reason = f"{name}: HTTP {status}"
    if 300 <= status < 400:
        return RejectedDeliveryError(
            f"{reason} redirect (not followed: update the channel's URL)", status=status
        )
    label = _REASONS.get(status)
    if label:
        reason += f" {label}"
    if body_hint:
        reason += f": {body_hint}"
    retry_after = None
    if status in (429, 503):
        delay = parse_retry_after(response.headers.get("Retry-After"), now or _now())
        retry_after = delay.total_seconds() if delay is not None else None
    if 400 <= status < 500 and status not in (408, 425, 429):
        return RejectedDeliveryError(
            reason,
            status=status,
            final=status in _FINAL if final is None else final,
            gone=status == 410 if gone is None else gone,
        )
    return TransientDeliveryError(reason, status=status, retry_after=retry_after)


def short_body(response: httpx.Response, limit: int = 120) -> str | None:
    """The start of a plain answer (Slack's ``invalid_payload``), at most ``limit`` characters
    (a longer one is cut and ends with "…"), never HTML."""
    try:
        text = response.text[: 4 * limit].strip()
    except (UnicodeDecodeError, httpx.ResponseNotRead):
        return None
    if not text or text.startswith("<"):
        return None
    printable = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"


def _now() -> datetime:
    return datetime.now(UTC)
