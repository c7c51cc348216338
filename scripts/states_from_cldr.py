"""Write the built-in pack's CLDR state names: rules/packs/treaty-withdrawal/states_cldr.yaml.

The names of every UN member and observer state, and of Kosovo and Taiwan, in every pack
language, come from the Unicode CLDR through Babel (``Locale.territories``); nothing here is
typed by hand but the list of states (ISO 3166 codes), their ids, and how each language
inflects a name. Adjectives, capitals, metonyms and short forms, which CLDR lacks, are written
by hand in ``states.yaml`` (it extends this vocabulary).

Inflected languages get stems: ``Катар`` also becomes ``Катар*`` (Катара, Катаром) and
``Lietuva`` becomes ``Lietuv*``. Names in scripts with capitals are matched as written or in
capitals only (``=Mali``, ``=MALI``), so that they do not match a common word of another
language (Croatian *mali*, "small"; Portuguese *servia*, "served", is not Sérvia).

Run ``make states`` after upgrading Babel; tests/rules/test_pack_states.py checks that the file
is what this script writes.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_left
from pathlib import Path

import babel
import yaml
from babel import Locale

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rules import RuleError, normalize
from rules._terms import term_parts

OUTPUT = (
    Path(__file__).resolve().parent.parent
    / "rules"
    / "packs"
    / "treaty-withdrawal"
    / "states_cldr.yaml"
)

# The 193 UN member states, the two observer states (Holy See, Palestine), Kosovo and Taiwan.
STATES = [
    "AF",
    "AL",
    "DZ",
    "AD",
    "AO",
    "AG",
    "AR",
    "AM",
    "AU",
    "AT",
    "AZ",
    "BS",
    "BH",
    "BD",
    "BB",
    "BY",
    "BE",
    "BZ",
    "BJ",
    "BT",
    "BO",
    "BA",
    "BW",
    "BR",
    "BN",
    "BG",
    "BF",
    "BI",
    "CV",
    "KH",
    "CM",
    "CA",
    "CF",
    "TD",
    "CL",
    "CN",
    "CO",
    "KM",
    "CG",
    "CD",
    "CR",
    "CI",
    "HR",
    "CU",
    "CY",
    "CZ",
    "KP",
    "DK",
    "DJ",
    "DM",
    "DO",
    "EC",
    "EG",
    "SV",
    "GQ",
    "ER",
    "EE",
    "SZ",
    "ET",
    "FJ",
    "FI",
    "FR",
    "GA",
    "GM",
    "GE",
    "DE",
    "GH",
    "GR",
    "GD",
    "GT",
    "GN",
    "GW",
    "GY",
    "HT",
    "HN",
    "HU",
    "IS",
    "IN",
    "ID",
    "IR",
    "IQ",
    "IE",
    "IL",
    "IT",
    "JM",
    "JP",
    "JO",
    "KZ",
    "KE",
    "KI",
    "KW",
    "KG",
    "LA",
    "LV",
    "LB",
    "LS",
    "LR",
    "LY",
    "LI",
    "LT",
    "LU",
    "MG",
    "MW",
    "MY",
    "MV",
    "ML",
    "MT",
    "MH",
    "MR",
    "MU",
    "MX",
    "FM",
    "MC",
    "MN",
    "ME",
    "MA",
    "MZ",
    "MM",
    "NA",
    "NR",
    "NP",
    "NL",
    "NZ",
    "NI",
    "NE",
    "NG",
    "MK",
    "NO",
    "OM",
    "PK",
    "PW",
    "PA",
    "PG",
    "PY",
    "PE",
    "PH",
    "PL",
    "PT",
    "QA",
    "KR",
    "MD",
    "RO",
    "RU",
    "RW",
    "KN",
    "LC",
    "VC",
    "WS",
    "SM",
    "ST",
    "SA",
    "SN",
    "RS",
    "SC",
    "SL",
    "SG",
    "SK",
    "SI",
    "SB",
    "SO",
    "ZA",
    "SS",
    "ES",
    "LK",
    "SD",
    "SR",
    "SE",
    "CH",
    "SY",
    "TJ",
    "TH",
    "TL",
    "TG",
    "TO",
    "TT",
    "TN",
    "TR",
    "TM",
    "TV",
    "UG",
    "UA",
    "AE",
    "GB",
    "TZ",
    "US",
    "UY",
    "UZ",
    "VU",
    "VE",
    "VN",
    "YE",
    "ZM",
    "ZW",
    "VA",
    "PS",
    "XK",
    "TW",
]

# Ids the pack used before the names came from CLDR, and ids nicer than a slug of the name.
IDS = {
    "BA": "bosnia",
    "CD": "dr_congo",
    "CG": "congo",
    "CI": "cote_divoire",
    "CZ": "czechia",
    "GB": "united_kingdom",
    "KP": "north_korea",
    "KR": "south_korea",
    "MK": "north_macedonia",
    "MM": "myanmar",
    "PS": "palestine",
    "TR": "turkey",
    "US": "united_states",
    "VA": "vatican",
    "FM": "micronesia",
}
LABELS = {
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "MM": "Myanmar",
    "PS": "Palestine",
    "VA": "Holy See",
}

# Pack language -> the CLDR locales its names come from.
LOCALES = {
    "en": ["en"], "de": ["de"], "fr": ["fr"], "es": ["es"], "pt": ["pt", "pt_PT"],
    "it": ["it"], "nl": ["nl"], "pl": ["pl"], "cs": ["cs"], "sk": ["sk"], "sl": ["sl"],
    "ro": ["ro"], "bg": ["bg"], "mk": ["mk"], "sr": ["sr", "sr_Latn"], "hr": ["hr"],
    "bs": ["bs"], "sq": ["sq"], "el": ["el"], "sv": ["sv"], "no": ["nb"], "da": ["da"],
    "is": ["is"], "fi": ["fi"], "et": ["et"], "lv": ["lv"], "lt": ["lt"], "hu": ["hu"],
    "tr": ["tr"], "az": ["az"], "ru": ["ru"], "uk": ["uk"], "be": ["be"], "ka": ["ka"],
    "hy": ["hy"], "kk": ["kk"], "ky": ["ky"], "uz": ["uz"], "ar": ["ar"], "fa": ["fa"],
    "he": ["he"], "ur": ["ur"], "hi": ["hi"], "bn": ["bn"], "id": ["id"], "ms": ["ms"],
    "vi": ["vi"], "th": ["th"], "zh": ["zh", "zh_Hant"], "ja": ["ja"], "ko": ["ko"],
    "sw": ["sw"], "ha": ["ha"], "tl": ["fil"], "am": ["am"],
    # issue 10, lang_world.yaml: Catalan and the major languages of India and Nepal
    "ca": ["ca"], "ta": ["ta"], "mr": ["mr"], "te": ["te"], "pa": ["pa"], "gu": ["gu"],
    "ml": ["ml"], "kn": ["kn"], "ne": ["ne"],
    # issue 10, round6.yaml: Afrikaans (South African reporting of the JETPs and the BITs)
    "af": ["af"],
}  # fmt: skip

# Languages whose names take case endings: each word of a name also becomes a stem.
_STRIP_VOWEL = {  # drop a final vowel before the wildcard (Francja -> Francj*)
    "pl", "cs", "sk", "sl", "hr", "sr", "bs", "ru", "uk", "be", "bg", "mk", "lt", "lv", "fi",
    "hu", "el", "ro", "sq", "ka",
}  # fmt: skip
_KEEP_WORD = {"et", "de", "sv", "no", "da", "is", "hy", "kk", "ky", "uz", "az"}  # add '*' only
# Languages that write case endings and postpositions as one word with an Indic-script name
# (Tamil பாகிஸ்தானுடன், "with Pakistan"; Marathi भारताने, "by India"): the name gets a '*',
# counted in letters of the normal form (vowel signs are dropped like accents).
_ATTACHED = {"ta", "te", "ml", "kn", "mr", "gu", "ne"}
# Thai is matched letter by letter (it has no spaces between words) and loses its tone marks
# and upper and lower vowels in the normal form, so a short name can stand inside a common word:
# ตองกา (Tonga) inside ต้องการ ("want"), ลาว (Laos) inside กล่าว ("said"), อินเดีย (India)
# inside อันเดียว ("the same"), ตุรกี (Turkey) inside เกษตรกรรม ("agriculture"), เปรู (Peru)
# inside เปรียบ ("compare"). Found by looking every Thai name up in the 62,000 words of
# PyThaiNLP's dictionary (normalised). These names are written after the word for "country"
# (ประเทศลาว); lang_world.yaml adds the other ways news names them (รัฐบาลลาว, เวียงจันทน์).
_INSIDE_WORDS = {"th": {"BI", "DJ", "GH", "IN", "IQ", "LA", "ML", "NR", "PE", "SY", "TO", "TR"}}
_COUNTRY = {"th": "ประเทศ"}
_VOWELS = "aeiouyáéíóúýäöüõąęėįųūāēīōěůøåæяаеиоуыьйюэєіїəαεηιουωάέήίόύώაეიოუ"
_LITHUANIAN_ENDING = re.compile(r"(?:as|is|us|ys|ė|a)$")
_MIN_LETTERS = 3
_MIN_STEM = 4
# Stems that would reach common words or names written with a capital: Croatian and Slovene
# "Samo" (only) opens sentences, Polish Dani* reaches Daniel, Komor* reaches Komorowski,
# Albanian Liber* reaches the liberals. These names are matched as written.
_NOT_STEMS = {"samo", "dani", "komor", "liber"}
_NAME_VOCABULARIES = {"treaties", "states"}  # names, not common words
_NOT_STATES = {"somaliland", "сомалиленд", "somalilandia", "somalilândia", "somalilandu"}


def _fold(word: str) -> str:
    """Lower case without accents, as the matcher compares words."""
    text = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def _slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.replace("&", "and").replace("St.", "Saint"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"\(.*?\)", "", text)).strip("_")


def _names(code: str, locale: str) -> list[str]:
    """The CLDR name, without a parenthesised alternative, and the alternative itself."""
    name = Locale.parse(locale).territories.get(code)
    if not name:
        return []
    names = [re.sub(r"\s*[(（].*?[)）]\s*", " ", name).strip()]
    # a parenthesised alternative, unless it is a fragment (Chinese 刚果（布）: 布 alone
    # would be found in 宣布, "announce")
    names += [
        m.strip() for m in re.findall(r"[(（](.*?)[)）]", name) if len(m.strip()) >= _MIN_LETTERS
    ]
    return [n for n in names if n]


def _stem(word: str, language: str) -> str | None:
    """The stem of one word of a name in an inflected language, or None to keep it as it is."""
    if language in _ATTACHED:
        letters = normalize(word)
        return word if letters.isalnum() and len(letters) >= _MIN_STEM else None
    letters = re.sub(r"\W", "", word)
    if len(letters) != len(word) or len(word) < _MIN_STEM:
        return None
    if language == "lt":
        stem = _LITHUANIAN_ENDING.sub("", word)
    elif language in _STRIP_VOWEL:
        # one final vowel (Kolumbia -> Kolumbi*: Kolumbii, not Kolumb*, which reaches Kolumb,
        # Columbus; Jordania -> Jordani*, not the first name Jordan)
        stem = word[:-1] if word[-1:].casefold() in _VOWELS else word
    else:
        stem = word
    return stem if len(stem) >= _MIN_STEM and _fold(stem) not in _NOT_STEMS else None


# Case endings written after a name that ends in a consonant, for the languages whose stem of
# such a name is not made because it would reach another state's name (Niger*, Nigeria):
# Romanian "Nigerul", Polish "Nigerem", Czech "Nigeru", Russian "Нигере" are then listed as
# words of their own.
_CASE_ENDINGS = {
    "ro": ("ul", "ului"),
    "pl": ("u", "em", "ze", "owi"),
    "cs": ("u", "em", "e"),
    "sk": ("u", "om", "e"),
    "sl": ("u", "om", "a"),
    "hr": ("u", "om", "a"),
    "sr": ("u", "om", "a", "у", "ом", "а"),
    "bs": ("u", "om", "a"),
    "ru": ("а", "у", "ом", "е"),
    "uk": ("у", "ом", "і", "а"),
    "be": ("у", "ам", "е", "а"),
}
_CONSONANT_END = re.compile(r"[^\W\d_aeiouyáéíóúýäöüõąęėįųūāēīōěůøåæяаеиоуыьйюэєіїəъь]$", re.I)


_VOWEL_CASES: dict[str, dict[str, tuple[str, ...]]] = {
    "ru": {"ия": ("ии", "ию", "ией"), "я": ("и", "ю", "ей", "е"), "а": ("ы", "и", "у", "ой", "е")},
    "uk": {"ія": ("ії", "ію", "ією"), "я": ("ї", "ю", "єю"), "а": ("и", "і", "у", "ою")},
    "be": {"я": ("і", "ю"), "а": ("ы", "у", "ай")},
    "pl": {"ia": ("ii", "ię", "ią"), "a": ("y", "i", "ę", "ą")},
    "cs": {"a": ("y", "u", "ou", "e", "ě")},
    "sk": {"a": ("y", "u", "ou", "e")},
    "hr": {"a": ("e", "u", "i", "om")},
    "bs": {"a": ("e", "u", "i", "om")},
    "sr": {"a": ("e", "u", "i", "om"), "а": ("е", "у", "и", "ом")},
    "sl": {"a": ("e", "o", "i", "ijo")},
    "lv": {"a": ("as", "u", "ā", "ai")},
    "lt": {"a": ("os", "ą", "oje", "ai")},
    "ro": {"ia": ("iei",), "a": ("ei",)},
    "hu": {
        "a": ("át", "ában", "ából", "ába", "ával", "ának", "áról", "ától", "ához"),
        "e": ("ét", "ében", "éből", "ébe", "ével", "ének", "éről", "étől", "éhez"),
    },
}
"""Case forms of a name ending in a vowel, by its last letters (the longest listed ending wins):
they are replaced by each ending ("Гвинея": "Гвинеи", "Гвинею"; "Gvineja": "Gvineju"; Polish
"Austria": "Austrii"; Hungarian lengthens the vowel before the suffix, "Guinea": "Guineát")."""


def _case_forms(word: str, language: str, others: list[str], own: set[str]) -> list[str]:
    """The case forms of a one-word name whose stem would reach another state's name, each a
    word of no other state's name."""
    table = _VOWEL_CASES.get(language, {})
    final = next((end for end in sorted(table, key=len, reverse=True) if word.endswith(end)), "")
    if final:
        forms = [word[: -len(final)] + ending for ending in table[final]]
    elif language not in _CASE_ENDINGS or not _CONSONANT_END.search(word):
        return []
    else:
        forms = [word + ending for ending in _CASE_ENDINGS[language]]
    return [
        form
        for form in forms
        if all(c.isalpha() for c in form) and not _is_other_word(_fold(form), own, others)
    ]


