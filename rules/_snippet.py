"""Plain-text snippets around a match, with the offsets of the matched terms inside them."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["SNIPPET_LIMIT", "build_snippet"]

SNIPPET_LIMIT = 300
_ELLIPSIS = "…"


def _merge(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _window(text: str, anchor: tuple[int, int], budget: int) -> tuple[int, int]:
    """A window of at most ``budget`` characters around ``anchor``, cut between words."""
    anchor_start, anchor_end = anchor
    start = max(0, anchor_start - budget // 3)
    end = min(len(text), start + budget)
    start = max(0, min(start, end - budget))
    if start > 0 and not text[start - 1].isspace():
        cut = next((i for i in range(start, anchor_start) if text[i].isspace()), anchor_start - 1)
        start = cut + 1
    if end < len(text) and not text[end].isspace():
        low = max(anchor_end, start)
        cut = next((i for i in range(end - 1, low - 1, -1) if text[i].isspace()), -1)
        end = cut if cut >= 0 else end
    return start, end


def build_snippet(
    text: str, spans: Sequence[tuple[int, int]], limit: int = SNIPPET_LIMIT
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A snippet of ``text`` (≤ ``limit`` characters) around the first of ``spans``.

    White space is collapsed to single spaces and cut ends are marked with ``…``. Returns the
    snippet and the offsets, inside it, of every span that fits (overlapping spans merged).
    """
    if not text:
        return "", ()
    merged = _merge(spans)
    anchor = merged[0] if merged else (0, 0)
    start, end = _window(text, anchor, limit - 2)
    out: list[str] = [_ELLIPSIS] if start > 0 else []
    lead = len(out)
    position = [0] * (end - start + 1)
    size = lead
    pending_space = False
    for index in range(start, end):
        char = text[index]
        position[index - start] = size
        if char.isspace() or char < " " or char == "\x7f":
            pending_space = size > lead
            continue
        if pending_space:
            out.append(" ")
            size += 1
            position[index - start] = size
            pending_space = False
        out.append(char)
        size += 1
    position[end - start] = size
    if end < len(text):
        out.append(_ELLIPSIS)
    snippet = "".join(out)
    inside = tuple(
        (position[s - start], max(position[s - start], position[e - 1 - start] + 1))
        for s, e in merged
        if start <= s and e <= end and s < e
    )
    return snippet, inside
