"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) into ``Item`` values.

Items use ``title``, ``summary``, ``content_text`` or ``content_html`` (reduced to plain text),
``url`` (else ``external_url``), ``id``, ``date_published`` (else ``date_modified``) and
``language`` (1.1). Relative URLs are resolved against the feed's ``home_page_url`` or the URL
it was fetched from. JSON that is not a JSON Feed is a parse error, not an empty feed.
"""

from __future__ import annotations

import json
from typing import Any

from monitor.errors import ParseError
from monitor.sources.dates import parse_date
from monitor.sources.feed import ParsedFeed, html_to_text, newest
from monitor.sources.item import MAX_CONTENT, MAX_SUMMARY, MAX_TITLE, Item, clean_text
from monitor.sources.salvage import Salvage, join_warnings, no_surrogates, readable_link

__all__ = ["parse_json_feed"]


def parse_json_feed(body: bytes, *, url: str, language: str | None = None) -> ParsedFeed:
    """Parse a JSON Feed; raise ``ParseError`` for invalid JSON or JSON that is no feed."""
    try:
        data = json.loads(body.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"not a feed: invalid JSON ({exc})", kind="not_a_feed") from exc
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or "jsonfeed.org/version/" not in version:
        raise ParseError("not a feed: JSON without a JSON Feed version", kind="not_a_feed")
    raw_items = data.get("items")
    if not isinstance(raw_items, list):
        raise ParseError("not a feed: JSON Feed without an items list", kind="not_a_feed")
    salvage = Salvage()
    base = _text(data.get("home_page_url")).strip() or url
    if not readable_link(base):
        salvage.bad_link(base)
        base = url
    feed_language = language or _language(data.get("language"))
    items = [
        item
        for item in (
            salvage.entry(lambda entry: _item(entry, base, feed_language, salvage), entry)
            for entry in raw_items
        )
        if item is not None
    ]
    warning = None
    skipped = len(raw_items) - len(items) - salvage.skipped
    if skipped:
        warning = f"{skipped} JSON Feed item(s) without text or link were skipped"
    warning = join_warnings(warning, salvage.warning())
    return ParsedFeed(
        newest(items),
        title=clean_text(_text(data.get("title")), MAX_TITLE),
        warning=warning,
        format="json" + version.rsplit("/", 1)[-1].replace(".", ""),
    )


def _item(entry: Any, base: str, language: str | None, salvage: Salvage) -> Item | None:
    if not isinstance(entry, dict):
        return None
    title = clean_text(html_to_text(_text(entry.get("title"))), MAX_TITLE)
    summary = clean_text(html_to_text(_text(entry.get("summary"))), MAX_SUMMARY)
    content = _text(entry.get("content_text")) or html_to_text(_text(entry.get("content_html")))
    content = clean_text(content, MAX_CONTENT)
    if content == summary:
        content = ""
    link = _text(entry.get("url")) or _text(entry.get("external_url"))
    link = (salvage.link(base, link.strip()) or "") if link else ""
    guid = entry.get("id")
    guid_text = str(guid).strip() if isinstance(guid, str | int) and str(guid).strip() else None
    if guid_text is not None:
        guid_text = no_surrogates(guid_text)  # JSON may escape one ("\\ud800")
    if not (title or summary or content or link):
        return None
    if not title and not summary:
        summary, content = clean_text(content, MAX_SUMMARY), ""
    return Item(
        title=title,
        summary=summary,
        content=content,
        link=link or None,
        guid=guid_text,
        published=parse_date(_text(entry.get("date_published")))
        or parse_date(_text(entry.get("date_modified"))),
        language=_language(entry.get("language")) or language,
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _language(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code.isalpha() and 2 <= len(code) <= 3 else None