def _is_other_word(word: str, own: set[str], others: list[str]) -> bool:
    index = bisect_left(others, word)
    return index < len(others) and others[index] == word and word not in own


Phrases = list[tuple[str, tuple[str, ...]]]
"""Every word of every name with the name it is in (folded words), sorted by the word."""


def _terms(
    name: str, language: str, others: list[str], own: set[str], phrases: Phrases
) -> list[str]:
    words = name.split()
    unspaced = any("\u3040" <= c <= "\ud7a3" for c in name)
    if not unspaced and len(re.sub(r"\W", "", normalize(name))) < _MIN_LETTERS:
        return []  # too short to tell from a common word (Hindi पेरू, Peru)
    # In scripts with capitals a name is matched as written (or in capitals): Portuguese
    # "servia" (served) is not Sérvia, Croatian "mali" (small) is not Mali.
    mark = "=" if name[:1].isupper() else ""
    terms = [mark + name]
    if language in _STRIP_VOWEL or language in _KEEP_WORD or language in _ATTACHED:
        stems = [_stem(word, language) for word in words]
        # a stem must not reach another state's name (Polish Niger* would reach Nigeria); the
        # state's own names in other languages do not count (Czech Polsk* reaches Polish Polska).
        # A name of several words is matched as a phrase: it clashes only where another state's
        # name holds words that each of its stems reaches, in a row ("Северн* Коре*" reaches no
        # "Южная Корея", so North Korea keeps its case forms)
        if len(words) > 1:
            clash = _phrase_reaches_another(
                [_fold(stem or word) for word, stem in zip(words, stems, strict=True)],
                [stem is not None for stem in stems],
                own,
                phrases,
            )
        else:
            clash = any(stem and _reaches_another(_fold(stem), own, others) for stem in stems)
        if any(stems) and not clash:
            stemmed = " ".join(
                f"{stem}*" if stem else word for word, stem in zip(words, stems, strict=True)
            )
            terms.append(mark + stemmed)
        elif len(words) == 1 and clash:
            terms += [mark + form for form in _case_forms(name, language, others, own)]
    return [_checked(term) for term in terms]


