"""Which step of a withdrawal a report reports (pure).

The rule pack's ``steps`` vocabulary finds every step word in a report: a report of a
parliament vote often also says the state "will notify the depositary" and that the exit "takes
effect in six months", and recalls the announcement of March. The step of the report is taken
from its main clause instead:

* the headline decides; when it names no step, or only the announcement ("X to quit Y"),
  the first sentence of the lead counts too; the rest of the lead only when neither names a
  step (it is context);
* a step word in a prospective phrase ("will take effect", "expected to vote", "in six
  months", "вступит в силу", "wejdzie w życie") describes the future, not this report;
* a step word in a sentence that names an earlier year ("in 2019") is background;
* a notification or taking effect named in the lead beside a span of months or years
  explains the procedure ("takes effect one year after the notification");
* among what remains, the most advanced step wins (:data:`STEP_ORDER`): "parliament votes to
  leave" is a vote, not an announcement.

``strong`` tells a step named in the headline or lead from none at all: the story logic lets a
strong, more advanced step found a new story, while a report without one joins what is there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rules import Entity

__all__ = ["STEP_ORDER", "StepReading", "rank", "read_step", "sentence_index"]

STEP_ORDER = (
    "announcement",
    "suspension",
    "government_decision",
    "parliament_vote",
    "signed_into_law",
    "notification",
    "entry_into_force",
    "reversal",
)
"""The steps of a withdrawal, least advanced first. A suspension ranks with the announcement:
the law that makes it is voted and signed afterwards ("the Duma passes the law suspending New
START" is a vote); a reversal (the state revokes its withdrawal) outranks everything and closes
the case. Unknown step ids rank below all of these."""

# Words that put the step word after them in the future or in a condition (within the few
# words before it): auxiliaries and "expected to", in the languages reports come in.
_FUTURE_BEFORE = re.compile(
    r"(?:\b(?:will|would|shall|could|might|must|to\s+be|set\s+to|expected\s+to|due\s+to|"
    r"going\s+to|plans?\s+to|planning\s+to|intends?\s+to|aims?\s+to|seeks?\s+to|ready\s+to|"
    r"is\s+to|are\s+to|has\s+to|have\s+to|before|until|once|pending|upcoming|next|"
    r"va|vont|devra|devrait|sera|seront|pourrait|doit|doivent|prochain\w*|"
    r"será|serán|deberá|podría|va\s+a|van\s+a|próxim\w*|"
    r"vai|vão|deverá|poderá|sarà|saranno|dovrà|potrebbe|prossim\w*|"
    r"wird|werden|soll|sollen|würde|könnte|nächst\w*|zal|zullen|"
    r"будет|будут|должен|должна|должны|может|намерен\w*|предстоит|"
    r"będzie|będą|ma\s+zostać|planuje|musi|muszą|powinn\w*|"
    r"bude|budou|va\s+fi|ще|θα|"
    r"kommer\s+att|ska|skal|vil|aikoo|tulee|"
    r"olacak|edecek|fog|fognak|akan|sẽ|将|將|将会|将于|將於|予定|見通し|예정|것으로)\W+"
    r"(?:\w+\W+){0,4})$",
    re.IGNORECASE,
)
# Future time after the step word ("takes effect in six months", "from 1 January").
_FUTURE_AFTER = re.compile(
    r"^\W*(?:\w+\W+){0,5}?(?:"
    r"in\s+(?:\w+\s+){0,2}(?:months?|years?|weeks?|days?)|within\s+|after\s+(?:a|one|six|\d+)|"
    r"(?:a|one|six|twelve|\d+)\s+months?\s+after|a\s+year\s+after|next\s+(?:year|month)|"
    r"dans\s+(?:un|une|six|\d+)|d'ici|à\s+partir\s+d|"
    r"en\s+(?:un|seis|\d+)\s+(?:año|mes)|dentro\s+de|a\s+partir\s+d|"
    r"em\s+(?:um|seis|\d+)|"
    r"in\s+(?:einem|sechs|zwölf|\d+)|nach\s+(?:einem|sechs|\d+)|ab\s+dem|"
    r"через\s+|спустя\s+|"
    r"za\s+(?:rok|pół|sześć|\d+)|po\s+(?:roku|sześciu|\d+)|"
    r"після\s+|за\s+(?:рік|шість))",
    re.IGNORECASE,
)
# An auxiliary right after the step word ("parliament is expected to vote", "the notice will").
_AUX_AFTER = re.compile(
    r"^\W*(?:\w+\W+){0,1}?(?:will|would|shall|is\s+(?:expected|set|due|scheduled|likely|to)|"
    r"are\s+(?:expected|set|due|scheduled|likely|to)|must|should|could|plans?|intends?|"
    r"va|vont|devra|doit|sera|debe|deberá|será|wird|werden|soll|sollen|будет|будут|должн\w*|"
    r"ma\s+|mają\s+|będzie|będą)\b",
    re.IGNORECASE,
)
# Step words that are themselves future forms.
_FUTURE_FORMS = re.compile(
    r"^(?:вступит|вступят|набуде|набудуть|wejdzie|wejdą|stāsies|jõustub|įsigalios|"
    r"surtirá|entrará|entrarán|prendra|entrera|entrarà|astuu|"
    r"will\b|to\s+take|to\s+become|would)",
    re.IGNORECASE,
)
# A span of months or years: a sentence of the lead that names one beside a notification or the
# exit taking effect explains the procedure ("takes effect one year after the notification"),
# it does not report that step.
_DURATION = re.compile(
    r"(?:months?|years?|mois|an\b|ans\b|année|mes(?:es)?\b|años?|meses|mês|anos?\b|"
    r"monat\w*|jahr\w*|maand\w*|jaar\b|месяц\w*|год\w*|лет\b|місяц\w*|рік|року|"
    r"miesi\w*|rok\w*|lat\b|hónap\w*|év\w*|múlva|ay\b|aylık|yıl\w*|mėnes\w*|met\w*|"
    r"mēneš\w*|gad\w*|kuu\w*|aasta\w*|kuukau\w*|vuo\w*|mese|mesi|anno|anni|"
    r"个月|個月|年后|年後|か月|ヶ月|개월|أشهر|شهر|عام|سنة)",
    re.IGNORECASE,
)
_PROCEDURE_STEPS = frozenset({"notification", "entry_into_force"})
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_SENTENCE = re.compile(r"[.!?。！？;；](?:\s|$)|\s[-–—]\s|\n")


@dataclass(frozen=True, slots=True)
class StepReading:
    """The step a report is about: ``step`` None when it names none that counts."""

    step: str | None
    strong: bool
    named: tuple[str, ...] = ()
    """Every step the report names anywhere (kept for the story's record)."""
    headline: bool = False
    """Whether the headline itself names the step."""


def rank(step: str | None) -> int:
    """The position of ``step`` in :data:`STEP_ORDER` (-1 for None or an unknown id)."""
    return STEP_ORDER.index(step) if step in STEP_ORDER else -1


def most_advanced(steps: Iterable[str]) -> str | None:
    """The most advanced of ``steps``, or None."""
    ranked = sorted(set(steps), key=lambda s: (rank(s), s))
    return ranked[-1] if ranked else None


def read_step(
    title: str, summary: str, entities: Sequence[Entity], *, year: int | None
) -> StepReading:
    """The step of a report from its ``steps`` entities and their spans (see the module doc);
    ``year`` is the report's publication year (None: no background test by years)."""
    texts = {"title": title or "", "summary": summary or ""}
    lead_end = _first_sentence_end(texts["summary"])
    named: list[str] = []
    headline: list[str] = []
    lead: list[str] = []
    rest: list[str] = []
    for entity in entities:
        if entity.kind != "steps":
            continue
        named.append(entity.id)
        for field, start, end in entity.spans or (("title", -1, -1),):
            text = texts.get(field)
            if text is None or start < 0:
                continue
            if _prospective(text, start, end, year, entity.id) or _background(text, start, year):
                continue
            if field == "summary" and entity.id in _PROCEDURE_STEPS and _explains(text, start):
                continue
            if field == "title":
                headline.append(entity.id)
            else:
                (lead if start < lead_end else rest).append(entity.id)
    kinds = tuple(dict.fromkeys(named))
    best = most_advanced(headline)
    # the headline decides, unless it only says the state "will leave": then the lead's
    # first sentence may say how ("lawmakers voted on Thursday to leave")
    if best is not None and best != "announcement":
        return StepReading(best, True, kinds, headline=True)
    if headline or lead:
        step = most_advanced(headline + lead)
        return StepReading(step, True, kinds, headline=step in headline)
    if rest:
        return StepReading(most_advanced(rest), False, kinds)
    return StepReading(None, False, kinds)


def sentence_index(text: str, offset: int) -> int:
    """Which sentence of ``text`` (0 for the first) holds the character at ``offset``."""
    return sum(1 for mark in _SENTENCE.finditer(text) if mark.end() <= offset)


def _first_sentence_end(text: str) -> int:
    found = _SENTENCE.search(text)
    return found.end() if found else len(text)


def _sentence(text: str, start: int) -> tuple[int, int]:
    begin = 0
    for mark in _SENTENCE.finditer(text):
        if mark.end() <= start:
            begin = mark.end()
        else:
            return begin, mark.start() + 1
    return begin, len(text)


def _prospective(text: str, start: int, end: int, year: int | None, step: str) -> bool:
    begin, stop = _sentence(text, start)
    before = text[begin:start]
    after = text[end:stop]
    if _FUTURE_BEFORE.search(before[-80:]) or _FUTURE_FORMS.search(text[start:stop]):
        return True
    if step == "announcement":
        return False  # "announces it will leave", "says it will quit": an announcement now
    if year is not None and any(int(y) > year for y in _YEAR.findall(text[begin:stop])):
        return True
    return bool(_FUTURE_AFTER.search(after[:80]) or _AUX_AFTER.search(after[:40]))


def _explains(text: str, start: int) -> bool:
    begin, stop = _sentence(text, start)
    return bool(_DURATION.search(text[begin:stop]))


def _background(text: str, start: int, year: int | None) -> bool:
    if year is None:
        return False
    begin, stop = _sentence(text, start)
    years = [int(y) for y in _YEAR.findall(text[begin:stop])]
    return bool(years) and max(years) < year
