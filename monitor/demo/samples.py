"""The sample feeds of ``treatywatch demo``: files in ``monitor/demo/feeds/``, rendered fresh.

Each file is an ordinary RSS or Atom document with three kinds of marks, resolved by
:func:`render` (pure: the demo's start, the time now and the server's port in, bytes out):

- ``{{time:-6m}}``: a time relative to the start of the demo (``s``, ``m``, ``h``, ``d``),
  written as RFC 822 in RSS and RFC 3339 in Atom, so every item is fresh whenever the demo runs;
- ``{{site:wire}}``: the address of a sample outlet, ``http://wire.localhost:PORT`` (browsers
  take ``*.localhost`` to this machine, so the links of the dashboard open the demo's own
  page; each outlet is its own host, as the story clustering counts outlets by host);
- ``<!-- demo: after=4s -->`` in an item: the item appears that long after the start (a story
  gathering reports); ``<!-- demo: near-miss ... -->`` marks an item no rule should match.

The texts are written for the demo. The story is modelled on Lithuania's 2024 vote to leave
the Convention on Cluster Munitions; the near misses are invented.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from importlib import resources

__all__ = ["Sample", "load_samples", "render"]

_TOKEN = re.compile(r"\{\{(time|site):([^}]*)\}\}")
_ITEM = re.compile(r"[ \t]*<(item|entry)\b.*?</\1>\n?", re.DOTALL)
_MARK = re.compile(r"[ \t]*<!--\s*demo:(.*?)-->\n?", re.DOTALL)
_AFTER = re.compile(r"\bafter=(\d+)s\b")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.DOTALL)
_OFFSET = re.compile(r"^([+-])(\d+)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True, slots=True)
class Sample:
    """One sample feed file: its name (``wire.rss``) and text."""

    name: str
    text: str

    @property
    def atom(self) -> bool:
        return self.name.endswith(".atom")

    @property
    def content_type(self) -> str:
        kind = "atom" if self.atom else "rss"
        return f"application/{kind}+xml; charset=utf-8"

    def titles(self, *, near_misses: bool) -> list[str]:
        """The titles of the items marked as near misses (or of all the others)."""
        found = []
        for match in _ITEM.finditer(self.text):
            block = match.group(0)
            marked = any("near-miss" in mark for mark in _MARK.findall(block))
            title = _TITLE.search(block)
            if title and marked == near_misses:
                found.append(html.unescape(title.group(1).strip()))
        return found


def load_samples() -> dict[str, Sample]:
    """The bundled sample feeds by file name."""
    folder = resources.files("monitor.demo") / "feeds"
    return {
        entry.name: Sample(entry.name, entry.read_text("utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith((".rss", ".atom"))
    }


def render(sample: Sample, *, started: datetime, now: datetime, port: int) -> bytes:
    """The document as served ``now``: items not yet due left out, marks resolved."""

    def item(match: re.Match[str]) -> str:
        block = match.group(0)
        after = max((int(a) for m in _MARK.findall(block) for a in _AFTER.findall(m)), default=0)
        return block if now - started >= timedelta(seconds=after) else ""

    def token(match: re.Match[str]) -> str:
        kind, value = match.group(1), match.group(2)
        if kind == "site":
            return f"http://{value}.localhost:{port}"
        moment = started + _offset(value)
        return moment.isoformat(timespec="seconds") if sample.atom else format_datetime(moment)

    text = _ITEM.sub(item, sample.text)
    text = _MARK.sub("", text)
    return _TOKEN.sub(token, text).encode("utf-8")


def _offset(text: str) -> timedelta:
    match = _OFFSET.match(text.strip())
    if not match:
        raise ValueError(f"not a demo time offset: {text!r} (e.g. -6m, +3s)")
    sign = -1 if match.group(1) == "-" else 1
    return timedelta(seconds=sign * int(match.group(2)) * _UNITS[match.group(3)])
