"""Dates as ministry pages and sitemaps print them, in the languages of the region.

``parse_date`` reads ISO 8601 and RFC 2822 stamps, numeric dates (``18.03.2025``,
``2025.03.18.``, ``18/03/2025``) and dates with month names in English, Polish, Lithuanian,
Latvian, Estonian, Finnish, Swedish, Norwegian, Danish, German, French, Czech, Slovak,
Romanian, Hungarian, Bulgarian, Russian and Ukrainian (nominative and genitive forms, and the
usual abbreviations). A time of day (``14:30``) is kept when present. A date without a zone is
read as UTC. Anything it cannot read gives None: a missing date never drops an item.

``plausible(moment, now)`` is the one check of what a source claims against the clock: a
publication date more than ``MAX_AHEAD`` (a day) after ``now`` (year 9999, a typo, a wrong
zone by far) is treated as missing, so it can neither pass for fresh nor sort first.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from state import parse_iso

__all__ = ["MAX_AHEAD", "MONTHS", "parse_date", "plausible"]

MAX_AHEAD = timedelta(days=1)
"""How far past the clock a publication date may lie before it counts as missing."""

_MONTH_NAMES: dict[int, str] = {
    1: "january jan januar janvier janv januari janúar tammikuu tammikuuta tammik stycznia "
    "styczeń styczen sausis sausio janvāris janvārī janvāra jaanuar jaanuaril ledna leden "
    "januára január ianuarie ian januárius január jan. януари януарь января январь січня "
    "січень jänner",
    2: "february feb februar février fevrier févr februari február helmikuu helmikuuta "
    "helmik lutego luty vasaris vasario februāris februārī februāra veebruar veebruaril "
    "února únor februára február februarie febr február февруари февраля февраль лютого "
    "лютий",
    3: "march mar märz marz mars maaliskuu maaliskuuta maalisk marca marzec kovas kovo marts "
    "martā marta märts märtsil března březen marec martie márc március март марта март "
    "березня березень",
    4: "april apr avril avr huhtikuu huhtikuuta huhtik kwietnia kwiecień kwiecien balandis "
    "balandžio balandzio aprīlis aprīlī aprīļa aprill aprillil dubna duben apríla apríl "
    "aprilie ápr április април апреля апрель квітня квітень",
    5: "may mai maj mei toukokuu toukokuuta toukok maja gegužė gegužės geguzes maijs maijā "
    "maija mai mail května květen mája máj mai máj. május май мая травня травень",
    6: "june jun juni juin juin. kesäkuu kesäkuuta kesäk czerwca czerwiec birželis birželio "
    "birzelio jūnijs jūnijā jūnija juuni juunil června červen júna jún iunie jún. június "
    "юни июня июнь червня червень",
    7: "july jul juli juillet juil heinäkuu heinäkuuta heinäk lipca lipiec liepa liepos "
    "jūlijs jūlijā jūlija juuli juulil července červenec júla júl iulie júl. július юли "
    "июля июль липня липень",
    8: "august aug août aout elokuu elokuuta elok sierpnia sierpień sierpien rugpjūtis "
    "rugpjūčio rugpjucio augusts augustā augusta augustil srpna srpen augusta august "
    "aug. augusztus aug август августа серпня серпень",
    9: "september sep sept septembre syyskuu syyskuuta syysk września wrzesień wrzesien "
    "rugsėjis rugsėjo rugsejo septembris septembrī septembra septembril září zari "
    "septembra septembrie szept szeptember септември сентября сентябрь вересня вересень",
    10: "october oct oktober octobre lokakuu lokakuuta lokak października październik "
    "pazdziernika spalis spalio oktobris oktobrī oktobra oktoobril oktoober října říjen "
    "rijna októbra október octombrie okt október октомври октября октябрь жовтня "
    "жовтень",
    11: "november nov novembre marraskuu marraskuuta marrask listopada listopad lapkritis "
    "lapkričio lapkricio novembris novembrī novembra novembril listopadu listopad "
    "novembra november noiembrie nov. november ноември ноября ноябрь листопада листопад",
    12: "december dec dezember décembre decembre déc joulukuu joulukuuta jouluk grudnia "
    "grudzień grudzien gruodis gruodžio gruodzio decembris decembrī decembra detsember "
    "detsembril prosince prosinec decembra december decembrie dec. december декември "
    "декабря декабрь грудня грудень",
}
MONTHS: dict[str, int] = {
    word.rstrip("."): month for month, words in _MONTH_NAMES.items() for word in words.split()
}
_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4})(?!\d)")
_YMD = re.compile(r"(?<!\d)(\d{4})\s*[./]\s*(\d{1,2})\s*[./]\s*(\d{1,2})(?!\d)")
_TIME = re.compile(r"(?<!\d)(\d{1,2})[:.h](\d{2})(?!\d)")
_WORD = re.compile(r"[^\W\d_]+\.?|\d+", re.UNICODE)


def parse_date(text: str | None, fmt: str | None = None) -> datetime | None:
    """The moment written in ``text``, as an aware UTC datetime, or None."""
    if not text:
        return None
    text = " ".join(text.split())
    if fmt:
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            pass
        else:
            return _utc(moment)
    return _iso(text) or _rfc2822(text) or _numeric(text) or _words(text)


def plausible(moment: datetime | None, now: datetime) -> datetime | None:
    """``moment``, or None when it lies more than ``MAX_AHEAD`` after ``now``."""
    if moment is None or moment - now > MAX_AHEAD:
        return None
    return moment


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _build(year: int, month: int, day: int, text: str) -> datetime | None:
    hour = minute = 0
    time = _TIME.search(text)
    if time and int(time.group(1)) < 24 and int(time.group(2)) < 60:
        hour, minute = int(time.group(1)), int(time.group(2))
    try:
        return datetime(year, month, day, hour, minute, tzinfo=UTC)
    except ValueError:
        return None


def _iso(text: str) -> datetime | None:
    match = _ISO.search(text)
    if not match:
        return None
    stamp = match.group(0).replace(" ", "T", 1) if match.group(4) else match.group(0)[:10]
    try:
        return parse_iso(stamp)
    except ValueError:
        parts = [int(match.group(i)) for i in (1, 2, 3)]
        return _build(parts[0], parts[1], parts[2], "")


def _rfc2822(text: str) -> datetime | None:
    if "," not in text[:5] and not re.match(r"^\d{1,2} [A-Za-z]{3} \d{4} \d", text):
        return None
    try:
        return _utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _numeric(text: str) -> datetime | None:
    match = _YMD.search(text)
    if match:
        year, month, day = (int(match.group(i)) for i in (1, 2, 3))
        return _build(year, month, day, text[match.end() :])
    match = _DMY.search(text)
    if match:
        first, second, year = (int(match.group(i)) for i in (1, 2, 3))
        day, month = (first, second) if second <= 12 else (second, first)
        return _build(year, month, day, text[match.end() :])
    return None


def _words(text: str) -> datetime | None:
    tokens = _WORD.findall(text.lower())
    month_at = None
    month = 0
    for index, token in enumerate(tokens):
        found = MONTHS.get(token.rstrip("."))
        if found is None and 3 <= len(token.rstrip(".")) <= 4 and not token.isdecimal():
            found = MONTHS.get(token.rstrip(".")[:3])  # "Sept", "Febr"
        if found is not None:
            month_at, month = index, found
            break
    if month_at is None:
        return None
    numbers = [(i, int(t)) for i, t in enumerate(tokens) if t.isdecimal() and len(t) <= 4]
    years = [(i, n) for i, n in numbers if 1900 <= n <= 2200]
    if not years:
        return None
    year_at, year = min(years, key=lambda pair: abs(pair[0] - month_at))
    days = [
        (i, n)
        for i, n in numbers
        if 1 <= n <= 31 and i != year_at and abs(i - month_at) <= 2 and len(tokens[i]) <= 2
    ]
    if not days:
        return None
    _, day = min(days, key=lambda pair: abs(pair[0] - month_at))
    return _build(year, month, day, text)
