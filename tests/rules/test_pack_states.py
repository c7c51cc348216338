"""The pack's state names: every UN member and observer state, from CLDR, in every language."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest

import rules

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "states_from_cldr.py"
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("states_from_cldr", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_file_is_what_the_script_writes_from_cldr() -> None:
    script = _script()
    assert script.OUTPUT.read_text(encoding="utf-8") == script.render(), (
        "states_cldr.yaml is stale: run `make states`"
    )


def test_every_un_member_and_observer_is_a_state_entity(builtin_ruleset: rules.RuleSet) -> None:
    script = _script()
    assert len(script.STATES) == len(set(script.STATES)) == 197  # 193 + VA, PS + XK, TW
    english = script.Locale.parse("en").territories
    found = set()
    for code in script.STATES:
        name = script._names(code, "en")[0]
        ids = {e.id for e in builtin_ruleset.entities(rules.Document(title=name))}
        assert ids, f"{code} {name!r} is no state entity"
        found |= ids
    assert len(found) >= 197, english["US"]


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("Катар выходит из ОПЕК", "qatar"),
        ("Katar opuszcza OPEC, ogłosił minister", "qatar"),
        ("Qatarin ministeri ilmoitti erosta", "qatar"),
        ("卡塔尔宣布退出欧佩克", "qatar"),
        ("カタールがOPEC脱退を発表", "qatar"),
        ("카타르, OPEC 탈퇴 선언", "qatar"),
        ("قطر تنسحب من أوبك", "qatar"),
        ("Ангола выходит из ОПЕК", "angola"),
        ("Rwanda se retire de la CEEAC", "rwanda"),
        ("Honduras denuncia el Convenio del CIADI", "honduras"),
        ("Λευκορωσία αναστέλλει τη συμμετοχή της", "belarus"),
        # case endings on names whose stem the same state's name in a sibling language also
        # begins with (Slovak Burkin* and Czech Burkina; Russian Иордани* and Bulgarian Йордания)
        ("Africká únia pozastavila členstvo Burkiny Faso", "burkina_faso"),
        ("Посол Иордании вызван в МИД", "jordan"),
        ("Rząd Kolumbii wypowiada umowę", "colombia"),
        ("Vláda Keni odstúpila od dohody", "kenya"),
        ("Vlada Alžira otkazala je sporazum", "algeria"),
        # a name of several words is a phrase: South Korea's "Korea" no longer stops North
        # Korea's stems, nor Cape Verde's "Republika" another republic's
        ("Vláda Severní Koreje vypověděla dohodu", "north_korea"),
        ("Guvernul Coreei de Nord denunță acordul", "north_korea"),
        ("Rząd Republiki Zielonego Przylądka wypowiada umowę", "cape_verde"),
        # a one-word name whose stem would reach another state's name gets its case forms
        ("Uniunea Africană suspendă Nigerul", "niger"),
        ("Vláda Nigeru vypověděla dohodu", "niger"),
        # ... and so does one ending in a vowel, the vowel replaced by each ending
        ("ЭКОВАС приостановило членство Гвинеи", "guinea"),
        ("ECOWAS suspendirao Gvineju", "guinea"),
        ("Az ECOWAS felfüggesztette Guineát", "guinea"),
        ("Rząd Austrii wypowiada umowę", "austria"),
    ],
)
def test_cldr_names_and_their_inflections_are_found(
    builtin_ruleset: rules.RuleSet, text: str, state: str
) -> None:
    found = builtin_ruleset.entities(rules.Document(title=text))
    assert state in {e.id for e in found if e.kind == "states"}


def test_a_short_name_needs_its_capital_letter(builtin_ruleset: rules.RuleSet) -> None:
    """Croatian 'mali' (small) is not Mali; 'Mali' is."""
    lower = builtin_ruleset.entities(rules.Document(title="mali brod isplovio iz luke"))
    upper = builtin_ruleset.entities(rules.Document(title="Mali isplovio iz luke"))
    assert "mali" not in {e.id for e in lower}
    assert "mali" in {e.id for e in upper}


@pytest.mark.parametrize(
    "text",
    [
        "Samo jedan brod isplovio iz luke",  # Croatian "only", not Samoa
        "Ambasador Daniel Kowalski odwołany",  # a first name, not Denmark (Dania)
        "Bronisław Komorowski podpisał ustawę",  # not the Comoros (Komory)
        "Somaliland podpisał memorandum",  # not Somalia
        # German nouns have capitals: Romanian Austri* would take Austritt (exit) for Austria,
        # Icelandic Sankti* Sanktionen for Saint Lucia
        "Der Austritt aus dem Vertrag wird wirksam",
        "Neue Sanktionen gegen die Regierung",
    ],
)
def test_a_stem_does_not_reach_words_and_names_that_are_no_state(
    builtin_ruleset: rules.RuleSet, text: str
) -> None:
    found = builtin_ruleset.entities(rules.Document(title=text))
    assert {e.id for e in found if e.kind == "states"} == set(), text


def test_a_stem_never_reaches_another_state() -> None:
    """Polish and Czech 'Niger*' would also find Nigeria: such stems are not generated."""
    text = SCRIPT.parent.parent.joinpath(
        "rules", "packs", "treaty-withdrawal", "states_cldr.yaml"
    ).read_text(encoding="utf-8")
    assert "'=Niger*'" not in text
