"""Sources: fetching bytes and turning them into ``Item`` values.

``fetch`` gets bytes (or "not modified"); ``parse`` turns them into items by source type:
``feed`` (RSS, Atom and JSON Feed, in ``feed`` and ``jsonfeed``), ``html`` listing pages
(``listing``) and Google News sitemaps (``sitemap``). Nothing else imports feedparser.
"""

from monitor.sources.feed import ParsedFeed, parse_feed
from monitor.sources.fetch import Fetcher, FetchResult, HttpStatusError, user_agent
from monitor.sources.item import Item, canonical_url, clean_text, item_key
from monitor.sources.parse import ParsePool, parse_document

__all__ = [
    "FetchResult",
    "Fetcher",
    "HttpStatusError",
    "Item",
    "ParsePool",
    "ParsedFeed",
    "canonical_url",
    "clean_text",
    "item_key",
    "parse_document",
    "parse_feed",
    "user_agent",
]
