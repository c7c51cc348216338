"""The Slack channel: one Block Kit message per alert to an incoming webhook.

Every field taken from a feed is escaped for Slack's mrkdwn (``&`` → ``&amp;``, ``<`` → ``&lt;``,
``>`` → ``&gt;``, nothing else), so ``<!channel>``, ``<@U123>`` or ``<https://evil|Ministry>`` in
a headline pings nobody and disguises no link. Limits are respected on character boundaries
(section text 3,000 characters, at most 50 blocks; we send far fewer). The message also has a
plain ``text`` fallback for notifications. Slack answers ``ok`` with 200; its error strings
(``invalid_payload``, ``channel_not_found``, ...) are kept in the reason: a malformed message is
final, a removed or archived channel or revoked token is "gone" (its queue is parked as dead for
replay), 429 honours ``Retry-After``. The webhook URL is a secret and never appears in errors.
"""

from __future__ import annotations

import json
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
from monitor.channels.view import AlertView, DigestView, clip, read_alert, read_digest, when
from monitor.config import SlackChannel as SlackConfig
from monitor.errors import DeliveryError
from monitor.proxy import ProxyRoutes
from monitor.sources.fetch import user_agent

__all__ = ["SlackChannel", "escape", "slack_message"]

SECTION_LIMIT = 3000
CONTEXT_LIMIT = 2000
TEXT_LIMIT = 1000
MAX_BLOCKS = 45  # Slack allows 50
# Slack refuses a message whose blocks hold more than about 12,000 characters of text in all
# (msg_blocks_too_long, undocumented); a digest stops listing stories well before that.
BLOCKS_TEXT_LIMIT = 11_000
_SEVERITY_MARK = {
    "critical": ":rotating_light:",
    "high": ":red_circle:",
    "medium": ":large_orange_circle:",
}
# Slack's error strings: a malformed message never succeeds; these mean the webhook is gone
_FINAL = {
    "invalid_payload",
    "invalid_blocks",
    "invalid_blocks_format",
    "no_text",
    "too_many_attachments",
}
_GONE = {
    "channel_not_found",
    "channel_is_archived",
    "no_service",
    "no_service_id",
    "no_team",
    "team_disabled",
    "invalid_token",
    "action_prohibited",
    "posting_to_general_channel_denied",
    "user_not_found",
}


