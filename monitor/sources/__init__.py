"""Sources: fetching bytes and turning them into ``Item`` values.

``fetch`` gets bytes (or "not modified"); ``parse`` turns them into items by source type:
``feed`` (RSS, Atom and JSON Feed, in ``feed`` and ``jsonfeed``), ``html`` listing pages
(``listing``) and Google News sitemaps (``sitemap``). Nothing else imports feedparser.

Names are imported on first use, so a parse worker process never loads the HTTP stack.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "ParsedFeed": "feed",
    "parse_feed": "feed",
    "Fetcher": "fetch",
    "FetchResult": "fetch",
    "HttpStatusError": "fetch",
    "user_agent": "fetch",
    "Item": "item",
    "canonical_url": "item",
    "clean_text": "item",
    "item_key": "item",
    "ParsePool": "parse",
    "parse_document": "parse",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'monitor.sources' has no attribute {name!r}")
    return getattr(import_module(f"monitor.sources.{home}"), name)
