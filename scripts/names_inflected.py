"""Write the inflection-tolerant treaty names: rules/packs/treaty-withdrawal/names_inflected.yaml.

The pack names treaties and organisations (vocabulary ``treaties``) mostly in their dictionary
form, but news in an inflected language writes them in the case the sentence needs: German
"aus der Asiatischen Infrastruktur-Investitionsbank", Polish "z Organizacji Narodów
Zjednoczonych", Czech "z Evropského sdružení volného obchodu". This script reads every
multi-word name of ``treaties`` in the pack's other files and, for the languages below, writes
the same name with each word cut to its stem and a ``*`` (``Organizacj* Narod* Zjednoczon*``),
as an extension with the same entry ids, so the entities stay the same.

How a word is cut (``_stem``):

- the word is compared in the matcher's normal form (lower case, no accents: ``rules.normalize``)
  so that ``ó``/``o`` or Greek stress marks need no ending of their own;
- the longest ending of the language's list that leaves a stem of at least 4 letters is cut;
  a word with none of the endings keeps all its letters (Polish ``Bank`` -> ``Bank*``); a word
  whose stem would be shorter than 4 letters is kept as it is, without ``*`` (``Rada``);
- words of three letters or fewer (``of``, ``na``, ``i``, ``der``, ``und``), the function words
  listed per language, numbers and acronyms are kept as they are;
- Hungarian, Turkish, Azerbaijani and Kazakh add their case suffixes to the last word of a
  phrase only, after the dictionary form: that word gets a ``*``, the others stay.

Single-word names and acronyms are left alone (one stem overmatches), and so are terms that are
gapped, case-sensitive or already a stem in every word. A generated name is dropped when it
would match a name of another entry that the original did not match (Polish ``Rad* Europ*``,
Council of Europe, would find ``Rada Europejska``, the European Council): first the words whose
stem reaches a different word are kept whole, then, if it still clashes, the name is dropped.

Where the endings come from: the declension tables (nominative and the commonest oblique forms
of nouns and adjectives, singular and plural, with the suffixed articles of Bulgarian,
Macedonian, Romanian and Icelandic) of the standard reference grammars of each language, as
summarised in the grammar sections of Wiktionary's inflection tables; Finnish consonant
gradation (kk/k, tt/t, pp/p, nt/nn, mp/mm, lt/ll, rt/rr, nk/ng) from Karlsson, *Finnish: An
Essential Grammar*. The lists are short on purpose: a name's dictionary form mostly ends in a
nominative ending, and the stem is what all its cases share.

Run ``make names`` after editing the pack's names; tests/rules/test_names_inflected.py checks
that the file is what this script writes.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rules import RuleError, normalize
from rules._terms import term_parts

PACK = Path(__file__).resolve().parent.parent / "rules" / "packs" / "treaty-withdrawal"
OUTPUT = PACK / "names_inflected.yaml"
VOCABULARY = "treaties"
MIN_STEM = 4  # letters of the normal form before a '*' (docs/rules.md: at least 3 are needed)


@dataclass(frozen=True, slots=True)
class Grammar:
    """How one language inflects the words of a name."""

    endings: str  # a regular expression of word endings, in the normal form
    last_only: bool = False  # only the last word takes the case suffix (agglutinative)
    keep: frozenset[str] = field(default_factory=frozenset)  # function words kept whole
    gradation: bool = False  # Finnish consonant gradation at the end of the stem
    whole: str = "(?!)"  # words that end so are kept whole (genitive modifiers)
    hand: str = "[aeiouyаеиоуыэюяієαεηιουω]$"  # what is cut from a stem written by hand


def _endings(*groups: str) -> str:
    """Endings written as space-separated lists; the longest is tried first."""
    words = sorted(
        {e if "(" in e else normalize(e) for group in groups for e in group.split()},
        key=lambda e: (-len(e), e),
    )
    return "(?:" + "|".join(words) + ")$"


# Slavic declension (nominative and oblique, nouns and adjectives, both numbers).
_POLISH = _endings(
    "a e i o u y ia ie iu ja ji ii ek ec",  # nouns: nominative and genitive/dative/locative
    "ami ach om ow em",  # nouns: instrumental, locative and genitive plural
    "ego iego emu iemu ymi imi ych ich ym im ej iej ie",  # adjectives
)
_CZECH_SLOVAK = _endings(
    "a e i o u y ie ia iu ii",  # nouns
    "ami ach iach ech emi um om ov ove ovi em ou ej",  # nouns: oblique
    "eho emu ych ich ymi imi ym im",  # adjectives (-ý/-á/-é/-í fold to y/a/e/i)
)
_SLOVENE = _endings(
    "a e i o u",
    "ega emu em im ih ima imi ami ah om ov ja ji jo ij",
)
_SERBO_CROATIAN = _endings(
    "a e i o u om em ima ama og oga oj im ih ija ije iji",  # Latin script
    "а е и о у ом ем има ама ог ога ој им их ија ије ији",  # Serbian Cyrillic
)
_RUSSIAN = _endings(
    "а я о е ь ы и у ю ия ие ии ию ья ье",  # nouns
    "ом ем ой ей ою ею ам ям ах ях ами ями ов ев",  # nouns: oblique
    "ый ий ой ая яя ое ее ые ие ого его ому ему ым им ых их ыми ими ую юю",  # adjectives
)
_UKRAINIAN = _endings(
    "а я о е ь и і у ю ія ії ію ья ьє",  # ї folds to і
    "ом ем єм ою ею ам ям ах ях ами ями ів їв ов ев",
    "і[бвгґджзклмнпрстфхцчшщ]",  # і in a closed last syllable is о/е elsewhere: договір, договору
    "ий ій ая яя е є і ого ього ому ьому ой ей ім им іх их ими іми ую юю ої",
)
_BELARUSIAN = _endings(
    "а я о е ь ы і у ю ія іі ыя ая ае ое",
    "ом ем ай ой ёй ей ам ям ах ях амі ямі оў аў яў еў",
    "ы і ый ій ая яя ое ае ыя ія ага яга аму яму ым ім ых іх ымі імі ую юю",
)
_BULGARIAN_MACEDONIAN = _endings(
    "а я о е и ът ят та то те ия ията ият ата ото ите ове овете ия",  # with suffixed articles
    "иот ите от ов",  # Macedonian articles
)
# Baltic.
_LITHUANIAN = _endings(
    "as is ys us a e o u i y ai es os io iu ui",  # ą ė ų į ū fold to a e u i u
    "ija ijos ijai iją ijoje oje eje uje ose ese ams oms ems iams ioms iai ios ius",
)
_LATVIAN = _endings(
    "s is us a e i u o ai ei am em im um os as es ie iem",  # ā ē ī ū fold to a e i u
    "ais aja ajai ajam ajos ajas ajiem ajo",  # definite adjectives
)
# Romance, Greek, Germanic.
_ROMANIAN = _endings(
    "a e i u ul ului lui le lor ea ei ii ia iei ie ilor elor uri urilor",  # suffixed article
    "(?<=e)ana (?<=e)ane (?<=e)an",  # european / europeană / europene
)
_GREEK = _endings("ος ης ας ες ου ων ους οι ο η α ε ι εως")
_GERMAN = _endings(
    # adjective endings, cut only after an adjective-forming suffix: Europäische, Vereinte
    "(?:(?<=isch)|(?<=lich)|(?<=ig)|(?<=al)|(?<=ar)|(?<=iv)|(?<=ell)|(?<=nt)|(?<=rt)|(?<=ch)"
    "|(?<=ost)|(?<=est)|(?<=eut))(?:e|er|es|en|em)",
)
_ICELANDIC = _endings(
    "a i u s ar ir ur um in id inn ins inu num nar nir irnar unum anna inni inum",  # ð -> d
)
_FINNISH = _endings(
    "a e i o u y et at t nen",  # ä ö fold to a o; -nen adjectives (kansainvälinen)
    "us ys os is",  # sopimus/sopimuksen: the stem is sopimu-
)
_ESTONIAN = _endings("a e i u ne")

GRAMMARS: dict[str, Grammar] = {
    "pl": Grammar(_POLISH, keep=frozenset({"przeciwko", "miedzy", "oraz", "sprawie", "spraw"})),
    "cs": Grammar(_CZECH_SLOVAK, keep=frozenset({"proti", "mezi"})),
    "sk": Grammar(_CZECH_SLOVAK, keep=frozenset({"proti", "medzi"})),
    "sl": Grammar(_SLOVENE, keep=frozenset({"proti", "med"})),
    "hr": Grammar(_SERBO_CROATIAN, keep=frozenset({"protiv", "izmedu"})),
    "sr": Grammar(_SERBO_CROATIAN, keep=frozenset({"protiv", "izmedu", "против", "између"})),
    "ru": Grammar(_RUSSIAN, keep=frozenset({"против", "между", "стран"})),
    "uk": Grammar(_UKRAINIAN, keep=frozenset({"проти", "між"})),
    "be": Grammar(_BELARUSIAN, keep=frozenset({"супраць", "паміж"})),
    "bg": Grammar(_BULGARIAN_MACEDONIAN, keep=frozenset({"срещу", "между"})),
    "mk": Grammar(_BULGARIAN_MACEDONIAN, keep=frozenset({"против", "меѓу"})),
    "lt": Grammar(_LITHUANIAN, keep=frozenset({"pries"})),
    "lv": Grammar(_LATVIAN, keep=frozenset({"pret", "starp"})),
    "ro": Grammar(
        _ROMANIAN,
        keep=frozenset({"pentru", "intre", "impotriva", "privind"}),
        hand="(?:(?<=e)an|[aeiu])$",
    ),
    "el": Grammar(_GREEK, keep=frozenset({"στην", "στον", "στη", "κατα", "μεταξυ", "μεταξι"})),
    "de": Grammar(_GERMAN, keep=frozenset({"gegen", "zwischen", "uber", "beim"})),
    "is": Grammar(_ICELANDIC, keep=frozenset({"gegn", "milli"})),
    # a Finnish genitive modifier keeps its -n in every case (Euroopan unionista)
    "fi": Grammar(_FINNISH, gradation=True, keep=frozenset({"vastaan"}), whole="(?<!ne)n$"),
    "et": Grammar(_ESTONIAN, keep=frozenset({"vastu", "vahel"})),
    "hu": Grammar("", last_only=True),
    "tr": Grammar("", last_only=True, keep=frozenset({"icin", "karsi"})),
    "az": Grammar("", last_only=True),
    "kk": Grammar("", last_only=True),
}

# Finnish: the weak grade of a stem ending (liitto/liiton, kansakunta/kansakunnan, pankki/
# pankin): the stem is cut before the consonant that alternates, so it serves both grades.
_GRADATION = re.compile(r"(?:kk|pp|tt|nn|mm|ll|rr|nt|mp|lt|rt|nk|ng)$")
_WORD = re.compile(r"[^\W_]+\*?|\*[^\W_]+\*?")
_ACRONYM = re.compile(r"[^\W\d_]*[A-ZА-ЯΑ-Ω][^\W\d_]*[A-ZА-ЯΑ-Ω]")


def _folded(word: str) -> list[str]:
    """The normal form of each character of ``word`` (ß is ss, þ is th, ó is o)."""
    return [normalize(char) for char in word]


def _cut(word: str, letters: list[str], grammar: Grammar) -> int | None:
    """How many characters of ``word`` to cut before the '*', or None to keep it whole."""
    folded = "".join(letters)
    pattern = re.compile(grammar.endings)
    # every ending the word has, longest first; the longest that leaves a long enough stem
    endings = [folded[start:] for start in range(1, len(folded)) if pattern.match(folded, start)]
    for ending in endings:
        stem = folded[: -len(ending)]
        if grammar.gradation and _GRADATION.search(stem):
            stem = stem[:-1]
        if len(stem) >= MIN_STEM:
            return _characters(word, letters, len(stem))
    return None if endings else 0


def _characters(word: str, letters: list[str], length: int) -> int | None:
    """How many characters of ``word`` follow its first ``length`` letters of normal form."""
    total = 0
    for count, char_letters in enumerate(letters):
        if total == length:
            return len(word) - count
        total += len(char_letters)
    return 0 if total == length else None  # None: a letter folds to two across the cut (þ)


def stem_word(word: str, language: str, *, last: bool = True) -> str:
    """One word of a name as it is written in the generated term (with '*' or unchanged)."""
    grammar = GRAMMARS[language]
    if word.endswith("*") and not word.startswith("*"):
        return _hand_stem(word, grammar)
    letters = _folded(word)
    folded = "".join(letters)
    if (
        word.startswith("*")
        or any(c.isdigit() for c in word)
        or _ACRONYM.fullmatch(word)
        or len(folded) < MIN_STEM
        or folded in grammar.keep
        or (grammar.last_only and not last)
        or re.search(grammar.whole, folded)
    ):
        return word
    if grammar.last_only:
        return word + "*"
    cut = _cut(word, letters, grammar)
    if cut is None:
        return word
    return word[: len(word) - cut] + "*"


def _hand_stem(word: str, grammar: Grammar) -> str:
    """A stem written by hand, cut further where it still ends in a nominative vowel (Finnish
    liitto* is liit*, German Europäische* is Europäisch*) or, in Romanian, in the -ean- that
    alternates with -en- (European* is Europe*, for Europene). Longer endings are not cut:
    Greek Σύμβασ* is already the stem."""
    if grammar.last_only:
        return word
    letters = _folded(word[:-1])
    folded = "".join(letters)
    match = re.search(grammar.hand, folded)
    if not match:
        return word
    stem = folded[: match.start()]
    if grammar.gradation and _GRADATION.search(stem):
        stem = stem[:-1]
    cut = _characters(word[:-1], letters, len(stem)) if len(stem) >= MIN_STEM else None
    return word[: len(word) - 1 - cut] + "*" if cut else word


def inflected(term: str, language: str) -> str | None:
    """The inflection-tolerant form of one name, or None when it gets none."""
    if term.startswith("=") or "..." in term:
        return None
    try:
        parts = term_parts(term)
    except RuleError:
        return None
    words = parts[0]
    if len(parts) != 1 or len(words) < 2 or all(w.prefix for w in words):
        return None
    pieces = list(_WORD.finditer(term))
    out, position = [], 0
    for index, piece in enumerate(pieces):
        out.append(term[position : piece.start()])
        # the first part of a hyphenated or apostrophised word does not inflect
        joined = piece.end() < len(term) and not term[piece.end()].isspace()
        last = index == len(pieces) - 1
        out.append(piece.group() if joined else stem_word(piece.group(), language, last=last))
        position = piece.end()
    out.append(term[position:])
    result = "".join(out)
    return result if result != term else None


# --- reading the pack and checking for clashes ---------------------------------------------

Names = dict[str, dict[str, list[str]]]  # entry id -> language -> terms, in file order


def pack_names(folder: Path = PACK) -> Names:
    """Every term of the ``treaties`` vocabulary in the pack's files but the generated one."""
    names: Names = {}
    for path in sorted(folder.glob("*.yaml")):
        if path == OUTPUT:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        vocabulary = (data.get("vocabularies") or {}).get(VOCABULARY) or {}
        for entry_id, entry in (vocabulary.get("entries") or {}).items():
            for language, terms in (entry.get("terms") or {}).items():
                known = names.setdefault(entry_id, {}).setdefault(str(language), [])
                known += [t for t in terms or [] if t not in known]
    return names


