"""The console channel: alerts as readable text on standard output (the default channel)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

__all__ = ["ConsoleChannel"]


class ConsoleChannel:
    """Prints each alert as a short block of plain text."""

    def __init__(self, name: str = "console", stream: TextIO | None = None) -> None:
        self.name = name
        self._stream = stream

    async def send(self, alert_id: str, body: str, payload: dict[str, Any]) -> None:
        stream = self._stream or sys.stdout
        lines = [
            f"ALERT [{payload.get('severity')}] {payload.get('title')}",
            f"  rule:      {payload.get('rule')} ({payload.get('rule_title')})",
            f"  source:    {payload.get('source')}   published: {payload.get('published') or '-'}",
            f"  url:       {payload.get('url') or '-'}",
            f"  matched:   {', '.join(payload.get('matched') or [])}",
        ]
        entities = payload.get("entities") or {}
        if entities:
            found = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in entities.items())
            lines.append(f"  entities:  {found}")
        if payload.get("snippet"):
            lines.append(f"  snippet:   {payload['snippet']}")
        lines.append(f"  id:        {alert_id}")
        stream.write("\n".join(_printable(line) for line in lines) + "\n\n")
        stream.flush()

    async def aclose(self) -> None:
        return None


def _printable(text: str) -> str:
    # Feed text must not drive the terminal (escape sequences) or forge extra lines.
    return "".join(c if c.isprintable() else " " for c in text)
