"""A Slack-shaped incoming-webhook receiver on 127.0.0.1 for tests.

It checks each message the way Slack does (valid JSON, a ``text`` or ``blocks``, at most 50
blocks, section and context text within their limits, known block types) and answers like
Slack: ``200 ok``, or ``400 invalid_blocks`` / ``invalid_payload`` for a malformed message.
``script`` holds answers to give in turn instead: ``(status, body)`` or ``(status, body,
headers)``, e.g. ``(404, "channel_not_found")`` or ``(429, "rate_limited", {"Retry-After":
"30"})``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.servers import LocalServer, QuietHandler

__all__ = ["SlackMessage", "SlackReceiver", "slack_problems"]

_BLOCK_TYPES = {"section", "context", "divider", "header", "actions", "image", "rich_text"}


def slack_problems(message: Any) -> list[str]:
    """What Slack would refuse in ``message`` (empty: accepted)."""
    if not isinstance(message, dict):
        return ["invalid_payload: not a JSON object"]
    problems = []
    blocks = message.get("blocks")
    if not isinstance(message.get("text"), str) and not blocks:
        problems.append("no_text")
    if len(message.get("text") or "") > 4000:
        problems.append("msg_too_long: text over 4,000 characters")
    if blocks is not None and _block_text(blocks) > 12_000:
        problems.append("msg_blocks_too_long: more than 12,000 characters in the blocks")
    if blocks is not None:
        if not isinstance(blocks, list) or len(blocks) > 50:
            problems.append("invalid_blocks: more than 50 blocks")
            return problems
        for index, block in enumerate(blocks):
            kind = block.get("type") if isinstance(block, dict) else None
            if kind not in _BLOCK_TYPES:
                problems.append(f"invalid_blocks: block {index} has type {kind!r}")
                continue
            if kind == "section":
                text = block.get("text") or {}
                if text.get("type") not in ("mrkdwn", "plain_text"):
                    problems.append(f"invalid_blocks: block {index} text type")
                if not 1 <= len(text.get("text") or "") <= 3000:
                    problems.append(f"invalid_blocks: block {index} section text length")
            if kind == "context":
                elements = block.get("elements") or []
                if not 1 <= len(elements) <= 10:
                    problems.append(f"invalid_blocks: block {index} has {len(elements)} elements")
                for element in elements:
                    if len(element.get("text") or "") > 3000:
                        problems.append(f"invalid_blocks: block {index} context text length")
            if kind == "header" and len((block.get("text") or {}).get("text") or "") > 150:
                problems.append(f"invalid_blocks: block {index} header length")
    return problems


def _block_text(value: Any) -> int:
    """The characters of every ``text`` string in a block tree (what Slack sums up)."""
    if isinstance(value, list):
        return sum(_block_text(v) for v in value)
    if isinstance(value, dict):
        return sum(
            len(v) if k == "text" and isinstance(v, str) else _block_text(v)
            for k, v in value.items()
        )
    return 0


@dataclass
class SlackMessage:
    body: bytes
    headers: dict[str, str]
    status: int
    answer: str
    time: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class SlackReceiver(LocalServer):
    """An incoming-webhook endpoint at ``url`` that behaves like Slack's."""

    def __init__(self, path: str = "/services/T000/B000/SeCrEtToKeN123") -> None:
        self.path = path
        self.script: list[tuple[Any, ...]] = []
        self.messages: list[SlackMessage] = []
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    @property
    def accepted(self) -> list[SlackMessage]:
        with self._lock:
            return [m for m in self.messages if m.status == 200]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers: dict[str, str] = {}
                with receiver._lock:
                    step = receiver.script.pop(0) if receiver.script else None
                if self.path != receiver.path:
                    status, answer = 404, "no_service"
                elif step is not None:
                    status, answer = step[0], step[1]
                    headers = dict(step[2]) if len(step) > 2 else {}
                else:
                    try:
                        problems = slack_problems(json.loads(body))
                    except ValueError:
                        problems = ["invalid_payload"]
                    status, answer = (400, problems[0].split(":")[0]) if problems else (200, "ok")
                with receiver._lock:
                    receiver.messages.append(
                        SlackMessage(body, dict(self.headers), status, answer, time.monotonic())
                    )
                data = answer.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
