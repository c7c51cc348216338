"""Sanity examples for the built-in pack (our own sentences, not news text)."""

from __future__ import annotations

from datetime import datetime

import pytest

from rules import Document, RuleSet

POSITIVES = [
    ("en", "Poland and the Baltic states to withdraw from the Ottawa Convention on landmines"),
    ("en", "Estonia's parliament votes to leave the anti-personnel mine ban treaty"),
    ("pl", "Polska wystąpi z konwencji ottawskiej, zapowiada minister obrony"),
    ("pl", "Sejm zgodził się na wypowiedzenie Konwencji ottawskiej"),
    ("lt", "Seimas nusprendė pasitraukti iš Otavos konvencijos"),
    ("lt", "Lietuva pasitraukia iš Kasetinių šaudmenų konvencijos"),
    ("lv", "Saeima nolēma izstāties no Otavas konvencijas"),
    ("et", "Riigikogu otsustas lahkuda Ottawa konventsioonist"),
]

NEGATIVES = [
    ("en", "Lithuania considers leaving Ottawa treaty"),
    ("en", "Ottawa Senators leave for a four-game road trip"),
    ("en", "Finland rules out withdrawing from the Ottawa Convention"),
    ("en", "Troops withdraw from the northern base after talks"),
    ("en", "Customers rushed to withdraw cash before the holiday"),
    ("en", "Campaigners call for withdrawal from the Ottawa Convention"),
    ("pl", "Minister rozważa wystąpienie z konwencji ottawskiej"),
]


@pytest.mark.parametrize(("language", "title"), POSITIVES)
def test_pack_catches_withdrawal_headlines(
    builtin_ruleset: RuleSet, now: datetime, language: str, title: str
) -> None:
    matches = builtin_ruleset.match(Document(title=title, language=language), now)
    assert matches, title


@pytest.mark.parametrize(("language", "title"), NEGATIVES)
def test_pack_ignores_near_misses(
    builtin_ruleset: RuleSet, now: datetime, language: str, title: str
) -> None:
    assert builtin_ruleset.match(Document(title=title, language=language), now) == [], title


def test_matches_name_states_and_treaties(builtin_ruleset: RuleSet, now: datetime) -> None:
    doc = Document(title="Lithuania to withdraw from the Ottawa Convention", language="en")
    match = builtin_ruleset.match(doc, now)[0]
    assert match.rule_id == "named-treaty-withdrawal"
    kinds = {(e.kind, e.id) for e in match.entities}
    assert ("states", "lithuania") in kinds
    assert ("treaties", "ottawa") in kinds
