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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rules import Entity

__all__ = ["STEP_ORDER", "StepReading", "rank", "read_step", "sentence_index"]


class _Lazy:
    """A regular expression compiled on first use: this module's patterns cost about 15 ms to
    compile, which a ``poll`` with no hit never needs at start-up (issue 14)."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text)

    def findall(self, text: str) -> list[Any]:
        return self.pattern.findall(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text)


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

# The tables below are written per language (a comment names it): every pattern is tried on
# every report, whatever its language, so each word is a whole word (\b) long enough not to be a
# common word of another language ("bo", Slovenian "will", is Polish "because"; "an", French
# "year", is the English article). Scripts that attach words or are written without spaces
# (Chinese, Japanese, Korean) have patterns of their own with a window of a few characters.

# Words that put the step word after them in the future or in a condition (within the few
# words before it): auxiliaries and "expected to", in the languages reports come in.
_BEFORE_WORDS = "|".join(
    (
        # en
        r"will|would|shall|could|might|must|to\s+be|set\s+to|expected\s+to|due\s+to|going\s+to|"
        r"plans?\s+to|planning\s+to|intends?\s+to|aims?\s+to|seeks?\s+to|ready\s+to|is\s+to|"
        r"are\s+to|has\s+to|have\s+to|before|until|once|pending|upcoming|next|about\s+to|"
        r"scheduled\s+to|likely\s+to|poised\s+to|prepar(?:es?|ing)\s+to|not\s+yet|yet\s+to",
        # fr
        r"va|vont|devra|devront|devrait|devraient|sera|seront|pourra|pourrait|pourraient|doit|"
        r"doivent|prochain\w*|avant|jusqu'(?:à|au)|d'ici|dès\s+que|censée?s?|s'apprêt\w*\s+à|"
        r"pas\s+encore",
        # es
        r"será|serán|deberá|deberán|debería|podrá|podría|podrían|va\s+a|van\s+a|próxim\w*|"
        r"antes\s+de|hasta\s+que|tendrá\s+que|previst[oa]s?\s+para|aún\s+no|todavía\s+no",
        # es, pt, it: a verb in the future ("presentará", "entregarão", "voterà")
        r"\w+(?:rá|rán|rão|rà|ranno)|"
        # pt
        r"vai|vão|irá|irão|deverá|deverão|deveria|poderá|poderia|antes\s+que|até\s+que|"
        r"terá\s+de|terá\s+que|prevista?s?\s+para|ainda\s+não",
        # it
        r"sarà|saranno|dovrà|dovranno|dovrebbe|potrà|potrebbe|prossim\w*|prima\s+(?:di|che)|"
        r"finché|sta\s+per|stanno\s+per|previst[oa]\s+per|non\s+ancora",
        # de
        r"wird|werden|würde|würden|soll|sollen|sollte|sollten|könnte|könnten|muss|müssen|"
        r"nächst\w*|bevor|demnächst|künftig|voraussichtlich|erst\s+(?:nach|mit|wenn)|noch\s+nicht",
        # nl, and de/nl "in six months" before the verb ("tritt in sechs Monaten in Kraft")
        r"zal|zullen|zou|zouden|moet|moeten|volgend\w*|voordat|totdat|nog\s+niet|"
        r"over\s+(?:een|zes|twaalf|twee|\d+)\s+(?:jaar|maand\w*|week|weken)|"
        r"in\s+(?:einem|sechs|zwölf|zwei|drei|\d+)\s+(?:halben\s+)?(?:Jahr|Monat)\w*",
        # sv, no, da, is
        r"kommer\s+att|ska|skall|skulle|måste|nästa|innan|tills|"
        r"vil|skal|kommer\s+til\s+å|neste|næste|innen|inden|ennå\s+ikke|endnu\s+ikke|"
        r"mun|munu|eiga\s+að|næsta",
        # fi, et
        r"aikoo|aikovat|tulee|tulevat|pitää|on\s+määrä|ennen\s+kuin|kunnes|ensi|"
        r"hakkab|hakkavad|kavatseb|kavatsevad|peab|peavad|enne|kuni|järgmis\w*",
        # lv, lt
        r"būs|tiks|gatavojas|pirms|līdz|nākam\w*|bus|ketina|turės|kitais\s+metais",
        # pl, cs, sk, sl
        r"będzie|będą|ma\s+zostać|mają\s+zostać|planuje|planują|musi|muszą|powinn\w*|"
        r"zamierza\w*|przed|do\s+czasu|przyszł\w*|jeszcze\s+nie|"
        r"bude|budou|má\s+být|mají\s+být|musí|měl[aoiy]?\s+by|chystá|příští\w*|"
        r"budú|má\s+byť|majú\s+byť|budúc\w*|ešte\s+nie|"
        r"bodo|naj\s+bi|morajo|prihodnj\w*|preden",
        # hr, sr, bs, mk, bg
        # (the Bulgarian "ще", not the Ukrainian "ще раз", once more)
        r"će|ће|ќе|ще(?!\s+(?:раз|один|одна|одну|одне|більш\w*|у|в)\b)|"
        r"trebalo\s+bi|treba|moraju|sljedeć\w*|sledeć\w*|naredn\w*|iduć\w*|"
        r"следећ\w*|наредн\w*|требало\s+би|треба|следн\w*|трябва|предстои|следващ\w*|догодина",
        # ro, hu, el
        r"ar\s+putea|ar\s+urma\s+să|urmează\s+să|trebuie\s+să|înainte\s+de|până\s+(?:la|când)|"
        r"fog|fognak|fogja|fogják|várhatóan|jövőre|jövő\w*|majd|"
        r"(?:\w+\s+)?(?:év|hónap|hét|nap)\w*\s+múlva|"
        r"θα|πρόκειται\s+να|αναμένεται\s+να|πρέπει\s+να|μέχρι|επόμεν\w*|προσεχ\w*",
        # tr, az, kk
        r"önümüzdeki|gelecek\s+(?:yıl|ay|hafta)\w*|gələn\s+(?:il|ay)\w*|növbəti|"
        r"келесі|алдағы",
        # ru, uk, be
        r"будет|будут|должен|должна|должно|должны|может|могут|намерен\w*|предстоит|"
        r"планиру\w+|собира\w+|следующ\w*|ещё\s+не|еще\s+не|"
        r"буде|будуть|має|мають|повинн\w*|мусить|планує|плану\w+|збира\w+|наступн\w*|ще\s+не|"
        r"будзе|будуць|павінн\w*|мае|маюць|наступн\w*",
        # sq, ka, hy
        r"do\s+të|"
        r"უნდა|მომავალ\w*|ჯერ\s+არ|պետք\s+է|հաջորդ\w*|կլինի|կմտնի",
        # ar, fa, he, ur, hi
        r"سوف|سيتم|ستدخل|سيدخل|ستصبح|سيصبح|ستكون|سيكون|ستنسحب|سينسحب|من\s+المقرر|"
        r"من\s+المتوقع|يتوقع|المقبل\w*|القادم\w*|لم\s+يدخل|لم\s+تدخل|"
        r"خواهد|خواهند|قرار\s+است|آینده|"
        r"יהיה|תהיה|יהיו|ייכנס|תיכנס|ייכנסו|תצא|ייצא|עתיד\w*|צפוי\w*|אמור\w*|בעוד|"
        r"לפני\s+ש|עד\s+ש|הבא\w*|טרם|"
        r"آئندہ|اگلے|अगले|आगामी",
        # id, ms, tl, vi
        r"akan|bakal|harus|mesti|hendak|sebelum|hingga|dijadwalkan|direncanakan|diperkirakan|"
        r"dijangka|dijadualkan|belum|nakatakda\w*|inaasahang|sa\s+susunod\s+na|"
        r"sẽ|sắp|dự\s+kiến|trước\s+khi|cho\s+đến\s+khi|chưa",
        # sw, ha, am
        r"itakuwa|itaanza|wataanza|atakuwa|watakuwa|inatarajiwa|zinatarajiwa|kabla\s+ya|ujao|"
        r"zai|za\s+ta|za\s+su|nan\s+gaba|kafin|በሚቀጥለው",
    )
)
# The same for Chinese, Japanese and Korean, where the marker is written against the words
# that follow it: "将于2026年12月31日生效", "来年発効", "내년 발효".
_BEFORE_UNSPACED = (
    r"将|將|将于|將於|将在|將在|将会|將會|即将|即將|拟|擬|预计|預計|预定|預定|明年|下个月|下個月|"
    r"届时|屆時|尚未|仍未|"
    r"来年|来月|翌年|年後|か月後|カ月後|ヶ月後|ヵ月後|まだ|"
    r"내년|다음\s?달|향후|앞으로|아직"
)
_FUTURE_BEFORE = _Lazy(
    r"(?:\b(?:" + _BEFORE_WORDS + r")\W+(?:\w+\W+){0,4}"
    r"|(?:" + _BEFORE_UNSPACED + r")[^.!?。！？;；,，、\n]{0,14})$",
    re.IGNORECASE,
)
# Future time after the step word ("takes effect in six months", "from 1 January").
_AFTER_TIME = "|".join(
    (
        # en
        r"in\s+(?:\w+\s+){0,2}(?:months?|years?|weeks?|days?)|within\s+|after\s+(?:a|one|six|\d+)|"
        r"(?:a|one|six|twelve|\d+)\s+months?\s+after|a\s+year\s+after|next\s+(?:year|month)",
        # fr
        r"dans\s+(?:un|une|six|douze|deux|\d+)|d'ici|à\s+partir\s+d|au\s+bout\s+d|"
        r"l'an\s+prochain|l'année\s+prochaine|le\s+mois\s+prochain",
        # es, pt
        r"en\s+(?:un|una|seis|doce|dos|\d+)\s+(?:año|mes|semana)|dentro\s+de|a\s+partir\s+d|"
        r"al\s+cabo\s+de|el\s+próximo|el\s+año\s+que\s+viene|"
        r"em\s+(?:um|uma|seis|doze|dois|\d+)\s+(?:ano|mes|mês|semana)|daqui\s+a|no\s+próximo|"
        r"no\s+prazo\s+de",
        # it
        r"(?:tra|fra)\s+(?:un|una|sei|dodici|due|\d+)\s+(?:ann|mes|settiman|giorn)\w*|entro\s+|"
        r"dal\s+prossimo|l'anno\s+prossimo|il\s+prossimo",
        # de, nl
        r"in\s+(?:einem|einem\s+halben|sechs|zwölf|zwei|drei|\d+)\s+(?:Jahr|Monat|Woche|Tag)\w*|"
        r"nach\s+(?:einem|sechs|zwölf|\d+)|ab\s+dem|binnen|innerhalb\s+(?:eines|von)|"
        r"erst\s+(?:in|nach|zum|am|ab|mit)|im\s+kommenden|(?:nächste|kommende)[nms]?\s+(?:Jahr|Monat)|"
        r"over\s+(?:een|zes|twaalf|twee|\d+)\s+(?:jaar|maand|week|weken|dagen)|"
        r"binnen\s+(?:een|zes|\d+)|volgend\w*\s+jaar|vanaf\s+volgend\w*|pas\s+(?:na|over|op)",
        # sv, no, da, is
        r"om\s+(?:ett|et|en|sex|seks|tolv|två|to|\d+)\s+(?:år|månad|måned|vecko|uke|uge)\w*|"
        r"(?:efter|etter)\s+(?:ett|et|sex|seks|\d+)\s+(?:år|månad|måned)\w*|"
        r"(?:nästa|neste|næste)\s+år|(?:inom|innen)\s+(?:ett|et|sex|seks|\d+)|inden\s+for|"
        r"eftir\s+(?:sex|eitt|tólf|\d+)\s+(?:mánuð|ár)\w*|á\s+næsta\s+ári",
        # fi, et, lv, lt
        r"(?:\w+\s+)?(?:kuukauden|vuoden|viikon|päivän)\s+(?:kuluttua|päästä)|"
        r"ensi\s+(?:vuonna|kuussa|vuoden)|(?:\w+\s+)?(?:kuu|aasta|nädala)\s+pärast|"
        r"järgmis\w*\s+aasta\w*|pēc\s+(?:\w+\s+)?(?:mēneš|gad|nedēļ)\w*|nākamgad|"
        r"po\s+(?:\w+\s+)?(?:mėnesi|met|savaiči)\w*|kitais\s+metais",
        # pl, cs, sk, sl
        r"za\s+(?:rok|pół\s+roku|sześć\s+miesięcy|dwanaście\s+miesięcy|"
        r"šest\s+měsíců|půl\s+roku|\d+\s+(?:miesi|lat|dni|tygodni|měsíc|mesiac|rok|dn))\w*|"
        r"po\s+(?:roku|upływie|uplynutí|sześciu|\d+\s+miesiąc)\w*|w\s+przyszłym\s+roku|"
        r"od\s+przyszłego|o\s+(?:šesť|pol|rok|jeden|dvanásť|\d+)\s+(?:mesiac|rok)\w*|"
        r"příští\w*\s+rok\w*|budúc\w*\s+rok\w*|od\s+příštího|od\s+budúceho|"
        r"čez\s+(?:šest|eno|pol|\d+)\s+(?:mesec|let|leto)\w*|prihodnje\s+leto",
        # hr, sr, bs, mk, bg
        r"za\s+(?:šest|pola|jednu|dvije|dve|\d+)\s+(?:mjesec|mesec|godin)\w*|za\s+godinu\s+dana|"
        r"nakon\s+(?:šest|godinu|\d+)\s+(?:mjesec|mesec|godin)\w*|(?:sljedeće|sledeće|iduće)\s+godine|"
        r"(?:за|по)\s+(?:шест|една|годину|\d+)\s+(?:месец|годин)\w*|након\s+|следеће\s+године|"
        r"следната\s+година|след\s+(?:\w+\s+)?(?:месец|годин)\w*|от\s+следващата",
        # ro, hu, el
        r"peste\s+(?:\w+\s+)?(?:lun[ia]|an|ani)\b|după\s+(?:un|șase|\d+)\s+(?:an|ani|luni)\b|"
        r"anul\s+viitor|(?:\w+\s+)?(?:év|hónap|hét|nap)\w*\s+múlva|jövőre|jövő\s+(?:év|hónap)\w*|"
        r"σε\s+(?:έξι|ένα|δώδεκα|δύο|\d+)\s+(?:μήνες|χρόνο|χρόνια|έτος|έτη|εβδομάδες)|"
        r"μετά\s+από\s+(?:έξι|ένα|\d+)\s+(?:μήνες|χρόνο|χρόνια|έτος)|του\s+χρόνου|εντός\s+",
        # ru, uk, be
        r"через\s+|спустя\s+|в\s+следующем\s+(?:году|месяце)|со\s+следующего|с\s+будущего|"
        r"після\s+|за\s+(?:рік|шість|пів)|наступного\s+(?:року|місяця)|з\s+наступного|"
        r"праз\s+|у\s+наступным\s+годзе|з\s+наступнага",
        # ka, hy, az, kk
        r"(?:\w+\s+)?(?:თვეში|წელიწადში|წელში)|მომავალ\w*\s+წელს|"
        r"(?:ամիս|ամսից|տարի|տարուց)\s+(?:անց|հետո)|հաջորդ\s+տարի|"
        r"(?:ay|aydan|il|ildən)\s+sonra|(?:gələn|növbəti)\s+il|"
        r"(?:ай|айдан|жыл|жылдан)\s+(?:кейін|соң)|келесі\s+жыл",
        # ar, fa, he, ur, hi
        r"بعد\s+(?:\w+\s+)?(?:أشهر|شهور|شهرا|عام|سنة|عامين)|خلال\s+(?:\w+\s+)?(?:أشهر|شهور|عام|سنة)|"
        r"(?:العام|الشهر)\s+(?:المقبل|القادم)|"
        r"(?:ماه|سال)\s+(?:بعد|دیگر|آینده)|پس\s+از\s+(?:\w+\s+)?(?:ماه|سال)|ظرف\s+|"
        r"בעוד\s+|בשנה\s+הבאה|בחודש\s+הבא|"
        r"(?:ماہ|مہینے|مہینوں|سال)\s+(?:بعد|میں)|اگلے\s+سال|"
        r"(?:महीने|महीनों|साल|वर्ष)\s+(?:बाद|में)|अगले\s+(?:साल|वर्ष|महीने)",
        # id, ms, tl, vi
        r"(?:dalam|setelah|sesudah|selepas)\s+(?:\w+\s+)?(?:bulan|tahun)|"
        r"(?:bulan|tahun)\s+(?:depan|kemudian|hadapan)|dalam\s+tempoh|"
        r"sa\s+loob\s+ng|makalipas\s+ang|pagkalipas\s+ng|sa\s+susunod\s+na\s+taon|"
        r"sau\s+(?:\w+\s+){0,2}(?:tháng|năm)|trong\s+vòng|(?:năm|tháng)\s+tới|năm\s+sau",
        # sw, ha, am
        r"baada\s+ya\s+(?:\w+\s+)?(?:miezi|mwezi|mwaka|miaka|wiki)|(?:mwaka|mwezi)\s+ujao|"
        r"katika\s+kipindi\s+cha|bayan\s+(?:\w+\s+)?(?:watanni|wata|shekara|shekaru)|"
        r"shekara\s+mai\s+zuwa|nan\s+da\s+|በኋላ|በሚቀጥለው",
    )
)
_FUTURE_AFTER = _Lazy(r"^\W*(?:\w+\W+){0,5}?(?:" + _AFTER_TIME + r")", re.IGNORECASE)
# An auxiliary right after the step word ("parliament is expected to vote", "the notice will").
_AUX_WORDS = "|".join(
    (
        # en
        r"will|would|shall|is\s+(?:expected|set|due|scheduled|likely|to|poised|slated|about)|"
        r"are\s+(?:expected|set|due|scheduled|likely|to|poised|slated)|must|should|could|"
        r"plans?|intends?",
        # fr, es, pt, it
        r"\w+(?:rá|rán|rão|rà|ranno)|"
        r"va|vont|devra|devront|devrait|devraient|doit|doivent|sera|seront|pourrait|pourraient|"
        r"est\s+(?:prévue?|attendue?|censée?)|"
        r"debe|deberá|deberán|debería|será|serán|podría|podrían|tendrá|está\s+previst[oa]|"
        r"se\s+espera|deverá|deverão|deve|devem|vai|vão|irá|irão|poderá|poderia|"
        r"dovrà|dovranno|dovrebbe|deve|devono|sarà|saranno|potrebbe|è\s+previst[oa]|è\s+attes[oa]",
        # de, nl, sv, no, da, is, fi, et
        r"wird|werden|soll|sollen|sollte|sollten|könnte|muss|müssen|dürfte|ist\s+(?:geplant|vorgesehen)|"
        r"zal|zullen|zou|moet|moeten|wordt\s+verwacht|ska|skall|kommer|måste|väntas|beräknas|"
        r"skal|vil|ventes|forventes|mun|munu|on\s+määrä|pitäisi|odotetaan|peaks|hakkab",
        # lv, lt, pl, cs, sk, sl
        r"būs|tiks|paredzēts|bus|turėtų|numatoma|ma\s+(?:zostać|być|się|\w+(?:ować|ać|ić|yć|eć))|mają\s+|będzie|będą|powinien|powinna|"
        r"powinno|má|mají|bude|budou|by\s+měl\w*|by\s+mal\w*|musí|bodo|naj\s+bi",
        # hr, sr, bs, mk, bg, ro, hu, el
        r"će|ће|ќе|ще|treba|trebalo\s+bi|mora|moraju|треба|трябва|предстои|се\s+очаква|"
        r"va|urmează|ar\s+urma|trebuie|fog|fognak|fogja|kell|várhatóan|"
        r"θα|αναμένεται|πρόκειται|πρέπει",
        # tr, az: a future verb (-ecek/-acak, -əcək/-acaq) or "is expected"
        r"\w+(?:ecek|acak|əcək|acaq)(?:tır|tir|dır|dir)?|bekleniyor|beklenen|planlanıyor|"
        r"öngörülüyor|gerekiyor|gözlənilir",
        # ru, uk, be, ka, hy, kk
        r"будет|будут|должн\w*|может|предстоит|ожидается|планируется|буде|будуть|має|мають|"
        r"повинн\w*|очікується|будзе|будуць|павінн\w*|უნდა|იგეგმება|მოსალოდნელია|"
        r"կլինի|պետք\s+է|նախատեսվում\s+է|սպասվում\s+է|тиіс|күтілуде|жоспарлануда",
        # ar, fa, he, ur, hi
        r"سوف|سيتم|ستدخل|سيدخل|ستكون|سيكون|المقبل|القادم|المرتقب|المزمع|من\s+المقرر|"
        r"خواهد|خواهند|قرار\s+است|צפוי\w*|עתיד\w*|אמור\w*|יהיה|תהיה|ייכנס|תיכנס|"
        r"(?:ہو\s+)?(?:جائے|جائیں|ہو)\s+(?:گا|گی|گے)|ہوگا|ہوگی",
        # id, ms, tl, vi, sw, ha, am
        r"akan|bakal|dijadwalkan|diperkirakan|dijangka|harus|mesti|nakatakda\w*|sẽ|dự\s+kiến|"
        r"itakuwa|inatarajiwa|itaanza|zitaanza|litaanza|utaanza|ujao|zai|za\s+ta|za\s+su|"
        r"mai\s+zuwa|ይሆናል|ትሆናለች|ይጀምራል|ይጠበቃል",
    )
)
# The same for Japanese, Korean and Hindi, where the marker follows the step word without a
# space or a word boundary ("発効する予定", "발효될 예정이다", "प्रभावी होगा").
_AUX_UNSPACED = (
    r"予定|見通し|見込み|방침|예정|전망|할\s?것|될\s|된다|되며|키로|होगा|होगी|होंगे|जाएगा|जाएगी"
)
_AUX_AFTER = _Lazy(
    r"^(?:\W*(?:\w+\W+){0,1}?(?:" + _AUX_WORDS + r")\b"
    r"|[^.!?。！？;；\n]{0,8}?(?:" + _AUX_UNSPACED + r"))",
    re.IGNORECASE,
)
# Step words that are themselves future forms (matched at the step word: "вступит в силу").
_FUTURE_FORMS = _Lazy(
    "^(?:"
    + "|".join(
        (
            # en
            r"will\b|to\s+take|to\s+become|would",
            # fr, es, pt, it
            r"prendra|entrera|entreront|deviendra|cessera|sera\s+effecti|"
            r"surtirá|entrará|entrarán|dejará|será\s+efectiv|se\s+hará|se\s+harán|"
            r"entrará|entrarão|passará|deixará|produzirá|será\s+efetiv|vai\s+entrar|"
            r"entrerà|entreranno|entrarà|diventerà|cesserà|sarà\s+effettiv",
            # ru, uk, be
            r"вступит|вступят|утратит|прекратит|перестанет|набуде|набудуть|втратить|припинить|"
            r"перестане|уступіць|набудзе|страціць",
            # pl, cs, sk, lt, lv, et, fi
            r"wejdzie|wejdą|stanie\s+się|przestanie|przestaną|"
            r"vstoupí|nabude|přestane|vstúpi|nadobudne|prestane|"
            r"įsigalios|stāsies|jõustub|astuu",
            # hr, sr, bs, mk
            r"stupit\s+će|stupiće|ступиће|ступит\s+ће|prestat\s+će|prestaće|престаће|ќе\s+стапи|"
            r"va\s+intra|vor\s+intra|va\s+deveni|vor\s+deveni",
            # tr, az, kk, hy, ka
            r"yürürlüğe\s+gir(?:ecek|eceği|mesi)|sona\s+er(?:ecek|eceği|mesi)|geçerli\s+olacak|"
            r"yürürlükten\s+kalkacak|geçerliliğini\s+yitirecek|qüvvəyə\s+minəcək|"
            r"qüvvədən\s+düşəcək|күшіне\s+ен(?:еді|бек)|күшін\s+жояды|ուժի\s+մեջ\s+կմտնի|"
            r"ძალაში\s+შევა",
            # he, ar
            r"ייכנס|תיכנס|ייכנסו|תצא|ייצא|ستدخل|سيدخل|ستصبح|سيصبح|سيسري|ستسري",
            # sw, tl
            r"itaanza|zitaanza|litaanza|utaanza|itakuwa|itakoma|atatangaza|itatangaza|"
            r"magkakabisa|magiging\s+epektibo",
            # ja, ko
            r"発効(?:する|される|へ|予定|の見通し)|失効(?:する|へ)|正式に(?:脱退|離脱)(?:する|へ)|"
            r"발효(?:될|된다|되며|키로|할|\s예정)|효력이\s발생할",
        )
    )
    + ")",
    re.IGNORECASE,
)
# A span of months or years: a sentence of the lead that names one beside a notification or the
# exit taking effect explains the procedure ("takes effect one year after the notification"),
# it does not report that step.
_DURATION_WORDS = "|".join(
    (
        r"months?|years?|mois|ans|(?:un|d'un|l')\s*an|année|meses|(?:un|el|este|cada)\s+mes|años?|"
        r"mês|anos?|mese|mesi|anno|anni|maand\w*|jaar|månad\w*|måned\w*|år|kuukau\w*|"
        r"vuo(?:si|den|deksi|tta|dessa)|kuu|kuud|kuuga|aasta\w*|mēneš\w*|gad(?:s|a|u|os|iem)|"
        r"mėnes\w*|met(?:ų|us|ai)|miesi\w*|rok\w*|lat|měsíc\w*|mesiac\w*|mjesec\w*|mesec\w*|"
        r"godin\w*|месец\w*|годин\w*|lun[ia]|ani|hónap\w*|év(?:e|et|vel|ig|es|nyi)?|μήν\w*|"
        r"χρόνο|χρόνια|έτος|έτη|(?:bir|iki|altı|on\s+iki|\d+)\s+ay|aylık|yıl\w*|месяц\w*|год\w*|"
        r"лет|місяц\w*|рік|року|років|ай|айдан|жыл\w*|ildən|თვ(?:ე|ის|ეში|ეს)|წლ\w*|წელ\w*|"
        r"ամիս\w*|ամս\w*|տարի\w*|setahun|sebulan|(?:satu|dua|enam|\d+)\s+(?:bulan|tahun)|"
        r"buwan|taon|(?:một|hai|ba|sáu|mười\s+hai|\d+)\s+(?:tháng|năm)|miezi|mwezi|mwaka|miaka|"
        r"watanni|shekaru|ወር|ዓመት|أشهر|شهور|شهرا|شهرين|شهر|عاما|عامين|أعوام|سنة|سنوات|سنتين|"
        r"ماه|سال|ماہ|مہینے|[בלמהו]?(?:שנה|שנים|חודשים|חודש)",
    )
)
_DURATION = _Lazy(
    r"(?<!\d\d\d\d\s)(?<!\d\d\d\d\.\s)"  # not a date's year word ("2019 году", "2019. gadā")
    r"(?:\b(?:" + _DURATION_WORDS + r")\b"
    r"|monat|jahr|frist|múlva|महीने|महीनों|साल|वर्ष|个月|個月|年后|年後|か月|カ月|ヶ月|ヵ月|年間|개월)"
    r"(?!\s*\d)",  # nor a date ("v roce 2019", "tháng 10", "tahun 2017")
    re.IGNORECASE,
)
_PROCEDURE_STEPS = frozenset({"notification", "entry_into_force"})
_YEAR = _Lazy(r"\b(1[89]\d\d|20\d\d)\b")
# A year as a time ("in 2019", "seit 2019", "в 2019 году", "2019年"), not as part of a name
# ("the 1997 Ottawa Convention", "the 1990 CFE Treaty"): only these make a sentence background.
_WHEN_YEAR = _Lazy(
    r"(?:\b(?:in|since|back\s+in|until|en|depuis|im|seit|desde|em|nel|dal|in\s+the\s+year|"
    r"в|с|у|w|od|v|vo|u|na|през|το|στο|από)\s+(?:\w+\s+)?(1[89]\d\d|20\d\d)\b)"
    r"|(?:\b(1[89]\d\d|20\d\d)\s*(?:году|года|році|roku|yılında|vuonna|gadā|metais|"
    r"aastal|évben|godine|година|m\.|年(?!の条約|条約|协定|協定|公约)))",
    re.IGNORECASE,
)
_SENTENCE = _Lazy(r"[.!?。！？;；](?:\s|$)|\s[-–—]\s|\n")


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
            if _background(text, start, year):
                continue
            if _prospective(text, start, end, year, entity.id):
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
    """Whether the sentence around ``start`` is about an earlier year (a year named as a time,
    not in a treaty's name)."""
    if year is None:
        return False
    begin, stop = _sentence(text, start)
    years = [int(a or b) for a, b in _WHEN_YEAR.findall(text[begin:stop])]
    return bool(years) and max(years) < year
