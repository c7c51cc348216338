"""The built-in pack on a second phrasebook: 60 languages, each with the same 30 constructions
in order, 15 ways its press headlines a state's exit (a bilateral agreement terminated or
cancelled, a treaty's application suspended, a membership frozen, a UN agency or a regional
bloc left, a convention denounced, a cabinet's approval, a parliament's vote, a decree signed,
"no longer a member", an agreement not renewed, a capital and an abbreviation, a verbless
"<state> out of <body>", an exit after a colon) and 15 near misses (a state suspended, actively
and passively; an organisation ending its own cooperation; a question, a threat, a denial, a
call, a return, a joining, troops, a company, an athlete, a walkout, talks suspended, an
anniversary). Written for issue 10 by two authors who had not seen the pack (files
phrasebook2_a.txt and phrasebook2_b.txt); every headline is theirs, the facts plausible rather
than all real.

The pack does not read all of it yet (issue 10 is open): the test holds the number it reads
right, in all and for each half, to the floor it reached; tuning may only raise it. The table
it prints shows where the rest goes wrong, by construction and by language.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

import rules

HERE = Path(__file__).parent
FILES = (HERE / "phrasebook2_a.txt", HERE / "phrasebook2_b.txt")
NOW = datetime(2026, 6, 1, tzinfo=UTC)
CONSTRUCTIONS = 30
EXITS = 15

FLOOR_EXITS = 740
FLOOR_NEAR_MISSES = 842
"""Lines read right when the floors were set (of 900 exits and 900 near misses)."""


def _lines() -> list[tuple[int, str, str, str]]:
    """(construction number, sign, language, headline) for every headline line."""
    lines = []
    seen: Counter[str] = Counter()
    for path in FILES:
        for raw in path.read_text(encoding="utf-8").splitlines():
            if not raw.strip() or raw.startswith("#"):
                continue
            sign, language, title = raw.split(":", 2)
            seen[language] += 1
            lines.append((seen[language], sign, language, title))
    return lines


def test_each_language_has_the_30_constructions_in_order() -> None:
    lines = _lines()
    languages = {language for _, _, language, _ in lines}
    assert len(languages) == 60
    assert len(lines) == 60 * CONSTRUCTIONS
    for number, sign, language, _ in lines:
        assert number <= CONSTRUCTIONS, language
        assert sign == ("+" if number <= EXITS else "-"), (language, number)


def test_the_pack_reads_the_second_phrasebook_at_least_as_well_as_before(
    builtin_ruleset: rules.RuleSet, capsys: pytest.CaptureFixture[str]
) -> None:
    right = Counter[str]()
    wrong_by_construction = Counter[int]()
    wrong_by_language = Counter[str]()
    for number, sign, language, title in _lines():
        matched = bool(builtin_ruleset.match(rules.Document(title=title, language=language), NOW))
        if matched == (sign == "+"):
            right[sign] += 1
        else:
            wrong_by_construction[number] += 1
            wrong_by_language[language] += 1
    with capsys.disabled():
        print(
            f"\nphrasebook 2: exits {right['+']}/900, near misses {right['-']}/900; wrong by "
            "construction: "
            + " ".join(f"{n}:{wrong_by_construction[n]}" for n in range(1, CONSTRUCTIONS + 1))
            + "; most wrong by language: "
            + " ".join(f"{lang}:{n}" for lang, n in wrong_by_language.most_common(12))
        )
    assert right["+"] >= FLOOR_EXITS, f"exits read right fell to {right['+']}"
    assert right["-"] >= FLOOR_NEAR_MISSES, f"near misses read right fell to {right['-']}"
