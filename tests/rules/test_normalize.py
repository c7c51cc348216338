"""The matching normal form, and matching through it."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import normalize
from rules._normal import offset_map, word_text
from tests.rules._support import matches


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Withdrawal", "withdrawal"),
        ("with\u200bdrawal", "withdrawal"),  # zero-width space
        ("with\u00addrawal", "withdrawal"),  # soft hyphen
        ("Ｗｉｔｈｄｒａｗ", "withdraw"),  # full-width letters
        ("Łotwa", "lotwa"),
        ("Straße", "strasse"),
        ("İSTANBUL", "istanbul"),
        ("ISTANBUL", "istanbul"),
        ("ıstanbul", "istanbul"),
        ("Sözleşmesi’nden çekildi", "sozlesmesi'nden cekildi"),
        ("Ёлка", "елка"),
        ("Україна виходить", "украіна виходить"),  # ї becomes і, і is kept
        ("Їжак", "іжак"),
        ("Jõustus väljaastumine", "joustus valjaastumine"),
        ("Kilépés az egyezményből", "kilepes az egyezmenybol"),
        ("l’Ottawa", "l'ottawa"),
        ("anti‑personnel – mines", "anti-personnel - mines"),
        ("ﬁnal", "final"),
        ("Ø and æ", "o and ae"),
        ("سال ۱۹۷۷", "سال 1977"),  # Persian digits
        ("عام ١٩٦٥", "عام 1965"),  # Arabic-Indic digits
        ("वर्ष १९४५", normalize("वर्ष") + " 1945"),  # Devanagari digits
    ],
)
def test_normal_form(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_nfd_and_nfc_agree() -> None:
    word = "Lietuvos pasitraukimą"
    assert normalize(unicodedata.normalize("NFD", word)) == normalize(word)


def test_word_text_keeps_words_and_blanks_the_rest() -> None:
    assert word_text("Poland’s exit (U.S.)") == "poland s exit  u s  "
    assert len(word_text("a-b")) == 3


def test_offset_map_points_back_to_original_characters() -> None:
    text = "Stra\u00dfe with\u200bdrawal"
    normal = normalize(text)
    mapping = offset_map(text)
    assert len(mapping) == len(normal) + 1
    assert text[mapping[normal.index("withdrawal")]] == "w"
    assert mapping[-1] == len(text)


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("withdrawal", "with\u200bdrawal from the pact", True),
        ("withdrawal", "with drawal from the pact", False),
        ("withdrawal", "with\u200bdrawals from the pact", False),
        ("ottawa", "quits the Convention d’Ottawa", True),
        ("ottawa", "quits the Convention d'Ottawa", True),
        ("ottawa", "Ottawan sopimus", False),
        ("ottawa*", "Ottawan sopimus", True),
        ("pasitraukimas", unicodedata.normalize("NFD", "Pasitraukimas"), True),
        ("pasitraukimas", unicodedata.normalize("NFD", "Pasitraukimą"), False),
        ("sozlesme", "İstanbul SÖZLEŞME", True),
        ("istanbul", "İSTANBUL", True),
        ("istanbul", "Istanbul", True),
        ("istanbul", "İSTANBULLU", False),
        ("withdraw", "ｗｉｔｈｄｒａｗ", True),
        ("withdraw", "ｗｉｔｈｄｒａｗｎ", False),
        ("convention", "conventional forces", False),
        ("convention*", "conventional forces", True),
        ('"anti personnel"', "anti-personnel mines", True),
        ("anti-personnel", "anti personnel mines", True),
        ("antipersonnel", "anti-personnel mines", False),
        ("lotwa", "Łotwa wychodzi", True),
        ("strasse", "Straße", True),
        ("елка", "ёлка", True),
    ],
)
def test_matching_is_normalised_and_word_bounded(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


@given(st.text())
def test_normalize_is_idempotent_and_total(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert len(offset_map(text)) == len(once) + 1


@given(st.text())
def test_word_text_has_the_same_words_as_normalize(text: str) -> None:
    from rules._text import split_words

    words = [word for word, _, _ in split_words(normalize(text))]
    assert word_text(text).split() == words


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("退出國際聯盟", "退出国际联盟"),  # Taiwan and Hong Kong outlets write traditional
        ("廢除條約", "废除条约"),
        ("終止共同防禦條約", "终止共同防御条约"),
    ],
)
def test_traditional_chinese_has_the_normal_form_of_simplified(
    traditional: str, simplified: str
) -> None:
    assert normalize(traditional) == normalize(simplified)
    assert len(normalize(traditional)) == len(traditional)  # offsets stay one to one
    assert offset_map(traditional) == list(range(len(traditional) + 1))


def test_other_scripts_are_left_to_themselves_by_the_chinese_table() -> None:
    assert normalize("条約を廃棄") == "条约を廃弃"  # Japanese kana untouched, kanji as Chinese
    assert normalize("조약 폐기") == "조약 폐기"


def test_a_traditional_chinese_headline_matches_as_its_simplified_twin() -> None:
    assert matches("退出 AND 条约", "台灣宣布退出該條約")
    assert matches("退出 AND 条约", "台湾宣布退出该条约")


def test_a_year_in_persian_digits_is_a_year() -> None:
    from datetime import UTC, datetime

    published = datetime(2019, 1, 1, tzinfo=UTC)
    assert matches("year:>=2", "پیمان در سال ۱۹۷۷ لغو شد", published=published)
    assert not matches("year:>=2", "پیمان در سال ۲۰۱۹ لغو شد", published=published)


_MOSTLY_ASCII = st.lists(
    st.one_of(
        st.text(st.characters(max_codepoint=0x7F), min_size=1, max_size=30),
        st.text(min_size=1, max_size=2),
    ),
    max_size=12,
).map("".join)
"""Text of ASCII stretches with a few other characters between them: the texts the tables are
applied to stretch by stretch."""


@given(st.one_of(_MOSTLY_ASCII, st.text()))
def test_the_tables_apply_to_each_character_as_in_one_pass(text: str) -> None:
    """Normal form, word text and offset map are those of one ``str.translate`` of the whole
    text, however it is split into ASCII stretches and the rest."""
    from rules._normal import _LENGTH_TABLE, _TABLE, _WORD_TABLE

    if not text.isascii():
        assert normalize(text) == text.translate(_TABLE)
    assert word_text(text) == text.translate(_WORD_TABLE)
    lengths = text.translate(_LENGTH_TABLE)
    assert offset_map(text) == [
        *(i for i, size in enumerate(lengths) for _ in range(ord(size))),
        len(text),
    ]
