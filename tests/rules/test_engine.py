"""The engine's shortcuts answer what the plain way answers.

The scanner indexes phrases by their first two words and stems by their first letters; an
exclusion asks only whether it matches. Each is held here to the plain computation: every
pattern tried at every word, every branch evaluated.
"""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rules import Document, load_ruleset
from rules._context import Scope
from rules._lexicon import Found, Pattern, Scanner, spelled_as, word_matches
from rules._normal import normalize
from rules._text import FieldText
from tests.rules.conftest import builtin_pack_files

NOW = datetime(2026, 1, 1, tzinfo=UTC)
EVAL = Path(__file__).resolve().parent.parent / "data" / "rules_eval.jsonl"


def _word(text: str) -> tuple[str, bool, str | None]:
    cased = text.startswith("=")
    text = text.removeprefix("=")
    prefix = text.endswith("*") and not text.startswith("*")
    if text.startswith("*") and text.endswith("*") and len(text) > 1:
        return (text[:-1], True, None)
    core = text[:-1] if prefix else text
    return (normalize(core), prefix, core if cased else None)


def _pattern(phrase: str) -> Pattern:
    return tuple(_word(w) for w in phrase.split())


LEXICON = [
    _pattern(p)
    for p in [
        "the",
        "the treaty",
        "the treaty of rome",
        "the trea* of",
        "the *vertrag",
        "treaty",
        "treaty of",
        "treaty of paris",
        "trea*",
        "trea* of rome",
        "treat* of",
        "treaties",
        "with*",
        "withdr*",
        "withdr* from",
        "withdr* from the",
        "withdraw from",
        "withdraw fro*",
        "*vertrag",
        "*vertrag of",
        "*sopimu*",
        "*sopimu* of",
        "of",
        "of rome",
        "=WHO",
        "=WHO leaves",
        "who",
        "=Rome statute",
    ]
]
WORDS = [
    "the",
    "The",
    "treaty",
    "treaties",
    "treat",
    "of",
    "rome",
    "Rome",
    "paris",
    "withdraw",
    "withdrawn",
    "withdrawal",
    "from",
    "frozen",
    "Pariser",
    "friedensvertrag",
    "vertrag",
    "sopimus",
    "kansainvalisesta",
    "kauppasopimuksesta",
    "WHO",
    "Who",
    "who",
    "leaves",
    "statute",
    ".",
]


def _plain_scan(patterns: list[Pattern], field: FieldText) -> Found:
    """Every pattern tried at every word."""
    found: Found = {}
    words = field.words
    for position in range(len(words)):
        for pattern_id, pattern in enumerate(patterns):
            end = position + len(pattern)
            if end > len(words):
                continue
            if not all(
                word_matches(text, prefix, words[position + offset])
                for offset, (text, prefix, _) in enumerate(pattern)
            ):
                continue
            if not all(
                cased is None
                or spelled_as(field.original_word(position + offset), cased, prefix)
                or spelled_as(field.original_word(position + offset), cased.upper(), prefix)
                for offset, (_, prefix, cased) in enumerate(pattern)
            ):
                continue
            found.setdefault(pattern_id, []).append((field.index, position, end))
    return found


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join))
def test_the_scanner_finds_what_trying_every_pattern_finds(text: str) -> None:
    field = FieldText(0, text, normalize(text))
    found: Found = {}
    Scanner(LEXICON).scan(field, found)
    assert found == _plain_scan(LEXICON, field)


def test_the_scanner_finds_a_phrase_that_starts_the_last_word_only_alone() -> None:
    field = FieldText(0, "they withdraw", "they withdraw")
    found: Found = {}
    Scanner(LEXICON).scan(field, found)
    assert set(found) == {LEXICON.index(_pattern(p)) for p in ["with*", "withdr*"]}


PACK = load_ruleset(builtin_pack_files())


def _documents() -> list[Document]:
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines()]
    return [
        Document(title=row["title"], summary=row["summary"], language=row["language"])
        for row in rows[::3]
    ]


def test_an_exclusion_matches_exactly_where_it_evaluates_to_a_match() -> None:
    checked = 0
    for doc in _documents():
        texts, candidates = PACK._candidates(doc)
        for index in candidates:
            compiled = PACK._active[index]
            if compiled.exclude is None:
                continue
            ctx = PACK._context(doc, NOW, texts)
            keys = [(f.index, s) for f in ctx.fields for s in sorted(set(f.sentences))]
            for key in keys:
                scope = Scope(sentence=key)
                fresh = PACK._context(doc, NOW, texts)  # no memo shared with the first answer
                answer = compiled.exclude.matches(ctx, scope)
                assert answer == (compiled.exclude.evaluate(fresh, scope) is not None)
                checked += 1
    assert checked > 500


def test_the_scanner_gives_back_every_pattern_as_written() -> None:
    assert Scanner(LEXICON).patterns() == LEXICON


def test_a_rule_set_read_back_from_its_compact_pickle_reports_the_same() -> None:
    again = pickle.loads(pickle.dumps(PACK, protocol=pickle.HIGHEST_PROTOCOL))
    matched = 0
    for doc in _documents():
        found = PACK.match(doc, NOW)
        assert repr(again.match(doc, NOW)) == repr(found)
        assert repr(again.entities(doc)) == repr(PACK.entities(doc))
        assert repr(again.near_misses(doc, NOW)) == repr(PACK.near_misses(doc, NOW))
        matched += bool(found)
    assert matched > 50


def test_the_compact_pickle_makes_no_object_per_single_pattern_entry() -> None:
    """Read back from the cache at every start (issue 14, memory): an index entry of the scanner
    that leads to one pattern is that pattern's id, not a tuple of one, and the attribute checks'
    sets of tens of thousands of ids are bitmaps, not frozensets of int objects."""
    again = pickle.loads(pickle.dumps(PACK, protocol=pickle.HIGHEST_PROTOCOL))
    scanner = again._scanner
    entries = [*scanner._exact.values(), *scanner._prefix.values(), *scanner._pairs.values()]
    assert sum(isinstance(ids, int) for ids in entries) > 0.8 * len(entries)
    assert not any(isinstance(ids, tuple) and len(ids) == 1 for ids in entries)
    assert again._attributes
    assert all(isinstance(s, bytes) for pair in again._attributes for s in pair)