def _phrase_reaches_another(
    words: list[str], stemmed: list[bool], own: set[str], phrases: Phrases
) -> bool:
    """Whether the phrase of ``words`` (each a stem where ``stemmed`` says so) matches words in
    a row of a name of another state (names whose words are all in ``own`` are the state's
    own). Only the names holding a word that the first one reaches are tried."""
    size, first = len(words), words[0]
    index = bisect_left(phrases, (first,))
    candidates = set()
    while index < len(phrases) and phrases[index][0].startswith(first):
        if stemmed[0] or phrases[index][0] == first:
            candidates.add(phrases[index][1])
        index += 1
    for phrase in candidates:
        if all(word in own for word in phrase):
            continue
        for start in range(len(phrase) - size + 1):
            window = phrase[start : start + size]
            if all(
                w.startswith(word) if is_stem else w == word
                for w, word, is_stem in zip(window, words, stemmed, strict=True)
            ):
                return True
    return False


def _pack_words() -> set[str]:
    """The German words of the pack's common-word vocabularies (not its names of treaties and
    states), folded and without wildcards: German writes its nouns with a capital, so a stem
    that must be written with one still reaches them anywhere in a sentence."""
    words: set[str] = set()
    for path in sorted(OUTPUT.parent.glob("*.yaml")):
        if path.name.startswith("states"):
            continue
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        for name, vocabulary in (data.get("vocabularies") or {}).items():
            if name in _NAME_VOCABULARIES or not isinstance(vocabulary, dict):
                continue
            lists = [vocabulary.get("terms") or {}]
            entries = (vocabulary.get("entries") or {}).values()
            lists += [(entry or {}).get("terms") or {} for entry in entries]
            for terms in lists:
                for term in terms.get("de") or ():
                    words.update(_fold(w.strip("*=")) for w in str(term).split() if w.strip("*=."))
    return words


