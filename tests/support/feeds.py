"""Small RSS and Atom documents written for the tests (our own sentences, never news text)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

__all__ = ["Entry", "atom", "rss"]


@dataclass(frozen=True)
class Entry:
    title: str
    link: str
    summary: str = ""
    guid: str | None = None
    published: datetime | None = None


def rss(entries: list[Entry], *, title: str = "Test feed", language: str = "en") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>http://example.org/</link>",
        f"<description>{escape(title)}</description><language>{language}</language>",
    ]
    for entry in entries:
        parts.append("<item>")
        parts.append(f"<title>{escape(entry.title)}</title><link>{escape(entry.link)}</link>")
        if entry.summary:
            parts.append(f"<description>{escape(entry.summary)}</description>")
        if entry.guid:
            parts.append(f'<guid isPermaLink="false">{escape(entry.guid)}</guid>')
        if entry.published:
            parts.append(f"<pubDate>{format_datetime(entry.published)}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


def atom(entries: list[Entry], *, title: str = "Test feed") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title><id>urn:test:{escape(title)}</id>",
        "<updated>2025-01-01T00:00:00Z</updated>",
    ]
    for entry in entries:
        stamp = entry.published.isoformat() if entry.published else "2025-01-01T00:00:00+00:00"
        parts.append("<entry>")
        parts.append(f"<title>{escape(entry.title)}</title>")
        parts.append(f'<link href="{escape(entry.link)}"/>')
        parts.append(f"<id>{escape(entry.guid or entry.link)}</id>")
        parts.append(f"<updated>{stamp}</updated>")
        if entry.summary:
            parts.append(f"<summary>{escape(entry.summary)}</summary>")
        parts.append("</entry>")
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")
