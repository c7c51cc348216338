"""The pack's treaty names in their inflected forms (names_inflected.yaml, make names).

Every phrase below was written for this test: a name in the case a sentence puts it in, not
its dictionary form. Each must find its entity; the names that share words with another
organisation's must not find that one.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import rules

from .conftest import builtin_pack_files

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "names_inflected.py"
GENERATED = "names_inflected.yaml"


@functools.cache
def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("names_inflected", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# (language, phrase, entry id); the phrases of INFLECTED_ONLY are found through this file alone
PHRASES = [
    ("pl", "Polska wycofa się z Protokołu dotyczącego statusu uchodźców", "refugee_protocol_1967"),
    ("pl", "Polska wystąpi z Europejskiego Stowarzyszenia Wolnego Handlu", "efta"),
    ("pl", "wystąpienie z Rady Państw Morza Bałtyckiego", "baltic_sea_council"),
    ("cs", "spolupráce s Partnerstvím pro mír", "partnership_for_peace"),
    ("cs", "vystoupení z Evropského sdružení volného obchodu", "efta"),
    ("cs", "vystoupení ze Světové organizace duševního vlastnictví", "wipo"),
    ("sk", "Slovensko vystupuje zo Spoločenstva národov", "commonwealth_of_nations"),
    ("sk", "vystúpenie zo Združenia národov juhovýchodnej Ázie", "asean"),
    ("sk", "vystúpenie zo Svetovej organizácie duševného vlastníctva", "wipo"),
    ("sl", "izstop iz Evropskega združenja za prosto trgovino", "efta"),
    ("sl", "Slovenija izstopa iz Skupnosti neodvisnih držav", "cis"),
    ("sl", "odstop od Konvencije o biološki raznovrstnosti", "cbd"),
    ("hr", "Hrvatska izlazi iz Zajednice naroda", "commonwealth_of_nations"),
    ("hr", "izlazak iz Svjetske organizacije za intelektualno vlasništvo", "wipo"),
    ("hr", "povlačenje iz Unije za Mediteran", "union_for_the_mediterranean"),
    ("sr", "Србија излази из Високог комесаријата УН за избеглице", "unhcr"),
    ("sr", "izlazak iz Svetske organizacije za intelektualnu svojinu", "wipo"),
    ("sr", "повлачење из Уговора о трговини оружјем", "arms_trade"),
    ("ru", "Россия прекращает сотрудничество с Общим фондом для сырьевых товаров",
     "common_fund_commodities"),
    ("ru", "выход из Организации Североатлантического договора", "nato"),
    ("ru", "выход из Всемирной организации интеллектуальной собственности", "wipo"),
    ("uk", "Україна більше не вважає себе зв'язаною Мінськими домовленостями",
     "minsk_agreements"),
    ("uk", "вихід з Азійського банку інфраструктурних інвестицій", "aiib"),
    ("uk", "вихід з Договору про торгівлю зброєю", "arms_trade"),
    ("be", "Беларусь выходзіць з Лігі арабскіх дзяржаў", "arab_league"),
    ("be", "выхад з Савета Еўропы", "council_of_europe"),
    ("be", "выхад з Садружнасці Незалежных Дзяржаў", "cis"),
    ("bg", "Русия излиза от Азиатско-тихоокеанското икономическо сътрудничество", "apec"),
    ("bg", "излизане от Световната организация за интелектуална собственост", "wipo"),
    ("bg", "оттегляне от Тристранния пакт", "tripartite_pact"),
    ("mk", "излегување од Друштвото на народите", "league_of_nations"),
    ("mk", "излегува од Варшавскиот пакт", "warsaw_pact"),
    ("mk", "излегување од Заедницата на независни држави", "cis"),
    ("lt", "pasitraukimas iš Pasaulio prekybos organizacijos", "wto"),
    ("lt", "išstojimas iš Europos investicijų banko", "eib"),
    ("lt", "Lietuva pasitraukia iš Atvirojo dangaus sutarties", "open_skies"),
    ("lv", "izstāšanās no Pasaules Tirdzniecības organizācijas", "wto"),
    ("lv", "izstājas no Eiropas Investīciju bankas", "eib"),
    ("lv", "Latvija izstāsies no Baltijas jūras valstu padomes", "baltic_sea_council"),
    ("ro", "ieșirea din structurile Organizației Tratatului de Securitate Colectivă", "csto"),
    ("ro", "denunțarea Memorandumului de la Budapesta", "budapest_memorandum"),
    ("ro", "retragerea din Asociația Europeană a Liberului Schimb", "efta"),
    ("el", "αποχώρηση από τον Παγκόσμιο Οργανισμό Εμπορίου", "wto"),
    ("el", "η αποχώρηση της χώρας από το Σύμφωνο της Βαρσοβίας", "warsaw_pact"),
    ("el", "η κύρωση του Ενιαίου Δικαστηρίου Διπλωμάτων Ευρεσιτεχνίας", "unified_patent_court"),
    ("de", "Rückzug aus der Energiegemeinschaft Südosteuropas", "energy_community"),
    ("de", "Kündigung des Abkommens über sichere Drittstaaten", "safe_third_country_agreements"),
    ("de", "Austritt aus der Asiatischen Entwicklungsbank", "adb"),
    ("is", "úrsögn úr Efnahagsbandalagi Evrasíu", "eaeu"),
    ("is", "úrsögn úr Samstarfsráði Persaflóaríkjanna", "gcc"),
    ("is", "úrsögn úr Efnahagsbandalagi Vestur-Afríkuríkja", "ecowas"),
    ("fi", "ero Euroopan vapaakauppaliitosta", "efta"),
    ("fi", "ero Arktisesta neuvostosta", "arctic_council"),
    ("fi", "eroaa itäisestä kumppanuudesta", "eastern_partnership"),
    ("et", "lahkub ühtsest patendikohtust", "unified_patent_court"),
    ("et", "lahkumine Maailma Kaubandusorganisatsioonist", "wto"),
    ("et", "astub välja Läänemeremaade Nõukogust", "baltic_sea_council"),
    ("hu", "kilépés a Kölcsönös Gazdasági Segítség Tanácsából", "comecon"),
    ("hu", "Magyarország kilép a visegrádi négyekből", "visegrad_group"),
    ("hu", "kilépett a bukaresti kilencekből", "bucharest_nine"),
    ("tr", "Arktik Konseyinden çekilme", "arctic_council"),
    ("tr", "Arap Mağrip Birliğinden ayrılma", "arab_maghreb_union"),
    ("tr", "Bologna Sürecinden çekildi", "bologna_process"),
    ("az", "Millətlər Liqasından çıxdı", "league_of_nations"),
    ("az", "Şərq Tərəfdaşlığından çıxır", "eastern_partnership"),
    ("az", "Sülh Naminə Tərəfdaşlıqdan çıxmaq", "partnership_for_peace"),
    ("kk", "Ұлттар Лигасынан шықты", "league_of_nations"),
    ("kk", "Бейбітшілік жолындағы әріптестіктен шығу", "partnership_for_peace"),
    ("kk", "Жаңа Жібек жолынан бас тарту", "belt_and_road"),
]  # fmt: skip

# A name that shares words with another organisation's: (language, text, found, not found).
LOOKALIKES = [
    ("cs", "Česko opouští Radu Evropské unie", "european_union", "council_of_europe"),
    ("hr", "Vijeće Europske unije odlučilo", "european_union", "council_of_europe"),
    ("pl", "wystąpienie z Europejskiego Banku Odbudowy i Rozwoju", "ebrd", "eib"),
    ("ru", "выход из Всемирной торговой организации", "wto", "who"),
    ("de", "vor dem Internationalen Gerichtshof", "icj", "icc"),
    ("lv", "Padome Eiropas Savienības", "european_union", "council_of_europe"),
    ("ro", "Consiliul European a decis", None, "council_of_europe"),
]


def _treaties(ruleset: rules.RuleSet, text: str) -> set[str]:
    return {e.id for e in ruleset.entities(rules.Document(title=text)) if e.kind == "treaties"}


@pytest.fixture(scope="module")
def without_generated() -> rules.RuleSet:
    """The pack without names_inflected.yaml: what the phrases found before it."""
    files = builtin_pack_files()
    return rules.load_ruleset({k: v for k, v in files.items() if not k.endswith(GENERATED)})


def test_the_generated_file_is_what_the_script_writes() -> None:
    script = _script()
    assert script.OUTPUT.read_text(encoding="utf-8") == script.render(), (
        "names_inflected.yaml is stale: run `make names`"
    )


def test_every_language_has_three_phrases() -> None:
    languages = [language for language, _, _ in PHRASES]
    assert set(languages) == set(_script().GRAMMARS)
    assert all(languages.count(language) >= 3 for language in set(languages))


@pytest.mark.parametrize(("language", "text", "entry"), PHRASES)
def test_an_inflected_name_finds_its_entity(
    builtin_ruleset: rules.RuleSet, language: str, text: str, entry: str
) -> None:
    assert entry in _treaties(builtin_ruleset, text), language


def test_the_generated_names_find_what_the_hand_written_ones_miss(
    builtin_ruleset: rules.RuleSet, without_generated: rules.RuleSet
) -> None:
    """Most phrases above are found only through the generated file (others' hand-written
    forms may come to cover a few of them)."""
    only = [
        text
        for _, text, entry in PHRASES
        if entry not in _treaties(without_generated, text)
        and entry in _treaties(builtin_ruleset, text)
    ]
    assert len(only) >= 30, only


@pytest.mark.parametrize(("language", "text", "found", "absent"), LOOKALIKES)
def test_a_name_sharing_words_is_not_another_organisation(
    builtin_ruleset: rules.RuleSet, language: str, text: str, found: str | None, absent: str
) -> None:
    entities = _treaties(builtin_ruleset, text)
    assert absent not in entities, language
    assert found is None or found in entities, language


def test_a_stem_reaching_a_derived_word_is_not_generated() -> None:
    """Czech 'Rad* Evrop*' would find 'Rada Evropské unie'; Romanian 'Consili* Europ*' would
    find 'Consiliul European' (the European Council): the proper noun stays whole."""
    script = _script()
    names = {
        "council_of_europe": {"cs": ["Rada Evropy"], "ro": ["Consiliul Europei"]},
        "european_union": {"cs": ["Evropská unie"], "ro": ["Uniunea Europeană"]},
    }
    generated = script.generate(names)
    council = generated.get("council_of_europe", {})
    assert "Rad* Evrop*" not in council.get("cs", [])
    assert "Consili* Europ*" not in council.get("ro", [])
    assert council.get("ro") == ["Consili* Europei"]


@pytest.mark.parametrize(
    ("language", "name", "expected"),
    [
        ("pl", "Organizacja Narodów Zjednoczonych", "Organizac* Narod* Zjednoczon*"),
        ("de", "Asiatische Infrastruktur-Investitionsbank",
         "Asiatisch* Infrastruktur-Investitionsbank*"),
        ("ru", "Организация Североатлантического договора",
         "Организац* Североатлантическ* договор*"),
        ("cs", "Evropské sdružení volného obchodu", "Evropsk* sdružen* voln* obchod*"),
        ("ro", "Asociația Europeană a Liberului Schimb", "Asociaț* Europe* a Liber* Schimb*"),
        ("fi", "Euroopan vapaakauppaliitto", "Euroopan vapaakauppaliit*"),
        ("lt", "Pasaulio sveikatos organizacija", "Pasaul* sveikat* organizac*"),
        ("hu", "Európai Szabadkereskedelmi Társulás", "Európai Szabadkereskedelmi Társulás*"),
        ("el", "Ευρωπαϊκή Ένωση", "Ευρωπαϊκ* Ένωσ*"),
        ("uk", "Договір про торгівлю зброєю", "Догов* про торгівл* зброє*"),
        ("is", "Sameinuðu þjóðirnar", "Sameinuð* þjóð*"),
    ],
)  # fmt: skip
def test_the_stems_of_a_name(language: str, name: str, expected: str) -> None:
    assert _script().inflected(name, language) == expected


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("pl", "Interpolu"),  # one word: its stem would overmatch
        ("de", "=NATO"),  # an acronym
        ("ru", "выход ... из ОДКБ"),  # gapped
        ("pl", "Konwencj* ottawsk*"),  # a stem in every word already
        ("pl", "Rada Unii"),  # every stem would be shorter than four letters
    ],
)
def test_names_left_alone(language: str, name: str) -> None:
    assert _script().inflected(name, language) is None
