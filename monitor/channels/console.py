"""The console channel: alerts as readable text on standard output (the default channel)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from monitor.channels.base import Sent
from monitor.channels.view import read_alert, read_digest, when

__all__ = ["ConsoleChannel", "console_text"]


def console_text(alert_id: str, payload: dict[str, Any]) -> str:
    """The plain-text block printed for one payload of any type."""
    if payload.get("type") == "digest":
        digest = read_digest(payload, alert_id)
        lines = [f"DIGEST {len(digest.entries)} stories, {when(digest.start)} – {when(digest.end)}"]
        for entry in digest.entries:
            lines.append(f"  - [{entry.severity or '-'}] {entry.title} ({entry.source})")
            if entry.url:
                lines.append(f"    {entry.url}")
        lines.append(f"  id:        {digest.id}")
        return "\n".join(_printable(line) for line in lines)
    view = read_alert(payload, alert_id)
    if view.kind in ("ops", "test"):
        label = "OPS" if view.kind == "ops" else "TEST"
        lines = [f"{label} {view.title}"]
        if view.summary:
            lines.append(f"  {view.summary}")
        if view.source:
            lines.append(f"  source:    {view.source}")
    else:
        label = "FOLLOW-UP" if view.kind == "follow_up" else "ALERT"
        lines = [
            f"{label} [{view.severity}] {view.title}",
            f"  rule:      {view.rule} ({view.rule_title})",
            f"  source:    {view.source}   published: {view.published or '-'}",
            f"  url:       {view.url or '-'}",
            f"  matched:   {', '.join(view.matched)}",
        ]
        if view.entities:
            found = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in view.entities)
            lines.append(f"  entities:  {found}")
        if view.story_sources > 1:
            lines.append(f"  story:     {view.story_id} ({view.story_sources} sources)")
        if view.snippet:
            lines.append(f"  snippet:   {view.snippet}")
    lines.append(f"  id:        {view.id}")
    return "\n".join(_printable(line) for line in lines)


class ConsoleChannel:
    """Prints each alert as a short block of plain text."""

    def __init__(self, name: str = "console", stream: TextIO | None = None) -> None:
        self.name = name
        self._stream = stream

    async def send(self, alert_id: str, body: str, payload: dict[str, Any]) -> Sent:
        stream = self._stream or sys.stdout
        stream.write(console_text(alert_id, payload) + "\n\n")
        stream.flush()
        return Sent("printed")

    async def aclose(self) -> None:
        return None


def _printable(text: str) -> str:
    # Feed text must not drive the terminal (escape sequences) or forge extra lines.
    return "".join(c if c.isprintable() else " " for c in text)
