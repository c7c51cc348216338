"""The built-in pack on the classes the round-8 data showed missing (issue 10, tests/data README,
the staged round). Each case stands for a class, with another treaty, state or language than
the rows that revealed it; every headline here is written for this test."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import rules

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "title"),
    [
        # memoranda of understanding and joint declarations are treaty words
        ("en", "Ghana scraps 2019 memorandum of understanding with Nigeria"),
        ("fr", "Le Gabon dénonce le mémorandum d'entente avec le Cameroun"),
        ("zh", "越南宣布废除与柬埔寨的谅解备忘录"),
        ("ja", "ベトナム、カンボジアとの覚書を破棄"),
        ("ko", "베트남, 캄보디아와 양해각서 파기"),
        ("vi", "Việt Nam hủy bản ghi nhớ với Lào"),
        # on ice, en suspenso, not renewed, at an end, torn up
        ("en", "Chile puts fisheries pact with Peru on ice"),
        ("es", "Perú deja en suspenso el memorando de entendimiento con Bolivia"),
        ("fr", "La Russie ne reconduira pas l'accord avec les États-Unis"),
        ("uk", "Росія відмовилася продовжувати угоду з США"),
        ("en", "Japan declares peace treaty with Taipei at an end"),
        ("ru", "Польша разорвала межправсоглашение с Россией"),
        # a union of states dissolved by one of them
        ("en", "Kenya dissolves federation with Uganda"),
        ("es", "Egipto disuelve la unión con Siria"),
        # Chinese 与 after the verb: the treaty word may stand further away
        ("zh", "委内瑞拉暂停与特立尼达和多巴哥的能源合作协议"),
        # monetary areas, joint committees
        ("fr", "Le Lesotho quitte la zone monétaire du rand"),
        ("en", "Niger quits joint committee with Algeria"),
        # "l'application des accords" is the treaty's implementation
        ("fr", "Abbas suspend l'application des accords signés avec Israël"),
        # Latvian, Estonian, Belarusian, Turkish, Portuguese terminating verbs
        ("lv", "Latvija izbeidz līgumu ar Baltkrieviju"),
        ("et", "Eesti lõpetab lepingu Venemaaga"),
        ("be", "Беларусь адмаўляецца ад пагаднення з Літвой"),
        ("tr", "İran, Irak ile sınır antlaşmasını tanımadığını açıkladı"),
        ("pt", "Bolívia encerra tratado de investimentos com a Espanha"),
        # the Western European Union is no European Union
        ("de", "Belgien kündigt den Brüsseler Vertrag"),
        # round 9: leaving a federation of states, an observer mission, a declaration
        ("en", "Barbados votes to quit the Federation"),
        ("fr", "Le Sénégal se retire de la Fédération du Mali"),
        ("en", "Sudan will not renew mandate of UN observer mission"),
        ("en", "Hungary withdraws from the Geneva Consensus Declaration"),
        # a union with another state ended, "farewell to", terminating verbs of more languages
        ("en", "Montenegro's parliament votes, ending union with Serbia"),
        ("it", "Il Cile dice addio all'accordo con il Perù"),
        ("kk", "Қазақстан Ресеймен келісімнен бас тартты"),
    ],
)
def test_round8_classes_alert(builtin_ruleset: rules.RuleSet, language: str, title: str) -> None:
    assert builtin_ruleset.match(rules.Document(title=title, language=language), NOW), title


@pytest.mark.parametrize(
    ("language", "title"),
    [
        # a company's supply contract, a party's coalition agreement
        ("de", "OMV kündigt Gasliefervertrag mit Gazprom"),
        ("de", "Die FDP kündigt den Koalitionsvertrag"),
        # a parliament dissolved is no union dissolved
        ("en", "Parliament dissolved as Kenya heads to elections"),
        # an organisation's own dissolution, told as history
        ("en", "The Warsaw Pact was dissolved in 1991"),
        # round 9: the Russian Federation is a state, not a federation being left
        ("en", "The Russian Federation withdraws its ambassador"),
        # a Korean question: "will Uruguay leave Mercosur?"
        ("ko", "우루과이, 메르코수르 탈퇴하나"),
        # a domestic declaration revoked or withdrawn is no international one left
        ("en", "US revokes national emergency declaration over border"),
        ("es", "España retira la declaración del estado de alarma"),
        # a national sports federation, a meeting
        ("en", "Russian chess federation leaves European body to join Asia"),
        ("en", "Ukraine ends participation in the World Athletics federation meeting"),
        # a dialogue suspended is talks, not a treaty
        ("en", "China suspends strategic dialogue with Canberra"),
    ],
)
def test_round8_near_misses_do_not_alert(
    builtin_ruleset: rules.RuleSet, language: str, title: str
) -> None:
    assert builtin_ruleset.match(rules.Document(title=title, language=language), NOW) == [], title


def test_a_diplomatic_note_is_no_diplomat(builtin_ruleset: rules.RuleSet) -> None:
    """The Hungarian stem 'diplomat*' (diplomats withdrawn) took 'nota diplomática' for one."""
    doc = rules.Document(
        title="Montevideo y Buenos Aires: el caso de la extradición",
        summary="Uruguay entregó una nota diplomática que pone fin al tratado de extradición con "
        "Argentina.",
        language="es",
    )
    assert builtin_ruleset.match(doc, NOW)
    gone = rules.Document(title="Hungary withdraws its diplomats from Kyiv", language="en")
    assert builtin_ruleset.match(gone, NOW) == []
