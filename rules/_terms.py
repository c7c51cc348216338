"""How a written term (``withdr*``, ``anti-personnel``, ``l'Ottawa``) becomes normalised words."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from rules._normal import UNSPACED_LETTERS, is_unspaced, normalize, offset_map
from rules._syntax import Word
from rules._text import WORD_PATTERN
from rules.errors import RuleError

__all__ = [
    "AFFIX",
    "CASED",
    "GAP",
    "GAP_WORDS",
    "MAX_PHRASE_WORDS",
    "MAX_TERM_LENGTH",
    "MIN_PREFIX",
    "proclitic_variants",
    "serbian_other_script",
    "term_parts",
    "term_words",
]

MIN_PREFIX = 3
"""Shortest allowed stem before a ``*`` wildcard (``withdr*`` is fine, ``wi*`` is not)."""

MAX_PHRASE_WORDS = 24
"""Longest allowed phrase, in words: 12 words, each Chinese, Japanese or Korean character
counting as half a word (so 24 such characters)."""

MAX_TERM_LENGTH = 200
"""Longest allowed term, in characters (the pack's longest is about 110): a term of a million
characters would build a matcher too deep to compile or to hand to the parse workers."""

CASED = "="
"""A term written with this prefix is matched case-sensitively (``=WHO``)."""

MIN_AFFIX = 4
"""Shortest allowed core of a word with a leading wildcard (``*vertrag``, ``*sopimu*``)."""

AFFIX = "*"
"""Starts the text of a word written with a leading ``*``: ``*vertrag`` matches words ending in
*vertrag* (Freundschaftsvertrag), ``*sopimu*`` (``prefix`` set) words containing *sopimu*."""

MIN_INNER_PREFIX = 2
"""Shortest stem before a ``*`` on a later word of a phrase (``sona er*``)."""

GAP = "..."
"""Separates the parts of a gapped vocabulary term, like ``pull* ... out`` or ``tritt ... aus``."""

GAP_WORDS = 8
"""How many words may stand in a gap."""


@cache
def _pattern(kind: str) -> re.Pattern[str]:
    """The words of a term (``piece``: ``*`` alone too; ``spelled``: as written), compiled on
    first use: only compiling rules reads terms, and a start-up that reads the compiled rules
    from their cache never does (about 6 ms: issue 14)."""
    word = f"(?:{WORD_PATTERN})\\*?"
    return re.compile(f"{word}|\\*" if kind == "piece" else word)


def _check_length(raw: str) -> None:
    if len(raw) > MAX_TERM_LENGTH:
        raise RuleError(
            f"term is longer than {MAX_TERM_LENGTH} characters",
            offset=MAX_TERM_LENGTH,
            hint="shorten it: a term names a word or a short phrase",
        )


_ONE_LETTER_WORDS = re.compile(f"[{UNSPACED_LETTERS}]")
"""A letter of Thai, Lao, Burmese or Khmer: each is a word of its own to the matcher (unlike a
Chinese character, it is no word to the reader), so a term that folds to one is a mistake."""


def term_words(raw: str) -> tuple[Word, ...]:
    """Split ``raw`` into normalised words, each optionally a prefix (trailing ``*``).

    Separators (spaces, hyphens, apostrophes, punctuation) split words, exactly as they split
    the words of a document, so ``anti-personnel`` is the two-word phrase ``anti personnel``.
    A leading ``=`` makes the term case-sensitive: ``=WHO`` matches "WHO" but not "who".
    Raises :class:`RuleError` whose ``offset`` is relative to ``raw``.
    """
    _check_length(raw)
    if raw.startswith(CASED):
        return _cased_words(raw[len(CASED) :], len(CASED))
    normal = normalize(raw)
    back = offset_map(raw)
    words: list[Word] = []
    leading: int | None = None  # where a leading '*' stood, for the word after it
    for piece in _pattern("piece").finditer(normal):
        text = piece.group()
        where = back[piece.start()]
        if text == "*":
            if piece.end() < len(normal) and re.match(r"[^\W_]", normal[piece.end()]):
                leading = where
                continue
            raise RuleError(
                "a wildcard '*' must follow the letters it extends",
                offset=where,
                hint="write a stem followed by '*', like 'withdr*'",
            )
        end = piece.end()
        if leading is not None:
            words.append(_affix(text, leading))
            leading = None
            continue
        if text.endswith("*"):
            if end < len(normal) and re.match(r"[^\W_]", normal[end]):
                raise RuleError(
                    "a wildcard '*' is only allowed at the end of a word",
                    offset=back[end - 1],
                    hint="only prefix wildcards like 'withdr*' are supported",
                )
            stem = text[:-1]
            if is_unspaced(stem):
                raise RuleError(
                    f"a wildcard cannot follow '{stem}'",
                    offset=where,
                    hint="Chinese, Japanese and Korean characters are words of their own: "
                    "write the characters without '*'",
                )
            if len(stem) < (MIN_PREFIX if not words else MIN_INNER_PREFIX):
                raise RuleError(
                    f"wildcard stem '{stem}*' is too short",
                    offset=where,
                    hint=f"use at least {MIN_PREFIX} letters before '*' "
                    f"({MIN_INNER_PREFIX} after the first word of a phrase)",
                )
            words.append(Word(stem, prefix=True))
        else:
            words.append(Word(text))
    if not words:
        raise RuleError(
            f"term {raw!r} has no letters or digits", offset=0, hint="remove it or quote words"
        )
    if len(words) == 1 and _ONE_LETTER_WORDS.fullmatch(words[0].text):
        raise RuleError(
            f"term {raw!r} is the single letter {words[0].text!r} once its vowel and tone marks "
            "are folded away: it would match inside almost every word",
            offset=0,
            hint="write the whole word or a phrase around it",
        )
    weight = sum(1 if is_unspaced(w.text) else 2 for w in words)
    if weight > MAX_PHRASE_WORDS:
        raise RuleError(
            f"phrase has {(weight + 1) // 2} words, more than {MAX_PHRASE_WORDS // 2} (a Chinese, "
            "Japanese or Korean character counts as half a word)",
            offset=0,
            hint="use NEAR/n or SENTENCE(...) for long spans",
        )
    return tuple(words)


def _affix(text: str, where: int) -> Word:
    """A word written with a leading ``*``: ``*vertrag`` (ends with) or ``*sopimu*`` (contains).

    Its ``text`` keeps the ``*`` (see :data:`AFFIX`); ``prefix`` marks the "contains" form.
    """
    inner = text.endswith("*")
    core = text[:-1] if inner else text
    if is_unspaced(core[:1]) or len(core) < MIN_AFFIX:
        raise RuleError(
            f"'*{text}' needs at least {MIN_AFFIX} letters after its leading '*'",
            offset=where,
            hint="like '*vertrag' (compounds ending in -vertrag) or '*sopimu*'",
        )
    return Word(AFFIX + core, prefix=inner)


@lru_cache(maxsize=65_536)
def term_parts(raw: str) -> tuple[tuple[Word, ...], ...]:
    """Split a vocabulary term into its gapped parts (one part when it has no ``...``).

    ``pull* ... out`` matches ``pulls Poland out`` and ``pulled out``: each part follows the
    previous one with at most :data:`GAP_WORDS` words between them. Offsets in errors are
    relative to ``raw``.
    """
    _check_length(raw)
    parts: list[tuple[Word, ...]] = []
    position = 0
    for piece in raw.split(GAP):
        try:
            parts.append(term_words(piece))
        except RuleError as exc:
            raise RuleError(
                exc.message, offset=position + (exc.offset or 0), hint=exc.hint
            ) from exc
        position += len(piece) + len(GAP)
    return tuple(parts)


_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f]")
_SERBIAN_LATIN = "abcčćdđefghijklmnoprsštuvzžABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽ"
_SERBIAN_CYRILLIC = "абцчћдђефгхијклмнопрсштувзжАБЦЧЋДЂЕФГХИЈКЛМНОПРСШТУВЗЖ"
_SERBIAN_DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ", "Lj": "Љ", "Nj": "Њ", "Dž": "Џ"}
_TO_CYRILLIC = str.maketrans(_SERBIAN_LATIN, _SERBIAN_CYRILLIC)
_TO_LATIN = str.maketrans(
    dict(zip(_SERBIAN_CYRILLIC, _SERBIAN_LATIN, strict=True))
    | {cyrillic: latin for latin, cyrillic in _SERBIAN_DIGRAPHS.items()}
)
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def serbian_other_script(raw: str) -> str | None:
    """A Serbian term in the other of its two alphabets, letter for letter (Serbian writes
    Latin and Cyrillic alike: "istupanje" is "иступање"), or ``None`` when it is the same.

    The letters map one to one (with the digraphs lj, nj and dž); a term mixing in letters of
    neither alphabet, or a case-sensitive term, keeps its one form.
    """
    if raw.startswith(CASED):
        return None
    if _CYRILLIC.search(raw):
        other = raw.translate(_TO_LATIN)
    else:
        other = raw
        for latin, cyrillic in _SERBIAN_DIGRAPHS.items():
            other = other.replace(latin, cyrillic)
        other = other.translate(_TO_CYRILLIC)
        if re.search("[a-zA-Z]", other):  # q, w, x, y: not a Serbian word
            return None
    return None if other == raw else other


_ARTICLE = "ال"
_BEFORE_ARTICLE = ("و", "ف", "ب", "وب")
_BEFORE_BARE = ("ال", "و", "ف", "ب", "ل", "وال", "بال", "فال", "وب", "ول")


def proclitic_variants(parts: tuple[tuple[Word, ...], ...]) -> list[tuple[tuple[Word, ...], ...]]:
    """The forms of an Arabic term with the proclitics news text attaches to its first word:
    the article and the conjunctions and prepositions written as one word with it (``و`` and,
    ``ب`` with, ``ل`` for, ``ف`` so; ``ل`` + ``ال`` is ``لل``). Other terms have none; the loader
    asks only for terms listed under ``ar``.

    Written once by the vocabulary author (``انسحاب*``), the term then also matches
    ``الانسحاب``, ``والانسحاب`` or ``بالانسحاب``, as Arabic light stemmers read them.
    """
    first = parts[0][0]
    if first.cased is not None or not _ARABIC_SCRIPT.match(first.text):
        return []
    text = first.text
    if text.startswith(_ARTICLE) and len(text) > len(_ARTICLE) + 1:
        bare = text[len(_ARTICLE) :]
        forms = [p + text for p in _BEFORE_ARTICLE] + ["لل" + bare, "ولل" + bare]
    else:
        forms = [p + text for p in _BEFORE_BARE] + ["لل" + text]
    return [((Word(form, first.prefix), *parts[0][1:]), *parts[1:]) for form in forms]


def _cased_words(raw: str, shift: int) -> tuple[Word, ...]:
    """The words of a case-sensitive term: normalised for lookup, spelled exactly for checking."""
    try:
        words = term_words(raw)
    except RuleError as exc:
        raise RuleError(exc.message, offset=shift + (exc.offset or 0), hint=exc.hint) from exc
    spelled = _pattern("spelled").findall(unicodedata.normalize("NFC", raw))
    if len(spelled) != len(words) or any(
        normalize(s.rstrip("*")) != w.text for s, w in zip(spelled, words, strict=False)
    ):
        raise RuleError(
            "a case-sensitive term may only use plain letters and digits",
            offset=shift,
            hint="write it like =WHO or =New START",
        )
    return tuple(Word(w.text, w.prefix, s.rstrip("*")) for s, w in zip(spelled, words, strict=True))
