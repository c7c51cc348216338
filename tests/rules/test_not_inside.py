"""``not_inside``: a word (or a year) inside a longer name is part of the name, not a word of
its own: the "exporting" of the Organization of the Petroleum Exporting Countries is no
export, the 1975 of "the Algiers Agreement of 1975" no date of the news."""

from __future__ import annotations

import pytest

import rules
from rules import Document, RuleError, load_ruleset
from tests.rules._support import NOW

RULES = """
rules:
  - id: leave
    title: Leaving
    query: SENTENCE(withdraws NEAR/6 @names)
    exclude: "@goods OR (withdraws NEAR/6 year:>=2)"
"""

VOCAB = """
vocabularies:
  names:
    entries:
      opec:
        terms:
          en: [Organization of the Petroleum Exporting Countries]
      algiers:
        terms:
          en: [Algiers Agreement of 1975]
      exports:
        terms:
          en: [Exports]
  goods:
    {not_inside}
    terms:
      en: [exporting, exports]
"""


def ruleset(not_inside: bool) -> rules.RuleSet:
    vocab = VOCAB.format(not_inside="not_inside: names" if not_inside else "")
    return load_ruleset({"rules.yaml": RULES, "vocab.yaml": vocab})


@pytest.mark.parametrize(
    "title",
    [
        "Qatar withdraws from the Organization of the Petroleum Exporting Countries",
        "Iraq withdraws from the Algiers Agreement of 1975",
    ],
)
def test_words_and_years_inside_a_name_are_the_name(title: str) -> None:
    doc = Document(title=title)
    assert ruleset(not_inside=True).match(doc, NOW), title
    # without the key the word (or the year) masks the sentence: the test can fail
    assert ruleset(not_inside=False).match(doc, NOW) == [], title


@pytest.mark.parametrize(
    "title",
    [
        # the word on its own, next to the name, still masks
        "Qatar withdraws exporting staff: Organization of the Petroleum Exporting Countries",
        # a year outside the name is still a date
        "Iraq withdraws, recalling 1975: the Algiers Agreement of 1975",
        # a name exactly as long as the word does not contain it
        "Ruritania withdraws Exports",
    ],
)
def test_only_occurrences_strictly_inside_a_longer_name_go(title: str) -> None:
    assert ruleset(not_inside=True).match(Document(title=title), NOW) == [], title


def test_not_inside_must_name_a_vocabulary() -> None:
    vocab = VOCAB.format(not_inside="not_inside: nothing_here")
    with pytest.raises(RuleError, match="not_inside names no vocabulary 'nothing_here'"):
        load_ruleset({"rules.yaml": RULES, "vocab.yaml": vocab})


@pytest.mark.parametrize(
    ("language", "title"),
    [
        # Japanese 輸出 (export, a thing withdrawn) folds to the 输出 of OPEC's Chinese name
        ("zh", "卡塔尔宣布退出石油输出国组织"),
        # 위협 (threat, a hedge) inside 난민지위협약 (the refugee convention)
        ("ko", "러시아, 난민지위협약 탈퇴"),
        # عدم (a negator) inside the Persian name of the Non-Aligned Movement
        ("fa", "ونزوئلا از جنبش عدم تعهد خارج شد"),
        # không (not) inside the Vietnamese name of the Outer Space Treaty
        ("vi", "Ả Rập Xê Út rút khỏi Hiệp ước Ngoài không gian"),
        # the year inside the name is no background date
        ("ar", "إيران تنسحب من اتفاقية الجزائر لعام 1975"),
        ("ru", "Мексика выходит из Договора о водах 1944 года"),
    ],
)
def test_builtin_pack_reads_names_as_names(
    builtin_ruleset: rules.RuleSet, language: str, title: str
) -> None:
    assert builtin_ruleset.match(Document(title=title, language=language), NOW), title


def test_builtin_pack_still_masks_the_words_outside_names(builtin_ruleset: rules.RuleSet) -> None:
    doc = Document(title="Russia withdraws its troops from the Syrian base", language="en")
    assert builtin_ruleset.match(doc, NOW) == []


def test_not_inside_takes_a_list_of_vocabularies() -> None:
    vocab = VOCAB.format(not_inside="not_inside: [names, bodies]") + (
        "  bodies:\n    terms:\n      en: [joint exporting committee]\n"
    )
    rules_text = RULES.replace("@names)", "(@names OR @bodies))")
    ruleset = load_ruleset({"rules.yaml": rules_text, "vocab.yaml": vocab})
    for title in (
        "Mali withdraws from the joint exporting committee",
        "Qatar withdraws from the Organization of the Petroleum Exporting Countries",
    ):
        assert ruleset.match(Document(title=title), NOW), title
    # a name of one vocabulary does not shelter words outside it
    doc = Document(title="Mali withdraws exporting staff from the joint exporting committee")
    assert ruleset.match(doc, NOW) == []


def test_not_inside_names_each_unknown_vocabulary() -> None:
    vocab = VOCAB.format(not_inside="not_inside: [names, nowhere]")
    with pytest.raises(RuleError, match="not_inside names no vocabulary 'nowhere'"):
        load_ruleset({"rules.yaml": RULES, "vocab.yaml": vocab})
