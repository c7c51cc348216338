"""The matching normal form: one ``str.translate`` table, applied character by character.

Each character maps to zero, one or a few characters, independently of its neighbours, so the
normal form of a string is the concatenation of the normal forms of its characters. That keeps
normalisation a single C-level ``str.translate`` call and lets us map offsets in the normal form
back to the original text (see :func:`offset_map`) for the few documents that match.

Per character: compatibility decomposition (NFKD, so full-width letters and ligatures become
plain letters), combining marks and format characters (zero-width spaces, soft hyphens, bidi
controls) dropped, Unicode case folding, a few letters without a decomposition mapped by hand
(Polish ``ł``, Nordic ``ø``, Turkish dotless ``ı``, ``đ``, ``æ`` ...), typographic apostrophes
unified to ``'`` and dashes to ``-``, decimal digits of every script written as ``0-9``
(``۱۹۷۷`` is ``1977``), traditional Chinese characters written simplified
(OpenCC's character table). Cyrillic ``ё`` becomes ``е`` and ``ї`` becomes ``і`` (the
diaeresis is a combining mark); Ukrainian ``і`` is kept as it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = [
    "UNSPACED",
    "is_identity_aligned",
    "is_unspaced",
    "normalize",
    "offset_map",
    "word_text",
]

_BY_HAND = {
    "ł": "l",
    "Ł": "l",
    "đ": "d",
    "Đ": "d",
    "ð": "d",
    "Ð": "d",
    "ø": "o",
    "Ø": "o",
    "ħ": "h",
    "Ħ": "h",
    "ı": "i",
    "æ": "ae",
    "Æ": "ae",
    "œ": "oe",
    "Œ": "oe",
    "þ": "th",
    "Þ": "th",
    "ŧ": "t",
    "Ŧ": "t",
    "ĸ": "k",
    "ƒ": "f",
    # Arabic script: the letter variants news text mixes freely (Persian yeh and keheh, teh
    # marbuta, alef maksura; hamza seats decompose and their marks are dropped anyway), and
    # Arabic punctuation as its Latin counterpart.
    "ی": "ي",
    "ى": "ي",
    "ک": "ك",
    "ة": "ه",
    "ـ": "",
    "؟": "?",
    "؛": ";",
    "،": ",",
    # Devanagari: a dependent vowel sign becomes its independent vowel, so that a Hindi word
    # stays one word (the signs are not letters) and keeps its vowels (पर "on" is not पेरू
    # "Peru"); the virama and nukta are dropped, nasal and aspirate signs become letters.
    **{
        chr(sign): chr(vowel)
        for sign, vowel in (
            (0x093E, 0x0906),
            (0x093F, 0x0907),
            (0x0940, 0x0908),
            (0x0941, 0x0909),
            (0x0942, 0x090A),
            (0x0943, 0x090B),
            (0x0944, 0x0960),
            (0x0945, 0x090D),
            (0x0946, 0x090E),
            (0x0947, 0x090F),
            (0x0948, 0x0910),
            (0x0949, 0x0911),
            (0x094A, 0x0912),
            (0x094B, 0x0913),
            (0x094C, 0x0914),
            (0x0962, 0x090C),
            (0x0963, 0x0961),
            (0x0901, 0x0928),
            (0x0902, 0x0928),
            (0x0903, 0x0939),
        )
    },
    "\u094d": "",
    "\u093c": "",
    # Sentence ends of Chinese, Japanese, Devanagari and Ethiopic.
    "።": ".",
    "፧": "?",
    "፤": ";",
    "。": ".",
    "।": ".",
    "॥": ".",
}
_APOSTROPHES = "’‘‛ʼʹʻʽ`´′＇"
_DASHES = "‐‑‒–—―−﹣－"
_LINE_BREAKS = "\u2028\u2029\u0085"
_DROPPED_CATEGORIES = frozenset({"Mn", "Mc", "Me", "Cf"})
"""Marks, spacing marks (vowel signs of Indic scripts other than Devanagari) and format
characters."""


def _fold_once(char: str) -> str:
    """One round of the per-character mapping (see the module docstring)."""
    if char in _BY_HAND:
        return _BY_HAND[char]
    if char in _APOSTROPHES:
        return "'"
    if char in _DASHES:
        return "-"
    if char in _LINE_BREAKS:
        return "\n"
    category = unicodedata.category(char)
    if category in _DROPPED_CATEGORIES:
        return ""
    if category == "Nd":  # Arabic-Indic, Persian, Devanagari, Bengali ... digits as 0-9
        return str(unicodedata.digit(char))
    text = unicodedata.normalize("NFKD", char).casefold()
    text = unicodedata.normalize("NFKD", text)
    kept = [_BY_HAND.get(c, c) for c in text if unicodedata.category(c) not in _DROPPED_CATEGORIES]
    return "".join(_simplified(c) for c in unicodedata.normalize("NFC", "".join(kept)))


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_T2S: list[Callable[[str], str]] = []


def _simplified(char: str) -> str:
    """A traditional Chinese character as its simplified form (國 -> 国, 條 -> 条, 廢 -> 废);
    any other character as it is. Taiwan, Hong Kong and Macau outlets, and older Japanese
    text, write the characters that mainland outlets and the pack write simplified: one
    normal form matches both. Character by character, so the normal form keeps its length
    and offsets; OpenCC's t2s conversion (loaded on the first Chinese character) decides."""
    if _HAN.match(char) is None:
        return char
    if not _T2S:
        import opencc  # its dictionaries load only when Chinese text appears

        _T2S.append(opencc.OpenCC("t2s").convert)
    converted = _T2S[0](char)
    return converted if len(converted) == 1 else char


