"""The built-in pack on the classes the staged rounds and round 10 showed (issue 10, round10.yaml
and the `unless` of rules.yaml). Each case stands for a class, with another treaty, state or
language than the rows that revealed it; every headline here is written for this test."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import rules

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "title", "summary"),
    [
        # a year right after the treaty word, or one word after it, names the treaty
        ("id", "Indonesia membatalkan perjanjian ekstradisi 1974 dengan Malaysia", ""),
        ("ms", "Malaysia batalkan perjanjian pertahanan 1971 dengan Singapura", ""),
        ("en", "Kenya terminates the defence pact 1964 with Britain", ""),
        # a state that expels an envoy and freezes agreements acts itself
        ("en", "Chile expels Peruvian ambassador, suspends all military agreements", ""),
        # a treaty ending, said of the treaty, with a state in the sentence
        ("sv", "Skatteavtalet med Frankrike upphör vid årsskiftet", ""),
        ("cs", "Investiční smlouva mezi Českem a Ekvádorem skončila", ""),
        ("da", "Skatteaftalen med Frankrig er ophørt", ""),
        ("pt", "Acabou o acordo de pesca entre Marrocos e o Japão", ""),
        # a signature withdrawn, and treaty compounds in their case forms
        ("et", "Läti võttis merepiirilepingult allkirja tagasi", ""),
        ("lv", "Lietuva atsauc parakstu no robežlīguma ar Baltkrieviju", ""),
        ("ru", "Молдова отозвала подпись под соглашением с Белоруссией", ""),
        ("pl", "Węgry wycofały podpis pod konwencją o handlu bronią", ""),
        # subject-object-verb: the partner state named before the suspending verb is no state
        # a body suspends ("Jordan suspends the free trade agreement with Turkey")
        ("fa", "مصر توافقنامه تجارت آزاد با ترکیه را تعلیق کرد", ""),
        # a host state sending a UN mission away: its demand is its own act, not a call
        ("en", "Mali asks UN to shut down its political mission by June", ""),
        ("fr", "Bamako demande la fin de la mission politique de l'ONU", ""),
        ("es", "Bolivia pide a la ONU cerrar su misión de apoyo", ""),
        # Persian قرارداد is an agreement between states as often as a contract
        ("fa", "لیبی قرارداد همکاری امنیتی با ایتالیا را لغو کرد", ""),
        # a question headline with a plain statement in it
        ("en", "The end of the accord? Kenya announces withdrawal from the pact with Somalia", ""),
        # a visa-waiver deal is a deal, though visas alone are no treaty
        ("en", "Peru suspends visa-waiver deal with Haiti", ""),
        # annulling, refusing to renew, a partnership left
        ("uk", "Молдова анулювала угоду з Росією про співпрацю", ""),
        ("pl", "Litwa unieważnia umowę z Białorusią", ""),
        ("fr", "Le Tchad refuse de renouveler son accord de coopération avec la France", ""),
        ("sk", "Slovensko vystupuje z Partnerstva pre otvorené vládnutie", ""),
        # Slovene ZDA is the United States, not Czech "zda" (whether)
        ("sl", "ZDA izstopajo iz Svetovne zdravstvene organizacije", ""),
        # a state suspended by a body in the headline, and leaving in the same headline
        (
            "en",
            "Mali suspended by ECOWAS, announces it will quit the bloc",
            "The junta said it would leave the Economic Community of West African States.",
        ),
    ],
)
def test_round10_classes_alert(
    builtin_ruleset: rules.RuleSet, language: str, title: str, summary: str
) -> None:
    doc = rules.Document(title=title, summary=summary, language=language)
    assert builtin_ruleset.match(doc, NOW), title


@pytest.mark.parametrize(
    ("language", "title", "summary"),
    [
        # the headline says a body suspended the state: the lead's suspension is the same one
        (
            "en",
            "ECOWAS suspends Guinea after the coup",
            "Heads of state decided to suspend Guinea's participation in all the bloc's bodies.",
        ),
        (
            "es",
            "La OEA suspende a Honduras tras el golpe",
            "Los cancilleres acordaron suspender la participación de Honduras en la organización.",
        ),
        (
            "pt",
            "Mercosul suspende a Venezuela por tempo indeterminado",
            "Os chanceleres decidiram suspender a participação de Caracas no bloco.",
        ),
        # the Seven as the body that acts
        ("ru", "«Семерка» заморозила участие России в G8", ""),
        ("cs", "Sedmička pozastavila Rusku účast ve skupině G8", ""),
        # the Persian passive: set aside by a body
        ("fa", "سوریه از اتحادیه عرب کنار گذاشته شد", ""),
        # frozen out, thrown out
        ("da", "Rusland frosset ud af Arktisk Råd", ""),
        ("de", "Russland fliegt aus dem Europarat", ""),
        # others demanding that a UN mission end, or fighting its closure, is a call
        ("en", "Opposition vows to fight closure of UN rights office", ""),
        ("en", "Rights groups demand an end to the UN political mission in Haiti", ""),
        # a headline labelled opinion, analysis or fact check frames the whole item
        (
            "en",
            "Analysis: what Chad's exit from the lake commission means",
            "Chad announced on Tuesday that it is leaving the Lake Chad Basin Commission.",
        ),
        (
            "fi",
            "Kolumni: verosopimus Espanjan kanssa seuraavaksi",
            "Ruotsin päätös irtisanoa verosopimus Portugalin kanssa oli oikea.",
        ),
        ("en", "Fact check: no, Japan has not left the whaling convention", ""),
        # a city's twinning partnership; a question put as "whether"; "not on the agenda"
        ("cs", "Praha pozastavila partnerství s Bratislavou", ""),
        (
            "el",
            "Συνέντευξη Τύπου του κυβερνητικού εκπροσώπου",
            "Ο εκπρόσωπος ρωτήθηκε αν η Αθήνα θα καταγγείλει τη συμφωνία με τα Σκόπια.",
        ),
        ("ja", "トルコ首相、NATO離脱は「議題にない」", ""),
        # a headline that is only a question frames the lead
        (
            "pl",
            "Czy Węgry powinny wypowiedzieć umowę podatkową z Austrią?",
            "Słowacja wypowiedziała swoją umowę z Wiedniem w zeszłym roku.",
        ),
        # a programme is no treaty (a named one is found by its name)
        ("fr", "Cuba met fin à sa participation au programme « Médecins pour tous »", ""),
        # a contract with a company is none
        ("fa", "عراق قرارداد خرید گاز با شرکت روسی را فسخ کرد", ""),
        # a threat built around the threatened; a centenary
        ("de", "Moskau droht Zypern und Malta mit Kündigung der Steuerabkommen", ""),
        ("ru", "Сто лет Рапалльскому договору: как Германия вышла из изоляции", ""),
        # Indonesian: a body freezing a member's membership
        ("id", "ASEAN membekukan keanggotaan Myanmar setelah kudeta", ""),
        # talks ended are no treaty ended
        ("de", "Kanada beendet die Gespräche über das Freihandelsabkommen mit Indien", ""),
        # "already" before a year dates a past exit
        ("sv", "Rapport om Östersjörådet", "Ryssland lämnade Östersjöstaternas råd redan 2022."),
    ],
)
def test_round10_near_misses_do_not_alert(
    builtin_ruleset: rules.RuleSet, language: str, title: str, summary: str
) -> None:
    doc = rules.Document(title=title, summary=summary, language=language)
    assert builtin_ruleset.match(doc, NOW) == [], title