Pattern = tuple[tuple[str, bool], ...]  # normal-form words, each with its '*'


def _pattern(term: str) -> Pattern | None:
    try:
        parts = term_parts(term)
    except RuleError:
        return None
    return tuple((w.text, w.prefix) for part in parts for w in part)


def _word_hits(word: tuple[str, bool], other: tuple[str, bool]) -> bool:
    text, prefix = word
    return other[0].startswith(text) if prefix else other[0] == text


def _runs(pattern: Pattern, name: Pattern) -> Iterable[int]:
    """Where ``pattern`` matches a run of ``name``'s words."""
    for start in range(len(name) - len(pattern) + 1):
        if all(_word_hits(w, name[start + i]) for i, w in enumerate(pattern)):
            yield start


class _Index:
    """The names of every entry, by their first word's first letters, for the clash check."""

    def __init__(self, names: Names) -> None:
        self.names: list[tuple[str, Pattern]] = []
        for entry_id, languages in names.items():
            for terms in languages.values():
                for term in terms:
                    pattern = _pattern(term)
                    if pattern:
                        self.names.append((entry_id, pattern))
        self.by_word: dict[str, list[int]] = {}
        for index, (_, pattern) in enumerate(self.names):
            for text, _prefix in pattern:
                self.by_word.setdefault(text[:MIN_STEM], []).append(index)
        # the words of the names of each language and of the languages that share its
        # endings, for the derived-word check (Serbian Latin stems meet Croatian Europsk-)
        self.words: dict[str, list[str]] = {}
        for language, grammar in GRAMMARS.items():
            kin = [other for other, g in GRAMMARS.items() if g.endings == grammar.endings]
            self.words[language] = sorted(
                {
                    text
                    for entry in names.values()
                    for other in kin
                    for term in entry.get(other, [])
                    if (pattern := _pattern(term))
                    for text, _prefix in pattern
                }
            )

    def derived(self, language: str, original: Pattern, generated: Pattern) -> set[int]:
        """Word positions whose new stem reaches a word derived from it, not one of its forms:
        Czech ``Rada Evrop*`` (Rada Evropy, the Council of Europe) would find ``Rada Evropské
        unie``, as the stem reaches ``evropske`` and ``-ske`` is no case ending."""
        grammar = GRAMMARS[language]
        if grammar.last_only or grammar.gradation:
            return set()  # Finnish: the stems stand before case endings the list lacks
        ending = re.compile(grammar.endings.removesuffix("$"))
        words = self.words[language]
        positions = set()
        for i, ((text, prefix), (old, old_prefix)) in enumerate(
            zip(generated, original, strict=True)
        ):
            if not prefix or (old_prefix and old == text):
                continue
            start = bisect_left(words, text)
            while start < len(words) and words[start].startswith(text):
                rest = words[start][len(text) :]
                if len(rest) > 1 and not ending.fullmatch(rest):
                    positions.add(i)
                    break
                start += 1
        return positions

    def clashes(self, entry_id: str, original: Pattern, generated: Pattern) -> set[int]:
        """Word positions of ``generated`` whose stem finds another entry's name."""
        positions: set[int] = set()
        for index in set(self.by_word.get(generated[0][0][:MIN_STEM], [])):
            other_id, name = self.names[index]
            if other_id == entry_id:
                continue
            old = set(_runs(original, name))
            for start in _runs(generated, name):
                if start in old:
                    continue
                positions |= {
                    i
                    for i, (text, _p) in enumerate(generated)
                    if name[start + i][0] != original[i][0]
                }
                positions.add(-1)
        return positions