def _reaches_another(stem: str, own: set[str], others: list[str]) -> bool:
    """Whether a word of another state's name, one not in ``own``, starts with ``stem``
    (``others`` is sorted)."""
    index = bisect_left(others, stem)
    while index < len(others) and others[index].startswith(stem):
        if others[index] not in own:
            return True
        index += 1
    return False


def _checked(term: str) -> str:
    """The term, or its case-insensitive form where its letters cannot be checked as written
    (Uzbek ``Afgʻoniston`` has a letter that separates words once normalised)."""
    try:
        term_parts(term)
    except RuleError:
        return term.removeprefix("=")
    return term


def _quote(term: str) -> str:
    if re.search(r"[:#,\[\]{}&*!|>'\"%@`]|^[=\-?]", term) or term != term.strip():
        return "'" + term.replace("'", "''") + "'"
    return term


def render() -> str:
    """The YAML text of states_cldr.yaml."""
    english = Locale.parse("en").territories
    lines = [
        "# Generated by scripts/states_from_cldr.py from the Unicode CLDR "
        f"(Babel {babel.__version__}): do not edit.",
        "# Names of every UN member and observer state, Kosovo and Taiwan, per language, with",
        "# stems for languages that inflect names. Adjectives, capitals, metonyms and short",
        "# forms are written by hand in states.yaml, which extends this vocabulary.",
        "vocabularies:",
        "  states:",
        "    description: >-",
        "      States (and the EU as a treaty party), by name, adjective, capital and metonym.",
        "    entity: true",
        "    # the states that act in the sentences that matched, not every state the text names",
        "    entity_scope: evidence",
        "    entity_not_after: state_context",
        "    entity_not_before: state_threats",
        "    entries:",
    ]
    # the words of each state's names in every language, which its own stems may reach
    own_words = {
        code: {
            _fold(word)
            for locales in LOCALES.values()
            for locale in locales
            for name in _names(code, locale)
            for word in name.split()
        }
        for code in STATES
    }
    # every word of every name in every language (a term is tried on text in any language),
    # names that CLDR does not list as states (Somali* would make Somaliland Somalia) and the
    # German words of the pack's other vocabularies (Romanian and Polish Austri* would make
    # the German Austritt, "exit", Austria): no stem may reach them
    all_words = sorted(set().union(*own_words.values(), _NOT_STATES, _pack_words()))
    # every name as a phrase of folded words, with the pack's German words and the names that
    # are not states as phrases of one word
    names = {
        tuple(_fold(word) for word in name.split())
        for code in STATES
        for locales in LOCALES.values()
        for locale in locales
        for name in _names(code, locale)
    } | {(word,) for word in set(_NOT_STATES) | _pack_words()}
    phrases = sorted({(word, name) for name in names for word in name})
    seen: set[str] = set()
    for code in STATES:
        own = own_words[code]
        entry_id = IDS.get(code) or _slug(english[code])
        assert entry_id not in seen, entry_id
        seen.add(entry_id)
        label = LABELS.get(code) or english[code].replace(" & ", " and ").replace("St. ", "Saint ")
        lines += [f"      {entry_id}:", f"        label: {_quote(label)}", "        terms:"]
        for language, locales in LOCALES.items():
            terms: list[str] = []
            for locale in locales:
                for name in _names(code, locale):
                    if code in _INSIDE_WORDS.get(language, ()):
                        name = _COUNTRY[language] + name
                    terms += [
                        t for t in _terms(name, language, all_words, own, phrases) if t not in terms
                    ]
            if terms:
                lines.append(f"          {language}: [{', '.join(map(_quote, terms))}]")
    return "\n".join(lines) + "\n"


def main() -> int:
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(STATES)} states, {len(LOCALES)} languages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
