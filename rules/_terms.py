"""How a written term (``withdr*``, ``anti-personnel``, ``l'Ottawa``) becomes normalised words."""

from __future__ import annotations

import re

from rules._normal import normalize, offset_map
from rules._syntax import Word
from rules.errors import RuleError

__all__ = ["MAX_PHRASE_WORDS", "MIN_PREFIX", "term_words"]

MIN_PREFIX = 3
"""Shortest allowed stem before a ``*`` wildcard (``withdr*`` is fine, ``wi*`` is not)."""

MAX_PHRASE_WORDS = 12
"""Longest allowed phrase, in words."""

_PIECE = re.compile(r"[^\W_]+\*?|\*")


def term_words(raw: str) -> tuple[Word, ...]:
    """Split ``raw`` into normalised words, each optionally a prefix (trailing ``*``).

    Separators (spaces, hyphens, apostrophes, punctuation) split words, exactly as they split
    the words of a document, so ``anti-personnel`` is the two-word phrase ``anti personnel``.
    Raises :class:`RuleError` whose ``offset`` is relative to ``raw``.
    """
    normal = normalize(raw)
    back = offset_map(raw)
    words: list[Word] = []
    for piece in _PIECE.finditer(normal):
        text = piece.group()
        where = back[piece.start()]
        if text == "*":
            raise RuleError(
                "a wildcard '*' must follow the letters it extends",
                offset=where,
                hint="write a stem followed by '*', like 'withdr*'",
            )
        end = piece.end()
        if text.endswith("*"):
            if end < len(normal) and re.match(r"[^\W_]", normal[end]):
                raise RuleError(
                    "a wildcard '*' is only allowed at the end of a word",
                    offset=back[end - 1],
                    hint="only prefix wildcards like 'withdr*' are supported",
                )
            stem = text[:-1]
            if len(stem) < MIN_PREFIX:
                raise RuleError(
                    f"wildcard stem '{stem}*' is too short",
                    offset=where,
                    hint=f"use at least {MIN_PREFIX} letters before '*'",
                )
            words.append(Word(stem, prefix=True))
        else:
            words.append(Word(text))
    if not words:
        raise RuleError(
            f"term {raw!r} has no letters or digits", offset=0, hint="remove it or quote words"
        )
    if len(words) > MAX_PHRASE_WORDS:
        raise RuleError(
            f"phrase has {len(words)} words, more than {MAX_PHRASE_WORDS}",
            offset=0,
            hint="use NEAR/n or SENTENCE(...) for long spans",
        )
    return tuple(words)