def _fold(char: str) -> str:
    """The full mapping of one character: :func:`_fold_once` repeated until it is stable."""
    text = _fold_once(char)
    for _ in range(4):
        again = "".join(_fold_once(c) for c in text)
        if again == text:
            break
        text = again
    return text


class _FoldTable(dict[int, str]):
    """A translate table that computes (and remembers) each character on first use (filling
    the ~2,000 Latin, Greek and Cyrillic ones at import cost every start-up ~7 ms: issue 14)."""

    def __missing__(self, key: int) -> str:
        value = _fold(chr(key))
        self[key] = value
        return value


_TABLE = _FoldTable()


UNSPACED_LETTERS = "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"
"""Thai, Lao, Burmese and Khmer (a regular-expression class body): scripts without spaces
whose characters are letters, not words, to a reader (unlike Chinese characters)."""

UNSPACED = UNSPACED_LETTERS + ("\u3040-\u309f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff")
"""Character ranges of scripts whose every character is a word of its own: Thai, Lao, Burmese
and Khmer letters, Chinese characters, Japanese hiragana and Korean syllables (a
regular-expression class body). Katakana is not among them: a run of katakana is one word, as
it is one loanword or name (タイ, Thailand, is not inside タイトル, title). Chinese, Japanese,
Thai, Lao, Burmese and Khmer are written without spaces between words and Korean attaches
particles to words, so proximity there counts characters, and a term such as ``退出`` is the
two-word phrase ``退 出``, ``ถอนตัว`` the phrase of its letters (docs/rules.md)."""

_UNSPACED_CHAR = re.compile(f"[{UNSPACED}]")


def is_unspaced(char: str) -> bool:
    """Whether ``char`` belongs to a script whose characters are words of their own."""
    return _UNSPACED_CHAR.match(char) is not None


class _WordTable(dict[int, str]):
    """Like the fold table, but every character that is not a letter or digit becomes a space,
    and a character of a script written without spaces stands between spaces (a word alone)."""

    def __missing__(self, key: int) -> str:
        value = "".join(
            (f" {c} " if is_unspaced(c) else c) if c.isalnum() else " " for c in _TABLE[key]
        )
        self[key] = value
        return value


_WORD_TABLE = _WordTable()
for _code in range(0x80):
    _WORD_TABLE[_code] = _WORD_TABLE.__missing__(_code)


class _LengthTable(dict[int, str]):
    """Maps each character to ``chr(n)``, ``n`` being the length of its normal form."""

    def __missing__(self, key: int) -> str:
        value = chr(len(_TABLE[key]))
        self[key] = value
        return value


_LENGTH_TABLE = _LengthTable()


_NOT_ONE = re.compile(r"[^\x01]")

_NON_ASCII = re.compile("([^\x00-\x7f]+)")


def _translate(text: str, table: dict[int, str]) -> str:
    """``text.translate(table)``, made faster for text with few runs of non-ASCII characters
    (Latin-script news with accented letters): Python translates an ASCII-only string through
    a small cache, and any other string character by character through the table, so the ASCII
    stretches between those runs are translated on their own. The result is the same: each
    character is mapped independently."""
    if text.isascii():
        return text.translate(table)
    parts = _NON_ASCII.split(text)
    if 8 * len(parts) > len(text):  # mostly another script: one pass is faster
        return text.translate(table)
    return "".join([part.translate(table) for part in parts])


def normalize(text: str) -> str:
    """Return ``text`` in the matching normal form (see the module docstring).

    Idempotent: ``normalize(normalize(t)) == normalize(t)``. Pure ASCII text is only lowercased.
    """
    if text.isascii():
        return text.lower()
    return _translate(text, _TABLE)


def is_identity_aligned(text: str) -> bool:
    """True when every character of ``text`` normalises to exactly one character."""
    return text.isascii()


def offset_map(text: str) -> list[int]:
    """For each character of ``normalize(text)``, the index of the original character it came from.

    A final entry ``len(text)`` is appended so that an end offset can be mapped too.
    """
    if is_identity_aligned(text):
        return list(range(len(text) + 1))
    # Most characters map to exactly one: copy runs of those as ranges, expand the others.
    lengths = _translate(text, _LENGTH_TABLE)
    mapping: list[int] = []
    done = 0
    for found in _NOT_ONE.finditer(lengths):
        index = found.start()
        mapping.extend(range(done, index))
        mapping.extend([index] * ord(found.group()))
        done = index + 1
    mapping.extend(range(done, len(text) + 1))
    return mapping


def word_text(text: str) -> str:
    """The normal form with every non-word character replaced by spaces.

    Words are exactly the words of :func:`normalize` (runs of letters and digits), so a
    substring search for ``" word "`` finds whole words. Used by the prefilter.
    """
    return _translate(text, _WORD_TABLE)
