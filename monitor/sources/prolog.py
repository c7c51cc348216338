"""Reading past an XML document's prolog (pure)."""

from __future__ import annotations

__all__ = ["after_prolog"]


def after_prolog(body: bytes, position: int = 0) -> int:
    """The offset of the first markup of ``body`` from ``position`` on that is neither white
    space, a processing instruction (the XML declaration) nor a comment: a DOCTYPE, the root
    element, or the end (``len(body)``)."""
    end = len(body)
    while position < end:
        if body[position] in b" \t\r\n":
            position += 1
        elif body.startswith(b"<?", position):
            close = body.find(b"?>", position)
            position = end if close < 0 else close + 2
        elif body.startswith(b"<!--", position):
            close = body.find(b"-->", position + 4)
            position = end if close < 0 else close + 3
        else:
            break
    return position
