"""Turning the bytes of an RSS or Atom document into ``Item`` values (the only feedparser user).

Feed text is untrusted: HTML in summaries and content is reduced to plain text here, and every
field is cleaned and bounded (``item.clean_text``). Everything downstream treats it as plain text
and escapes it for its own medium, which is why feedparser's own sanitiser can be skipped.
"""

from __future__ import annotations

import calendar
import html
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import feedparser

from monitor.errors import ParseError
from monitor.sources.item import MAX_CONTENT, MAX_SUMMARY, MAX_TITLE, Item, clean_text, clean_texts
from monitor.sources.prolog import after_prolog
from monitor.sources.quickfeed import quick_parse
from monitor.sources.salvage import Salvage, fix_charrefs, join_warnings, readable_link

__all__ = [
    "ParsedFeed",
    "html_to_text",
    "looks_like_json",
    "newest",
    "parse_feed",
    "without_internal_subset",
]

MAX_ENTRIES = 1_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BLOCK_TAGS = frozenset(
    {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th"}
    | {"table", "blockquote", "section", "article", "header", "footer"}
)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """The items of one document plus what the parser had to say about it.

    ``ttl`` is the feed's own hint (RSS ``<ttl>``, minutes); ``format`` names what was read
    (``rss20``, ``atom10``, ``json``, ``html``, ``sitemap``, ...).
    """

    items: list[Item]
    title: str = ""
    warning: str | None = None
    ttl: int | None = None
    format: str = ""


def parse_feed(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    language: str | None = None,
    quick: bool = True,
) -> ParsedFeed:
    """Parse an RSS 0.9x/1.0/2.0, Atom or JSON Feed document; raise ``ParseError`` if it is not
    a feed (empty, an HTML page, junk).

    Plain feeds take ``quickfeed``'s fast path, which gives what feedparser gives; ``quick=False``
    sends every document through feedparser (the tests compare the two)."""
    if not body.strip():
        raise ParseError("empty response", kind="empty")
    if looks_like_json(body):
        from monitor.sources.jsonfeed import parse_json_feed

        return parse_json_feed(body, url=url, language=language)
    body, content_type = _from_byte_order_mark(body, content_type)
    body = without_internal_subset(_trim(body))
    salvage = Salvage()
    body, salvage.charrefs = fix_charrefs(body)  # feedparser raises on "&#xD800;"
    charset = _charset(content_type)
    parsed = None
    if quick:
        # feedparser is given the response's address and type only with a charset (below)
        given = charset is not None
        parsed = quick_parse(
            body, base=url if given else "", content_type=content_type if given else None
        )
    if parsed is None:
        parsed = _feedparser(body, url=url, content_type=content_type, charset=charset)
    entries = parsed.get("entries") or []
    if not parsed.get("version") and not entries:
        head = body[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
            raise ParseError("not a feed (an HTML page)", kind="not_a_feed")
        problem = parsed.get("bozo_exception")
        detail = f": {problem}" if problem else ""
        raise ParseError(f"not a feed{detail}", kind="not_a_feed")
    feed = parsed.get("feed", {})
    feed_language = language or _language(feed.get("language"))
    items = [
        item
        for item in (
            salvage.entry(lambda entry: _item(entry, feed_language, salvage), entry)
            for entry in entries
        )
        if item
    ]
    warning = None
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        warning = _short(f"{type(problem).__name__}: {problem}")
    warning = join_warnings(warning, salvage.warning())
    return ParsedFeed(
        newest(items),
        title=clean_text(feed.get("title"), MAX_TITLE),
        warning=warning,
        ttl=_int(feed.get("ttl")),
        format=str(parsed.get("version") or "xml"),
    )


def _feedparser(
    body: bytes, *, url: str, content_type: str | None, charset: str | None
) -> dict[str, Any]:
    # Only a declared charset is worth passing on: with response headers but no content type,
    # feedparser falls back to ISO-8859-1 and garbles UTF-8 feeds (a BOM included), and
    # ``text/xml`` without a charset means US-ASCII by RFC 3023.
    kwargs = {}
    if content_type and charset is not None:
        kwargs["response_headers"] = {"content-type": content_type, "content-location": url}
    # A stream, never the bytes themselves: feedparser opens a bytes argument as a file name
    # first, so a body naming a local file would be read from disk.
    try:
        return feedparser.parse(  # type: ignore[no-any-return]
            io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False, **kwargs
        )
    except Exception as exc:  # its loose parser raises on some broken documents (A32)
        message = f"not a feed: the document is too broken to read ({type(exc).__name__})"
        raise ParseError(message, kind="not_a_feed") from exc


def _trim(body: bytes) -> bytes:
    """``body`` without the white space some servers send before the XML declaration (a stray
    newline from a template): XML allows none there, and feedparser would fall back to its slow
    and lossy loose parser for it. A UTF-8 byte order mark stays in front."""
    mark = b"\xef\xbb\xbf" if body.startswith(b"\xef\xbb\xbf") else b""
    rest = body[len(mark) :]
    stripped = rest.lstrip(b" \t\r\n")
    if len(stripped) == len(rest) or not stripped.startswith(b"<"):
        return body
    return mark + stripped


_BYTE_ORDER_MARKS = (  # UTF-32 first: its little-endian mark starts like UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_DECLARED_ENCODING = re.compile(rb"""^(<\?xml[^>]*?\sencoding\s*=\s*)(["'])[^"']*\2""")


def _from_byte_order_mark(body: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """A UTF-16 or UTF-32 document (it starts with a byte order mark) as UTF-8, with its XML
    declaration and ``content_type`` saying so: the mark is what the document is written in,
    whatever a header or the declaration says (as browsers read it), and every step after this
    one (the fast path, the DOCTYPE guard) reads ASCII-compatible bytes."""
    found = [pair for pair in _BYTE_ORDER_MARKS if body.startswith(pair[0])]
    if not found:
        return body, content_type
    mark, encoding = found[0]
    text = body[len(mark) :].decode(encoding, "replace").encode("utf-8")
    text = _DECLARED_ENCODING.sub(rb"\g<1>\g<2>utf-8\g<2>", text, count=1)
    if _charset(content_type) is not None:
        assert content_type is not None
        content_type = content_type.split(";")[0].strip() + "; charset=utf-8"
    return text, content_type


def without_internal_subset(body: bytes) -> bytes:
    """``body`` without the internal subset of its DOCTYPE (``<!DOCTYPE rss [...]>``), where
    entities are declared: an entity that expands to others (billion laughs), one long entity
    referenced many times (quadratic blow-up) or an external one (``SYSTEM "file:..."``) would
    make the XML parser do what the publisher asks. Without their declarations those
    references stay literal text. Only the prolog is read: a ``<!DOCTYPE`` in CDATA is text."""
    position = after_prolog(body, 3 if body.startswith(b"\xef\xbb\xbf") else 0)
    if body.startswith(b"<!DOCTYPE", position):
        return _cut_subset(body, position + 9)
    return body


def _cut_subset(body: bytes, position: int) -> bytes:
    """``body`` without the ``[...]`` of the DOCTYPE whose name starts at ``position``."""
    quote = 0
    opening = -1
    for index in range(position, len(body)):
        byte = body[index]
        if quote:
            if byte == quote:
                quote = 0
        elif byte in b"\"'":
            quote = byte
        elif byte == 0x3E:  # ">": no internal subset
            return body
        elif byte == 0x5B:  # "["
            opening = index
            break
    if opening < 0:
        return body
    index, end = opening + 1, len(body)
    while index < end:
        byte = body[index]
        if body.startswith(b"<!--", index):
            close = body.find(b"-->", index + 4)
            index = end if close < 0 else close + 3
            continue
        if byte in b"\"'":
            close = body.find(bytes([byte]), index + 1)
            index = end if close < 0 else close + 1
            continue
        if byte == 0x5D:  # "]"
            return body[:opening] + body[index + 1 :]
        index += 1
    return body[:opening] + b">"  # never closed: what follows is not a document either


def _charset(content_type: str | None) -> str | None:
    """The charset a Content-Type declares, if any."""
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'")
    return None


def looks_like_json(body: bytes) -> bool:
    """Whether a body is JSON rather than XML (a JSON Feed, or JSON junk)."""
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"{", b"["))


def newest(items: list[Item], limit: int = MAX_ENTRIES) -> list[Item]:
    """At most ``limit`` items, the newest when a document holds more (undated ones last)."""
    if len(items) <= limit:
        return items
    dated = sorted(
        (item for item in items if item.published),
        key=lambda item: item.published or _EPOCH,
        reverse=True,
    )
    undated = [item for item in items if not item.published]
    return (dated + undated)[:limit]


def _int(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _item(entry: Mapping[str, Any], language: str | None, salvage: Salvage) -> Item | None:
    title = clean_text(html_to_text(entry.get("title") or ""), MAX_TITLE)
    summary_markup = entry.get("summary") or ""
    summary_text = html_to_text(summary_markup)
    content_parts = [part.get("value", "") for part in entry.get("content") or ()]
    content_markup = " ".join(content_parts)
    # feedparser copies the content to a missing summary: the same markup, the same text
    if content_markup == summary_markup:
        summary, content = clean_texts(summary_text, MAX_SUMMARY, MAX_CONTENT)
    else:
        summary = clean_text(summary_text, MAX_SUMMARY)
        content = clean_text(html_to_text(content_markup), MAX_CONTENT)
    if content == summary:
        content = ""
    link = entry.get("link") or None
    if isinstance(link, str) and not readable_link(link.strip()):
        salvage.bad_link(link)
        link = None
    guid = entry.get("id") or None
    if not (title or summary or content or link):
        return None
    return Item(
        title=title,
        summary=summary,
        content=content,
        link=link.strip() if isinstance(link, str) else None,
        guid=guid.strip() if isinstance(guid, str) else None,
        published=_date(entry),
        language=_language(entry.get("language")) or language,
    )


def _date(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: FeedParserDict maps missing keys onto others with a DeprecationWarning
        value = dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _language(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment (tags dropped, entities decoded, scripts removed)."""
    if "<" not in markup:
        return html.unescape(markup) if "&" in markup else markup
    plain = _plain_tags_text(markup)
    return plain if plain is not None else _parsed_text(markup)


def _parsed_text(markup: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except (AssertionError, ValueError):
        return html.unescape(markup)
    return "".join(extractor.parts)


# The fast path of ``html_to_text``: markup made of plain start and end tags (ASCII names,
# well-formed attributes), plain comments and plain script or style elements gives exactly what
# ``_parsed_text`` gives, without the cost of ``html.parser`` per tag. Anything else (a stray
# "<", a declaration, "--" inside a comment, "</" inside a script, a bare attribute value that
# ends in "/") goes to ``_parsed_text``: only forms every Python's ``html.parser`` reads alike
# are taken here (tests/monitor/sources/test_html_text.py holds the two to the same output).
_SPACE = r"[ \t\n\r\f]"
_BARE_VALUE = r"[\x21\x23-\x26\x28-\x2e\x30-\x3b\x3f-\x5f\x61-\x7e]+(?=[ \t\n\r\f>])"
_VALUE = rf"""(?:"[^"<]*"|'[^'<]*'|{_BARE_VALUE})"""
_ATTRIBUTE = rf"[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:{_SPACE}*={_SPACE}*{_VALUE})?"
_PLAIN_TOKEN = re.compile(
    rf"<(?:(?P<start>[a-zA-Z][a-zA-Z0-9]*)(?:{_SPACE}+{_ATTRIBUTE})*{_SPACE}*(?P<empty>/?)>"
    rf"|/(?P<end>[a-zA-Z][a-zA-Z0-9]*){_SPACE}*>"
    r"|!--(?!-?>)(?:[^-]|-(?!-))*-->)"
)
_RAW_TEXT_END = {
    "script": re.compile("[^<]*</script>", re.IGNORECASE),
    "style": re.compile("[^<]*</style>", re.IGNORECASE),
}


_RAW_TEXT_START = re.compile("<(?:script|style)", re.IGNORECASE)
_SEPARATORS = {
    **{(name, ""): " " for name in _BLOCK_TAGS},
    **{(name, "/"): "  " for name in _BLOCK_TAGS},
}  # what a block start tag leaves, by name and "/" (an end tag leaves " ")


def _plain_tags_text(markup: str) -> str | None:
    """The text of ``markup`` if it only holds plain tags, comments, scripts and styles.

    One ``re.split`` cuts the markup at every token: ``[text, start, empty, end, text, ...]``.
    A "<" left in a text is one no token starts there (the token loop would stop at it);
    markup that may hold a script or a style goes to the token loop, which skips their text.
    """
    if _RAW_TEXT_START.search(markup):
        return _plain_tags_loop(markup)
    parts = _PLAIN_TOKEN.split(markup)
    texts = parts[::4]
    if any("<" in text for text in texts):
        return None
    unescape = html.unescape
    out = [unescape(text) if "&" in text else text for text in texts]
    separators = _SEPARATORS
    for at, start in enumerate(parts[1::4], start=0):
        if start is None:
            end = parts[4 * at + 3]
            if end is not None and end.lower() in _BLOCK_TAGS:
                out[at] += " "
        else:
            separator = separators.get((start.lower(), parts[4 * at + 2]))
            if separator is not None:
                out[at] += separator
    return "".join(out)


def _plain_tags_loop(markup: str) -> str | None:
    """``_plain_tags_text`` token by token, skipping the text of scripts and styles."""
    out: list[str] = []
    find, match = markup.find, _PLAIN_TOKEN.match
    position = 0
    while True:
        opening = find("<", position)
        text = markup[position:] if opening < 0 else markup[position:opening]
        if text:
            out.append(html.unescape(text) if "&" in text else text)
        if opening < 0:
            return "".join(out)
        token = match(markup, opening)
        if token is None:
            return None
        position = token.end()
        name = token["start"]
        if name is None:
            name = token["end"]
            if name is not None and name.lower() in _BLOCK_TAGS:
                out.append(" ")
            continue  # an end tag or a comment
        name = name.lower()
        if name in _RAW_TEXT_END:
            if token["empty"]:
                return None
            closing = _RAW_TEXT_END[name].match(markup, position)
            if closing is None:
                return None
            position = closing.end()
        elif name in _BLOCK_TAGS:
            out.append("  " if token["empty"] else " ")
