"""Every word pattern of a rule set, interned once and found in a document in one pass.

A pattern is a tuple of words (a phrase), each word exact or a prefix. Query terms and
vocabulary terms all become patterns; the :class:`Scanner` walks the words of a field once and
reports every occurrence of every pattern, so evaluating a rule never searches the text again.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import accumulate

from rules._syntax import Word
from rules._terms import AFFIX, MIN_PREFIX
from rules._text import FieldText

__all__ = ["Found", "Lexicon", "Occurrences", "Pattern", "Scanner"]

Pattern = tuple[tuple[str, bool, str | None], ...]
"""A phrase as ``((word, is_prefix, exact spelling or None), ...)``."""

Occurrences = list[tuple[int, int, int]]
"""Where a pattern occurs: ``(field index, first word, end word)``."""

Found = dict[int, Occurrences]
"""Pattern id to its occurrences in one document."""


class Lexicon:
    """Interns patterns so that each distinct phrase gets one id across the whole rule set.

    Equal words share one tuple across patterns: "the" opens thousands of them, and a compiled
    set read back from the disk cache builds each shared object once.
    """

    __slots__ = ("_ids", "_words", "patterns")

    def __init__(self) -> None:
        self._ids: dict[Pattern, int] = {}
        self._words: dict[tuple[str, bool, str | None], tuple[str, bool, str | None]] = {}
        self.patterns: list[Pattern] = []

    def intern(self, words: Sequence[Word]) -> int:
        """The id of the pattern made of ``words`` (created on first use)."""
        shared = self._words
        pattern: Pattern = tuple(
            shared.setdefault(word, word) for word in ((w.text, w.prefix, w.cased) for w in words)
        )
        known = self._ids.get(pattern)
        if known is not None:
            return known
        self._ids[pattern] = len(self.patterns)
        self.patterns.append(pattern)
        return len(self.patterns) - 1


_PAIR = "\x1f"
"""Joins a first word (or stem) and an exact second word into a key of ``Scanner._pairs``; no
normalised word holds it."""


class Scanner:
    """Finds all patterns of a frozen lexicon in a field, indexed by each pattern's first word.

    A phrase whose second word is exact is indexed by its first two words (``_pairs``), so a
    common first word ("the", "convention", "الاتفاقيه") does not make every phrase starting
    with it be tried; stems are looked up only at the lengths that exist for the word's first
    letters.

    The patterns themselves are kept compact, as the compiled set is read back from the disk
    cache at every start: one string holds them all (``word word* ...`` per pattern, a ``*``
    marking a prefix), ``_starts`` where each begins and ``_sizes`` its number of words; only
    the few case-sensitive patterns are kept whole (``_cased``). An index entry that leads to a
    single pattern holds its id, not a tuple of one (``Ids``): nine entries in ten, 3 MB fewer
    objects to make at each start.
    """

    __slots__ = (
        "_cased",
        "_exact",
        "_heads",
        "_infixes",
        "_pairs",
        "_prefix",
        "_sizes",
        "_starts",
        "_stems",
        "_suffixes",
        "_table",
    )

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        self._cased = {
            i: pattern for i, pattern in enumerate(patterns) if any(w[2] for w in pattern)
        }
        encoded = [
            " ".join(f"{text}*" if prefix else text for text, prefix, _ in pattern)
            for pattern in patterns
        ]
        self._table = "\n".join(encoded)
        self._starts = array("I", accumulate((len(e) + 1 for e in encoded), initial=0))
        self._sizes = bytes(len(pattern) for pattern in patterns)
        exact: dict[str, list[int]] = {}
        prefix: dict[str, list[int]] = {}
        pairs: dict[str, list[int]] = {}
        heads: set[str] = set()
        self._suffixes: dict[str, list[tuple[str, list[int]]]] = {}  # by the last 3 letters
        infixes: dict[str, list[int]] = {}
        for pattern_id, pattern in enumerate(patterns):
            first, is_prefix, _ = pattern[0]
            if first.startswith(AFFIX):
                core = first[len(AFFIX) :]
                if is_prefix:
                    infixes.setdefault(core, []).append(pattern_id)
                else:
                    tails = self._suffixes.setdefault(core[-3:], [])
                    known = next((ids for c, ids in tails if c == core), None)
                    if known is None:
                        tails.append((core, [pattern_id]))
                    else:
                        known.append(pattern_id)
                continue
            head = f"{first}*" if is_prefix else first
            if len(pattern) > 1 and not pattern[1][1] and not pattern[1][0].startswith(AFFIX):
                heads.add(head)
                pairs.setdefault(f"{head}{_PAIR}{pattern[1][0]}", []).append(pattern_id)
            else:
                (prefix if is_prefix else exact).setdefault(first, []).append(pattern_id)
            if is_prefix:
                prefix.setdefault(first, [])
        self._exact = {word: _compact(ids) for word, ids in exact.items()}
        self._prefix = {stem: _compact(ids) for stem, ids in prefix.items()}
        self._pairs = {key: _compact(ids) for key, ids in pairs.items()}
        self._heads = frozenset(heads)
        self._infixes = tuple(infixes.items())
        stems: dict[str, set[int]] = {}
        for stem in self._prefix:
            stems.setdefault(stem[:MIN_PREFIX], set()).add(len(stem))
        shared: dict[tuple[int, ...], tuple[int, ...]] = {}
        self._stems = {
            start: shared.setdefault(key, key)
            for start, lengths in stems.items()
            for key in [tuple(sorted(lengths))]
        }
        """The first letters of every stem, to the lengths of the stems that start with them."""

    def scan(self, field: FieldText, found: Found) -> None:
        """Add every pattern occurrence in ``field`` to ``found``."""
        words = field.words
        last = len(words) - 1
        exact = self._exact
        prefix = self._prefix
        pairs = self._pairs
        heads = self._heads
        stems = self._stems
        suffixes = self._suffixes
        # an infix can only be inside a word if it is in the field's normal form: most fields
        # hold none, and their words are then not tried against each one
        infixes = [(core, ids) for core, ids in self._infixes if core in field.normal]
        for position, word in enumerate(words):
            if word in heads and position < last:
                paired = pairs.get(f"{word}{_PAIR}{words[position + 1]}")
                if paired is not None:
                    single = exact.get(word)
                    self._record(
                        _merged(single, paired) if single is not None else paired,
                        field,
                        position,
                        found,
                    )
                else:
                    candidates = exact.get(word)
                    if candidates is not None:
                        self._record(candidates, field, position, found)
            else:
                candidates = exact.get(word)
                if candidates is not None:
                    self._record(candidates, field, position, found)
            if suffixes:
                for core, ids in suffixes.get(word[-3:], ()):
                    if word.endswith(core):
                        self._record(ids, field, position, found)
            for core, ids in infixes:
                if core in word:
                    self._record(ids, field, position, found)
            lengths = stems.get(word[:MIN_PREFIX])
            if lengths:
                size = len(word)
                for length in lengths:
                    if length > size:
                        break
                    stem = word[:length]
                    found_stem = prefix.get(stem)
                    if found_stem is None:  # no stem, so no phrase's head either
                        continue
                    stemmed: Ids | list[int] = found_stem
                    if position < last and f"{stem}*" in heads:
                        paired = pairs.get(f"{stem}*{_PAIR}{words[position + 1]}")
                        if paired is not None:
                            stemmed = _merged(stemmed, paired) if stemmed != () else paired
                    if stemmed != ():
                        self._record(stemmed, field, position, found)

    def _record(
        self, entry: Ids | list[int], field: FieldText, position: int, found: Found
    ) -> None:
        sizes = self._sizes
        cased = self._cased
        if isinstance(entry, int) and sizes[entry] == 1 and entry not in cased:
            # most index entries: one single-word pattern, which the word itself matches
            found.setdefault(entry, []).append((field.index, position, position + 1))
            return
        candidates = (entry,) if isinstance(entry, int) else entry
        words = field.words
        count = len(words)
        for pattern_id in candidates:
            size = sizes[pattern_id]
            end = position + size
            if end > count:
                continue
            if size > 1 and not self._rest_matches(pattern_id, words, position, end):
                continue
            if pattern_id in cased and not _spelled_alike(cased[pattern_id], field, position):
                continue
            found.setdefault(pattern_id, []).append((field.index, position, end))

    def _words(self, pattern_id: int) -> list[str]:
        """The words of a pattern as stored: ``text``, or ``text*`` for a prefix."""
        starts = self._starts
        return self._table[starts[pattern_id] : starts[pattern_id + 1] - 1].split(" ")

    def _rest_matches(self, pattern_id: int, words: list[str], position: int, end: int) -> bool:
        """Whether the words after the first of a pattern of ``end - position`` words match
        ``words`` from ``position + 1`` (``end`` within them)."""
        starts = self._starts
        rest = self._table[starts[pattern_id] : starts[pattern_id + 1] - 1].partition(" ")[2]
        if "*" not in rest:  # exact words only (no word holds a space): compared at once
            return rest == " ".join(words[position + 1 : end])
        for offset, stored in enumerate(rest.split(" "), 1):
            is_prefix = stored.endswith("*")
            text = stored[:-1] if is_prefix else stored
            if not word_matches(text, is_prefix, words[position + offset]):
                return False
        return True

    def patterns(self) -> list[Pattern]:
        """Every pattern, by id, as ``((word, is_prefix, exact spelling or None), ...)``."""
        out: list[Pattern] = []
        for pattern_id in range(len(self._sizes)):
            known = self._cased.get(pattern_id)
            if known is None:
                stored = self._words(pattern_id)
                known = tuple(
                    (w[:-1], True, None) if w.endswith("*") else (w, False, None) for w in stored
                )
            out.append(known)
        return out


Ids = int | tuple[int, ...]
"""Pattern ids in an index entry: one id alone, or a tuple of two or more (or none)."""


def _compact(ids: list[int]) -> Ids:
    return ids[0] if len(ids) == 1 else tuple(ids)


def _merged(first: Ids | list[int], second: Ids) -> list[int]:
    """The ids of two index entries, in order."""
    a = (first,) if isinstance(first, int) else first
    b = (second,) if isinstance(second, int) else second
    return sorted((*a, *b))


def word_matches(text: str, is_prefix: bool, word: str) -> bool:
    """Whether a document word matches one word of a pattern."""
    if text.startswith(AFFIX):
        core = text[len(AFFIX) :]
        return core in word if is_prefix else word.endswith(core)
    return word.startswith(text) if is_prefix else word == text


def _spelled_alike(pattern: Pattern, field: FieldText, position: int) -> bool:
    for offset, (_, is_prefix, cased) in enumerate(pattern):
        if cased is None:
            continue
        written = field.original_word(position + offset)
        if not (
            spelled_as(written, cased, is_prefix) or spelled_as(written, cased.upper(), is_prefix)
        ):
            return False
    return True


def spelled_as(written: str, cased: str, is_prefix: bool) -> bool:
    """Whether a word as written has the spelling a case-sensitive term asks for."""
    return written.startswith(cased) if is_prefix else written == cased
