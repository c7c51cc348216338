"""Press-release listing pages (``type: html`` sources) into ``Item`` values.

The source's ``selectors`` name one element per release (``item``) and, inside it, the title,
link, date and summary. Links are resolved against the page URL (and its ``<base href>``);
dates are read from a ``datetime`` attribute when there is one, else from the text in the
page's language (``monitor.sources.dates``). A page on which the item selector matches nothing
is a source error ("layout changed"), never silence; so is a page that is not HTML.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.config import ListingSelectors
from monitor.errors import ParseError
from monitor.sources.dates import parse_date
from monitor.sources.feed import ParsedFeed, newest
from monitor.sources.item import MAX_SUMMARY, MAX_TITLE, Item, clean_text
from monitor.sources.salvage import Salvage, join_warnings

__all__ = ["parse_listing"]

MAX_PAGE_ITEMS = 500


def parse_listing(
    body: bytes, *, url: str, selectors: ListingSelectors, language: str | None = None
) -> ParsedFeed:
    """The releases listed on an HTML page; raises ``ParseError`` when none can be found."""
    if not body.strip():
        raise ParseError("empty response", kind="empty")
    head = body[:1024].lstrip().lower()
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"{")) and b"<html" not in head:
        raise ParseError("not an HTML page (a feed or JSON: use type: feed)", kind="not_html")
    tree = LexborHTMLParser(body)
    salvage = Salvage()
    base = url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = salvage.link(url, (base_node.attributes.get("href") or "").strip()) or url
    page_language = language or _page_language(tree)
    nodes = tree.css(selectors.item)
    if not nodes:
        raise ParseError(
            f"layout changed: no element matches {selectors.item!r}", kind="layout_changed"
        )
    items: list[Item] = []
    for node in nodes[:MAX_PAGE_ITEMS]:
        item = salvage.entry(lambda n: _item(n, base, selectors, page_language, salvage), node)
        if item is not None:
            items.append(item)
    if not items and not salvage.skipped:
        raise ParseError(
            f"layout changed: {len(nodes)} element(s) match {selectors.item!r}, "
            "but none has a title or link",
            kind="layout_changed",
        )
    title_node = tree.css_first("title")
    skipped = len(nodes) - len(items) - salvage.skipped
    return ParsedFeed(
        newest(items),
        title=clean_text(title_node.text() if title_node else "", MAX_TITLE),
        warning=join_warnings(
            f"{skipped} listed element(s) without title or link" if skipped else None,
            salvage.warning(),
        ),
        format="html",
    )


def _item(
    node: LexborNode,
    base: str,
    selectors: ListingSelectors,
    language: str | None,
    salvage: Salvage,
) -> Item | None:
    link_node = node.css_first(selectors.link) if selectors.link else _first_link(node)
    href = ""
    if link_node is not None:
        href = (link_node.attributes.get("href") or "").strip()
        if not href and link_node.tag != "a":
            inner = _first_link(link_node)
            href = (inner.attributes.get("href") or "").strip() if inner is not None else ""
    link = _resolve(base, href, salvage)
    if selectors.title:
        title_node = node.css_first(selectors.title)
        title = title_node.text(separator=" ") if title_node is not None else ""
    else:
        title = link_node.text(separator=" ") if link_node is not None else ""
    title = clean_text(title, MAX_TITLE)
    summary = ""
    if selectors.summary:
        summary_node = node.css_first(selectors.summary)
        if summary_node is not None:
            summary = clean_text(summary_node.text(separator=" "), MAX_SUMMARY)
    published = None
    if selectors.date:
        date_node = node.css_first(selectors.date)
        if date_node is not None:
            attrs = date_node.attributes
            published = parse_date(attrs.get("datetime") or attrs.get("content")) or parse_date(
                date_node.text(separator=" "), selectors.date_format
            )
    if not title and not link:
        return None
    return Item(title=title, summary=summary, link=link, published=published, language=language)


def _first_link(node: LexborNode) -> LexborNode | None:
    if node.tag == "a" and node.attributes.get("href"):
        return node
    return node.css_first("a[href]")


def _resolve(base: str, href: str, salvage: Salvage) -> str | None:
    if not href or href.startswith("#"):
        return None
    target = salvage.link(base, href)
    if target is None:
        return None
    if urlsplit(target).scheme not in ("http", "https"):
        return None  # javascript:, mailto: and the like are no article links
    return target


def _page_language(tree: LexborHTMLParser) -> str | None:
    html = tree.css_first("html")
    value = (html.attributes.get("lang") or "") if html is not None else ""
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code.isalpha() and 2 <= len(code) <= 3 else None
