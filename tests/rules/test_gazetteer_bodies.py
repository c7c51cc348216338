"""The built-in pack names the treaties and bodies of ``gazetteer_bodies.yaml`` (issue 10).

Whole classes the gazetteer lacked: commodity producers' bodies, postal and telecommunication
unions, groups of states, peace accords and historic treaties, fisheries bodies, river
commissions, development banks, regional bodies, UN system bodies and the conventions of the UN
Treaty Collection, the Council of Europe and the Hague Conference. Each case is a headline
written for this test (none is in the evaluation set); it names the entry in one language,
often inflected or abbreviated as the press writes it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import rules

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def treaty_ids(ruleset: rules.RuleSet, language: str, title: str) -> set[str]:
    """The treaty and organisation entities the pack finds in a headline."""
    doc = rules.Document(title=title, language=language)
    return {e.id for e in ruleset.entities(doc) if e.kind == "treaties"}


@pytest.mark.parametrize(
    ("language", "title", "entity"),
    [
        # commodity producers' bodies and study groups
        ("en", "Vietnam quits the Association of Natural Rubber Producing Countries", "anrpc"),
        (
            "ms",
            "Malaysia keluar daripada Komuniti Lada Antarabangsa",
            "international_pepper_community",
        ),
        ("fr", "Le Zimbabwe se retire du Processus de Kimberley", "kimberley_process"),
        ("ar", "الجزائر تنسحب من منظمة منتجي البترول الأفارقة", "appo"),
        ("es", "Ecuador abandona la Unión de Países Exportadores de Banano", "ubec"),
        ("en", "Ghana leaves COPAL as cocoa prices slump", "cocoa_producers_alliance"),
        ("ru", "Россия выходит из Международной организации виноградарства и виноделия", "ieu_oiv"),
        # postal and telecommunication unions
        (
            "es",
            "Venezuela se retira de la Unión Postal de las Américas, España y Portugal",
            "upaep",
        ),
        ("fr", "Le Maroc quitte l'Union panafricaine des postes", "papu"),
        ("ar", "قطر تنسحب من الاتحاد العربي الدائم للبريد", "arab_postal_union"),
        (
            "sw",
            "Tanzania yajiondoa Umoja wa Mawasiliano wa Afrika",
            "african_telecommunications_union",
        ),
        # security bodies, groups of states, initiatives
        ("ar", "قطر تنسحب من قوات درع الجزيرة", "peninsula_shield_force"),
        ("de", "Neuseeland droht mit Austritt aus der Five-Eyes-Allianz", "five_eyes"),
        ("ru", "Россия объявила о выходе из Большой восьмёрки", "g8"),
        ("zh", "阿根廷宣布退出二十国集团", "g20"),
        ("en", "Argentina withdraws from the Global Methane Pledge", "global_methane_pledge"),
        # trade, currency, health and standards
        ("sr", "Србија излази из Централноевропског споразума о слободној трговини", "cefta"),
        ("fr", "La Wallonie bloque le CETA", "ceta"),
        ("en", "Dominica weighs leaving the Eastern Caribbean Currency Union", "eccu"),
        ("pt", "Brasil deixa a Aliança Global para Vacinas e Imunização", "gavi"),
        ("es", "Nicaragua se retira de la Comisión del Codex Alimentarius", "codex_alimentarius"),
        # peace accords and historic treaties
        ("sr", "Republika Srpska preti izlaskom iz Dejtonskog sporazuma", "dayton_agreement"),
        ("tr", "Erdoğan: Lozan Antlaşması'nı yeniden tartışmalıyız", "treaty_of_lausanne"),
        ("ru", "Россия может выйти из Договора о Шпицбергене", "svalbard_treaty"),
        ("hu", "Orbán a trianoni békeszerződésről beszélt", "versailles_trianon_sevres"),
        ("ko", "북한, 판문점 선언 파기 선언", "panmunjom_declaration"),
        # fisheries bodies, river commissions
        ("fr", "L'Algérie quitte la Commission générale des pêches pour la Méditerranée", "gfcm"),
        ("en", "Japan leaves the North Pacific Fisheries Commission", "npfc"),
        (
            "de",
            "Die Schweiz tritt aus der Zentralkommission für die Rheinschifffahrt aus",
            "rhine_commissions",
        ),
        ("pt", "Moçambique sai da Comissão do Curso de Água do Zambeze", "zamcom"),
        ("vi", "Campuchia rút khỏi Hợp tác Mekong - Lan Thương", "mekong_more"),
        (
            "ru",
            "Россия выходит из Хельсинкской конвенции по Балтийскому морю",
            "regional_seas_conventions",
        ),
        # development banks and funds
        ("es", "Honduras se retira del Banco Centroamericano de Integración Económica", "cabei"),
        ("en", "Venezuela leaves CAF development bank", "caf_development_bank"),
        ("fr", "Le Niger quitte la Banque ouest-africaine de développement", "boad"),
        ("ru", "Армения выходит из Евразийского банка развития", "eurasian_development_bank"),
        ("fi", "Suomi harkitsee eroa Pohjoismaiden Investointipankista", "nordic_investment_bank"),
        ("ar", "السودان ينسحب من الصندوق العربي للإنماء الاقتصادي والاجتماعي", "arab_funds"),
        # unions of states, monetary areas, arms-control programmes
        ("en", "Syria secedes from the United Arab Republic", "arab_unions_of_states"),
        ("zh", "叙利亚退出阿拉伯联合共和国", "arab_unions_of_states"),
        ("fr", "Le Sénégal quitte la Fédération du Mali", "african_unions_of_states"),
        ("es", "Esuatini estudia abandonar el Área Monetaria Común", "common_monetary_area"),
        ("sv", "Sverige lämnar Skandinaviska myntunionen", "historic_monetary_unions"),
        (
            "ru",
            "Москва выходит из программы совместного уменьшения угрозы",
            "cooperative_threat_reduction",
        ),
        # tribunals, cornerstone bilateral treaties, post-war settlements
        ("sr", "Srbija prekida saradnju sa Haškim tribunalom", "international_criminal_tribunals"),
        ("de", "Paris und Berlin erneuern den Élysée-Vertrag", "franco_german_treaties"),
        ("be", "Лукашэнка пагражае выйсці з Белавежскага пагаднення", "belovezha_accords"),
        ("ko", "윤 정부, 위안부 합의 파기 검토", "east_asian_settlements"),
        ("ne", "नेपालले महाकाली सन्धि पुनरावलोकन गर्ने", "south_asian_treaties"),
        # names other files had only in long form
        ("en", "U.S. threatens to leave the Chicago Convention", "chicago_convention"),
        ("en", "Japan quits the Hague Convention on child abduction", "hague_child_abduction"),
    ],
)
def test_new_entries_are_recognised(
    builtin_ruleset: rules.RuleSet, language: str, title: str, entity: str
) -> None:
    assert entity in treaty_ids(builtin_ruleset, language, title), title


@pytest.mark.parametrize(
    ("language", "title", "entity"),
    [
        ("en", "Venezuela quits the Postal Union of the Americas, Spain and Portugal", "upaep"),
        (
            "fr",
            "Le Mali se retire de l'Organisation pour la mise en valeur du fleuve Gambie",
            "omvg",
        ),
        ("es", "Argentina se retira del Grupo de los Veinte", "g20"),
        ("en", "Qatar withdraws from the Peninsula Shield Force", "peninsula_shield_force"),
    ],
)
def test_leaving_a_new_entry_alerts_with_it(
    builtin_ruleset: rules.RuleSet, language: str, title: str, entity: str
) -> None:
    matches = builtin_ruleset.match(rules.Document(title=title, language=language), NOW)
    assert entity in {e.id for m in matches for e in m.entities if e.kind == "treaties"}, title


@pytest.mark.parametrize(
    ("language", "title", "entity"),
    [
        # short abbreviations are exact-case: the same letters as an ordinary word name nothing
        ("en", "Freezing rain ices roads across the region", "ices"),
        ("es", "El acto de clausura reunió a los embajadores", "amazon_cooperation_treaty"),
        ("en", "Set the camera's iso to 800 for night shots", "iso_standards"),
        ("en", "Copal resin prices rise in Mexican markets", "cocoa_producers_alliance"),
        ("en", "Rebels seize g7 phones in raid", "g7"),
        ("en", "Appo the clown entertains children in Accra", "appo"),
        ("fr", "La ceta de la fête", "ceta"),
        ("en", "SAA cancels flights to Lusaka after strike", "eu_association_agreements"),
        # "Mekong agreement" alone is not the Lancang cooperation; the tin council is not copper
        ("en", "Thailand and Laos sign a Mekong agreement on navigation", "mekong_more"),
        ("en", "The International Tin Council collapsed in 1985", "cipec"),
    ],
)
def test_ordinary_words_are_not_tagged(
    builtin_ruleset: rules.RuleSet, language: str, title: str, entity: str
) -> None:
    assert entity not in treaty_ids(builtin_ruleset, language, title), title


@pytest.mark.parametrize(
    ("language", "title"),
    [
        # a walkout from a summit of a group of states is no exit from the group
        ("en", "Lavrov left the summit early as G20 leaders condemned the war"),
        ("ru", "Лавров досрочно покинул саммит G20 на Бали"),
        ("it", "Il premier lascia in anticipo il vertice del G20"),
        ("fr", "Le président retire son soutien au communiqué final du G7"),
        ("es", "El canciller abandona la cumbre del G20 antes del cierre"),
        # a Korean denial, "it is not that (the government) scraps the agreement"
        ("ko", "정부, 한일 위안부 합의를 파기하는 것은 아니라고 밝혀"),
    ],
)
def test_walkouts_and_denials_do_not_alert(
    builtin_ruleset: rules.RuleSet, language: str, title: str
) -> None:
    assert builtin_ruleset.match(rules.Document(title=title, language=language), NOW) == [], title
