"""Google News sitemaps (``type: sitemap``) into ``Item`` values.

Each ``<url>`` with a ``<news:news>`` block becomes an item: ``<loc>`` is its link and identity,
``<news:title>`` its title, ``<news:publication_date>`` its date, ``<news:language>`` its
language and ``<news:keywords>`` its summary (``<lastmod>`` stands in for a missing date).
Plain ``<url>`` entries without a news block carry no title and are skipped. The XML is read
with the standard library's expat parser, which fetches no external entities; documents that
declare entities are refused; a truncated document yields the entries read before the break,
with a warning.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from monitor.errors import ParseError
from monitor.sources.dates import parse_date
from monitor.sources.feed import ParsedFeed, newest, without_internal_subset
from monitor.sources.item import MAX_SUMMARY, MAX_TITLE, Item, clean_text
from monitor.sources.salvage import Salvage, fix_charrefs, join_warnings

__all__ = ["parse_sitemap"]

_SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def parse_sitemap(body: bytes, *, url: str, language: str | None = None) -> ParsedFeed:
    """Parse a news sitemap; raise ``ParseError`` if the body is not a sitemap."""
    if not body.strip():
        raise ParseError("empty response", kind="empty")
    if b"<!ENTITY" in body[:4096] or without_internal_subset(body) is not body:
        raise ParseError("not a sitemap: entity declarations are refused", kind="not_a_feed")
    salvage = Salvage()
    body, salvage.charrefs = fix_charrefs(body)
    parser = ET.XMLPullParser(events=("start", "end"))  # type: ignore[var-annotated]
    items: list[Item] = []
    root_tag: str | None = None
    warning = None
    try:
        for start in range(0, len(body), 65_536):
            parser.feed(body[start : start + 65_536])
            for event, element in parser.read_events():  # type: ignore[misc]
                if not isinstance(element, ET.Element):
                    continue
                if event == "start":
                    if root_tag is None:
                        root_tag = element.tag
                    continue
                if element.tag == f"{_SM}url":
                    item = salvage.entry(lambda e: _item(e, url, language, salvage), element)
                    if item is not None:
                        items.append(item)
                    element.clear()
        parser.close()
    except ET.ParseError as exc:
        if root_tag is None:
            raise ParseError(f"not a sitemap: {exc}", kind="not_a_feed") from exc
        warning = f"malformed XML after {len(items)} entries: {exc}"
    if root_tag == f"{_SM}sitemapindex":
        raise ParseError(
            "a sitemap index, not a news sitemap: configure one of the sitemaps it lists",
            kind="not_a_feed",
        )
    if root_tag != f"{_SM}urlset":
        raise ParseError(f"not a sitemap (root element {root_tag})", kind="not_a_feed")
    return ParsedFeed(
        newest(items), title="", warning=join_warnings(warning, salvage.warning()), format="sitemap"
    )


def _item(element: ET.Element, base: str, language: str | None, salvage: Salvage) -> Item | None:
    loc = (element.findtext(f"{_SM}loc") or "").strip()
    link = (salvage.link(base, loc) or "") if loc else ""
    if urlsplit(link).scheme not in ("http", "https"):
        return None
    news = element.find(f"{_NEWS}news")
    if news is None:
        return None
    title = clean_text(news.findtext(f"{_NEWS}title"), MAX_TITLE)
    keywords = clean_text(news.findtext(f"{_NEWS}keywords"), MAX_SUMMARY)
    published = parse_date(news.findtext(f"{_NEWS}publication_date"))
    if published is None:
        published = parse_date(element.findtext(f"{_SM}lastmod"))
    item_language = language
    publication = news.find(f"{_NEWS}publication")
    if publication is not None:
        code = (publication.findtext(f"{_NEWS}language") or "").strip().lower().split("-")[0]
        if code.isalpha() and 2 <= len(code) <= 3:
            item_language = code
    if not title:
        return None
    return Item(
        title=title,
        summary=keywords,
        link=link,
        guid=None,
        published=published,
        language=item_language,
    )
