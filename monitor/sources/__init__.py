"""Sources: fetching bytes and turning them into ``Item`` values."""

from monitor.sources.feed import ParsedFeed, parse_feed
from monitor.sources.fetch import Fetcher, FetchResult, user_agent
from monitor.sources.item import Item, canonical_url, clean_text, item_key

__all__ = [
    "FetchResult",
    "Fetcher",
    "Item",
    "ParsedFeed",
    "canonical_url",
    "clean_text",
    "item_key",
    "parse_feed",
    "user_agent",
]