def _subsumed(pattern: Pattern, known: list[Pattern]) -> bool:
    """Whether an existing term of the entry already matches everything ``pattern`` does."""
    for other in known:
        if len(other) == len(pattern) and all(
            (o_text == text and (o_prefix or not prefix)) or (o_prefix and text.startswith(o_text))
            for (text, prefix), (o_text, o_prefix) in zip(pattern, other, strict=True)
        ):
            return True
    return False


def generate(names: Names) -> dict[str, dict[str, list[str]]]:
    """entry id -> language -> generated terms."""
    index = _Index(names)
    result: dict[str, dict[str, list[str]]] = {}
    for entry_id in sorted(names):
        known = [p for terms in names[entry_id].values() for t in terms if (p := _pattern(t))]
        for language in GRAMMARS:
            for term in names[entry_id].get(language, []):
                new = _checked(entry_id, term, language, index)
                if new is None:
                    continue
                pattern = _pattern(new)
                if pattern is None or _subsumed(pattern, known):
                    continue
                known.append(pattern)
                result.setdefault(entry_id, {}).setdefault(language, []).append(new)
    return result


def _checked(entry_id: str, term: str, language: str, index: _Index) -> str | None:
    """The generated form of ``term``, with clashing words kept whole, or None."""
    new = inflected(term, language)
    original = _pattern(term)
    if new is None or original is None:
        return None
    for _ in range(2):
        generated = _pattern(new)
        if generated is None or len(generated) != len(original):
            return None
        clash = index.clashes(entry_id, original, generated)
        clash |= index.derived(language, original, generated)
        if not clash:
            return new
        new = _unstemmed(term, new, clash - {-1})
        if new is None:
            return None
    return None


