"""The built-in pack on whole classes of news (issue 10): any treaty or organisation, every
state, many languages, the withdrawing state named, and the harder near misses.

Every headline here is written by us for this test; none is in the evaluation set.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

import rules
from tests.rules.conftest import builtin_pack_files

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _states(ruleset: rules.RuleSet, title: str, summary: str = "") -> set[str] | None:
    matches = ruleset.match(rules.Document(title=title, summary=summary), NOW)
    if not matches:
        return None
    return {e.id for m in matches for e in m.entities if e.kind == "states"}


@pytest.mark.parametrize(
    "title",
    [
        # organisations and deals of every kind, not only the ones the pack was written around
        "Burundi announces its withdrawal from the East African Community",
        "Paraguay quits Mercosur in row over tariffs",
        "Kazakhstan leaves the Eurasian Economic Union, foreign ministry says",
        "Chile denounces the Escazú Agreement",
        "Indonesia withdraws from the International Coffee Organization",
        "Egypt suspends its participation in the Union for the Mediterranean",
        "Australia terminates its bilateral investment treaty with Ecuador",
        "Norway freezes its membership of the International Whaling Commission",
        "Peru ends its participation in the Pacific Alliance",
        "Togo withdraws from the Convention on the Protection of Migratory Birds",  # not listed
        # languages
        "Perú abandona la Alianza del Pacífico",
        "O Brasil deixa a Comunidade dos Países de Língua Portuguesa",
        "L'Italia esce dalla Convenzione di Ramsar",
        "Nederland zegt het Energiehandvestverdrag op",
        "Sverige lämnar Europarådet",
        "Česko vystupuje z Mezinárodní investiční banky",
        "Украина денонсировала соглашение о зоне свободной торговли СНГ",
        "Türkiye Avrupa Konseyi'nden çekildi",
        "كينيا تنسحب من المحكمة الجنائية الدولية",
        "ایران از معاهده منع گسترش سلاح‌های هسته‌ای خارج شد",
        "日本政府、国際捕鯨委員会からの脱退を正式に決定",
        "韩国宣布退出世界卫生组织",
        "필리핀, 국제형사재판소 탈퇴 공식 통보",
        "भारत ने विश्व स्वास्थ्य संगठन से हटने की घोषणा की",
        "Indonesia resmi keluar dari Organisasi Kesehatan Dunia",
        "Việt Nam rút khỏi Hiệp định Paris về khí hậu",
        "Ελλάδα αποχωρεί από τη Σύμβαση της Οτάβας",
    ],
)
def test_withdrawals_from_any_body_in_many_languages_alert(
    builtin_ruleset: rules.RuleSet, title: str
) -> None:
    assert builtin_ruleset.match(rules.Document(title=title), NOW), title


@pytest.mark.parametrize(
    "title",
    [
        # an organisation acting against a state
        "ECOWAS suspends Guinea after the coup",
        "Russia expelled from the Council of Europe",
        "African Union extends Mali's suspension",
        "L'Union africaine suspend le Gabon",
        # questions, opinion, calls, considering, conditions
        "Should Hungary leave the International Criminal Court?",
        "Opinion: why Poland should quit the Energy Charter Treaty",
        "Opposition urges Brazil to withdraw from the Paris Agreement",
        "Government weighs leaving the World Health Organization",
        "Minister says Argentina would leave Mercosur if the bloc blocks a trade deal",
        # history recalled, and a return
        "After leaving UNESCO in 2018, the United States has now rejoined",
        "Gambia rejoins the Commonwealth five years after quitting",
        # other senses, and attributes
        "Russian troops withdraw from the Kherson region",
        "EU countries withdraw ambassadors from Minsk",
        "Bank customers withdraw deposits as agreement collapses",
        "UN peacekeepers pull out of Mali",
        "Hungary walks out of European Council summit",
    ],
)
def test_near_misses_do_not_alert(builtin_ruleset: rules.RuleSet, title: str) -> None:
    assert not builtin_ruleset.match(rules.Document(title=title), NOW), title


@pytest.mark.parametrize(
    ("title", "summary", "expected"),
    [
        (
            "Lithuania leaves the Ottawa Convention because of the threat from Russia",
            "",
            {"lithuania"},
        ),
        ("Chad ends its defence cooperation agreement with France", "", {"chad"}),
        (
            "Poland and the Baltic states to quit the landmine treaty",
            "",
            {"poland", "estonia", "latvia", "lithuania"},
        ),
        (
            "Hungary leaves the International Criminal Court",
            "The decision came as Israel's prime minister visited Budapest.",
            {"hungary"},
        ),
        ("Venezuela quits the Organization of American States", "", {"venezuela"}),
    ],
)
def test_entities_name_the_states_that_withdraw(
    builtin_ruleset: rules.RuleSet, title: str, summary: str, expected: set[str]
) -> None:
    assert _states(builtin_ruleset, title, summary) == expected


def test_an_unknown_treaty_is_named_by_the_phrase_found(builtin_ruleset: rules.RuleSet) -> None:
    title = "Peru withdraws from the Convention on the Conservation of Andean Condors"
    matches = builtin_ruleset.match(rules.Document(title=title), NOW)
    treaties = {(e.id, e.label) for m in matches for e in m.entities if e.kind == "treaties"}
    assert treaties == {
        (
            "phrase:convention-on-the-conservation-of-andean-condors",
            "Convention on the Conservation of Andean Condors",
        )
    }
    assert {m.severity for m in matches} == {"medium"}


def test_background_years_do_not_alert_but_a_treaty_year_does(
    builtin_ruleset: rules.RuleSet,
) -> None:
    published = datetime(2018, 3, 1, tzinfo=UTC)

    def fires(title: str) -> bool:
        return bool(builtin_ruleset.match(rules.Document(title=title, published=published), NOW))

    assert not fires(
        "New missiles unveiled after the United States abandoned the ABM Treaty in 2002"
    )
    assert fires("United States gives notice it will exit the 1972 ABM Treaty")


def test_proximity_in_chinese_counts_characters_as_half_words(
    builtin_ruleset: rules.RuleSet,
) -> None:
    # fourteen characters between the withdrawal word and the treaty: seven words' worth
    title = "美国总统周二在白宫签署行政命令正式宣布退出位于日内瓦的世界卫生组织"
    assert builtin_ruleset.match(rules.Document(title=title), NOW)


def test_the_optional_suspension_rule_is_off_and_works_when_copied() -> None:
    files = builtin_pack_files()
    pack = yaml.safe_load(files["rules/packs/treaty-withdrawal/rules.yaml"])
    rule = next(r for r in pack["rules"] if r["id"].endswith("suspended-by-organisation"))
    assert rule["enabled"] is False
    copied = {**rule, "id": "mine.suspended", "enabled": True}
    ruleset = rules.load_ruleset({**files, "mine.yaml": yaml.safe_dump({"rules": [copied]})})

    def ids(title: str) -> set[str]:
        return {m.rule_id for m in ruleset.match(rules.Document(title=title), NOW)}

    assert ids("ECOWAS suspends Guinea after the coup") == {"mine.suspended"}
    assert ids("Russia expelled from the Council of Europe") == {"mine.suspended"}
    assert "mine.suspended" not in ids("Armenia freezes its participation in the CSTO")


def test_the_gazetteer_names_at_least_400_treaties_and_organisations_in_many_languages(
    builtin_ruleset: rules.RuleSet,
) -> None:
    treaties = next(v for v in builtin_ruleset._vocabularies if v.name == "treaties")
    assert len(treaties.entries) >= 400
    languages = [{t.language for t in entry.terms} for entry in treaties.entries]
    assert all(langs for langs in languages)
    # the UN languages and German and Portuguese for nearly every entry
    core = {"en", "fr", "es", "ru", "ar", "zh"}
    covered = sum(core <= langs for langs in languages)
    assert covered >= 0.85 * len(languages), f"{covered} of {len(languages)}"
