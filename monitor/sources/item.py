"""The one shape every source becomes: a frozen ``Item`` of untrusted plain text."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["Item", "canonical_url", "clean_text", "item_key"]

MAX_TITLE = 1_000
MAX_SUMMARY = 5_000
MAX_CONTENT = 20_000

# C0/C1 controls except tab/newline, zero-width and bidi controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACE = re.compile(r"\s+")
_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|ref_src)$"
)


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a source, with every text field already plain, clean and bounded."""

    title: str
    summary: str = ""
    content: str = ""
    link: str | None = None
    guid: str | None = None
    published: datetime | None = None
    language: str | None = None


def clean_text(text: str | None, limit: int) -> str:
    """Strip control characters, fold white space and cut to ``limit`` characters.

    The cut never splits a character (Python strings are code points) nor leaves a lone
    surrogate; a cut text ends with an ellipsis.
    """
    if not text:
        return ""
    text = _CONTROL.sub("", text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        cut = text[: limit - 1]
        while cut and unicodedata.category(cut[-1]) in ("Cs", "Mn"):
            cut = cut[:-1]
        text = cut.rstrip() + "…"
    return text


def canonical_url(url: str | None) -> str | None:
    """The form of a link used to recognise the same article under trivially different URLs.

    Lower-case scheme and host, no default port, no fragment, no tracking parameters, sorted
    query, no trailing slash; ``http`` and ``https`` are treated alike.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url.strip()
    if not host:
        return url.strip()
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    )
    path = parts.path.rstrip("/") or ""
    return urlunsplit(("https", netloc, path, urlencode(query), ""))


def item_key(item: Item) -> str:
    """The item's identity within its source: its GUID, else its canonical link, else a hash."""
    if item.guid:
        return "guid:" + item.guid.strip()
    link = canonical_url(item.link)
    if link:
        return "link:" + link
    digest = hashlib.sha256(f"{item.title}\n{item.summary}".encode()).hexdigest()[:32]
    return "hash:" + digest