def _unstemmed(term: str, new: str, positions: set[int]) -> str | None:
    """``new`` with the words at ``positions`` written as in ``term`` again."""
    if not positions:
        return None
    old_words = [m.group() for m in _WORD.finditer(term)]
    pieces = list(_WORD.finditer(new))
    out, position = [], 0
    for i, piece in enumerate(pieces):
        out.append(new[position : piece.start()])
        out.append(old_words[i] if i in positions else piece.group())
        position = piece.end()
    out.append(new[position:])
    result = "".join(out)
    return result if result != term else None


def _quote(term: str) -> str:
    return "'" + term.replace("'", "''") + "'"


def render(names: Names | None = None) -> str:
    """The YAML text of names_inflected.yaml."""
    generated = generate(pack_names() if names is None else names)
    count = sum(len(terms) for languages in generated.values() for terms in languages.values())
    lines = [
        "# Generated by scripts/names_inflected.py from the pack's own `treaties` names: do not",
        "# edit (run `make names`). Each multi-word name in a language that inflects it, with",
        "# its words cut to their stems, so that the name is found in every case: Polish",
        "# 'Organizacji Narodow Zjednoczonych', German 'der Asiatischen Infrastruktur-",
        f"# Investitionsbank'. {count} names in {len(GRAMMARS)} languages.",
        "vocabularies:",
        f"  {VOCABULARY}:",
        "    extend: true",
        "    entries:",
    ]
    for entry_id, languages in generated.items():
        lines += [f"      {entry_id}:", "        terms:"]
        for language in GRAMMARS:
            if language in languages:
                terms = ", ".join(map(_quote, languages[language]))
                lines.append(f"          {language}: [{terms}]")
    return "\n".join(lines) + "\n"


def main() -> int:
    text = render()
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({text.count(chr(10)) - 9} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