def escape(text: str) -> str:
    """Slack mrkdwn escaping: only ``&``, ``<`` and ``>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fit(raw: str, limit: int, render: Callable[[str], str] = escape) -> str:
    """``render(clip(raw, n))`` for the largest n whose result fits in ``limit``."""
    size = limit
    while True:
        out = render(clip(raw, size))
        if len(out) <= limit or size <= 1:
            return out[:limit]
        size -= max(len(out) - limit, 1)


def _link(url: str | None, text: str, limit: int) -> str:
    if not url:
        return _fit(text, limit)
    safe = (
        url.replace("&", "&amp;")
        .replace("<", "%3C")
        .replace(">", "%3E")
        .replace("|", "%7C")
        .replace(" ", "%20")
    )
    if len(safe) > limit // 2:
        return _fit(text, limit)
    return f"<{safe}|{_fit(text, limit - len(safe) - 3)}>"


def _highlighted(snippet: str, spans: tuple[tuple[int, int], ...], limit: int) -> str:
    def render(text: str) -> str:
        out, last = [], 0
        for start, end in spans:
            if end > len(text):
                break
            piece = text[start:end]
            out.append(escape(text[last:start]))
            # bold only when the term cannot break the markup
            out.append(f"*{escape(piece)}*" if not set(piece) & set("*_~`") else escape(piece))
            last = end
        out.append(escape(text[last:]))
        return "".join(out)

    return _fit(snippet, limit, render)


def _alert_blocks(view: AlertView) -> list[dict[str, Any]]:
    mark = _SEVERITY_MARK.get(view.severity or "", ":large_blue_circle:")
    if view.kind == "ops":
        mark = ":warning:"
    elif view.kind == "test":
        mark = ":white_check_mark:"
    prefix = f"{mark} *{escape(view.heading)}*"
    if view.severity and view.kind not in ("ops", "test"):
        prefix += f" · {escape(view.severity.upper())}"
    headline = f"{prefix}\n*{_link(view.url, view.title, SECTION_LIMIT - len(prefix) - 4)}*"
    blocks: list[dict[str, Any]] = [_section(headline)]
    facts = []
    if view.source:
        facts.append(f"*Source:* {_fit(view.source, 200)}")
    if view.published or view.detected:
        facts.append(f"*Published:* {escape(when(view.published or view.detected))}")
    if view.story_sources > 1:
        facts.append(f"*Story:* reported by {view.story_sources} sources")
    if facts:
        blocks.append(_context(facts))
    details = []
    if view.rule:
        title = f"{view.rule_title} ({view.rule})" if view.rule_title else view.rule
        details.append(f"*Rule:* {_fit(title, 400)}")
    if view.matched:
        details.append(f"*Matched:* {_fit(', '.join(view.matched), 600)}")
    if details:
        blocks.append(_section("\n".join(details)))
    if view.snippet:
        blocks.append(_section(_highlighted(view.snippet, view.highlights, SECTION_LIMIT)))
    elif view.summary and view.kind in ("ops", "test"):
        blocks.append(_section(_fit(view.summary, SECTION_LIMIT)))
    if view.id:
        blocks.append(_context([f"treatywatch alert `{escape(view.id)}`"]))
    return blocks


def _digest_blocks(digest: DigestView) -> list[dict[str, Any]]:
    count = len(digest.entries)
    span = f"{when(digest.start)} – {when(digest.end)}" if digest.start else ""
    head = f":newspaper: *treatywatch digest* · {count} stor{'y' if count == 1 else 'ies'}"
    blocks: list[dict[str, Any]] = [_section(head + (f"\n{escape(span)}" if span else ""))]
    lines: list[str] = []
    shown = 0
    # what the header, the closed sections and the two closing context lines take
    used = len(blocks[0]["text"]["text"]) + 200
    for entry in digest.entries:
        line = f"• *{_link(entry.url, entry.title, 600)}*"
        extra = [x for x in (entry.source, entry.severity) if x]
        if entry.story_sources > 1:
            extra.append(f"{entry.story_sources} sources")
        if extra:
            line += " — " + _fit(", ".join(extra), 300)
        if used + len(line) + 1 > BLOCKS_TEXT_LIMIT:
            break
        used += len(line) + 1
        if sum(len(x) + 1 for x in lines) + len(line) > SECTION_LIMIT:
            if len(blocks) >= MAX_BLOCKS - 2:
                break
            blocks.append(_section("\n".join(lines)))
            lines = []
        lines.append(line)
        shown += 1
    if lines:
        blocks.append(_section("\n".join(lines)))
    if shown < count:
        blocks.append(_context([f"…and {count - shown} more not shown"]))
    if digest.id:
        blocks.append(_context([f"treatywatch digest `{escape(digest.id)}`"]))
    return blocks


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def _context(texts: list[str]) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": t[:CONTEXT_LIMIT]} for t in texts[:10]],
    }


def slack_message(alert_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The Block Kit message for one payload of any type."""
    if payload.get("type") == "digest":
        digest = read_digest(payload, alert_id)
        text = f"treatywatch digest: {len(digest.entries)} stories"
        return {"text": text, "blocks": _digest_blocks(digest), "unfurl_links": False}
    view = read_alert(payload, alert_id)
    label = view.severity.upper() if view.severity and view.kind not in ("ops", "test") else ""
    plain = f"[{label}] " if label else f"{view.heading}: "
    plain += view.title + (f" — {view.source}" if view.source else "")
    return {
        "text": _fit(plain, TEXT_LIMIT),
        "blocks": _alert_blocks(view)[:MAX_BLOCKS],
        "unfurl_links": False,
        "unfurl_media": False,
    }


class SlackChannel:
    """Posts alerts to a Slack incoming webhook."""

    def __init__(
        self,
        config: SlackConfig,
        client: httpx.AsyncClient | None = None,
        *,
        proxy: ProxyRoutes | None = None,
    ) -> None:
        self.name = config.name
        self._config = config
        self._secrets = (config.url,)
        self._client = client or http_client(config.timeout.total_seconds(), proxy)

    async def send(self, alert_id: str, body: str, payload: dict[str, Any]) -> Sent:
        try:
            return await self._send(alert_id, payload)
        except DeliveryError as exc:
            exc.args = (redact(str(exc), self._secrets),)
            raise

    async def _send(self, alert_id: str, payload: dict[str, Any]) -> Sent:
        message = json.dumps(slack_message(alert_id, payload), ensure_ascii=False)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": user_agent(),
        }
        try:
            response = await self._client.post(
                self._config.url, content=message.encode(), headers=headers
            )
        except httpx.HTTPError as exc:
            raise transport_failure(self.name, exc) from None
        if 200 <= response.status_code < 300:
            return Sent(f"HTTP {response.status_code}")
        hint = short_body(response)
        code = (hint or "").split()[0] if hint else ""
        raise http_failure(
            self.name,
            response,
            body_hint=hint,
            final=True if code in _FINAL else None,
            gone=True if code in _GONE or response.status_code == 410 else None,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
