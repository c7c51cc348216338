"""Output helpers for operator commands: aligned tables for people, JSON for scripts, and a
progress line on a terminal for long operations."""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, TextIO, TypeVar

__all__ = ["Progress", "parse_when", "print_json", "table", "tracked"]

T = TypeVar("T")


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, width: int | None = None
) -> str:
    """Rows as aligned text columns; the last column is cut to fit ``width`` (the terminal's by
    default) with an ellipsis."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for index, value in enumerate(row[:-1]):
            widths[index] = max(widths[index], len(value))
    lead = sum(widths[:-1]) + 2 * (len(headers) - 1)
    last = max(width - lead, 20)
    lines = []
    for row in [list(headers), *cells]:
        parts = [value.ljust(widths[index]) for index, value in enumerate(row[:-1])]
        tail = row[-1] if len(row[-1]) <= last else row[-1][: last - 1] + "…"
        lines.append("  ".join([*parts, tail]).rstrip())
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    text = str(value)
    return " ".join(text.split())  # no newlines or tabs from feed text inside a table


def print_json(value: Any, stream: TextIO | None = None) -> None:
    json.dump(value, stream or sys.stdout, ensure_ascii=False, indent=2, default=str)
    (stream or sys.stdout).write("\n")


def parse_when(text: str, now: datetime) -> datetime:
    """A point in time from the command line: an ISO date or time (UTC when no zone is given),
    or a duration meaning that long ago (``24h``, ``7d``)."""
    from monitor.config import parse_duration
    from state import parse_iso

    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        return parse_iso(text)
    except ValueError:
        raise ValueError(
            f"not a time: {text!r} (use e.g. 2025-03-18, 2025-03-18T10:00Z, 24h or 7d)"
        ) from None


class Progress:
    """A one-line progress report on standard error, shown only on a terminal.

    ``with Progress("export", total=n) as progress: ... progress.advance()``; updates at most
    ten times a second; the line is replaced by a summary at the end.
    """

    def __init__(
        self,
        label: str,
        *,
        total: int | None = None,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.clock = clock
        self.done = 0
        self._started = clock()
        self._shown = -1.0

    def __enter__(self) -> Progress:
        self._draw(force=True)
        return self

    def advance(self, count: int = 1) -> None:
        self.done += count
        self._draw()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if not self.enabled:
            return
        elapsed = timedelta(seconds=round(self.clock() - self._started))
        outcome = "interrupted" if kind else "done"
        self.stream.write(f"\r\x1b[2K{self.label}: {self.done} {outcome} in {elapsed}\n")
        self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if not force and now - self._shown < 0.1:
            return
        self._shown = now
        if self.total:
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * 20)
            text = f"{self.label}: [{bar:<20}] {self.done}/{self.total} ({share:.0%})"
        else:
            text = f"{self.label}: {self.done}"
        self.stream.write(f"\r\x1b[2K{text}")
        self.stream.flush()


def tracked(items: Sequence[T], label: str) -> Iterator[T]:
    """``items`` one by one, with a progress line on a terminal (``for row in tracked(rows,
    "replay"):``)."""
    with Progress(label, total=len(items)) as progress:
        for item in items:
            yield item
            progress.advance()
