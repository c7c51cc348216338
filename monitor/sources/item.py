"""The one shape every source becomes: a frozen ``Item`` of untrusted plain text."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from monitor.core.dedup import canonical_url

__all__ = ["Item", "canonical_url", "clean_text", "item_key"]

MAX_TITLE = 1_000
MAX_SUMMARY = 5_000
MAX_CONTENT = 20_000

# C0/C1 controls except tab/newline, zero-width and bidi controls, and lone surrogates (JSON
# can escape one, and no UTF-8 store can hold it).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ud800-\udfff]"
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

    def __reduce__(self) -> tuple[type[Item], tuple[object, ...]]:
        # parse workers send every new item back to the poller: pickled as its constructor's
        # arguments, an item takes half the CPU it takes through the __getstate__ and
        # __setstate__ that a slotted dataclass gets (Python 3.11), both ways
        return (
            Item,
            (
                self.title,
                self.summary,
                self.content,
                self.link,
                self.guid,
                self.published,
                self.language,
            ),
        )


def clean_text(text: str | None, limit: int) -> str:
    """Strip control characters, fold white space and cut to ``limit`` characters.

    The cut never splits a character (Python strings are code points) nor leaves a lone
    surrogate; a cut text ends with an ellipsis.
    """
    if not text:
        return ""
    return _cut(_folded_for(text, limit), limit)


def clean_texts(text: str | None, *limits: int) -> tuple[str, ...]:
    """``clean_text(text, limit)`` for each of ``limits``, folding ``text`` once."""
    if not text:
        return ("",) * len(limits)
    folded = _folded_for(text, max(limits, default=0))
    return tuple(_cut(folded, limit) for limit in limits)


def _folded_for(text: str, limit: int) -> str:
    """As much of ``_folded(text)`` as ``_cut`` to ``limit`` reads: folding a text's start
    gives the start of its fold (each step keeps or drops characters in order, and a word cut
    at the end stays the start of that word), so when the fold of the first ``2 * limit``
    characters is longer than ``limit``, both are cut alike and the rest (a long article's
    body, up to the whole text of its markup) is never folded."""
    if len(text) > 2 * limit:
        head = _folded(text[: 2 * limit])
        if len(head) > limit:
            return head
    return _folded(text)


def _folded(text: str) -> str:
    # split() first: a CR, VT, FF or NEL (controls that are white space) parts words; then the
    # invisible characters go, and the runs they leave are folded again (re.sub hands back the
    # very string when it removes nothing: then there is nothing to fold again)
    folded = " ".join(text.split())
    cleaned = _CONTROL.sub("", folded)
    return folded if cleaned is folded else " ".join(cleaned.split())


def _cut(text: str, limit: int) -> str:
    if len(text) > limit:
        cut = text[: limit - 1]
        while cut and unicodedata.category(cut[-1]) in ("Cs", "Mn"):
            cut = cut[:-1]
        text = cut.rstrip() + "…"
    return text


def item_key(item: Item, *, canonical: Callable[[str | None], str | None] = canonical_url) -> str:
    """The item's identity within its source: its GUID, else its canonical link, else a hash.

    ``canonical`` is :func:`canonical_url` or a memo of it."""
    if item.guid:
        return "guid:" + item.guid.strip()
    link = canonical(item.link) or (item.link or "").strip()
    if link:
        return "link:" + link
    digest = hashlib.sha256(f"{item.title}\n{item.summary}".encode()).hexdigest()[:32]
    return "hash:" + digest
