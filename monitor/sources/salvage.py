"""Keeping one bad entry from taking its whole document down (pure: no I/O).

A publisher's mistake in one entry (a link ``urlsplit`` cannot read, such as ``http://[x/``; a
character reference to a lone surrogate, ``&#xD800;``) must cost that entry, or only the broken
part of it, never the source's other entries. The parsers use three tools from here:

- :func:`fix_charrefs` rewrites numeric character references to no character (a surrogate,
  beyond U+10FFFF) as ``&#xFFFD;`` before an XML parser sees the body (feedparser and expat
  raise on them and lose the document, or every entry after the bad one);
- :func:`join_link` resolves a link against its base and gives None for one that cannot be
  read (the entry is kept without a link);
- :class:`Salvage` runs each entry's conversion on its own, skips an entry that raises, and
  sums up what was repaired or skipped as one warning for the source.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

__all__ = [
    "Salvage",
    "fix_charrefs",
    "join_link",
    "join_warnings",
    "no_surrogates",
    "readable_link",
]

_T = TypeVar("_T")
_R = TypeVar("_R")
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
# The references _CHARREF finds that may name no character: five digits or more (leading zeros
# counted), or four hex digits from D8.. to DF.. (surrogates); shorter ones all name one. Only
# these are checked one by one (a feed holds thousands of references, nearly all valid).
_SUSPECT_CHARREF = re.compile(
    rb"&#(?:[xX]((?=[0-9a-fA-F]{5}|[dD][89a-fA-F][0-9a-fA-F]{2};)[0-9a-fA-F]+)"
    rb"|((?=[0-9]{5})[0-9]+));"
)
_REPLACEMENT = b"&#xFFFD;"
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# An http(s) link whose host is letters, digits, dots and hyphens (no userinfo, port or
# brackets), then printable ASCII: ``urlsplit`` reads it and it is UTF-8 as it is.
_PLAIN_LINK = re.compile(r"https?://[a-z0-9.-]*(?:[/?#][\x21-\x7e]*)?\Z", re.IGNORECASE | re.ASCII)


def _valid_code_point(digits: bytes, base: int) -> bool:
    if len(digits.lstrip(b"0")) > 8:
        return False
    value = int(digits, base)
    return value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF


def fix_charrefs(body: bytes) -> tuple[bytes, int]:
    """``body`` with its references to no character (``&#xD800;``, ``&#x110000;``) replaced by
    ``&#xFFFD;``, and how many were replaced. Bodies without such references come back as
    they are (the same object)."""
    if b"&#" not in body:
        return body, 0
    count = 0

    def replace(match: re.Match[bytes]) -> bytes:
        nonlocal count
        hexa, decimal = match.group(1), match.group(2)
        if _valid_code_point(hexa, 16) if hexa is not None else _valid_code_point(decimal, 10):
            return match.group(0)
        count += 1
        return _REPLACEMENT

    fixed = _SUSPECT_CHARREF.sub(replace, body)
    return (fixed, count) if count else (body, 0)


def no_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (which no UTF-8 store can hold) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def readable_link(link: str) -> bool:
    """Whether ``urlsplit`` (and everything downstream) can read ``link``: no bad IPv6 bracket,
    no port that is not a number, no lone surrogate."""
    if _PLAIN_LINK.match(link):
        return True  # most links: nothing there can fail (the checks below take 3 µs)
    try:
        parts = urlsplit(link)
        parts.port  # noqa: B018  # raises ValueError for a port that is no number or too big
        link.encode("utf-8")
    except (ValueError, UnicodeError):
        return False
    return True


def join_link(base: str, href: str) -> str | None:
    """``href`` resolved against ``base``; None when either cannot be read as a URL."""
    if not readable_link(base) or not readable_link(href):
        return None
    try:
        joined = urljoin(base, href)
    except (ValueError, UnicodeError):
        return None
    return joined if readable_link(joined) else None


class Salvage:
    """What a parser repaired or skipped in one document, summed up as one warning.

    ``entry(convert, raw)`` runs ``convert(raw)`` for one entry and gives its result, or None
    (and counts the entry as skipped, with the first error) when it raises.
    """

    def __init__(self) -> None:
        self.skipped = 0
        self.bad_links = 0
        self.charrefs = 0
        self._first_error = ""
        self._first_link = ""

    def entry(self, convert: Callable[[_T], _R | None], raw: _T) -> _R | None:
        try:
            return convert(raw)
        except Exception as exc:  # a bad entry costs only that entry
            self.skipped += 1
            if not self._first_error:
                self._first_error = f"{type(exc).__name__}: {str(exc)[:120]}"
            return None

    def link(self, base: str, href: str) -> str | None:
        """``join_link(base, href)``, counting a link that cannot be read."""
        joined = join_link(base, href)
        if joined is None and href:
            self.bad_link(href)
        return joined

    def bad_link(self, href: str) -> None:
        self.bad_links += 1
        if not self._first_link:
            self._first_link = href[:120].encode("utf-8", "backslashreplace").decode()

    def warning(self) -> str | None:
        """One sentence naming each repair, or None when there was none."""
        parts = []
        if self.skipped:
            parts.append(
                f"{self.skipped} entry(ies) could not be read and were skipped "
                f"({self._first_error})"
            )
        if self.bad_links:
            parts.append(
                f"{self.bad_links} unreadable link(s) dropped (first: {self._first_link!r})"
            )
        if self.charrefs:
            parts.append(f"{self.charrefs} reference(s) to no character replaced by U+FFFD")
        return "; ".join(parts) or None


def join_warnings(*warnings: str | None) -> str | None:
    """The warnings that are not None, as one text."""
    return "; ".join(w for w in warnings if w) or None
