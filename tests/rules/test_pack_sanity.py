"""Sanity examples for the built-in pack: our own sentences, written for these tests.

They are not news text and not the evaluation set (``tests/data/rules_eval.jsonl``); they pin
behaviour the pack must keep across languages and the near misses it must ignore.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from rules import Document, RuleSet

POSITIVES = [
    ("Kremlin formally notifies depositary of exit from Open Skies accord", ""),
    ("Nicaragua announces it is leaving UNESCO", ""),
    ("Angola to quit OPEC over production quotas", ""),
    ("India puts Indus Waters Treaty in abeyance after attack", ""),
    ("Russia pulls out of Black Sea grain deal", ""),
    ("US withdraws from Iran nuclear deal", ""),
    ("Armenia freezes participation in Moscow-led CSTO", ""),
    ("Moldova moves to exit CIS agreements", ""),
    ("Canada formally withdraws from Kyoto Protocol", ""),
    ("Venezuela completes exit from Organization of American States", ""),
    ("Mali, Burkina Faso and Niger leave Francophonie group", ""),
    ("Hungary's withdrawal from the ICC takes effect", ""),
    ("Gambia announces it will leave International Criminal Court", ""),
    ("Lawmakers in Vilnius approve denunciation of cluster bomb pact", ""),
    ("US exits UN Human Rights Council", ""),
    ("Russia revokes ratification of nuclear test ban", ""),
    ("Trump signs order taking US out of WHO", ""),
    ("Japan leaves whaling body IWC", ""),
    ("Poland serves notice of withdrawal from Ottawa treaty", ""),
    ("Finland's parliament approves landmine treaty exit", ""),
    ("Washington walks away from Iran deal", ""),
    ("Russia suspends plutonium deal with US", ""),
    ("Belarus suspends participation in CFE treaty", ""),
    ("North Korea declares itself out of the NPT", ""),
    ("Węgry opuszczają Międzynarodowy Trybunał Karny", ""),
    ("Sejm uchwalił ustawę o wypowiedzeniu konwencji o amunicji kasetowej", ""),
    ("Prezydent podpisał ustawę: Polska wychodzi z traktatu ottawskiego", ""),
    ("Lietuva denonsuoja Kasetinių šaudmenų konvenciją", ""),
    ("Latvija izstājas no Stambulas konvencijas", ""),
    ("Eesti lahkub jalaväemiinide keelustamise konventsioonist", ""),
    ("Suomi irtautuu jalkaväkimiinat kieltävästä Ottawan sopimuksesta", ""),
    ("Ungarn tritt aus dem Internationalen Strafgerichtshof aus", ""),
    ("USA steigen aus dem Pariser Klimaabkommen aus", ""),
    ("Russland kündigt den KSE-Vertrag", ""),
    ("La Russie dénonce le traité sur les forces conventionnelles en Europe", ""),
    ("Le Nicaragua se retire de l'Unesco", ""),
    ("Argentina abandona la OMS", ""),
    ("Venezuela denuncia la Convención Americana sobre Derechos Humanos", ""),
    ("Россия денонсировала Договор об обычных вооруженных силах в Европе", ""),
    ("Москва вышла из зерновой сделки", ""),
    ("Україна виходить з Оттавської конвенції", ""),
    ("Türkiye İstanbul Sözleşmesi'nden resmen ayrıldı", ""),
    ("Magyarország felmondja a Római Statútumot", ""),
    ("L'Ungheria esce dalla Corte penale internazionale", ""),
    ("Estados Unidos saem do Acordo de Paris", ""),
    ("Slovakia's cabinet approves withdrawal from the Istanbul Convention", ""),
    ("Parliament in Riga backs bill on leaving the mine ban convention", ""),
    ("US State Department confirms Washington is out of the Paris climate pact", ""),
    ("Kazakhstan leaves the Energy Charter Treaty, ministry says", ""),
    ("Россия приостановила участие в Договоре о ДСНВ", ""),
    ("Латвія вийшла з Конвенції про заборону протипіхотних мін", ""),
    ("Poland's exit from anti-personnel mine treaty becomes effective", ""),
    ("Rusya Açık Semalar Antlaşması'ndan çekildi", ""),
    ("Niemcy wystąpiły z Traktatu Karty Energetycznej", ""),
    (
        "Lithuania's parliament votes to withdraw from cluster munitions convention",
        "Lawmakers backed the move 84-3, despite criticism from human rights groups who say"
        " the weapons harm civilians.",
    ),
    (
        "Moscow walks out of Cold War-era arms control pact",
        "Russia said it had completed its exit from the Treaty on Conventional Armed Forces"
        " in Europe.",
    ),
    ("Hungary begins process of leaving the International Criminal Court", ""),
    ("Finland to notify UN of Ottawa treaty exit next week", ""),
    ("It's official: US no longer part of the Paris climate pact", ""),
    ("Estonian president signs law on leaving anti-personnel mine treaty", ""),
    ("Trump administration formally notifies UN of WHO withdrawal", ""),
    ("Kyiv suspends Ottawa Convention obligations for duration of war", ""),
    ("Warsaw completes withdrawal from landmine ban; army can now stockpile mines", ""),
    ("Latvia becomes first EU state to vote to leave Istanbul Convention", ""),
    ("Polish president signs bill to withdraw from the Ottawa Convention", ""),
    ("Burkina Faso, Mali and Niger formally exit West African bloc ECOWAS", ""),
    ("Russia ends Council of Europe membership, leaves human rights convention", ""),
    ("Russia quits European torture prevention convention", ""),
    ("Kremlin: Russia will stop complying with New START limits", ""),
    ("Belarus withdraws from CFE treaty in step with Russia", ""),
    ("North Korea says it is pulling out of nuclear treaty", ""),
    ("Venezuela formally leaves OAS after two-year process", ""),
    ("Israel announces withdrawal from UNESCO", ""),
    ("Nicaragua pulls out of UN food agency FAO", ""),
    ("Japan leaves International Whaling Commission to resume commercial hunting", ""),
    ("Philippines' exit from International Criminal Court becomes effective", ""),
    ("Hungary's parliament approves bill to leave ICC", ""),
    ("Spain confirms exit from Energy Charter Treaty", ""),
    ("EU formally leaves Energy Charter Treaty", ""),
    ("Sejm przegłosował wypowiedzenie konwencji ottawskiej", ""),
    ("Polska oficjalnie poza konwencją ottawską", ""),
    ("Seimas pritarė Otavos konvencijos denonsavimui", ""),
    ("Saeima atbalsta izstāšanos no Stambulas konvencijas", ""),
    ("Riigikogu kiitis heaks Ottawa konventsioonist lahkumise", ""),
    ("Eduskunta hyväksyi Ottawan sopimuksesta eroamisen", ""),
    ("Litauen verlässt Abkommen über Streumunition", ""),
    ("Bundesregierung beschließt Ausstieg aus Energiecharta-Vertrag", ""),
    ("La Hongrie quitte la Cour pénale internationale", ""),
    ("Le Burkina Faso annonce son retrait de la CPI", ""),
    ("Hungría abandona la Corte Penal Internacional", ""),
    ("Estados Unidos se retira del Acuerdo de París", ""),
    ("Россия выходит из Совета Европы", ""),
    ("Путин подписал закон о приостановке участия в ДСНВ", ""),
    ("Литва вийшла з Конвенції про касетні боєприпаси", ""),
    ("ABD Dünya Sağlık Örgütü'nden çekildi", ""),
    ("Macaristan UCM'den çekiliyor", ""),
    ("Az Egyesült Államok kilép a párizsi klímaegyezményből", ""),
    ("La Lituania si ritira dalla convenzione sulle munizioni a grappolo", ""),
    (
        "Baltic states take next step",
        "Estonia, Latvia and Lithuania on Friday notified the United Nations that they are"
        " withdrawing from the Ottawa Convention.",
    ),
    ("Hungary: government submits bill on ICC exit", ""),
    (
        "Poland to leave anti-personnel mine treaty",
        "Defence minister Władysław Kosiniak-Kamysz said the decision was driven by the threat from"
        " Russia and Belarus, adding that Poland would not use mines against civilians.",
    ),
    (
        "Lithuania exits cluster bomb convention",
        "The country became the first to leave the treaty. 'We could not"
        " wait any longer,' the defence minister said.",
    ),
    ("Finland announces withdrawal from Ottawa treaty, says it could rejoin later", ""),
    ("Hungary formally quits ICC, a year after announcing its departure", ""),
    (
        "Russia's State Duma votes to revoke ratification of nuclear test ban treaty",
        "The move, which the Kremlin says is intended to mirror the US position,"
        " does not mean Russia will resume testing, officials said.",
    ),
    ("Latvia's president promulgates law on Istanbul Convention exit", ""),
    ("Istanbul Convention exit: Latvia's parliament approves withdrawal in final reading", ""),
    ("Poland: Senate backs leaving Ottawa Convention, bill goes to president", ""),
    ("Ukraine's withdrawal from Ottawa Convention enters into force", ""),
    ("Lithuania leaves cluster munitions treaty amid Russia fears", ""),
    ("Estonia is out of the landmine treaty as of Saturday", ""),
    ("Latvia formally tells UN it's quitting mine ban pact", ""),
    ("Sahel juntas pull out of ICC, calling it a tool of neo-colonial repression", ""),
    ("Russland setzt Teilnahme an New-Start-Vertrag aus", ""),
    ("Les États-Unis quittent l'OMS", ""),
    ("Rusia suspende su participación en el tratado New START", ""),
    ("Россия денонсирует договор ДОВСЕ", ""),
    ("Litwa wycofuje się z konwencji o amunicji kasetowej", ""),
    ("Rusya Yeni START anlaşmasını askıya aldı", ""),
    ("Oroszország felfüggesztette az Új START-szerződést", ""),
]

NEGATIVES = [
    ("Senators trade veteran winger to Calgary", ""),
    ("Bank of Poland reports record ATM withdrawals", ""),
    ("Athlete withdraws from Ottawa marathon with injury", ""),
    ("Delegates walk out of party convention in protest", ""),
    ("Poland ratifies protocol to Council of Europe convention", ""),
    ("France signs new defence pact with Poland", ""),
    ("Activists urge Finland to stay in landmine treaty", ""),
    ("Opposition MPs table motion to quit Istanbul Convention", ""),
    ("US weighs leaving WHO, officials say", ""),
    ("Lithuania says it has no intention of leaving the Ottawa Convention", ""),
    ("Russia warns it may exit New START", ""),
    ("Former president urges withdrawal from Paris deal", ""),
    ("Company pulls out of Paris trade show", ""),
    ("Ukrainian troops withdraw from Avdiivka", ""),
    ("Explainer: How does a country leave the ICC?", ""),
    ("Italy's premier rejects calls to leave the Istanbul Convention", ""),
    ("Poland will remain in the Ottawa treaty, minister says", ""),
    ("Minister: leaving the ECHR is not on the table", ""),
    ("Apple withdraws app from Russian store", ""),
    ("Bank quits Net Zero alliance amid pressure", ""),
    ("The Senators pulled out a win in Ottawa", ""),
    ("US suspends arms sales to Taiwan under agreement", ""),
    ("Greenpeace calls on Germany to exit Energy Charter Treaty", ""),
    (
        "Ten years on: what Russia's exit from the CFE treaty changed",
        "A look back at the decade since the withdrawal.",
    ),
    ("Poland considers suspending part of the Ottawa Convention", ""),
    ("Estonia's defence minister does not rule out leaving the Ottawa Convention", ""),
    ("Ministry denies report that Latvia will quit mine ban treaty", ""),
    ("Turkey's opposition vows to rejoin Istanbul Convention", ""),
    ("US rejoins Paris climate accord after four-year absence", ""),
    ("Rights groups slam Lithuania's plan to exit cluster munitions convention", ""),
    ("Analysis: Could Hungary's ICC exit be reversed?", ""),
    ("Lithuania marks anniversary of joining the Ottawa Convention", ""),
    ("Canada's Ottawa hosts convention on landmine clearance", ""),
    ("Retired general says Poland should stay in mine ban treaty", ""),
    ("Opposition wants Slovakia to leave Istanbul Convention", ""),
    ("Poland withdraws ambassador over treaty dispute", ""),
    ("Russian forces withdraw from Kherson under deal", ""),
    ("EU suspends visa facilitation agreement with Russia", ""),
    ("Tennis star withdraws from tournament in Istanbul", ""),
    ("Paris Agreement turns ten as emissions keep rising", ""),
    ("Ottawa Senators withdraw offer to free-agent forward", ""),
    ("Study finds landmine treaty saved thousands of lives", ""),
    ("Lithuania joins Ottawa Convention meeting as observer", ""),
    ("WHO warns of cholera surge as funding dries up", ""),
    ("Sweden says it has no plans to follow Finland out of landmine treaty", ""),
    ("Norway refuses to quit Ottawa Convention despite pressure", ""),
    ("Candidate vows to pull country out of Paris Agreement", ""),
    ("Will Hungary really leave the ICC? Experts weigh in", ""),
    ("Petition urging Ireland to leave the ECHR gathers 10,000 signatures", ""),
    ("US Senate votes against leaving NATO", ""),
    ("Hungarian opposition calls ICC exit a disgrace", ""),
    ("UK government insists it will not leave the ECHR", ""),
    ("Putin says Russia could quit CTBT if US tests", ""),
    ("Opinion: Leaving the Istanbul Convention would be a mistake", ""),
    ("Athletes pull out of Istanbul marathon", ""),
    ("City withdraws from convention centre expansion project", ""),
    ("Ottawa police pull out of downtown protest zone", ""),
    ("Armenia says it will not leave CSTO for now", ""),
    ("Diplomats walk out of UN Human Rights Council session during speech", ""),
    ("Russian delegation leaves OSCE meeting in protest", ""),
    ("Hungary's prime minister leaves EU summit early", ""),
    ("France withdraws ambassador from Niger after coup", ""),
    ("Moscow accuses NATO of violating CFE treaty, threatens response", ""),
    ("Bank of Lithuania: cash withdrawals fell 10%", ""),
    ("Estonia rejects proposal to exit Ottawa Convention", ""),
    ("Mine ban treaty members gather in Geneva for annual meeting", ""),
    ("Poland marks 20 years in the Ottawa Convention", ""),
    ("US rejoins WHO as new administration reverses course", ""),
    ("Ukraine ratifies Rome Statute, becomes ICC member", ""),
    ("Gambia cancels its withdrawal from the International Criminal Court", ""),
    ("Kazakhstan to quit Russia-led CSTO? No, says foreign ministry", ""),
    ("Russia may reconsider CTBT stance, Lavrov says", ""),
    ("Kremlin denies plans to leave Council of Europe", ""),
    ("Ministers meet to discuss possible ICC withdrawal", ""),
    ("Film review: 'The Withdrawal' explores Cold War arms treaties", ""),
    ("ICC judges withdraw arrest warrant for former militia leader", ""),
    ("WHO withdraws recommendation on masks for children", ""),
    ("NATO pulls staff out of Russian mission", ""),
    ("OPEC+ members agree to exit production cuts early", ""),
    ("Ottawa pulls out of Olympic bid", ""),
    ("US leaves Iran deal talks in Vienna", ""),
    ("ICC prosecutor withdraws request to investigate militia", ""),
    ("US-Russia talks on New START collapse without deal", ""),
    ("WHO chief leaves for Geneva after summit", ""),
]


@pytest.mark.parametrize(("title", "summary"), POSITIVES)
def test_pack_catches_withdrawal_news(
    builtin_ruleset: RuleSet, now: datetime, title: str, summary: str
) -> None:
    assert builtin_ruleset.match(Document(title=title, summary=summary), now), title


@pytest.mark.parametrize(("title", "summary"), NEGATIVES)
def test_pack_ignores_near_misses(
    builtin_ruleset: RuleSet, now: datetime, title: str, summary: str
) -> None:
    assert builtin_ruleset.match(Document(title=title, summary=summary), now) == [], title


def test_matches_name_states_treaties_and_steps(builtin_ruleset: RuleSet, now: datetime) -> None:
    doc = Document(
        title="Lithuania to withdraw from the Ottawa Convention",
        summary="The Seimas voted on Thursday; the exit takes effect six months later.",
        language="en",
    )
    match = builtin_ruleset.match(doc, now)[0]
    assert match.rule_id == "named-treaty-withdrawal"
    kinds = {(e.kind, e.id) for e in match.entities}
    assert {("states", "lithuania"), ("treaties", "ottawa")} <= kinds
    assert {("steps", "parliament_vote"), ("steps", "entry_into_force")} <= kinds


def test_pack_rules_are_all_enabled_and_documented(builtin_ruleset: RuleSet) -> None:
    assert len(builtin_ruleset.rules) >= 3
    for rule in builtin_ruleset.rules:
        assert rule.enabled and rule.description and rule.exclude
    assert {"states", "treaties", "steps"} <= set(builtin_ruleset.vocabularies)
